#include "agent/agent.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <thread>

#include "agent/agent_metrics.h"
#include "agent/agent_status.h"
#include "agent/backlog/backlog_monitor.h"
#include "agent/cluster/cluster_view.h"
#include "agent/cluster/commit_notices.h"
#include "agent/cluster/membership.h"
#include "agent/cluster/peer_clients.h"
#include "agent/cluster/routing_log.h"
#include "agent/console/console_routes.h"
#include "agent/fetch/cache_metrics.h"
#include "agent/fetch/file_cache.h"
#include "agent/fetch/partition_reader.h"
#include "agent/fetch/zone_cache.h"
#include "agent/groups/group_coordinator.h"
#include "agent/groups/group_ownership.h"
#include "agent/groups/group_ticker.h"
#include "agent/groups/lease_group_ownership.h"
#include "agent/groups/offset_expiry.h"
#include "agent/http_api/rest_proxy.h"
#include "agent/kafka/group_forwarder.h"
#include "agent/kafka/kafka_api.h"
#include "agent/kafka/kafka_services.h"
#include "agent/produce/batcher.h"
#include "agent/topic_cache.h"
#include "common/clock.h"
#include "common/ulid.h"
#include "jobs/jobs_service.h"
#include "jobs/lag_metrics.h"
#include "metadata/metadata_store.h"
#include "metadata/timed_metadata_store.h"
#include "network/http_server.h"
#include "network/kafka_server.h"
#include "observability/logger.h"
#include "observability/metrics.h"
#include "storage/counting_object_store.h"
#include "storage/object_store.h"

namespace sluice::agent {

namespace {
constexpr const char* kVersion = "0.1.0";

// "postgres://user:secret@host/db" -> "postgres://user:***@host/db": never log a password.
std::string RedactUrlPassword(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto at = url.find('@', scheme + 3);
  auto colon = url.find(':', scheme + 3);
  if (at == std::string::npos || colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

}  // namespace

class Agent::Impl {
 public:
  explicit Impl(AgentConfig config)
      : config_(std::move(config)), logger_(config_.log_level, config_.log_format), blocking_(2) {}

  Status Run();

 private:
  Status Open();
  Status StartServers();
  Status JoinCluster();
  void WatchCluster(const AgentList& live);
  void RegisterMetrics();
  void RefreshMetrics();
  Task<void> Shutdown();
  void StartJobs();
  void StartBacklogMonitor();
  void OnCommitted(const metadata::CommitRequest& request, const metadata::CommitResult& result);
  void OnMarkersWritten(const std::vector<metadata::WrittenMarker>& markers);
  Task<HttpResponse> ReceiveCommitNotices(const HttpRequest& request);

  AgentConfig config_;
  obs::Logger logger_;
  obs::MetricsRegistry metrics_;
  SystemClock clock_;
  asio::io_context io_{1};
  asio::thread_pool blocking_;

  std::unique_ptr<storage::ObjectStore> objects_;
  std::unique_ptr<metadata::MetadataStore> store_;
  std::string cluster_id_;
  std::unique_ptr<TopicCache> topics_;
  std::unique_ptr<FileCache> cache_;
  std::unique_ptr<PeerClients> peers_;     // HTTP clients to the other agents, shared by all below
  std::unique_ptr<ZoneCache> zone_cache_;  // in front of cache_: one owner per object per zone
  std::unique_ptr<CacheMetrics> cache_metrics_;
  std::unique_ptr<PartitionReader> reader_;
  std::unique_ptr<Batcher> batcher_;
  std::unique_ptr<groups::GroupCoordinator> groups_;
  std::unique_ptr<groups::MetadataGroupLeaseStore> group_leases_;
  std::unique_ptr<groups::LeaseGroupOwnership> group_ownership_;
  std::unique_ptr<GroupForwarder> group_forwarder_;
  std::unique_ptr<groups::GroupTicker> group_ticker_;
  std::unique_ptr<groups::OffsetExpiry> offset_expiry_;
  std::unique_ptr<Membership> membership_;
  std::unique_ptr<CommitNoticeSender> commit_notices_;
  std::unique_ptr<RoutingLog> routing_log_;
  std::unique_ptr<jobs::JobsService> jobs_;        // only with the jobs role
  std::unique_ptr<jobs::LagMetrics> lag_metrics_;  // only with the jobs role
  std::unique_ptr<BacklogMonitor> backlog_;        // only on agents that take produce
  std::unique_ptr<KafkaServices> services_;
  std::unique_ptr<KafkaApi> api_;
  std::unique_ptr<network::KafkaServer> kafka_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<http_api::RestProxy> rest_proxy_;  // REST Proxy v2 API (docs/http-api.md)
  bool ready_ = false;
  bool draining_ = false;
  int signals_seen_ = 0;
  int64_t last_no_jobs_warning_ms_ = 0;

  // Metrics refreshed from component counters at scrape time (docs/metrics.md).
  std::unique_ptr<AgentMetrics> agent_metrics_;
  MirroredCounter* notices_sent_ = nullptr;
  MirroredCounter* notices_failed_ = nullptr;
  std::unique_ptr<HealthProbe> health_;  // /v1/status
  std::chrono::steady_clock::time_point started_at_ = std::chrono::steady_clock::now();
};

Status Agent::Impl::Open() {
  if (config_.mode == AgentMode::kAgent) {
    std::error_code ec;
    std::filesystem::create_directories(config_.data_dir, ec);
    if (ec) {
      return Status::IOError("cannot create -dataDir " + config_.data_dir + ": " + ec.message());
    }
  }
  auto objects = storage::OpenObjectStore(config_.bucket_url, blocking_.get_executor());
  if (!objects.ok()) return Status::InvalidArgument("-bucketURL: " + objects.status().message());
  // Every object-store call is counted in /metrics, whatever the back end.
  objects_ = std::make_unique<storage::CountingObjectStore>(std::move(objects).value(), metrics_);
  auto store = metadata::OpenMetadataStore(config_.metadata_url, blocking_.get_executor());
  if (!store.ok()) return Status::InvalidArgument("-metadataURL: " + store.status().message());
  // Every metadata-store call is timed and its errors counted in /metrics, whatever the back end.
  store_ = std::make_unique<metadata::TimedMetadataStore>(std::move(store).value(), metrics_);

  // Migrations and the cluster id are needed before anything is served.
  auto prepare = [this]() -> Task<Status> {
    Status migrated = co_await store_->Migrate();
    if (!migrated.ok()) co_return migrated;
    auto cluster = co_await store_->ClusterId();
    if (!cluster.ok()) co_return cluster.status();
    cluster_id_ = *cluster;
    co_return Status::Ok();
  };
  Status prepared = Status::Internal("start-up did not finish");
  asio::co_spawn(io_, prepare(), [&](std::exception_ptr e, Status status) {
    prepared = e ? Status::Internal("exception during start-up") : std::move(status);
  });
  io_.run();
  io_.restart();
  return prepared;
}

void Agent::Impl::OnCommitted(const metadata::CommitRequest& request,
                              const metadata::CommitResult& result) {
  for (size_t i = 0; i < request.chunks.size(); ++i) {
    const auto& chunk = request.chunks[i];
    const auto& outcome = result.chunks[i];
    if (outcome.error_code != 0 || outcome.duplicate) continue;
    topics_->Advance(chunk.topic, chunk.partition,
                     {.high_watermark = outcome.base_offset + chunk.last_offset_delta + 1,
                      .log_start_offset = outcome.log_start_offset,
                      .last_stable_offset = outcome.last_stable_offset,
                      .last_abort_offset = std::nullopt});
  }
  agent_metrics_->RecordCommitted(request, result);
  // Wake fetches even if every chunk failed: they re-check and answer.
  topics_->commits().Notify();
  // And the long polls of the other agents.
  if (commit_notices_) {
    std::vector<CommitNotice> notices;
    for (size_t i = 0; i < request.chunks.size(); ++i) {
      const auto& outcome = result.chunks[i];
      if (outcome.error_code != 0) continue;
      CommitNotice notice;
      notice.topic = request.chunks[i].topic;
      notice.partition = request.chunks[i].partition;
      notice.high_watermark = outcome.base_offset + request.chunks[i].last_offset_delta + 1;
      notice.log_start_offset = outcome.log_start_offset;
      notice.last_stable_offset = outcome.last_stable_offset;  // abort offset unknown here
      notices.push_back(std::move(notice));
    }
    commit_notices_->Send(notices);
  }
}

// Transaction markers written by a store call of this agent. A marker does not say whether it
// aborted, so the abort offset is raised to it (at worst one needless aborted-list query).
void Agent::Impl::OnMarkersWritten(const std::vector<metadata::WrittenMarker>& markers) {
  std::vector<CommitNotice> notices;
  for (const auto& m : markers) {
    CommitNotice notice;
    notice.topic = m.topic;
    notice.partition = m.partition;
    notice.high_watermark = m.high_watermark;
    notice.log_start_offset = m.log_start_offset;
    notice.last_stable_offset = m.last_stable_offset;
    notice.last_abort_offset = m.marker_offset;
    topics_->Advance(m.topic, m.partition,
                     {.high_watermark = m.high_watermark,
                      .log_start_offset = m.log_start_offset,
                      .last_stable_offset = m.last_stable_offset,
                      .last_abort_offset = m.marker_offset});
    notices.push_back(std::move(notice));
  }
  topics_->commits().Notify();
  if (commit_notices_) commit_notices_->Send(notices);
}

// POST /v1/internal/commits from another agent: its new high watermarks; wake our long polls.
Task<HttpResponse> Agent::Impl::ReceiveCommitNotices(const HttpRequest& request) {
  auto notices = DecodeCommitNotices(request.body);
  if (!notices.ok()) co_return HttpResponse::JsonError(400, notices.status().message());
  for (const auto& n : *notices) {
    topics_->Advance(n.topic, n.partition,
                     {.high_watermark = n.high_watermark,
                      .log_start_offset = n.log_start_offset,
                      .last_stable_offset = n.last_stable_offset,
                      .last_abort_offset = n.last_abort_offset});
  }
  HttpResponse response;
  response.status = 204;
  co_return response;
}

void Agent::Impl::RegisterMetrics() {
  metrics_.AddGauge("sluice_agent_info", "Agent version and cluster id.", {"version", "cluster_id"})
      .WithLabels({kVersion, cluster_id_})
      .Set(1);
  auto& roles =
      metrics_.AddGauge("sluice_agent_roles", "Roles this agent runs (1 = running).", {"role"});
  for (auto role :
       {AgentRole::kProxy, AgentRole::kProxyProduce, AgentRole::kProxyConsume, AgentRole::kJobs}) {
    roles.WithLabels({std::string(AgentRoleName(role))}).Set(config_.HasRole(role) ? 1 : 0);
  }
  agent_metrics_ = std::make_unique<AgentMetrics>(metrics_);
  batcher_->SetFlushObserver([this](const FlushTiming& t) { agent_metrics_->RecordFlush(t); });
  notices_sent_ =
      &agent_metrics_->Mirror("sluice_commit_notices_sent_total",
                              "Commit notices delivered to other agents (they wake long polls).");
  notices_failed_ = &agent_metrics_->Mirror("sluice_commit_notices_failed_total",
                                            "Commit notices that did not arrive.");
  cache_metrics_ = std::make_unique<CacheMetrics>(metrics_);
}

void Agent::Impl::RefreshMetrics() {
  notices_sent_->Update(commit_notices_->sent());
  notices_failed_->Update(commit_notices_->failed());
  agent_metrics_->Refresh(kafka_ ? &kafka_->counters() : nullptr, batcher_->stats(),
                          reader_->stats(), *groups_);
  cache_metrics_->Refresh(*cache_, zone_cache_.get());
}

Status Agent::Impl::StartServers() {
  auto ex = io_.get_executor();
  topics_ = std::make_unique<TopicCache>(ex, *store_, std::chrono::milliseconds(1000));
  cache_ = std::make_unique<FileCache>(ex, *objects_,
                                       static_cast<uint64_t>(config_.file_cache_size_bytes));
  ZoneCacheOptions zone_options;
  zone_options.key_prefix = "sluice/" + cluster_id_ + "/";
  peers_ = std::make_unique<PeerClients>(ex);
  zone_cache_ = std::make_unique<ZoneCache>(ex, *cache_, *peers_, zone_options);
  reader_ = std::make_unique<PartitionReader>(*store_, *zone_cache_);
  BatcherOptions batcher_options;
  batcher_options.batch_timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.batch_timeout);
  if (batcher_options.batch_timeout.count() < 1)
    batcher_options.batch_timeout = std::chrono::milliseconds(1);
  batcher_options.batch_max_bytes = static_cast<uint64_t>(config_.batch_max_size_bytes);
  batcher_options.object_key_prefix = "sluice/" + cluster_id_ + "/segments/";
  batcher_ = std::make_unique<Batcher>(
      ex, *objects_, *store_, clock_, batcher_options,
      [this](const auto& request, const auto& result) { OnCommitted(request, result); });

  KafkaSettings settings;
  settings.node_id = 0;
  settings.advertised_host = config_.advertise_hostname;
  settings.advertised_port = config_.kafka_port;
  settings.cluster_id = cluster_id_;
  settings.auto_create_topics = config_.auto_create_topics;
  settings.default_num_partitions = config_.default_num_partitions;
  settings.max_message_bytes = static_cast<int32_t>(config_.max_message_bytes);
  settings.default_retention_ms = config_.default_retention_ms;
  settings.default_retention_bytes = config_.default_retention_bytes;
  groups::GroupSettings group_settings;
  group_settings.initial_rebalance_delay_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.group_initial_rebalance_delay)
          .count();
  groups_ = std::make_unique<groups::GroupCoordinator>(clock_, group_settings);
  group_ticker_ =
      std::make_unique<groups::GroupTicker>(ex, *groups_, std::chrono::milliseconds(50));
  group_ticker_->Start();
  offset_expiry_ = std::make_unique<groups::OffsetExpiry>(*store_, *groups_, clock_);
  offset_expiry_->Start(ex, std::chrono::minutes(10));
  if (config_.HasRole(AgentRole::kJobs)) StartJobs();
  MembershipOptions membership_options;
  membership_options.lease =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.agent_lease_duration);
  membership_ = std::make_unique<Membership>(ex, *store_, clock_, logger_, membership_options);
  routing_log_ = std::make_unique<RoutingLog>(logger_);
  commit_notices_ = std::make_unique<CommitNoticeSender>(ex, *membership_, *peers_);
  // Consumer groups: one owner per group in the cluster, by leases in the metadata store.
  group_leases_ = std::make_unique<groups::MetadataGroupLeaseStore>(*store_);
  groups::LeaseOwnershipOptions lease_options;
  lease_options.lease =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.group_lease_duration);
  group_ownership_ = std::make_unique<groups::LeaseGroupOwnership>(
      *group_leases_, *membership_, *groups_, clock_, lease_options, &logger_);
  group_ownership_->Start(ex);
  group_forwarder_ = std::make_unique<GroupForwarder>(*peers_);
  services_ = std::make_unique<KafkaServices>(KafkaServices{ex, settings, *store_, *topics_,
                                                            *batcher_, *reader_, clock_, *groups_,
                                                            *group_ownership_, *membership_});
  services_->routing_log = routing_log_.get();
  services_->group_forwarder = group_forwarder_.get();
  services_->markers_written = [this](const std::vector<metadata::WrittenMarker>& markers) {
    OnMarkersWritten(markers);
  };
  if (config_.HasRole(AgentRole::kProxy) || config_.HasRole(AgentRole::kProxyProduce)) {
    StartBacklogMonitor();
  }
  zone_cache_->SetCluster(services_->cluster);
  RegisterMetrics();

  if (config_.ServesKafka()) {
    api_ = std::make_unique<KafkaApi>(*services_, metrics_);
    network::KafkaServerOptions options;
    options.listen_address = config_.kafka_listen_address;
    options.port = config_.kafka_port;
    kafka_ = std::make_unique<network::KafkaServer>(ex, *api_, options);
    SLUICE_RETURN_IF_ERROR(kafka_->Start());
    // With -kafkaPort 0 the advertised port is the one actually bound.
    services_->settings.advertised_port = kafka_->port();
  }

  HttpServerOptions http_options;
  http_options.address = config_.http_listen_address;
  http_options.port = config_.http_port;
  http_options.max_body_bytes = std::max(http_options.max_body_bytes, kMaxForwardedFrameBytes);
  http_ = std::make_unique<HttpServer>(ex, http_options, &logger_, &metrics_);
  if (api_) RouteForwardedGroupRequests(*http_, *api_);
  RouteOwnedGroups(*http_, *group_ownership_, *membership_);
  health_ =
      std::make_unique<HealthProbe>(*store_, *objects_, "sluice/" + cluster_id_ + "/", clock_);
  http_->Route("GET", "/v1/status", [this](const HttpRequest&) -> Task<HttpResponse> {
    co_await health_->Refresh();
    StatusFacts facts;
    facts.node_id = membership_->Self().node_id;
    facts.version = kVersion;
    facts.cluster_id = cluster_id_;
    for (auto role : config_.roles) facts.roles.emplace_back(AgentRoleName(role));
    facts.availability_zone = config_.availability_zone;
    facts.agent_group = config_.agent_group;
    facts.live_agents = membership_->LiveAgents()->size();
    facts.kafka_port = kafka_ ? kafka_->port() : 0;
    facts.bucket = objects_->Describe();
    facts.started = ready_;
    facts.draining = draining_;
    facts.uptime_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at_).count();
    co_return RenderStatus(facts, *health_);
  });
  http_->Route("GET", "/metrics", [this](const HttpRequest&) -> Task<HttpResponse> {
    RefreshMetrics();
    HttpResponse response;
    response.status = 200;
    response.content_type = std::string(obs::MetricsRegistry::kContentType);
    response.body = metrics_.RenderPrometheus();
    co_return response;
  });
  rest_proxy_ = http_api::RegisterRestProxyRoutes(
      *http_, *services_, api_.get(),
      {config_.HasRole(AgentRole::kProxy) || config_.HasRole(AgentRole::kProxyProduce),
       config_.HasRole(AgentRole::kProxy) || config_.HasRole(AgentRole::kProxyConsume)});
  zone_cache_->RegisterRoutes(*http_);
  console::RegisterConsoleRoutes(  // /ui
      *http_, {*store_, *membership_, *groups_, clock_, group_ownership_.get()});
  http_->Route("POST", "/v1/internal/commits",
               [this](const HttpRequest& request) { return ReceiveCommitNotices(request); });
  SLUICE_RETURN_IF_ERROR(http_->Start());
  return JoinCluster();
}

// Registers with both ports bound, so the record advertises where this agent really listens.
// The servers already run on io_, so the loop turns one handler at a time until it is done.
Status Agent::Impl::JoinCluster() {
  metadata::AgentRegistration self;
  self.instance_id = UlidGenerator().Next(clock_.NowMs());
  self.host = config_.advertise_hostname;
  self.kafka_port = kafka_ ? kafka_->port() : 0;
  self.http_port = http_->port();
  for (auto role : config_.roles) {
    self.roles += (self.roles.empty() ? "" : ",") + std::string(AgentRoleName(role));
  }
  self.availability_zone = config_.availability_zone;
  self.agent_group = config_.agent_group;
  membership_->OnRefresh([this](const AgentList& live) { WatchCluster(live); });
  std::optional<Status> joined;
  asio::co_spawn(
      io_, membership_->Register(std::move(self)), [&](std::exception_ptr e, Status status) {
        joined = e ? Status::Internal("exception while joining the cluster") : std::move(status);
      });
  while (!joined.has_value() && io_.run_one() > 0) {
  }
  if (!joined.has_value()) return Status::Internal("event loop stopped while joining the cluster");
  SLUICE_RETURN_IF_ERROR(*joined);
  services_->settings.node_id = membership_->Self().node_id;
  membership_->Start();
  return Status::Ok();
}

// Counts the live agents by role after every membership refresh. Without any jobs agent nothing
// compacts or expires, so an agent that is not one says so at start and then every minute.
void Agent::Impl::WatchCluster(const AgentList& live) {
  peers_->Retain(live);  // forget the HTTP clients of agents that left
  std::map<std::string, int> by_role;
  for (auto role :
       {AgentRole::kProxy, AgentRole::kProxyProduce, AgentRole::kProxyConsume, AgentRole::kJobs}) {
    by_role[std::string(AgentRoleName(role))] = 0;
  }
  for (const auto& agent : live) {
    for (auto& [role, count] : by_role) count += AgentHasRole(agent, role) ? 1 : 0;
  }
  auto& gauge =
      metrics_.AddGauge("sluice_cluster_agents", "Live agents of the cluster, by role.", {"role"});
  for (const auto& [role, count] : by_role) gauge.WithLabels({role}).Set(count);
  metrics_.AddGauge("sluice_cluster_live_agents", "Live agents of the cluster.")
      .Get()
      .Set(static_cast<double>(live.size()));
  const int jobs = by_role["jobs"];
  metrics_.AddGauge("sluice_cluster_jobs_agents", "Live agents running the jobs role.")
      .Get()
      .Set(jobs);
  if (jobs > 0 || config_.HasRole(AgentRole::kJobs)) {
    last_no_jobs_warning_ms_ = 0;
    return;
  }
  const int64_t now = clock_.NowMs();
  if (last_no_jobs_warning_ms_ != 0 && now - last_no_jobs_warning_ms_ < 60000) return;
  last_no_jobs_warning_ms_ = now;
  logger_.Warn(
      "no live agent runs the jobs role: nothing compacts, expires or deletes objects; start an "
      "agent with -roles jobs (or proxy,jobs)");
}

// The jobs role: planner and worker loops on this event loop (docs/jobs.md).
void Agent::Impl::StartJobs() {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  jobs::JobsOptions options;
  options.compaction_interval = duration_cast<milliseconds>(config_.compaction_interval);
  options.compaction_min_objects = static_cast<int32_t>(config_.compaction_min_objects);
  options.compaction_max_age = duration_cast<milliseconds>(config_.compaction_max_age);
  options.compaction_target_bytes = static_cast<uint64_t>(config_.compaction_target_size_bytes);
  options.default_retention_ms = config_.default_retention_ms;
  options.default_retention_bytes = config_.default_retention_bytes;
  options.deletion_grace_period = duration_cast<milliseconds>(config_.deletion_grace_period);
  options.retention_interval = duration_cast<milliseconds>(config_.retention_check_interval);
  options.job_lease = duration_cast<milliseconds>(config_.job_lease_duration);
  options.orphan_scan_interval = duration_cast<milliseconds>(config_.orphan_scan_interval);
  options.orphan_safety_age = duration_cast<milliseconds>(config_.orphan_safety_age);
  if (options.orphan_safety_age < std::chrono::minutes(10)) {
    // A produce flush retries its commit with the same object; an orphan scan this eager could
    // delete an object whose commit then succeeds, losing acknowledged records.
    logger_.Warn(
        "-orphanSafetyAge is below 10m: for tests only; the orphan scan may delete "
        "objects whose commit is still being retried");
  }
  options.fault_compaction_delay = duration_cast<milliseconds>(config_.fault_compaction_delay);
  if (options.fault_compaction_delay.count() > 0) {
    logger_.Warn("fault injection is on: -faultCompactionDelay is for tests only");
  }
  options.worker_poll_interval = std::min(options.compaction_interval, milliseconds(500));
  options.object_key_prefix = "sluice/" + cluster_id_ + "/segments/";
  const std::string owner = config_.advertise_hostname + "/" + UlidGenerator().Next(clock_.NowMs());
  jobs_ = std::make_unique<jobs::JobsService>(io_.get_executor(), *store_, *objects_, clock_,
                                              logger_, metrics_, options, owner);
  jobs_->Start();
  lag_metrics_ = std::make_unique<jobs::LagMetrics>(
      io_.get_executor(), *store_, clock_, logger_, metrics_,
      duration_cast<milliseconds>(config_.internal_metrics_interval));
  lag_metrics_->Start();
}

// Produce admission by backlog (docs/jobs.md "Backlog"): slow, then refuse, produce while the
// jobs agents do not keep up with compaction.
void Agent::Impl::StartBacklogMonitor() {
  BacklogLimits limits;
  limits.throttle_objects = config_.backlog_throttle_objects;
  limits.refuse_objects = config_.backlog_refuse_objects;
  limits.throttle_bytes = config_.backlog_throttle_bytes;
  limits.refuse_bytes = config_.backlog_refuse_bytes;
  limits.max_throttle =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.backlog_max_throttle);
  auto live_jobs_agents = [this]() {
    int count = 0;
    if (auto live = membership_->LiveAgents()) {
      for (const auto& agent : *live) count += AgentHasRole(agent, "jobs") ? 1 : 0;
    }
    return count;
  };
  backlog_ = std::make_unique<BacklogMonitor>(io_.get_executor(), *store_, clock_, logger_,
                                              metrics_, limits, live_jobs_agents);
  backlog_->Start();
  services_->backlog = backlog_.get();
}

Task<void> Agent::Impl::Shutdown() {
  draining_ = true;
  if (config_.shutdown_announce_duration.count() > 0) {
    logger_.Info("shutting down: announcing draining on /v1/status");
    asio::steady_timer announce(io_, config_.shutdown_announce_duration);
    co_await announce.async_wait(asio::use_awaitable);
  }
  logger_.Info("shutting down: flushing buffered records");
  // No new clients; requests on open connections are still served while the buffer drains.
  if (kafka_) kafka_->StopAccepting();
  group_ticker_->Stop();
  offset_expiry_->Stop();
  if (jobs_) jobs_->Stop();
  if (lag_metrics_) lag_metrics_->Stop();
  if (backlog_) backlog_->Stop();
  // Answer every produce request already admitted: flush, commit, respond.
  co_await batcher_->Drain();
  asio::steady_timer answered(io_, std::chrono::milliseconds(50));  // answers reach the sockets
  co_await answered.async_wait(asio::use_awaitable);
  if (kafka_) kafka_->Stop();  // requests still buffered are unanswered: producers retry them
  // Leave the cluster: the others stop routing clients here and take over its groups at once.
  // Hand the consumer groups over: long polls answer NOT_COORDINATOR, leases are released.
  co_await group_ownership_->Stop();
  co_await membership_->Stop();
  // Let the in-flight responses reach their sockets.
  asio::steady_timer settle(io_, std::chrono::milliseconds(50));
  co_await settle.async_wait(asio::use_awaitable);
  if (http_) co_await http_->Stop(std::chrono::milliseconds(200));
  logger_.Info("stopped");
  io_.stop();
}

Status Agent::Impl::Run() {
  SLUICE_RETURN_IF_ERROR(Open());
  SLUICE_RETURN_IF_ERROR(StartServers());
  ready_ = true;

  asio::signal_set signals(io_, SIGINT, SIGTERM);
  std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec,
                                                                      int) {
    if (ec) return;
    if (++signals_seen_ > 1) {
      logger_.Warn("second signal: exiting now");
      std::_Exit(1);
    }
    asio::co_spawn(io_, Shutdown(), asio::detached);
    // A shutdown that overruns its budget exits anyway.
    auto timer = std::make_shared<asio::steady_timer>(io_, config_.graceful_shutdown_duration);
    timer->async_wait([this, timer](boost::system::error_code ec2) {
      if (!ec2) {
        logger_.Error("graceful shutdown took longer than -gracefulShutdownDuration");
        std::_Exit(1);
      }
    });
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);

  std::string roles;
  for (auto role : config_.roles)
    roles += (roles.empty() ? "" : ",") + std::string(AgentRoleName(role));
  const std::string kafka_at =
      kafka_ ? config_.advertise_hostname + ":" + std::to_string(kafka_->port()) : "none";
  const std::string http_at = config_.http_listen_address + ":" + std::to_string(http_->port());
  const std::string bucket = objects_->Describe();
  logger_.Info("sluice agent ready", {{"version", kVersion},
                                      {"cluster_id", cluster_id_},
                                      {"roles", roles},
                                      {"kafka", kafka_at},
                                      {"http", http_at},
                                      {"bucket", bucket},
                                      {"metadata", RedactUrlPassword(config_.metadata_url)}});
  if (kafka_) {
    std::printf("Sluice is ready. Kafka clients: bootstrap.servers=%s  HTTP: http://%s/v1/status\n",
                kafka_at.c_str(), http_at.c_str());
    std::fflush(stdout);
  }
  io_.run();
  blocking_.join();
  return Status::Ok();
}

Agent::Agent(AgentConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Agent::~Agent() = default;
Status Agent::Run() { return impl_->Run(); }

}  // namespace sluice::agent
