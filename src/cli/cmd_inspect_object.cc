// `sluice inspect-object`: prints a segment object's footer, read straight from the bucket.
#include <cstdio>
#include <cstring>

#include "cli/admin_commands.h"
#include "cli/admin_common.h"
#include "cli/output.h"
#include "common/blocking.h"
#include "storage/object_store.h"
#include "storage/segment_format.h"

namespace sluice::cli {

namespace {

std::string Hex(const std::array<uint8_t, 16>& id) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (uint8_t b : id) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

// The footer of `key`: size from a listing, then the trailer, then footer + trailer.
Result<std::pair<SegmentFooter, uint64_t>> ReadFooter(storage::ObjectStore& store,
                                                      const std::string& key) {
  SLUICE_ASSIGN_OR_RETURN(storage::ListPage page, RunSync(store.List(key, "", 10)));
  uint64_t size = 0;
  bool found = false;
  for (const auto& o : page.objects) {
    if (o.key == key) {
      size = o.size;
      found = true;
    }
  }
  if (!found) return Status::NotFound("no object " + key + " in " + store.Describe());
  if (size < kSegmentTrailerSize) {
    return Status::Corruption(key + " is " + std::to_string(size) + " bytes: not a segment object");
  }
  SLUICE_ASSIGN_OR_RETURN(Bytes trailer,
                          RunSync(store.Get(key, size - kSegmentTrailerSize, kSegmentTrailerSize)));
  SLUICE_ASSIGN_OR_RETURN(uint32_t footer_length, ParseSegmentTrailer(trailer));
  uint64_t tail_length = uint64_t{footer_length} + kSegmentTrailerSize;
  if (tail_length > size) return Status::Corruption(key + ": footer longer than the object");
  SLUICE_ASSIGN_OR_RETURN(Bytes tail, RunSync(store.Get(key, size - tail_length, tail_length)));
  SLUICE_ASSIGN_OR_RETURN(SegmentFooter footer, ParseSegmentFooterFromTail(tail, size));
  return std::make_pair(std::move(footer), size);
}

}  // namespace

int RunInspectObject(const std::vector<std::string>& args) {
  FlagSet flags("sluice inspect-object");
  std::string bucket_url;
  std::string key;
  bool json = false;
  flags.String("bucketURL", &bucket_url, "", "bucket URL (file://, mem://, s3://...)");
  flags.String("key", &key, "", "object key inside the bucket (as the agent wrote it)");
  flags.Bool("json", &json, false, "print JSON for scripts instead of tables");
  std::vector<std::string> positional;
  if (auto exit = ParseCommandFlags(flags, args, {},
                                    "Usage: sluice inspect-object -bucketURL URL -key KEY [flags]\n"
                                    "Prints a segment object's footer: one row per chunk.",
                                    &positional)) {
    return *exit;
  }
  if (!positional.empty()) return UsageError("inspect-object takes no arguments");
  if (bucket_url.empty() || key.empty())
    return UsageError("inspect-object needs -bucketURL and -key");
  asio::thread_pool blocking(1);
  auto store = storage::OpenObjectStore(bucket_url, blocking.get_executor());
  if (!store.ok()) return Fail(store.status());
  auto read = ReadFooter(**store, key);
  blocking.join();
  if (!read.ok()) return Fail(read.status());
  const auto& [footer, size] = *read;
  Json chunks = Json::Array();
  Table table({"TOPIC", "PARTITION", "BYTE-OFFSET", "BYTES", "RECORDS", "LAST-DELTA", "FIRST-TS",
               "MAX-TS", "PRODUCER"});
  for (const auto& c : footer.chunks) {
    chunks.Push(Json::Object()
                    .Set("topic", c.topic)
                    .Set("topic_id", Hex(c.topic_id))
                    .Set("partition", c.partition)
                    .Set("byte_offset", c.byte_offset)
                    .Set("byte_length", static_cast<int64_t>(c.byte_length))
                    .Set("record_count", c.record_count)
                    .Set("last_offset_delta", c.last_offset_delta)
                    .Set("first_timestamp", c.first_timestamp)
                    .Set("max_timestamp", c.max_timestamp)
                    .Set("producer_id", c.producer_id)
                    .Set("producer_epoch", static_cast<int32_t>(c.producer_epoch))
                    .Set("base_sequence", c.base_sequence));
    table.AddRow({c.topic, std::to_string(c.partition), std::to_string(c.byte_offset),
                  std::to_string(c.byte_length), std::to_string(c.record_count),
                  std::to_string(c.last_offset_delta), std::to_string(c.first_timestamp),
                  std::to_string(c.max_timestamp),
                  c.producer_id < 0
                      ? "-"
                      : std::to_string(c.producer_id) + "/" + std::to_string(c.producer_epoch) +
                            "/" + std::to_string(c.base_sequence)});
  }
  if (json) {
    std::printf("%s\n", Json::Object()
                            .Set("key", key)
                            .Set("size", size)
                            .Set("version", static_cast<int64_t>(footer.version))
                            .Set("object_id", footer.object_id)
                            .Set("level", footer.level)
                            .Set("chunks", std::move(chunks))
                            .Dump()
                            .c_str());
  } else {
    std::printf(
        "Object: %s\nSize: %llu bytes  Footer version: %u  Object id: %s  Level: %d  "
        "Chunks: %zu\n\n%s",
        key.c_str(), static_cast<unsigned long long>(size), footer.version,
        footer.object_id.c_str(), footer.level, footer.chunks.size(), table.Render().c_str());
  }
  return kExitOk;
}

}  // namespace sluice::cli
