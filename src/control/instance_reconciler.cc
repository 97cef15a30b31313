// The reconciler's thread: wake-ups, passes over every instance, and the
// observation each decision is made from. The steps are in instance_steps.cc.
#include "control/instance_reconciler.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <set>
#include <vector>

#include "control/instance_node_spec.h"
#include "control/orphan_secrets.h"
#include "control/parameter_drift.h"
#include "control/reconciler_loop.h"
#include "rds/parameter_group.h"

namespace tandem::control {
namespace {

// Enough for a creation (about 7 steps) and a few changes in one pass; an
// instance that needs more simply continues on the next pass.
constexpr int kMaxStepsPerPass = 24;
constexpr const char* kInstancesPrefix = "db-instances/";

}  // namespace

InstanceReconciler::InstanceReconciler(Store& store, const crypto::MasterKey& master,
                                       const Clock& clock, const crypto::CertificateAuthority& ca,
                                       secrets::SecretsService& secrets, rds::EventLog& events,
                                       InstanceReconcilerOptions options)
    : loop_(std::make_unique<Loop>(store, master, clock, ca, secrets, events, std::move(options))) {
}

InstanceReconciler::~InstanceReconciler() { Stop(); }

Status InstanceReconciler::Start() { return loop_->Start(); }
void InstanceReconciler::Kick() { loop_->Kick(); }
void InstanceReconciler::Stop() { loop_->Stop(); }

InstanceReconciler::Loop::Loop(Store& store, const crypto::MasterKey& master, const Clock& clock,
                               const crypto::CertificateAuthority& ca,
                               secrets::SecretsService& secrets, rds::EventLog& events,
                               InstanceReconcilerOptions options)
    : store_(store),
      master_(master),
      clock_(clock),
      ca_(ca),
      secrets_(secrets),
      events_(events),
      options_(std::move(options)),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

InstanceReconciler::Loop::~Loop() {
  Stop();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

Status InstanceReconciler::Loop::Start() {
  if (thread_.joinable()) return Status::Ok();
  if (wake_fd_ < 0) return Status::IOError("cannot create the reconciler's eventfd");
  TANDEM_RETURN_IF_ERROR(AdoptAll());
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void InstanceReconciler::Loop::Kick() {
  if (wake_fd_ < 0) return;
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void InstanceReconciler::Loop::Stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  Kick();
  thread_.join();
  // Drivers and endpoints go; nodes keep running and kernel routes stay.
  live_.clear();
}

// Attaches to every node left running and re-opens every endpoint, before
// the first decision, so that nothing running is taken for missing.
Status InstanceReconciler::Loop::AdoptAll() {
  auto records = store_.List(kInstancesPrefix);
  if (!records.ok()) return records.status();
  for (const StoreEntry& entry : *records) {
    auto instance = rds::DecodeDbInstance(entry.value);
    if (!instance.ok()) continue;
    LiveInstance& live = LiveFor(entry.key, *instance);
    auto nodes = store_.List(NodeRecord::InstancePrefix(instance->region, instance->identifier));
    if (nodes.ok()) {
      for (const StoreEntry& node_entry : *nodes) {
        auto node = DecodeNodeRecord(node_entry.value);
        if (!node.ok()) continue;
        LiveNode& n = NodeFor(live, *instance, *node);
        if (n.driver && n.driver->IsAlive()) {
          spdlog::info("{}: adopted node {} (pid {})", instance->identifier, node->zone,
                       n.driver->pid());
        }
      }
    }
    if (instance->endpoint_port != 0) {
      if (Status opened = OpenEndpoint(live, *instance); !opened.ok()) {
        spdlog::warn("{}: cannot re-open endpoint port {}: {}", instance->identifier,
                     instance->endpoint_port, opened.ToString());
      }
    }
  }
  return Status::Ok();
}

void InstanceReconciler::Loop::Run() {
  while (!stopping_) {
    Pass();
    if (stopping_) break;
    WaitForWork();
  }
}

// Sleeps until Kick, a node's exit, or poll_interval.
void InstanceReconciler::Loop::WaitForWork() {
  std::vector<pollfd> fds = {{wake_fd_, POLLIN, 0}};
  std::chrono::milliseconds timeout = options_.poll_interval;
  for (auto& [key, live] : live_) {
    for (auto& [zone, node] : live.nodes) {
      if (node.driver && node.driver->IsAlive() && node.driver->exit_fd() >= 0) {
        fds.push_back({node.driver->exit_fd(), POLLIN, 0});
      }
      // A probe stuck on a hung node cannot say so: the HA decision is
      // asked again at the probes' pace while any node is watched.
      if (node.probe) timeout = std::min(timeout, options_.probe_interval);
    }
  }
  ::poll(fds.data(), fds.size(), static_cast<int>(timeout.count()));
  uint64_t count = 0;
  [[maybe_unused]] ssize_t n = ::read(wake_fd_, &count, sizeof count);
}

void InstanceReconciler::Loop::Pass() {
  auto records = store_.List(kInstancesPrefix);
  if (!records.ok()) {
    spdlog::warn("reconciler: cannot list DB instances: {}", records.status().ToString());
    return;
  }
  std::set<std::string> keys;
  for (const StoreEntry& entry : *records) {
    keys.insert(entry.key);
    if (stopping_) return;
    ReconcileInstance(entry.key);
  }
  // Instances whose record is gone: forget them (their nodes were removed by
  // the delete steps; anything else is left as it is).
  for (auto it = live_.begin(); it != live_.end();) {
    it = keys.count(it->first) ? std::next(it) : live_.erase(it);
  }
  const int64_t now = clock_.NowMillis();
  if (now >= next_orphan_check_ms_) {
    next_orphan_check_ms_ = now + options_.orphan_secret_interval.count();
    auto deleted =
        DeleteOrphanSecrets(store_, secrets_, clock_, options_.orphan_secret_grace.count());
    if (!deleted.ok()) {
      spdlog::warn("reconciler: looking for orphaned secrets failed: {}",
                   deleted.status().ToString());
    }
  }
}

void InstanceReconciler::Loop::ReconcileInstance(const std::string& key) {
  for (int i = 0; i < kMaxStepsPerPass && !stopping_; ++i) {
    auto observed = Observe(key);
    if (!observed.ok()) {
      spdlog::warn("{}: cannot observe: {}", key, observed.status().ToString());
      return;
    }
    if (!observed->has_value()) return;  // deleted
    Context& ctx = **observed;
    const HaOutcome ha = HandleHa(ctx);
    if (ha == HaOutcome::kActed) continue;
    if (ha == HaOutcome::kWait) return;
    const InstanceStep step = DecideInstanceStep(ctx.situation);
    const std::string& id = ctx.instance.identifier;
    if (step.action == Action::kNothing) {
      if (ctx.live->last_reason != step.reason) spdlog::info("{}: {}", id, step.reason);
      ctx.live->last_reason = step.reason;
      return;
    }
    // A step that failed twice or more in a row waits for its retry time.
    if (!ctx.live->backoff.Due(step.action, StepBackoff::Clock::now())) return;
    spdlog::info("{}: {}: {}", id, ActionName(step.action), step.reason);
    ctx.live->last_reason = step.reason;
    const bool deletes_instance = step.action == Action::kDeleteInstance;
    if (Status done = Execute(step, ctx); !done.ok()) {
      if (done.code() == Status::Code::kConflict) continue;  // the API wrote: decide again
      const auto wait = ctx.live->backoff.Failed(step.action, StepBackoff::Clock::now());
      spdlog::warn("{}: {} failed ({} in a row, next attempt in {} ms): {}", id,
                   ActionName(step.action), ctx.live->backoff.failures(), wait.count(),
                   done.ToString());
      return;
    }
    if (deletes_instance) return;  // its live state (ctx.live) is gone with it
    ctx.live->backoff.Succeeded();
  }
}

InstanceReconciler::Loop::LiveInstance& InstanceReconciler::Loop::LiveFor(
    const std::string& key, const rds::DbInstance& instance) {
  LiveInstance& live = live_[key];
  if (live.resource_id != instance.resource_id) {
    // A new instance under a name seen before: nothing of the old one applies.
    live = LiveInstance();
    live.resource_id = instance.resource_id;
  }
  return live;
}

InstanceReconciler::Loop::LiveNode& InstanceReconciler::Loop::NodeFor(
    LiveInstance& live, const rds::DbInstance& instance, const NodeRecord& node) {
  LiveNode& n = live.nodes[node.zone];
  if (n.driver) return n;
  auto driver = engine::LocalNodeDriver::Create(
      NodeIdentitySpec(instance, node, options_.node_os_user), options_.installation);
  if (!driver.ok()) {
    spdlog::warn("{}: node {}: {}", instance.identifier, node.zone, driver.status().ToString());
    return n;
  }
  n.driver = std::move(*driver);
  // A node left running by an earlier tandemd is attached, never restarted.
  if (n.driver->Adopt().ok()) n.seen_running = true;
  return n;
}

bool InstanceReconciler::Loop::ObserveProcess(LiveNode& node) {
  const bool running = node.driver->IsAlive();
  if (!running && node.seen_running)
    node.exit = node.driver->WaitForExit(std::chrono::milliseconds(0));
  node.seen_running = running;
  return running;
}

std::optional<engine::StorageSpace> InstanceReconciler::Loop::ObserveStorage(const LiveNode& node) {
  auto space = node.driver->Storage();
  if (space.ok()) return *space;
  return std::nullopt;  // no files yet, or unreadable: the verdict stays as it is
}

bool InstanceReconciler::Loop::IsWritable(LiveNode& node) {
  const pid_t pid = node.driver->pid();
  if (pid != 0 && pid == node.writable_pid) return true;
  auto conn = node.driver->ConnectAdmin(engine::AdminBinlog::kSkip);
  if (!conn.ok()) return false;
  auto rs = (*conn)->Query("SELECT @@global.read_only");
  if (!rs.ok() || rs->rows.size() != 1 || rs->rows[0].empty()) return false;
  if (rs->rows[0][0] != "0") return false;
  node.writable_pid = pid;
  return true;
}

StatusOr<rds::DbParameterGroup> InstanceReconciler::Loop::ParameterGroup(
    const rds::DbInstance& instance) {
  auto loaded = rds::LoadParameterGroup(store_, instance.region, instance.desired.parameter_group);
  if (loaded.ok()) return std::move(loaded->group);
  if (loaded.status().code() != Status::Code::kNotFound) return loaded.status();
  // Deleted under the instance (the API refuses that while instances use
  // it): run with the defaults rather than not at all.
  rds::DbParameterGroup group;
  group.name = instance.desired.parameter_group;
  return group;
}

StatusOr<std::optional<InstanceReconciler::Loop::Context>> InstanceReconciler::Loop::Observe(
    const std::string& key) {
  auto entry = store_.Get(key);
  if (!entry.ok()) return entry.status();
  if (!entry->has_value()) return std::optional<Context>();
  auto instance = rds::DecodeDbInstance((*entry)->value);
  if (!instance.ok()) return instance.status();

  Context ctx;
  ctx.key = key;
  ctx.version = (*entry)->version;
  ctx.instance = std::move(*instance);
  ctx.live = &LiveFor(key, ctx.instance);
  LiveInstance& live = *ctx.live;
  InstanceSituation& s = ctx.situation;
  s.instance = ctx.instance;
  s.start_failure = live.start_failure;
  s.storage_thresholds = options_.storage;

  auto nodes =
      store_.List(NodeRecord::InstancePrefix(ctx.instance.region, ctx.instance.identifier));
  if (!nodes.ok()) return nodes.status();
  for (const StoreEntry& node_entry : *nodes) {
    auto node = DecodeNodeRecord(node_entry.value);
    if (!node.ok()) return node.status();
    if (node->is_primary() && !ctx.primary) {
      ctx.primary = std::move(*node);
    } else if (!node->is_primary() && !ctx.standby) {
      ctx.standby = std::move(*node);
    }
  }
  auto failover =
      store_.Get(FailoverRecord::StoreKey(ctx.instance.region, ctx.instance.identifier));
  if (!failover.ok()) return failover.status();
  if (failover->has_value()) {
    auto record = DecodeFailoverRecord((*failover)->value);
    if (!record.ok()) return record.status();
    ctx.failover = std::move(*record);
    ctx.failover_version = (*failover)->version;
  }

  auto group = ParameterGroup(ctx.instance);
  if (!group.ok()) return group.status();
  ctx.group = std::move(*group);
  s.custom_parameters = !ctx.group.values.empty();
  const rds::ObservedInstance& observed = ctx.instance.observed;
  s.parameters.record_behind = observed.parameter_group_applied != ctx.group.name ||
                               observed.parameter_group_revision_applied != ctx.group.revision;

  if (ctx.primary) {
    const NodeRecord& node = *ctx.primary;
    NodeObservation& p = s.primary;
    p.recorded = true;
    p.initialized = node.initialized;
    p.bootstrapped = node.bootstrapped;
    p.port = node.port;
    p.zone = node.zone;
    p.instance_class = node.instance_class;
    p.certificate_expires_ms = node.certificate_expires_ms;
    LiveNode& n = NodeFor(live, ctx.instance, node);
    if (n.driver) {
      p.running = ObserveProcess(n);
      p.exit = n.exit;
      p.writable = p.running && IsWritable(n);
      p.storage = ObserveStorage(n);
    }
    const ParameterDrift drift = FindParameterDrift(
        ctx.group.values, node.parameters, rds::ParameterCatalog(), ClassDefaults(ctx.instance));
    for (const auto& [name, value] : drift.live) {
      auto refused = live.refused_live.find(name);
      if (refused != live.refused_live.end() && refused->second == value) {
        s.parameters.static_pending = true;
      } else {
        s.parameters.dynamic_pending = true;
      }
    }
    if (!drift.on_restart.empty()) s.parameters.static_pending = true;
  }

  ObserveStandby(ctx);

  if (live.endpoint) {
    const proxy::EndpointDescription endpoint = live.endpoint->Describe();
    s.endpoint.open = !endpoint.closed;
    s.endpoint.target = endpoint.node_port;
  }

  auto password =
      store_.Get(rds::DbInstance::PasswordStoreKey(ctx.instance.region, ctx.instance.identifier));
  if (!password.ok()) return password.status();
  s.password_waiting = password->has_value();
  return std::optional<Context>(std::move(ctx));
}

Status InstanceReconciler::Loop::OpenEndpoint(LiveInstance& live, const rds::DbInstance& instance) {
  if (live.endpoint && !live.endpoint->Describe().closed) return Status::Ok();
  proxy::EndpointOptions options;
  options.port = instance.endpoint_port;
  options.advertised_address = options_.endpoint_advertised_address;
  options.hold_bound = options_.endpoint_hold_bound;
  auto endpoint = proxy::OpenEndpoint(options, options_.endpoint_mechanism);
  if (!endpoint.ok()) return endpoint.status();
  live.endpoint = std::move(*endpoint);
  spdlog::info("{}: endpoint {}", instance.identifier, live.endpoint->Describe().ToString());
  return Status::Ok();
}

}  // namespace tandem::control
