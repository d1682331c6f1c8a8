// The JSON documents behind the web console (/ui). Each one is a snapshot the page polls every
// 2 s; rates (throughput) are computed by the page from the differences between two snapshots.
//
//   /v1/console/agents   the live agents from the cluster view, with their leases
//   /v1/console/topics   topics and partitions: log start offset, high watermark, records, bytes
//   /v1/console/groups   consumer groups: live state of the groups this agent owns, committed
//                        offsets from the store and lag = high watermark - committed offset
//   /v1/console/objects  live objects by level, dead objects awaiting deletion, queued jobs
//
// A store call that fails does not fail the document: the part it feeds is left out and the
// message is listed under "errors", so the page shows what it can.
#pragma once

#include <string>

#include "agent/cluster/cluster_view.h"
#include "agent/groups/group_coordinator.h"
#include "common/asio.h"
#include "common/clock.h"
#include "metadata/metadata_store.h"

namespace sluice::agent::groups {
class LeaseGroupOwnership;
}  // namespace sluice::agent::groups

namespace sluice::agent::console {

struct ConsoleSources {
  metadata::MetadataStore& store;
  const ClusterView& cluster;
  const groups::GroupCoordinator& groups;  // holds exactly the groups this agent owns
  const Clock& clock;
  // Which groups this agent owns (it may own a group with no live state loaded); null: only
  // those with live state in `groups`.
  const groups::LeaseGroupOwnership* ownership = nullptr;
};

Task<std::string> AgentsJson(const ConsoleSources& sources);
Task<std::string> TopicsJson(const ConsoleSources& sources);
Task<std::string> GroupsJson(const ConsoleSources& sources);
Task<std::string> ObjectsJson(const ConsoleSources& sources);

}  // namespace sluice::agent::console
