#include "jobs/key_compaction.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>

#include "record/batch_rewrite.h"

namespace sluice::jobs {

Result<std::optional<int64_t>> TopicDeleteRetention(const metadata::ConfigMap& configs) {
  auto policy = configs.find("cleanup.policy");
  if (policy == configs.end() || policy->second.find("compact") == std::string::npos) {
    return std::optional<int64_t>();
  }
  auto it = configs.find("delete.retention.ms");
  if (it == configs.end()) return std::optional<int64_t>(kDefaultDeleteRetentionMs);
  int64_t value = 0;
  const std::string& s = it->second;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value < 0) {
    return Status::InvalidArgument("topic config delete.retention.ms='" + s + "' is not valid");
  }
  return std::optional<int64_t>(value);
}

namespace {

struct RecordFacts {
  int64_t offset = 0;
  std::optional<std::string> key;
  bool tombstone = false;
};

}  // namespace

Result<std::vector<BatchVerdict>> CompactPartitionKeys(const std::vector<PartitionBatch>& batches,
                                                       const KeyCompactionContext& context) {
  // Pass 1: the facts of every record and the last offset of every key.
  std::vector<std::vector<RecordFacts>> facts(batches.size());
  std::vector<bool> opaque(batches.size(), false);
  std::map<std::string, int64_t> latest;
  for (size_t b = 0; b < batches.size(); ++b) {
    const PartitionBatch& in = batches[b];
    if (in.batch.header.is_control()) continue;  // markers, not data: copied as they are
    // A transactional batch may still be open or end aborted; its outcome lives in the metadata
    // store's markers, which this pure pass does not see. So it is copied whole and handled like
    // a batch that does not decode: it shadows nothing, and no tombstone after it goes (it may
    // hold a committed older value). docs/jobs.md "Compacted topics and transactions".
    if (in.batch.header.is_transactional()) {
      opaque[b] = true;
      continue;
    }
    auto records = DecodeRecords(in.batch);
    // Produce validated every stored batch; should one still not decode, it is copied whole
    // rather than stalling the compaction of everything merged with it.
    if (!records.ok()) {
      opaque[b] = true;
      continue;
    }
    for (Record& r : *records) {
      RecordFacts f;
      f.offset = in.base_offset + (r.offset - in.batch.header.base_offset);
      f.tombstone = !r.value.has_value();
      if (r.key) {
        f.key.emplace(r.key->begin(), r.key->end());
        int64_t& last = latest[*f.key];
        last = std::max(last, f.offset);
      }
      facts[b].push_back(std::move(f));
    }
  }
  // Pass 2: what each batch keeps. A batch that does not decode may hold an older value of any
  // key, so no tombstone after it goes.
  int64_t tombstones_go_below = context.inputs_cover_below;
  for (size_t b = 0; b < batches.size(); ++b) {
    if (opaque[b]) tombstones_go_below = std::min(tombstones_go_below, batches[b].base_offset);
  }
  const int64_t tombstone_cutoff = context.now_ms - context.delete_retention_ms;
  std::vector<BatchVerdict> verdicts(batches.size());
  for (size_t b = 0; b < batches.size(); ++b) {
    const PartitionBatch& in = batches[b];
    BatchVerdict& v = verdicts[b];
    v.record_count = in.batch.header.record_count;
    if (in.batch.header.is_control() || opaque[b]) continue;
    const bool tombstones_expire = in.batch.header.max_timestamp < tombstone_cutoff;
    std::vector<bool> keep;
    for (const RecordFacts& f : facts[b]) {
      bool kept = true;
      if (f.key) {
        if (latest[*f.key] > f.offset) kept = false;  // a later value of the key exists
        if (f.tombstone && tombstones_expire && f.offset < tombstones_go_below) {
          kept = false;
        }
      }
      keep.push_back(kept);
    }
    const auto kept = static_cast<int32_t>(std::count(keep.begin(), keep.end(), true));
    if (kept == static_cast<int32_t>(keep.size())) continue;
    if (kept == 0) {
      if (in.base_offset + in.offset_count >= context.high_watermark) continue;  // keep the last
      v.action = BatchVerdict::Action::kDrop;
      v.record_count = 0;
      v.records_dropped = static_cast<int32_t>(keep.size());
      continue;
    }
    SLUICE_ASSIGN_OR_RETURN(v.rewritten, RewriteBatchKeeping(in.batch, keep));
    v.action = BatchVerdict::Action::kRewrite;
    v.record_count = kept;
    v.records_dropped = static_cast<int32_t>(keep.size()) - kept;
  }
  return verdicts;
}

Task<Result<int64_t>> InputsCoverBelow(metadata::MetadataStore& store, const std::string& topic,
                                       const metadata::PartitionInfo& partition,
                                       const std::set<std::string>& input_keys) {
  int64_t from = partition.log_start_offset;
  while (from < partition.high_watermark) {
    auto page = co_await store.FindChunks(topic, partition.partition, from,
                                          std::numeric_limits<uint64_t>::max());
    if (!page.ok()) co_return page.status();
    const int64_t before = from;
    for (const auto& c : *page) {
      if (c.base_offset + c.offset_count <= from) continue;
      if (!input_keys.contains(c.object_key)) co_return c.base_offset;
      from = c.base_offset + c.offset_count;
    }
    if (from == before) break;  // nothing (more) indexed
  }
  co_return partition.high_watermark;
}

}  // namespace sluice::jobs
