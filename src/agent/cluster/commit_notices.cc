#include "agent/cluster/commit_notices.h"

#include <charconv>

#include "storage/s3_http_client.h"

namespace sluice::agent {

namespace {

bool ValidTopicChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

template <typename Int>
bool ParseNumber(std::string_view text, Int& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

}  // namespace

std::string EncodeCommitNotices(const std::vector<CommitNotice>& notices) {
  std::string out;
  for (const auto& n : notices) {
    out += n.topic + '\t' + std::to_string(n.partition) + '\t' + std::to_string(n.high_watermark) +
           '\t' + std::to_string(n.log_start_offset);
    if (n.last_stable_offset >= 0) {
      out += '\t' + std::to_string(n.last_stable_offset);
      if (n.last_abort_offset) out += '\t' + std::to_string(*n.last_abort_offset);
    }
    out += '\n';
  }
  return out;
}

Result<std::vector<CommitNotice>> DecodeCommitNotices(std::string_view body) {
  std::vector<CommitNotice> out;
  while (!body.empty()) {
    auto newline = body.find('\n');
    if (newline == std::string_view::npos) return Status::InvalidArgument("unterminated line");
    std::string_view line = body.substr(0, newline);
    body.remove_prefix(newline + 1);
    std::string_view fields[6];
    int count = 0;
    while (true) {
      if (count == 6) return Status::InvalidArgument("a line has at most six fields");
      auto tab = line.find('\t');
      fields[count++] = line.substr(0, tab);
      if (tab == std::string_view::npos) break;
      line.remove_prefix(tab + 1);
    }
    if (count < 4) return Status::InvalidArgument("a line needs four to six tab-separated fields");
    CommitNotice n;
    if (fields[0].empty() || fields[0].size() > 249) {
      return Status::InvalidArgument("bad topic name length");
    }
    for (char c : fields[0]) {
      if (!ValidTopicChar(c)) return Status::InvalidArgument("bad topic name");
    }
    n.topic = std::string(fields[0]);
    if (!ParseNumber(fields[1], n.partition) || !ParseNumber(fields[2], n.high_watermark) ||
        !ParseNumber(fields[3], n.log_start_offset) || n.log_start_offset > n.high_watermark) {
      return Status::InvalidArgument("bad partition or offsets");
    }
    if (count >= 5 && (!ParseNumber(fields[4], n.last_stable_offset) ||
                       n.last_stable_offset > n.high_watermark)) {
      return Status::InvalidArgument("bad last stable offset");
    }
    if (count == 6) {
      int64_t abort_offset = 0;
      // -1 (no abort) is the only negative value.
      if (fields[5] == "-1") {
        abort_offset = -1;
      } else if (!ParseNumber(fields[5], abort_offset) || abort_offset >= n.high_watermark) {
        return Status::InvalidArgument("bad last abort offset");
      }
      n.last_abort_offset = abort_offset;
    }
    out.push_back(std::move(n));
  }
  return out;
}

CommitNoticeSender::CommitNoticeSender(asio::any_io_executor executor, const ClusterView& cluster,
                                       PeerClients& peers)
    : executor_(executor), cluster_(cluster), peers_(peers) {}

void CommitNoticeSender::Send(const std::vector<CommitNotice>& notices) {
  if (notices.empty()) return;
  auto live = cluster_.LiveAgents();
  const int32_t self = cluster_.Self().node_id;
  for (const auto& agent : *live) {
    if (agent.node_id == self || !ServesConsume(agent) || agent.agent.http_port <= 0) continue;
    Peer& peer = by_node_[agent.node_id];
    for (const auto& n : notices) {
      auto& slot = peer.pending[{n.topic, n.partition}];
      if (n.high_watermark < slot.high_watermark) continue;
      // An LSO travels with the abort offset it came with; keep the newest pair.
      if (n.last_stable_offset < slot.last_stable_offset) {
        int64_t lso = slot.last_stable_offset;
        auto abort_offset = slot.last_abort_offset;
        slot = n;
        slot.last_stable_offset = lso;
        slot.last_abort_offset = abort_offset;
      } else {
        slot = n;
      }
    }
    Pump(agent);
  }
  // Forget peers that left, so the map stays as small as the cluster.
  for (auto it = by_node_.begin(); it != by_node_.end();) {
    bool listed = false;
    for (const auto& agent : *live) listed |= agent.node_id == it->first;
    it = listed || it->second.in_flight ? std::next(it) : by_node_.erase(it);
  }
}

void CommitNoticeSender::Pump(const metadata::AgentRecord& agent) {
  Peer& peer = by_node_[agent.node_id];
  if (peer.in_flight || peer.pending.empty()) return;
  std::vector<CommitNotice> batch;
  for (auto& [key, notice] : peer.pending) batch.push_back(std::move(notice));
  peer.pending.clear();
  peer.in_flight = true;
  asio::co_spawn(executor_, Deliver(agent, EncodeCommitNotices(batch)), asio::detached);
}

Task<void> CommitNoticeSender::Deliver(metadata::AgentRecord peer, std::string body) {
  auto alive = alive_;
  storage::HttpRequest request;
  request.method = "POST";
  request.target = "/v1/internal/commits";
  request.headers = {{"Content-Type", "text/plain"}};
  request.body.assign(body.begin(), body.end());
  auto client = peers_.For(peer);
  auto answer = co_await client->Send(request, std::chrono::milliseconds(2000));
  if (!*alive) co_return;
  if (answer.ok() && answer->status == 204) {
    ++sent_;
  } else {
    ++failed_;
  }
  auto it = by_node_.find(peer.node_id);
  if (it == by_node_.end()) co_return;
  it->second.in_flight = false;
  Pump(peer);
}

}  // namespace sluice::agent
