// The instance reconciler's steps (instance_decision.h), one method each.
// Every step checks before it acts and may be repeated: the loop re-observes
// and decides again after each one, and after a tandemd restart.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "control/endpoint_name.h"
#include "control/instance_node_spec.h"
#include "control/master_password.h"
#include "control/node_certificate.h"
#include "control/node_placement.h"
#include "control/parameter_drift.h"
#include "control/reconciler_loop.h"
#include "control/replication_account.h"
#include "engine/node_admin.h"
#include "rds/parameter_group.h"

namespace tandem::control {
namespace {

namespace st = rds::status;

constexpr int kMaxConflictRetries = 8;

// "10.11.19-MariaDB-0+deb12u1-log" -> "10.11.19".
std::string EngineVersion(const std::string& server_version) {
  return server_version.substr(0, server_version.find('-'));
}

std::string PrimaryZone(const rds::DbInstance& instance) { return instance.region + "a"; }

}  // namespace

Status InstanceReconciler::Loop::Execute(const InstanceStep& step, Context& ctx) {
  switch (step.action) {
    case Action::kNothing:
      return Status::Ok();
    case Action::kCreateNode:
      return CreateNode(ctx);
    case Action::kInitializeNode:
    case Action::kStartNode:
    case Action::kRecoverNode:
    case Action::kRestartNode:
      return StartPrimary(step, ctx);
    case Action::kBootstrapNode:
      return BootstrapNode(ctx);
    case Action::kPromoteNode:
      return PromoteNode(ctx);
    case Action::kOpenEndpoint:
      return OpenEndpoint(*ctx.live, ctx.instance);
    case Action::kPointEndpoint:
      return PointEndpoint(ctx);
    case Action::kApplyPassword:
      return ApplyPassword(ctx);
    case Action::kApplyParameters:
      return ApplyParameters(ctx);
    case Action::kCreateStandby:
      return CreateStandby(ctx);
    case Action::kSeedStandby:
      return SeedStandby(ctx);
    case Action::kStartStandby:
      return StartStandby(ctx);
    case Action::kAttachStandby:
      return AttachStandby(ctx);
    case Action::kEnableSemiSync:
      return EnableSemiSync(ctx);
    case Action::kRemoveStandby:
      return RemoveStandby(ctx);
    case Action::kReportAvailable:
    case Action::kReportStorageFull:
      return ReportServing(step, ctx);
    case Action::kReportFailure:
      return ReportFailure(step, ctx);
    case Action::kCloseEndpoint:
      return CloseEndpoint(ctx);
    case Action::kStopNode:
      return StopNode(ctx);
    case Action::kReportStopped:
      return ReportStopped(ctx);
    case Action::kRemoveNode:
      return RemoveNodes(ctx);
    case Action::kDeleteInstance:
      return DeleteInstance(ctx);
  }
  return Status::Internal("unknown step");
}

// ----- helpers -----------------------------------------------------------------

InstanceReconciler::Loop::LiveNode& InstanceReconciler::Loop::PrimaryNode(Context& ctx) {
  return NodeFor(*ctx.live, ctx.instance, *ctx.primary);
}

Status InstanceReconciler::Loop::UpdateNode(const std::string& key,
                                            const std::function<void(NodeRecord&)>& change) {
  for (int attempt = 0; attempt < kMaxConflictRetries; ++attempt) {
    auto entry = store_.Get(key);
    if (!entry.ok()) return entry.status();
    if (!entry->has_value()) return Status::NotFound("node record " + key + " is gone");
    auto node = DecodeNodeRecord((*entry)->value);
    if (!node.ok()) return node.status();
    change(*node);
    Status written =
        store_.Commit({StoreWrite::Put(key, EncodeNodeRecord(*node), (*entry)->version)});
    if (written.code() != Status::Code::kConflict) return written;
  }
  return Status::Conflict("node record " + key + " keeps changing");
}

Status InstanceReconciler::Loop::UpdateObserved(
    const std::string& key, const std::function<void(rds::ObservedInstance&)>& change) {
  for (int attempt = 0; attempt < kMaxConflictRetries; ++attempt) {
    auto entry = store_.Get(key);
    if (!entry.ok()) return entry.status();
    if (!entry->has_value()) return Status::NotFound("DB instance record " + key + " is gone");
    auto instance = rds::DecodeDbInstance((*entry)->value);
    if (!instance.ok()) return instance.status();
    change(instance->observed);
    Status written =
        store_.Commit({StoreWrite::Put(key, rds::EncodeDbInstance(*instance), (*entry)->version)});
    if (written.code() != Status::Code::kConflict) return written;
  }
  return Status::Conflict("DB instance record " + key + " keeps changing");
}

Status InstanceReconciler::Loop::ReportStatus(const Context& ctx, const rds::DbInstance& instance,
                                              std::vector<StoreWrite> extra) {
  std::vector<StoreWrite> writes = {
      StoreWrite::Put(ctx.key, rds::EncodeDbInstance(instance), ctx.version)};
  for (StoreWrite& write : extra) writes.push_back(std::move(write));
  return store_.Commit(writes);
}

void InstanceReconciler::Loop::RecordEvent(const rds::DbInstance& instance,
                                           const rds::EventType& type, const std::string& detail) {
  Status recorded = events_.Record(instance.region,
                                   rds::InstanceEvent(type, instance, options_.account_id, detail));
  if (!recorded.ok()) {
    spdlog::warn("{}: cannot record event {}: {}", instance.identifier, type.id,
                 recorded.ToString());
  }
}

StatusOr<std::string> InstanceReconciler::Loop::MasterPassword(const Context& ctx) {
  if (ctx.instance.desired.manage_master_user_password) {
    return ManagedMasterPassword(secrets_, ctx.instance);
  }
  auto waiting = WaitingMasterPassword(store_, master_, ctx.instance);
  if (!waiting.ok()) return waiting.status();
  if (!waiting->has_value()) {
    return Status::NotFound("no master password waits for DB instance " + ctx.instance.identifier);
  }
  return std::move((*waiting)->password);
}

StatusOr<engine::NodeSpec> InstanceReconciler::Loop::StartSpec(const Context& ctx,
                                                               const NodeRecord& node) {
  NodeStartInputs inputs;
  auto tls = NodeTlsMaterial(ca_, master_, node);
  if (!tls.ok()) return tls.status();
  inputs.tls = std::move(*tls);
  auto sizing = ClassSizing(ctx.instance);
  if (!sizing.ok()) return sizing.status();
  inputs.sizing = *sizing;
  for (const rds::EngineSetting& setting : rds::EngineSettings(ctx.group)) {
    inputs.parameters[setting.option_name] = setting.value;
  }
  if (ctx.instance.desired.storage_encrypted) {
    auto keys = StorageKeys(ctx.instance);
    if (!keys.ok()) return keys.status();
    inputs.encryption.enabled = true;
    inputs.encryption.keys = std::move(*keys);
  }
  inputs.semi_sync = SemiSyncFor(ctx);
  return NodeStartSpec(ctx.instance, node, options_.node_os_user, std::move(inputs));
}

// ----- creating ----------------------------------------------------------------

Status InstanceReconciler::Loop::CreateNode(Context& ctx) {
  auto node = PlaceNode(store_, options_.placement, ctx.instance, PrimaryZone(ctx.instance),
                        node_role::kPrimary);
  if (!node.ok()) return node.status();
  TANDEM_RETURN_IF_ERROR(IssueNodeCertificate(
      ca_, master_, clock_, CertificateNames(ctx.instance, options_.endpoint_addresses), *node));
  return store_.Commit(
      {StoreWrite::Put(node->StoreKey(), EncodeNodeRecord(*node), StoreWrite::kMustNotExist)});
}

Status InstanceReconciler::Loop::RenewCertificateIfDue(const rds::DbInstance& instance,
                                                       NodeRecord& node) {
  if (!NeedsCertificate(node, clock_)) return Status::Ok();
  TANDEM_RETURN_IF_ERROR(IssueNodeCertificate(
      ca_, master_, clock_, CertificateNames(instance, options_.endpoint_addresses), node));
  return UpdateNode(node.StoreKey(), [&](NodeRecord& stored) {
    stored.certificate_pem = node.certificate_pem;
    stored.private_key_envelope = node.private_key_envelope;
    stored.certificate_expires_ms = node.certificate_expires_ms;
  });
}

// Initialize, start, recover or restart the primary, then record what it
// now runs with. A failure is remembered for the decision (which fails the
// instance when retrying cannot help).
Status InstanceReconciler::Loop::StartPrimary(const InstanceStep& step, Context& ctx) {
  namespace ev = rds::event_type;
  const rds::DbInstance& instance = ctx.instance;
  NodeRecord node = *ctx.primary;
  TANDEM_RETURN_IF_ERROR(RenewCertificateIfDue(instance, node));
  LiveNode& n = PrimaryNode(ctx);
  n.probe.reset();  // its view of the process that goes
  if (!n.driver) return Status::Unavailable("no driver for node " + node.zone);

  auto fail = [&](const Status& why) {
    StartFailure failure = ctx.live->start_failure.value_or(StartFailure());
    failure.hopeless = why.code() == Status::Code::kInvalidArgument;
    failure.message = why.message();
    failure.attempts += 1;
    ctx.live->start_failure = failure;
    if (step.action == Action::kRecoverNode || step.action == Action::kRestartNode) {
      RecordEvent(instance, instance_events::kRestartError, why.message());
    }
    return why;
  };

  auto spec = StartSpec(ctx, node);
  if (!spec.ok()) return fail(spec.status());
  if (Status updated = n.driver->UpdateSpec(*spec); !updated.ok()) return fail(updated);

  const int64_t reboot_generation = instance.desired.reboot_generation;
  // New clients wait at the endpoint (up to its hold bound) rather than meet
  // a node that is down or not yet writable; the endpoint points at the node
  // again once it is promoted.
  if (step.action != Action::kInitializeNode && ctx.live->endpoint &&
      !ctx.live->endpoint->Describe().closed) {
    if (Status held = ctx.live->endpoint->Hold(); !held.ok()) {
      spdlog::warn("{}: cannot hold the endpoint: {}", instance.identifier, held.ToString());
    }
  }
  if (step.action == Action::kRecoverNode) {
    RecordEvent(instance, instance_events::kRecoveryStarted,
                n.exit ? "mariadbd " + n.exit->ToString() : "mariadbd was not running");
  }
  if (step.action == Action::kRestartNode) {
    RecordEvent(instance, ev::kShutdown);
    TANDEM_RETURN_IF_ERROR(n.driver->Stop(options_.node_stop_timeout));
    n.seen_running = false;
  }
  const Status started = step.action == Action::kInitializeNode
                             ? n.driver->Initialize(options_.node_start_timeout)
                             : n.driver->Start(options_.node_start_timeout);
  if (!started.ok()) return fail(started);
  ctx.live->start_failure.reset();
  ctx.live->refused_live.clear();
  n.exit.reset();
  n.seen_running = true;
  n.writable_pid = 0;
  n.semi_sync_pid = spec->semi_sync.enabled ? n.driver->pid() : 0;
  n.semi_sync_policy = spec->semi_sync.enabled ? SyncPolicyName(PolicyOf(ctx)) : "";

  const bool group_changed = node.parameter_group != ctx.group.name;
  TANDEM_RETURN_IF_ERROR(UpdateNode(node.StoreKey(), [&](NodeRecord& stored) {
    stored.initialized = true;
    stored.instance_class = instance.desired.instance_class;
    stored.parameter_group = ctx.group.name;
    stored.parameters = ctx.group.values;
  }));
  // Any start applies the whole current config: a pending reboot is done.
  TANDEM_RETURN_IF_ERROR(UpdateObserved(ctx.key, [&](rds::ObservedInstance& observed) {
    observed.reboots_done = std::max(observed.reboots_done, reboot_generation);
    observed.parameters_pending_reboot = false;
    observed.parameter_group_applied = ctx.group.name;
    observed.parameter_group_revision_applied = ctx.group.revision;
  }));
  if (group_changed && !node.parameter_group.empty()) {
    RecordEvent(instance, instance_events::kParameterGroupChanged, ctx.group.name);
  }

  switch (step.action) {
    case Action::kRecoverNode:
      RecordEvent(instance, instance_events::kRecoveryComplete);
      RecordEvent(instance, ev::kRestarted);
      break;
    case Action::kRestartNode:
      RecordEvent(instance, ev::kRestarted);
      if (step.resize) RecordEvent(instance, ev::kFinishedInstanceClass);
      break;
    case Action::kStartNode:
      if (instance.status == st::kRebooting) RecordEvent(instance, ev::kRestarted);
      break;
    default:
      break;
  }
  return Status::Ok();
}

Status InstanceReconciler::Loop::BootstrapNode(Context& ctx) {
  const rds::DesiredInstance& desired = ctx.instance.desired;
  // Read after the decision, the password is at least this generation's.
  const int64_t generation = desired.password_generation;
  auto password = MasterPassword(ctx);
  if (!password.ok()) return password.status();
  LiveNode& n = PrimaryNode(ctx);
  // Binary-logged: a standby cloned from this node later has these already,
  // and users made on a primary must replicate.
  auto conn = n.driver->ConnectAdmin(engine::AdminBinlog::kWrite);
  if (!conn.ok()) return conn.status();
  engine::NodeAdmin admin(**conn);
  TANDEM_RETURN_IF_ERROR(
      admin.CreateUser(desired.master_username, *password, /*require_ssl=*/false,
                       {engine::Grant{engine::kMasterUserPrivileges, "*", true}}));
  if (!desired.db_name.empty()) {
    TANDEM_RETURN_IF_ERROR(
        (*conn)->Execute("CREATE DATABASE IF NOT EXISTS " +
                         engine::AdminConnection::QuoteIdentifier(desired.db_name)));
  }
  TANDEM_RETURN_IF_ERROR(UpdateObserved(ctx.key, [&](rds::ObservedInstance& observed) {
    observed.password_generation_applied =
        std::max(observed.password_generation_applied, generation);
  }));
  return UpdateNode(ctx.primary->StoreKey(), [](NodeRecord& node) { node.bootstrapped = true; });
}

// ----- running -----------------------------------------------------------------

Status InstanceReconciler::Loop::PromoteNode(Context& ctx) {
  LiveNode& n = PrimaryNode(ctx);
  auto conn = n.driver->ConnectAdmin(engine::AdminBinlog::kSkip);
  if (!conn.ok()) return conn.status();
  TANDEM_RETURN_IF_ERROR(engine::NodeAdmin(**conn).SetReadOnly(false));
  n.writable_pid = n.driver->pid();
  return Status::Ok();
}

Status InstanceReconciler::Loop::PointEndpoint(Context& ctx) {
  TANDEM_RETURN_IF_ERROR(ctx.live->endpoint->PointAt(ctx.primary->port));
  spdlog::info("{}: endpoint {}", ctx.instance.identifier,
               ctx.live->endpoint->Describe().ToString());
  return Status::Ok();
}

Status InstanceReconciler::Loop::ApplyPassword(Context& ctx) {
  const rds::DbInstance& instance = ctx.instance;
  const int64_t generation = instance.desired.password_generation;
  std::optional<SealedPassword> waiting;
  std::string password;
  if (instance.desired.manage_master_user_password) {
    auto managed = ManagedMasterPassword(secrets_, instance);
    if (!managed.ok()) return managed.status();
    password = std::move(*managed);
  } else {
    auto sealed = WaitingMasterPassword(store_, master_, instance);
    if (!sealed.ok()) return sealed.status();
    waiting = std::move(*sealed);
    if (waiting) password = waiting->password;
  }
  if (!password.empty()) {
    auto conn = PrimaryNode(ctx).driver->ConnectAdmin(engine::AdminBinlog::kWrite);
    if (!conn.ok()) return conn.status();
    // CreateUser converges: the password, and the master user's privileges
    // too (RDS restores them when the master password is reset).
    TANDEM_RETURN_IF_ERROR(engine::NodeAdmin(**conn).CreateUser(
        instance.desired.master_username, password, /*require_ssl=*/false,
        {engine::Grant{engine::kMasterUserPrivileges, "*", true}}));
  } else {
    spdlog::warn("{}: password generation {} has no password to apply", instance.identifier,
                 generation);
  }
  // Record the generation and delete the sealed copy in one transaction,
  // unless the API has sealed a newer password meanwhile (then it stays).
  const std::string password_key =
      rds::DbInstance::PasswordStoreKey(instance.region, instance.identifier);
  for (int attempt = 0; attempt < kMaxConflictRetries; ++attempt) {
    auto entry = store_.Get(ctx.key);
    if (!entry.ok()) return entry.status();
    if (!entry->has_value()) return Status::NotFound("DB instance record is gone");
    auto current = rds::DecodeDbInstance((*entry)->value);
    if (!current.ok()) return current.status();
    current->observed.password_generation_applied =
        std::max(current->observed.password_generation_applied, generation);
    std::vector<StoreWrite> writes = {
        StoreWrite::Put(ctx.key, rds::EncodeDbInstance(*current), (*entry)->version)};
    if (waiting) writes.push_back(StoreWrite::Delete(password_key, waiting->version));
    Status written = store_.Commit(writes);
    if (written.code() != Status::Code::kConflict) {
      if (written.ok()) RecordEvent(instance, rds::event_type::kResetMasterCredentials);
      return written;
    }
    if (waiting) {
      auto key = store_.Get(password_key);
      if (!key.ok()) return key.status();
      // Replaced by a newer password or gone: not ours to delete.
      if (!key->has_value() || (*key)->version != waiting->version) waiting.reset();
    }
  }
  return Status::Conflict("DB instance record keeps changing");
}

Status InstanceReconciler::Loop::ApplyParameters(Context& ctx) {
  const rds::DbInstance& instance = ctx.instance;
  const NodeRecord& node = *ctx.primary;
  const ParameterDrift drift = FindParameterDrift(ctx.group.values, node.parameters,
                                                  rds::ParameterCatalog(), ClassDefaults(instance));
  ParameterDrift applied;
  bool refused = false;
  if (!drift.live.empty()) {
    auto conn = PrimaryNode(ctx).driver->ConnectAdmin(engine::AdminBinlog::kSkip);
    if (!conn.ok()) return conn.status();
    engine::NodeAdmin admin(**conn);
    for (const auto& [name, value] : drift.live) {
      auto known = ctx.live->refused_live.find(name);
      if (known != ctx.live->refused_live.end() && known->second == value) {
        refused = true;
        continue;
      }
      const rds::ParameterDefinition* definition = rds::FindParameter(name);
      Status set = definition == nullptr
                       ? Status::InvalidArgument("parameter " + name + " is not in the catalog")
                       : admin.ApplyDynamicParameter(definition->VariableName(), value);
      if (set.ok()) {
        applied.live[name] = value;
      } else if (set.code() == Status::Code::kUnavailable) {
        return set;  // the node went away: try again later
      } else {
        spdlog::warn("{}: the engine refused {}={} live ({}); it applies at the next reboot",
                     instance.identifier, name, value, set.ToString());
        ctx.live->refused_live[name] = value;
        refused = true;
      }
    }
  }
  const bool group_changed = node.parameter_group != ctx.group.name;
  TANDEM_RETURN_IF_ERROR(UpdateNode(node.StoreKey(), [&](NodeRecord& stored) {
    stored.parameters = AfterLiveChanges(stored.parameters, ctx.group.values, applied);
    stored.parameter_group = ctx.group.name;
  }));
  const bool pending_reboot = refused || !drift.on_restart.empty();
  TANDEM_RETURN_IF_ERROR(UpdateObserved(ctx.key, [&](rds::ObservedInstance& observed) {
    observed.parameters_pending_reboot = pending_reboot;
    observed.parameter_group_applied = ctx.group.name;
    observed.parameter_group_revision_applied = ctx.group.revision;
  }));
  if (group_changed) RecordEvent(instance, instance_events::kParameterGroupChanged, ctx.group.name);
  if (!applied.live.empty()) RecordEvent(instance, rds::event_type::kFinishedParameterGroup);
  return Status::Ok();
}

Status InstanceReconciler::Loop::ReportServing(const InstanceStep& step, Context& ctx) {
  auto conn = PrimaryNode(ctx).driver->ConnectAdmin(engine::AdminBinlog::kSkip);
  if (!conn.ok()) return conn.status();
  auto version = engine::NodeAdmin(**conn).ServerVersion();
  if (!version.ok()) return version.status();

  rds::DbInstance updated = ctx.instance;
  const std::string previous = updated.status;
  updated.status = step.action == Action::kReportStorageFull ? st::kStorageFull : st::kAvailable;
  updated.observed.engine_version = EngineVersion(*version);
  updated.observed.availability_zone = ctx.primary->zone;
  if (!updated.desired.manage_master_user_password) {
    updated.observed.master_user_secret_status.clear();
  } else if (updated.observed.master_user_secret_status.empty() ||
             updated.observed.master_user_secret_status == "creating") {
    updated.observed.master_user_secret_status = "active";
  }
  updated.observed.last_error.clear();
  updated.observed.certificate_valid_till_ms = ctx.primary->certificate_expires_ms;
  const bool standby_new = ctx.standby && updated.observed.secondary_availability_zone.empty();
  updated.observed.secondary_availability_zone = ctx.standby ? ctx.standby->zone : "";
  if (!ctx.standby) {
    updated.observed.replication_status.clear();
    updated.observed.replication_message.clear();
  }
  std::vector<StoreWrite> extra;
  // The sealed password that was applied (at creation) is no longer needed.
  if (ctx.situation.password_waiting &&
      updated.desired.password_generation <= updated.observed.password_generation_applied) {
    const std::string key = rds::DbInstance::PasswordStoreKey(updated.region, updated.identifier);
    auto entry = store_.Get(key);
    if (entry.ok() && entry->has_value()) {
      extra.push_back(StoreWrite::Delete(key, (*entry)->version));
    }
  }
  TANDEM_RETURN_IF_ERROR(ReportStatus(ctx, updated, std::move(extra)));
  if (previous == st::kCreating) RecordEvent(updated, rds::event_type::kCreated);
  if (previous == st::kStarting) RecordEvent(updated, rds::event_type::kStarted);
  if (previous == st::kModifying && standby_new) {
    RecordEvent(updated, rds::event_type::kFinishedMultiAz);
  }
  if (updated.status != previous && updated.status == st::kStorageFull) {
    RecordEvent(updated, instance_events::kStorageFull, step.storage_detail);
  }
  if (previous == st::kStorageFull && updated.status == st::kAvailable) {
    RecordEvent(updated, instance_events::kStorageAvailable, step.storage_detail);
  }
  return Status::Ok();
}

Status InstanceReconciler::Loop::ReportFailure(const InstanceStep& step, Context& ctx) {
  rds::DbInstance updated = ctx.instance;
  updated.status = step.failure_status;
  updated.observed.last_error = ctx.live->start_failure ? ctx.live->start_failure->message : "";
  // The failed attempt answered any reboot asked for before it.
  updated.observed.reboots_done =
      std::max(updated.observed.reboots_done, updated.desired.reboot_generation);
  TANDEM_RETURN_IF_ERROR(ReportStatus(ctx, updated));
  ctx.live->start_failure.reset();
  // A failed instance refuses clients (a held endpoint would keep them waiting).
  if (ctx.live->endpoint) {
    if (Status closed = ctx.live->endpoint->Close(); !closed.ok()) {
      spdlog::warn("{}: cannot close the endpoint: {}", updated.identifier, closed.ToString());
    }
    ctx.live->endpoint.reset();
  }
  RecordEvent(updated,
              step.failure_status == st::kIncompatibleParameters
                  ? rds::event_type::kIncompatibleParameters
                  : rds::event_type::kFailed,
              updated.observed.last_error);
  return Status::Ok();
}

// ----- stopping and deleting ---------------------------------------------------

Status InstanceReconciler::Loop::CloseEndpoint(Context& ctx) {
  if (ctx.live->endpoint) TANDEM_RETURN_IF_ERROR(ctx.live->endpoint->Close());
  ctx.live->endpoint.reset();
  return Status::Ok();
}

Status InstanceReconciler::Loop::StopNode(Context& ctx) {
  if (ctx.situation.standby.running) {
    LiveNode& standby = StandbyNode(ctx);
    TANDEM_RETURN_IF_ERROR(standby.driver->Stop(options_.node_stop_timeout));
    standby.seen_running = false;
    standby.exit.reset();
    standby.probe.reset();
    return UpdateNode(ctx.standby->StoreKey(),
                      [](NodeRecord& node) { node.replicating_from.clear(); });
  }
  LiveNode& n = PrimaryNode(ctx);
  n.probe.reset();
  TANDEM_RETURN_IF_ERROR(n.driver->Stop(options_.node_stop_timeout));
  n.seen_running = false;  // stopped on purpose: not an exit to recover from
  n.exit.reset();
  return Status::Ok();
}

Status InstanceReconciler::Loop::ReportStopped(Context& ctx) {
  rds::DbInstance updated = ctx.instance;
  updated.status = st::kStopped;
  TANDEM_RETURN_IF_ERROR(ReportStatus(ctx, updated));
  RecordEvent(updated, rds::event_type::kStopped);
  return Status::Ok();
}

Status InstanceReconciler::Loop::RemoveNodes(Context& ctx) {
  const rds::DbInstance& instance = ctx.instance;
  auto nodes = store_.List(NodeRecord::InstancePrefix(instance.region, instance.identifier));
  if (!nodes.ok()) return nodes.status();
  for (const StoreEntry& entry : *nodes) {
    auto node = DecodeNodeRecord(entry.value);
    if (!node.ok()) return node.status();
    LiveNode& n = NodeFor(*ctx.live, instance, *node);
    if (!n.driver) return Status::Unavailable("no driver for node " + node->zone);
    TANDEM_RETURN_IF_ERROR(n.driver->Destroy(options_.node_stop_timeout));
    ctx.live->nodes.erase(node->zone);
    TANDEM_RETURN_IF_ERROR(store_.Commit({StoreWrite::Delete(entry.key, entry.version)}));
  }
  // The instance's directory, empty once its nodes are gone.
  std::error_code ignored;
  std::filesystem::remove(InstanceNodesDirectory(options_.placement, instance), ignored);
  return Status::Ok();
}

Status InstanceReconciler::Loop::DeleteInstance(Context& ctx) {
  const rds::DbInstance& instance = ctx.instance;
  const std::string& arn = instance.desired.master_user_secret_arn;
  if (!arn.empty()) {
    auto deleted = secrets_.Invoke(instance.region, "DeleteSecret",
                                   {{"SecretId", arn}, {"ForceDeleteWithoutRecovery", true}});
    if (!deleted.ok() && deleted.error().code != "ResourceNotFoundException") {
      return Status::Unavailable("cannot delete the master user secret " + arn + ": " +
                                 deleted.error().message);
    }
  }
  TANDEM_RETURN_IF_ERROR(DeleteStorageKeys(instance));
  std::vector<StoreWrite> writes = {
      StoreWrite::Delete(ctx.key, ctx.version),
      StoreWrite::Delete(rds::DbInstance::PasswordStoreKey(instance.region, instance.identifier)),
      StoreWrite::Delete(ReplicationAccountKey(instance)),
      StoreWrite::Delete(FailoverRecord::StoreKey(instance.region, instance.identifier))};
  TANDEM_RETURN_IF_ERROR(store_.Commit(writes));
  RecordEvent(instance, rds::event_type::kDeleted);
  live_.erase(ctx.key);  // ctx.live is gone from here on
  return Status::Ok();
}

}  // namespace tandem::control
