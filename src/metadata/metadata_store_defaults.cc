// Defaults for the optional parts of MetadataStore: a back end that does not implement them
// answers Unimplemented, which an agent reports as "this store cannot run a cluster".
#include "metadata/metadata_store.h"

namespace sluice::metadata {

namespace {
Status NotHere(const char* what) {
  return Status::Unimplemented(std::string(what) + " is not implemented by this metadata store");
}
}  // namespace

Task<Result<AgentRecord>> MetadataStore::RegisterAgent(AgentRegistration, int64_t, int64_t) {
  co_return NotHere("RegisterAgent");
}
Task<Status> MetadataStore::RenewAgentLease(int32_t, int64_t, int64_t) {
  co_return NotHere("RenewAgentLease");
}
Task<Status> MetadataStore::DeregisterAgent(int32_t) { co_return NotHere("DeregisterAgent"); }
Task<Result<std::vector<AgentRecord>>> MetadataStore::ListLiveAgents(int64_t) {
  co_return NotHere("ListLiveAgents");
}
Task<Result<int32_t>> MetadataStore::AcquireGroupLease(std::string, int32_t, int64_t, int64_t) {
  co_return NotHere("AcquireGroupLease");
}
Task<Result<std::vector<std::string>>> MetadataStore::RenewGroupLeases(int32_t, int64_t,
                                                                       int64_t) {
  co_return NotHere("RenewGroupLeases");
}
Task<Status> MetadataStore::ReleaseGroupLeases(int32_t, std::string) {
  co_return NotHere("ReleaseGroupLeases");
}

}  // namespace sluice::metadata
