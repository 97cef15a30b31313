// The instance reconciler's Multi-AZ part (instance_reconciler.h): the
// standby's lifecycle steps (instance_decision.h), the HA decision asked
// before every lifecycle decision (ha_decision.h), and the failover.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

#include "control/crash_point.h"
#include "control/endpoint_name.h"
#include "control/instance_events.h"
#include "control/node_certificate.h"
#include "control/node_placement.h"
#include "control/reconciler_loop.h"
#include "control/replication_account.h"
#include "engine/node_admin.h"
#include "engine/node_clone.h"

namespace tandem::control {
namespace {

namespace st = rds::status;
namespace ie = instance_events;
using Phase = FailoverInProgress::Phase;
using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

constexpr const char* kReplicating = "replicating";
constexpr const char* kReplicationError = "error";
// MASTER_GTID_WAIT is asked in slices shorter than the admin session's read
// timeout (node_driver.h: 10 s).
constexpr milliseconds kGtidWaitSlice{5000};

// The other of the instance's two zones.
std::string OtherZone(const rds::DbInstance& instance, const std::string& zone) {
  return zone == instance.region + "a" ? instance.region + "b" : instance.region + "a";
}

engine::SemiSyncSettings SemiSyncSettingsFor(SyncPolicy policy) {
  engine::SemiSyncSettings settings;
  settings.enabled = true;
  if (policy == SyncPolicy::kStrict) {
    // Commits wait for the standby however long it takes, even while none
    // is attached: never an acknowledged write the standby lacks.
    settings.timeout_ms = std::numeric_limits<uint32_t>::max();
    settings.wait_no_standby = true;
  } else {
    // A hung standby costs writes one second, then MariaDB falls back to
    // asynchronous replication (seen and reported: automatic failover is
    // held until the standby is back in sync).
    settings.timeout_ms = 1000;
    settings.wait_no_standby = false;
  }
  return settings;
}

double MillisSince(Steady::time_point from, Steady::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// Waits until node has applied position, for at most timeout. Applied
// means within @@gtid_current_pos: an ex-primary that rejoined as the standby
// at a switchover holds its own last transactions in its binlog only, not in
// @@gtid_slave_pos, which is all MASTER_GTID_WAIT watches; with no write since
// the switchover it would wait for them forever.
Status WaitForPosition(engine::NodeAdmin& admin, const std::string& position,
                       milliseconds timeout) {
  const Steady::time_point deadline = Steady::now() + timeout;
  for (;;) {
    auto observed = admin.Observe();
    if (!observed.ok()) return observed.status();
    if (GtidPositionCovers(observed->gtid_current_pos, position)) return Status::Ok();
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Steady::now());
    auto reached = admin.WaitForGtid(position, std::min(left, kGtidWaitSlice));
    if (!reached.ok()) return reached.status();
    if (*reached) return Status::Ok();
    if (Steady::now() >= deadline) {
      return Status::Unavailable("the standby did not apply up to " + position + " within " +
                                 std::to_string(timeout.count()) + " ms");
    }
  }
}

}  // namespace

SyncPolicy InstanceReconciler::Loop::PolicyOf(const Context& ctx) const {
  auto it = ctx.group.values.find("tandem_sync_policy");
  return it != ctx.group.values.end() && it->second == "strict" ? SyncPolicy::kStrict
                                                                : SyncPolicy::kAvailable;
}

engine::SemiSyncSettings InstanceReconciler::Loop::SemiSyncFor(const Context& ctx) const {
  // Only once the standby holds a copy: before that (creation, bootstrap)
  // there is nothing to wait for, and under the strict policy every write
  // would block.
  if (!ctx.instance.desired.multi_az || !ctx.standby || !ctx.standby->initialized) {
    return engine::SemiSyncSettings();
  }
  return SemiSyncSettingsFor(PolicyOf(ctx));
}

InstanceReconciler::Loop::LiveNode& InstanceReconciler::Loop::StandbyNode(Context& ctx) {
  return NodeFor(*ctx.live, ctx.instance, *ctx.standby);
}

void InstanceReconciler::Loop::EnsureProbe(LiveNode& node) {
  if (node.probe || !node.driver) return;
  NodeProbeOptions options;
  options.unix_socket = node.driver->layout().socket();
  options.interval = options_.probe_interval;
  options.probe_timeout = options_.probe_timeout;
  options.on_change = [this] { Kick(); };
  node.probe = std::make_unique<NodeProbe>(std::move(options));
}

void InstanceReconciler::Loop::ObserveStandby(Context& ctx) {
  InstanceSituation& s = ctx.situation;
  LiveNode* primary = ctx.primary ? &PrimaryNode(ctx) : nullptr;
  if (primary && primary->driver) {
    s.semi_sync_on = primary->semi_sync_pid != 0 &&
                     primary->semi_sync_pid == primary->driver->pid() &&
                     primary->semi_sync_policy == SyncPolicyName(PolicyOf(ctx));
  }
  if (!ctx.standby) {
    if (primary) primary->probe.reset();
    return;
  }
  const NodeRecord& record = *ctx.standby;
  StandbyObservation& o = s.standby;
  o.recorded = true;
  o.initialized = record.initialized;
  o.reseed = record.reseed;
  o.rejoin_pending = record.rejoin_pending;
  o.zone = record.zone;
  LiveNode& n = StandbyNode(ctx);
  if (n.driver) {
    o.running = ObserveProcess(n);
    o.exit = n.exit;
    o.storage = ObserveStorage(n);
  }
  o.replicating = o.running && ctx.primary && record.replicating_from == ctx.primary->zone;
  if (o.running && record.initialized) EnsureProbe(n);
  if (primary && s.primary.running && record.initialized) EnsureProbe(*primary);
}

// ----- the standby's lifecycle -------------------------------------------------

Status InstanceReconciler::Loop::CreateStandby(Context& ctx) {
  auto node = PlaceNode(store_, options_.placement, ctx.instance,
                        OtherZone(ctx.instance, ctx.primary->zone), node_role::kStandby);
  if (!node.ok()) return node.status();
  TANDEM_RETURN_IF_ERROR(IssueNodeCertificate(
      ca_, master_, clock_, CertificateNames(ctx.instance, options_.endpoint_addresses), *node));
  return store_.Commit(
      {StoreWrite::Put(node->StoreKey(), EncodeNodeRecord(*node), StoreWrite::kMustNotExist)});
}

// A fresh copy of the primary, online: the primary keeps serving.
Status InstanceReconciler::Loop::SeedStandby(Context& ctx) {
  NodeRecord record = *ctx.standby;
  record.rejoin_pending = false;  // a fresh copy has no tail to truncate
  TANDEM_RETURN_IF_ERROR(RenewCertificateIfDue(ctx.instance, record));
  LiveNode& primary = PrimaryNode(ctx);
  LiveNode& standby = StandbyNode(ctx);
  if (!primary.driver || !standby.driver) return Status::Unavailable("no driver for a node");
  standby.probe.reset();
  TANDEM_RETURN_IF_ERROR(standby.driver->Stop(options_.node_stop_timeout));
  standby.seen_running = false;
  standby.exit.reset();

  // Both configs current: the copy is read with the primary's keys and
  // prepared with the standby's (the same keys: physical copies need that).
  auto primary_spec = StartSpec(ctx, *ctx.primary);
  if (!primary_spec.ok()) return primary_spec.status();
  TANDEM_RETURN_IF_ERROR(primary.driver->UpdateSpec(*primary_spec));
  auto standby_spec = StartSpec(ctx, record);
  if (!standby_spec.ok()) return standby_spec.status();
  TANDEM_RETURN_IF_ERROR(standby.driver->UpdateSpec(*standby_spec));

  auto cloned = engine::CloneNode(*primary.driver, *standby.driver, options_.clone_timeout,
                                  options_.backup_program);
  if (!cloned.ok()) return cloned.status();
  spdlog::info("{}: copied node {} to {} at {} (backup {} ms, prepare {} ms, restore {} ms)",
               ctx.instance.identifier, ctx.primary->zone, record.zone, cloned->gtid_position,
               cloned->backup.count(), cloned->prepare.count(), cloned->restore.count());
  TANDEM_RETURN_IF_ERROR(standby.driver->Start(options_.node_start_timeout));
  standby.seen_running = true;
  {
    auto conn = standby.driver->ConnectAdmin(engine::AdminBinlog::kSkip);
    if (!conn.ok()) return conn.status();
    TANDEM_RETURN_IF_ERROR(engine::NodeAdmin(**conn).AdoptClonedPosition(cloned->gtid_position));
  }
  return UpdateNode(record.StoreKey(), [&](NodeRecord& node) {
    node.certificate_pem = record.certificate_pem;
    node.private_key_envelope = record.private_key_envelope;
    node.certificate_expires_ms = record.certificate_expires_ms;
    node.initialized = true;
    node.bootstrapped = true;
    node.reseed = false;
    node.rejoin_pending = false;
    node.promotion_gtid.clear();
    node.replicating_from.clear();
    node.instance_class = ctx.instance.desired.instance_class;
    node.parameter_group = ctx.group.name;
    node.parameters = ctx.group.values;
  });
}

Status InstanceReconciler::Loop::StartStandby(Context& ctx) {
  NodeRecord record = *ctx.standby;
  TANDEM_RETURN_IF_ERROR(RenewCertificateIfDue(ctx.instance, record));
  LiveNode& n = StandbyNode(ctx);
  if (!n.driver) return Status::Unavailable("no driver for node " + record.zone);
  n.probe.reset();
  auto spec = StartSpec(ctx, record);
  if (!spec.ok()) return spec.status();
  TANDEM_RETURN_IF_ERROR(n.driver->UpdateSpec(*spec));
  if (Status started = n.driver->Start(options_.node_start_timeout); !started.ok()) {
    if (!record.rejoin_pending) return started;
    // An ex-primary that cannot even start as a replica: copy it afresh.
    spdlog::warn("{}: ex-primary {} did not start as a replica ({}); re-seeding it",
                 ctx.instance.identifier, record.zone, started.ToString());
    return UpdateNode(record.StoreKey(), [](NodeRecord& node) { node.reseed = true; });
  }
  n.seen_running = true;
  n.exit.reset();
  n.writable_pid = 0;
  n.semi_sync_pid = 0;

  bool diverged = false;
  std::string position;
  if (record.rejoin_pending) {
    // --init-rpl-role=SLAVE truncated what it could; anything still beyond
    // the new primary's position at promotion is a transaction no client
    // was told about, and the node must not rejoin with it.
    auto conn = n.driver->ConnectAdmin(engine::AdminBinlog::kSkip);
    if (!conn.ok()) return conn.status();
    auto observed = engine::NodeAdmin(**conn).Observe();
    if (!observed.ok()) return observed.status();
    position = observed->gtid_binlog_pos;
    diverged = !position.empty() && !record.promotion_gtid.empty() &&
               !GtidPositionCovers(record.promotion_gtid, position);
  }
  if (diverged) {
    spdlog::warn("{}: ex-primary {} holds {} beyond the promotion position {}; re-seeding it",
                 ctx.instance.identifier, record.zone, position, record.promotion_gtid);
  }
  return UpdateNode(record.StoreKey(), [&](NodeRecord& node) {
    node.certificate_pem = record.certificate_pem;
    node.private_key_envelope = record.private_key_envelope;
    node.certificate_expires_ms = record.certificate_expires_ms;
    node.replicating_from.clear();
    node.rejoin_pending = false;
    node.reseed = diverged;
    node.instance_class = ctx.instance.desired.instance_class;
    node.parameter_group = ctx.group.name;
    node.parameters = ctx.group.values;
  });
}

Status InstanceReconciler::Loop::AttachStandby(Context& ctx) {
  auto password = ReplicationPassword(store_, master_, ctx.instance);
  if (!password.ok()) return password.status();
  LiveNode& primary = PrimaryNode(ctx);
  LiveNode& standby = StandbyNode(ctx);
  {
    // Made once, binary-logged, so that every copy and every standby has the
    // account too (it needs it once it is promoted and the roles turn). Only
    // when missing: under the strict policy a primary without its standby
    // makes every write wait, this one included.
    auto conn = primary.driver->ConnectAdmin(engine::AdminBinlog::kWrite);
    if (!conn.ok()) return conn.status();
    auto exists = (*conn)->Query("SELECT 1 FROM mysql.global_priv WHERE User = " +
                                 (*conn)->QuoteString(kReplicationUser) + " AND Host = '%'");
    if (!exists.ok()) return exists.status();
    if (exists->rows.empty()) {
      TANDEM_RETURN_IF_ERROR(
          engine::NodeAdmin(**conn).CreateReplicationUser(kReplicationUser, *password));
    }
  }
  engine::ReplicationSource source;
  source.port = ctx.primary->port;
  source.user = kReplicationUser;
  source.password = *password;
  source.tls_ca_file = standby.driver->layout().tls_ca();  // the instance's CA
  {
    auto conn = standby.driver->ConnectAdmin(engine::AdminBinlog::kSkip);
    if (!conn.ok()) return conn.status();
    engine::NodeAdmin admin(**conn);
    // An ex-primary still running after a switchover has a primary's fsyncs.
    TANDEM_RETURN_IF_ERROR(admin.SetCommitDurability(false));
    // current_pos: right for a fresh copy (its binlog state is the copy's
    // position), a restarted standby and an ex-primary alike.
    TANDEM_RETURN_IF_ERROR(admin.StartReplication(source, engine::GtidStart::kCurrentPos));
  }
  const bool after_failover = !ctx.instance.observed.replication_status.empty();
  TANDEM_RETURN_IF_ERROR(UpdateNode(ctx.standby->StoreKey(), [&](NodeRecord& node) {
    node.replicating_from = ctx.primary->zone;
  }));
  if (after_failover) RecordEvent(ctx.instance, ie::kActivationStarted);
  return Status::Ok();
}

Status InstanceReconciler::Loop::EnableSemiSync(Context& ctx) {
  LiveNode& primary = PrimaryNode(ctx);
  const engine::SemiSyncSettings settings = SemiSyncSettingsFor(PolicyOf(ctx));
  auto conn = primary.driver->ConnectAdmin(engine::AdminBinlog::kSkip);
  if (!conn.ok()) return conn.status();
  TANDEM_RETURN_IF_ERROR(engine::NodeAdmin(**conn).SetSemiSyncPrimary(true, settings.timeout_ms,
                                                                      settings.wait_no_standby));
  primary.semi_sync_pid = primary.driver->pid();
  primary.semi_sync_policy = SyncPolicyName(PolicyOf(ctx));
  return Status::Ok();
}

Status InstanceReconciler::Loop::RemoveStandby(Context& ctx) {
  const NodeRecord record = *ctx.standby;
  {
    LiveNode& n = StandbyNode(ctx);
    n.probe.reset();
    if (!n.driver) return Status::Unavailable("no driver for node " + record.zone);
    TANDEM_RETURN_IF_ERROR(n.driver->Destroy(options_.node_stop_timeout));
  }
  ctx.live->nodes.erase(record.zone);
  TANDEM_RETURN_IF_ERROR(store_.Commit({StoreWrite::Delete(record.StoreKey())}));
  LiveNode& primary = PrimaryNode(ctx);
  primary.probe.reset();
  if (primary.driver && primary.driver->IsAlive()) {
    auto conn = primary.driver->ConnectAdmin(engine::AdminBinlog::kSkip);
    if (!conn.ok()) return conn.status();
    TANDEM_RETURN_IF_ERROR(engine::NodeAdmin(**conn).SetSemiSyncPrimary(false, 10000, false));
  }
  primary.semi_sync_pid = 0;
  primary.semi_sync_policy.clear();
  TANDEM_RETURN_IF_ERROR(UpdateObserved(ctx.key, [](rds::ObservedInstance& observed) {
    observed.secondary_availability_zone.clear();
    observed.replication_status.clear();
    observed.replication_message.clear();
  }));
  RecordEvent(ctx.instance, rds::event_type::kFinishedSingleAz);
  return Status::Ok();
}

// ----- the HA decision ------------------------------------------------------------

HaNode InstanceReconciler::Loop::ObserveHaNode(LiveNode& node, const NodeRecord& record) {
  HaNode h;
  h.zone = record.zone;
  if (!node.driver->IsAlive()) {
    h.process = HaNode::Process::kExited;
    h.exit = node.exit;
  }
  if (node.probe) {
    const ProbeSnapshot snapshot = node.probe->Read();
    h.failed_probes = snapshot.failed_probes;
    h.ms_since_last_success = snapshot.ms_since_last_success;
    h.observed = snapshot.observed;
  }
  return h;
}

InstanceReconciler::Loop::HaOutcome InstanceReconciler::Loop::HandleHa(Context& ctx) {
  const rds::DbInstance& instance = ctx.instance;
  if (!ctx.primary || !ctx.standby) return HaOutcome::kProceed;
  if (instance.desired.lifecycle != "available" || st::IsFailure(instance.status)) {
    return HaOutcome::kProceed;
  }
  // HA starts once the standby holds a copy; a failover once started is
  // always finished.
  if (!ctx.failover && (!ctx.standby->initialized || !ctx.primary->initialized)) {
    return HaOutcome::kProceed;
  }
  LiveNode& primary = PrimaryNode(ctx);
  LiveNode& standby = StandbyNode(ctx);
  if (!primary.driver || !standby.driver) return HaOutcome::kProceed;

  HaSituation s;
  s.primary = ObserveHaNode(primary, *ctx.primary);
  s.standby = ObserveHaNode(standby, *ctx.standby);
  const bool attached = ctx.standby->replicating_from == ctx.primary->zone;
  // Seen by the probe within its first interval; deciding blind before that
  // (after a tandemd restart) would hold a failover that is due.
  if (attached && s.standby->process == HaNode::Process::kRunning && !s.standby->observed &&
      s.standby->failed_probes == 0) {
    return HaOutcome::kWait;
  }
  // The primary died before this tandemd's probe ever saw it (tandemd was
  // restarted): its semi-sync state is the one last recorded. Writes it
  // acknowledged while tandemd was down and semi-sync had fallen back are
  // the one case this cannot see (README, limits).
  if (!s.primary.observed && instance.observed.replication_status == kReplicating) {
    engine::ObservedNodeState last;
    last.read_only = false;
    last.semi_sync_master_on = true;
    last.semi_sync_master_clients = 1;
    s.primary.observed = last;
  }
  s.policy = PolicyOf(ctx);
  s.force_failover = instance.desired.reboot_force_failover &&
                     instance.desired.reboot_generation > instance.observed.reboots_done;
  if (ctx.failover) s.failover = ctx.failover->InProgress();
  s.settings = options_.ha;

  const FailoverDecision decision = DecideFailover(s);
  // Logged when the action changes: sentences of one action differ only in
  // positions and probe counts.
  if (HaActionName(decision.action) != ctx.live->last_ha_reason) {
    spdlog::info("{}: HA {}: {}", instance.identifier, HaActionName(decision.action),
                 decision.reason);
    ctx.live->last_ha_reason = HaActionName(decision.action);
  }
  auto acted = [&](const Status& done) {
    if (done.ok()) return HaOutcome::kActed;
    spdlog::warn("{}: HA {} failed: {}", instance.identifier, HaActionName(decision.action),
                 done.ToString());
    return HaOutcome::kWait;  // the next pass tries again
  };
  switch (decision.action) {
    case HaAction::kFailover:
      return acted(Failover(ctx, decision, /*planned=*/false));
    case HaAction::kSwitchover:
      return acted(Failover(ctx, decision, /*planned=*/true));
    case HaAction::kContinueFailover:
      return acted(Failover(ctx, decision, ctx.failover->planned));
    case HaAction::kFence:
      return acted(FenceStandby(ctx));
    case HaAction::kRefuseSwitchover: {
      const int64_t generation = instance.desired.reboot_generation;
      Status done = UpdateObserved(ctx.key, [&](rds::ObservedInstance& observed) {
        observed.reboots_done = std::max(observed.reboots_done, generation);
      });
      if (done.ok()) RecordEvent(instance, ie::kFailoverNotAttempted, decision.reason);
      return acted(done);
    }
    case HaAction::kRebuildStandby: {
      if (ctx.standby->reseed) return HaOutcome::kProceed;  // marked: the lifecycle copies it
      Status done = UpdateNode(ctx.standby->StoreKey(), [](NodeRecord& node) {
        node.reseed = true;
        node.replicating_from.clear();
      });
      if (done.ok()) done = RecordReplicationState(ctx, decision);
      return acted(done);
    }
    default:
      if (attached || !instance.observed.replication_status.empty()) {
        if (Status recorded = RecordReplicationState(ctx, decision); !recorded.ok()) {
          spdlog::warn("{}: cannot record the replication state: {}", instance.identifier,
                       recorded.ToString());
        }
      }
      return HaOutcome::kProceed;
  }
}

// StatusInfos and the replication events follow the decision: in sync
// (no action) or not (degraded, held, a standby down or being rebuilt).
Status InstanceReconciler::Loop::RecordReplicationState(Context& ctx,
                                                        const FailoverDecision& decision) {
  std::string status;
  switch (decision.action) {
    case HaAction::kNone:
      status = kReplicating;
      break;
    case HaAction::kReportDegraded:
    case HaAction::kHoldFailover:
    case HaAction::kRestartStandby:
    case HaAction::kRebuildStandby:
    case HaAction::kReportUnavailable:
    case HaAction::kRestartPrimary:
      status = kReplicationError;
      break;
    default:
      return Status::Ok();
  }
  const std::string before = ctx.instance.observed.replication_status;
  if (before == status) return Status::Ok();
  // A new standby is not "in error" before it was ever in sync (creation,
  // conversion): its state is reported from its first moment in sync on.
  if (before.empty() && status != kReplicating) return Status::Ok();
  const std::string message = status == kReplicating ? "" : decision.reason;
  TANDEM_RETURN_IF_ERROR(UpdateObserved(ctx.key, [&](rds::ObservedInstance& observed) {
    observed.replication_status = status;
    observed.replication_message = message;
  }));
  if (status == kReplicationError) {
    RecordEvent(ctx.instance, ie::kReplicationError, decision.reason);
  } else if (!before.empty()) {
    RecordEvent(ctx.instance, ie::kActivationCompleted);
  }
  return Status::Ok();
}

Status InstanceReconciler::Loop::FenceStandby(Context& ctx) {
  LiveNode& n = StandbyNode(ctx);
  auto conn = n.driver->ConnectAdmin(engine::AdminBinlog::kSkip);
  Status fenced = conn.ok() ? engine::NodeAdmin(**conn).SetReadOnly(true) : conn.status();
  if (!fenced.ok()) {
    spdlog::warn("{}: cannot make node {} read-only ({}); killing it", ctx.instance.identifier,
                 ctx.standby->zone, fenced.ToString());
    n.probe.reset();
    TANDEM_RETURN_IF_ERROR(n.driver->Kill());
    n.seen_running = false;
  }
  n.writable_pid = 0;
  return Status::Ok();
}

// ----- the failover -----------------------------------------------------------------

// Fence the old primary, let the standby apply everything it received,
// record the new roles, promote, switch the endpoint. Each phase is recorded
// before the next begins and each is safe to redo, so a tandemd killed
// anywhere finishes the failover on restart (HaAction::kContinueFailover).
Status InstanceReconciler::Loop::Failover(Context& ctx, const FailoverDecision& decision,
                                          bool planned) {
  const rds::DbInstance& instance = ctx.instance;
  const Steady::time_point began = Steady::now();
  FailoverRecord record;
  if (ctx.failover) {
    record = *ctx.failover;
  } else {
    record.region = instance.region;
    record.instance = instance.identifier;
    record.from_zone = ctx.primary->zone;
    record.to_zone = ctx.standby->zone;
    record.planned = planned;
    record.phase = Phase::kFencing;
    record.started_ms = clock_.NowMillis();
    record.reason = decision.reason;
    TANDEM_RETURN_IF_ERROR(store_.Commit({StoreWrite::Put(
        record.StoreKey(), EncodeFailoverRecord(record), StoreWrite::kMustNotExist)}));
    RecordEvent(instance, ie::kFailoverStarted);
  }
  auto node_in = [&](const std::string& zone) -> const NodeRecord* {
    if (ctx.primary && ctx.primary->zone == zone) return &*ctx.primary;
    if (ctx.standby && ctx.standby->zone == zone) return &*ctx.standby;
    return nullptr;
  };
  const NodeRecord* from = node_in(record.from_zone);
  const NodeRecord* to = node_in(record.to_zone);
  if (from == nullptr || to == nullptr) {
    // Nothing to finish (a node was removed under it): forget it.
    spdlog::warn("{}: dropping a failover from {} to {}: a node record is gone",
                 instance.identifier, record.from_zone, record.to_zone);
    return store_.Commit({StoreWrite::Delete(record.StoreKey())});
  }
  LiveNode& old_primary = NodeFor(*ctx.live, instance, *from);
  LiveNode& new_primary = NodeFor(*ctx.live, instance, *to);
  if (!old_primary.driver || !new_primary.driver) return Status::Unavailable("no node driver");
  auto save = [&]() {
    return store_.Commit({StoreWrite::Put(record.StoreKey(), EncodeFailoverRecord(record))});
  };

  if (record.phase == Phase::kFencing || record.phase == Phase::kCatchingUp) {
    // Fence: no client reaches the old primary from here on (new ones wait
    // at the endpoint, existing ones are reset), and it cannot write.
    if (ctx.live->endpoint) {
      if (Status held = ctx.live->endpoint->Hold(); !held.ok()) {
        spdlog::warn("{}: cannot hold the endpoint: {}", instance.identifier, held.ToString());
      }
    }
    bool killed = !record.planned;
    if (record.planned) {
      auto conn = old_primary.driver->ConnectAdmin(engine::AdminBinlog::kSkip);
      Status fenced = conn.ok() ? engine::NodeAdmin(**conn).SetReadOnly(true) : conn.status();
      if (fenced.ok()) {
        // A standby must not wait for acknowledgements itself.
        fenced = engine::NodeAdmin(**conn).SetSemiSyncPrimary(false, 10000, false);
      }
      if (fenced.ok()) {
        auto observed = engine::NodeAdmin(**conn).Observe();
        if (observed.ok()) {
          record.fenced_gtid = observed->gtid_binlog_pos;
        } else {
          fenced = observed.status();
        }
      }
      if (!fenced.ok()) {
        spdlog::warn("{}: switchover: cannot fence {} cleanly ({}); killing it",
                     instance.identifier, record.from_zone, fenced.ToString());
        killed = true;
        record.fenced_gtid.clear();
      }
      old_primary.writable_pid = 0;
      old_primary.semi_sync_pid = 0;
      old_primary.probe.reset();  // its last view had it writable
    }
    if (killed) {
      old_primary.probe.reset();
      TANDEM_RETURN_IF_ERROR(old_primary.driver->Kill());
      old_primary.seen_running = false;
      old_primary.exit = old_primary.driver->last_exit();
      old_primary.writable_pid = 0;
      old_primary.semi_sync_pid = 0;
    }
    record.phase = Phase::kCatchingUp;
    TANDEM_RETURN_IF_ERROR(save());
    CrashPoint("failover-fenced");
    const Steady::time_point fenced = Steady::now();

    // Catch up: the standby applies every transaction it received.
    auto conn = new_primary.driver->ConnectAdmin(engine::AdminBinlog::kSkip);
    if (!conn.ok()) return conn.status();
    engine::NodeAdmin admin(**conn);
    auto observed = admin.Observe();
    if (!observed.ok()) return observed.status();
    if (observed->replica_configured) {
      std::string target = record.fenced_gtid;
      if (target.empty()) {
        TANDEM_RETURN_IF_ERROR(admin.StopReplicationIo());
        observed = admin.Observe();
        if (!observed.ok()) return observed.status();
        target = observed->gtid_io_pos;
      }
      if (!target.empty()) {
        TANDEM_RETURN_IF_ERROR(WaitForPosition(admin, target, options_.catch_up_timeout));
      }
      TANDEM_RETURN_IF_ERROR(admin.ResetReplication());
      observed = admin.Observe();
      if (!observed.ok()) return observed.status();
    }

    spdlog::info("{}: failover: fenced {} in {:.1f} ms, {} applied its relay log in {:.1f} ms",
                 instance.identifier, record.from_zone, MillisSince(began, fenced), record.to_zone,
                 MillisSince(fenced, Steady::now()));
    // The new roles, recorded before the new primary can write.
    NodeRecord promoted = *to;
    promoted.role = node_role::kPrimary;
    promoted.replicating_from.clear();
    promoted.rejoin_pending = false;
    promoted.promotion_gtid.clear();
    NodeRecord demoted = *from;
    demoted.role = node_role::kStandby;
    demoted.replicating_from.clear();
    demoted.rejoin_pending = killed;
    demoted.promotion_gtid = observed->gtid_current_pos;
    record.phase = Phase::kPromoting;
    TANDEM_RETURN_IF_ERROR(
        store_.Commit({StoreWrite::Put(promoted.StoreKey(), EncodeNodeRecord(promoted)),
                       StoreWrite::Put(demoted.StoreKey(), EncodeNodeRecord(demoted)),
                       StoreWrite::Put(record.StoreKey(), EncodeFailoverRecord(record))}));
    CrashPoint("failover-roles-recorded");
  }

  // Promote and switch (both safe to repeat).
  {
    const engine::SemiSyncSettings settings = SemiSyncSettingsFor(PolicyOf(ctx));
    auto conn = new_primary.driver->ConnectAdmin(engine::AdminBinlog::kSkip);
    if (!conn.ok()) return conn.status();
    engine::NodeAdmin admin(**conn);
    TANDEM_RETURN_IF_ERROR(admin.SetCommitDurability(true));
    TANDEM_RETURN_IF_ERROR(
        admin.SetSemiSyncPrimary(true, settings.timeout_ms, settings.wait_no_standby));
    TANDEM_RETURN_IF_ERROR(admin.SetReadOnly(false));
    new_primary.writable_pid = new_primary.driver->pid();
    new_primary.semi_sync_pid = new_primary.driver->pid();
    new_primary.semi_sync_policy = SyncPolicyName(PolicyOf(ctx));
  }
  CrashPoint("failover-promoted");
  if (ctx.live->endpoint) TANDEM_RETURN_IF_ERROR(ctx.live->endpoint->PointAt(to->port));
  const double took_ms = MillisSince(began, Steady::now());

  TANDEM_RETURN_IF_ERROR(store_.Commit({StoreWrite::Delete(record.StoreKey())}));
  const int64_t generation = instance.desired.reboot_generation;
  TANDEM_RETURN_IF_ERROR(UpdateObserved(ctx.key, [&](rds::ObservedInstance& observed) {
    observed.availability_zone = record.to_zone;
    observed.secondary_availability_zone = record.from_zone;
    if (record.planned) observed.reboots_done = std::max(observed.reboots_done, generation);
  }));
  RecordEvent(instance, ie::kFailoverCompleted);
  spdlog::info("{}: {} from {} to {} done: {:.1f} ms in tandemd ({} since the decision)",
               instance.identifier, record.planned ? "switchover" : "failover", record.from_zone,
               record.to_zone, took_ms, clock_.NowMillis() - record.started_ms);
  return Status::Ok();
}

}  // namespace tandem::control
