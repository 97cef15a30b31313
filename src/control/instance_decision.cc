#include "control/instance_decision.h"

#include <vector>

namespace tandem::control {
namespace {

namespace st = rds::status;

InstanceStep Step(Action action, std::string reason) {
  InstanceStep step;
  step.action = action;
  step.reason = std::move(reason);
  return step;
}

bool Is(const rds::DbInstance& instance, const char* status) { return instance.status == status; }

std::string NodeName(const NodeObservation& node) {
  return "node " + (node.zone.empty() ? std::string("?") : node.zone);
}

std::string EndpointName(const rds::DbInstance& instance) {
  return "endpoint port " + std::to_string(instance.endpoint_port);
}

InstanceStep DecideDeleting(const InstanceSituation& s) {
  if (s.endpoint.open) {
    return Step(Action::kCloseEndpoint, "deleting: closing " + EndpointName(s.instance));
  }
  if (s.primary.recorded) {
    return Step(Action::kRemoveNode,
                "deleting: stopping " + NodeName(s.primary) + " and removing its files");
  }
  return Step(Action::kDeleteInstance,
              "deleting: removing the managed master user secret, if any, and the record");
}

InstanceStep DecideStopping(const InstanceSituation& s) {
  if (s.endpoint.open) {
    return Step(Action::kCloseEndpoint,
                "stopping: closing " + EndpointName(s.instance) + " so that clients are refused");
  }
  if (s.standby.running) {
    return Step(Action::kStopNode,
                "stopping: shutting down standby node " + s.standby.zone + ", then the primary");
  }
  if (s.primary.running) {
    return Step(Action::kStopNode, "stopping: shutting down " + NodeName(s.primary));
  }
  if (!Is(s.instance, st::kStopped)) {
    return Step(Action::kReportStopped, "stopping: the node is down; reporting stopped");
  }
  return Step(Action::kNothing, "no action: stopped");
}

// A start that failed: fail the instance now, or try again.
std::optional<InstanceStep> DecideAfterStartFailure(const InstanceSituation& s) {
  if (!s.start_failure) return std::nullopt;
  const StartFailure& failure = *s.start_failure;
  InstanceStep step;
  // Only a group with values of its own can hold an incompatible parameter;
  // with the defaults, the fault is the node's setup.
  if (failure.hopeless && s.custom_parameters) {
    step = Step(Action::kReportFailure,
                "failing: " + NodeName(s.primary) +
                    " cannot start with the parameter group's values: " + failure.message);
    step.failure_status = st::kIncompatibleParameters;
    return step;
  }
  if (failure.hopeless || failure.attempts >= kStartAttemptsBeforeFailed) {
    step = Step(Action::kReportFailure, "failing: " + NodeName(s.primary) + " failed to start " +
                                            std::to_string(failure.attempts) +
                                            " times: " + failure.message);
    step.failure_status = st::kFailed;
    return step;
  }
  return std::nullopt;
}

// The node is down and should run: why, and which kind of start.
InstanceStep DecideStart(const InstanceSituation& s) {
  const NodeObservation& p = s.primary;
  const rds::DbInstance& instance = s.instance;
  if (Is(instance, st::kCreating) || Is(instance, st::kStarting) || Is(instance, st::kStopped) ||
      Is(instance, st::kRebooting) || st::IsFailure(instance.status)) {
    return Step(Action::kStartNode, instance.status + ": starting " + NodeName(p));
  }
  const std::string how = p.exit ? "exited (" + p.exit->ToString() + ")" : "is not running";
  return Step(Action::kRecoverNode,
              "recovering: " + NodeName(p) + " " + how + "; restarting it in place");
}

// Multi-AZ: build, repair or remove the standby once the primary serves.
std::optional<InstanceStep> DecideStandby(const InstanceSituation& s) {
  const StandbyObservation& sb = s.standby;
  const std::string name = "standby node " + (sb.zone.empty() ? std::string("?") : sb.zone);
  if (!s.instance.desired.multi_az) {
    if (sb.recorded) {
      return Step(Action::kRemoveStandby,
                  "converting to Single-AZ: stopping " + name + " and removing its files");
    }
    return std::nullopt;
  }
  if (!sb.recorded) {
    return Step(Action::kCreateStandby,
                "Multi-AZ: choosing the port and names of the standby "
                "node and issuing its certificate");
  }
  if (!sb.initialized || sb.reseed) {
    return Step(Action::kSeedStandby, "Multi-AZ: copying " + NodeName(s.primary) + " to " + name +
                                          " online with mariadb-backup" +
                                          (sb.reseed ? " (re-seed)" : ""));
  }
  if (!sb.running) {
    std::string how = sb.exit ? "exited (" + sb.exit->ToString() + ")" : "is not running";
    if (sb.rejoin_pending) how += "; ex-primary, starting it with --init-rpl-role=SLAVE";
    return Step(Action::kStartStandby, "Multi-AZ: " + name + " " + how + "; starting it");
  }
  if (!sb.replicating) {
    return Step(Action::kAttachStandby, "Multi-AZ: attaching " + name + " to " +
                                            NodeName(s.primary) +
                                            " (GTID, semi-sync, verified TLS)");
  }
  if (!s.semi_sync_on) {
    return Step(Action::kEnableSemiSync,
                "Multi-AZ: " + NodeName(s.primary) + " waits for " + name + "'s acknowledgements");
  }
  return std::nullopt;
}

StorageVerdict JudgeInstanceStorage(const InstanceSituation& s) {
  std::vector<NodeStorage> nodes;
  if (s.primary.recorded) nodes.push_back({s.primary.zone, s.primary.storage});
  if (s.standby.recorded) nodes.push_back({s.standby.zone, s.standby.storage});
  return JudgeStorage(Is(s.instance, st::kStorageFull), nodes, s.storage_thresholds);
}

InstanceStep ReportStorageFull(const InstanceSituation& s, const StorageVerdict& storage) {
  InstanceStep step =
      Step(Action::kReportStorageFull, s.instance.status + ": " + storage.reason +
                                           "; reporting storage-full (writes may block or fail)");
  if (!Is(s.instance, st::kStorageFull)) step.storage_detail = storage.reason;
  return step;
}

bool ObservedFieldsStale(const InstanceSituation& s) {
  const rds::ObservedInstance& observed = s.instance.observed;
  // A managed secret's status is "active" once the instance serves, unless
  // its rotation reports "rotating" or "impaired" (the rotator sets those).
  const std::string& secret_status = observed.master_user_secret_status;
  const bool secret_status_stale = s.instance.desired.manage_master_user_password
                                       ? secret_status.empty() || secret_status == "creating"
                                       : !secret_status.empty();
  return observed.availability_zone != s.primary.zone || observed.engine_version.empty() ||
         secret_status_stale || !observed.last_error.empty() ||
         observed.certificate_valid_till_ms != s.primary.certificate_expires_ms ||
         observed.secondary_availability_zone != (s.standby.recorded ? s.standby.zone : "");
}

}  // namespace

const char* ActionName(Action action) {
  switch (action) {
    case Action::kNothing:
      return "nothing";
    case Action::kCreateNode:
      return "create-node";
    case Action::kInitializeNode:
      return "initialize-node";
    case Action::kBootstrapNode:
      return "bootstrap-node";
    case Action::kStartNode:
      return "start-node";
    case Action::kRecoverNode:
      return "recover-node";
    case Action::kRestartNode:
      return "restart-node";
    case Action::kPromoteNode:
      return "promote-node";
    case Action::kOpenEndpoint:
      return "open-endpoint";
    case Action::kPointEndpoint:
      return "point-endpoint";
    case Action::kApplyPassword:
      return "apply-password";
    case Action::kApplyParameters:
      return "apply-parameters";
    case Action::kCreateStandby:
      return "create-standby";
    case Action::kSeedStandby:
      return "seed-standby";
    case Action::kStartStandby:
      return "start-standby";
    case Action::kAttachStandby:
      return "attach-standby";
    case Action::kEnableSemiSync:
      return "enable-semi-sync";
    case Action::kRemoveStandby:
      return "remove-standby";
    case Action::kReportAvailable:
      return "report-available";
    case Action::kReportStorageFull:
      return "report-storage-full";
    case Action::kReportFailure:
      return "report-failure";
    case Action::kCloseEndpoint:
      return "close-endpoint";
    case Action::kStopNode:
      return "stop-node";
    case Action::kReportStopped:
      return "report-stopped";
    case Action::kRemoveNode:
      return "remove-node";
    case Action::kDeleteInstance:
      return "delete-instance";
  }
  return "unknown";
}

InstanceStep DecideInstanceStep(const InstanceSituation& s) {
  const rds::DbInstance& instance = s.instance;
  const rds::DesiredInstance& desired = instance.desired;
  const NodeObservation& p = s.primary;

  if (desired.lifecycle == "deleted") return DecideDeleting(s);
  if (desired.lifecycle == "stopped") return DecideStopping(s);

  // A forced failover of a replicating Multi-AZ instance is a switchover,
  // the HA monitor's to do (ha_decision.h); otherwise a reboot restarts the
  // primary in place.
  const bool reboot_pending = desired.reboot_generation > instance.observed.reboots_done &&
                              !(desired.reboot_force_failover && s.standby.replicating);
  if (st::IsFailure(instance.status) && !reboot_pending) {
    if (s.endpoint.open) {
      return Step(Action::kCloseEndpoint, instance.status + ": closing " + EndpointName(instance) +
                                              " so that clients are refused");
    }
    return Step(Action::kNothing, "no action: the instance is " + instance.status + " (" +
                                      instance.observed.last_error +
                                      "); fix the cause and reboot it, or delete it");
  }
  if (auto failed = DecideAfterStartFailure(s)) return *failed;

  if (!p.recorded) {
    return Step(Action::kCreateNode,
                "creating: choosing the port and names of the primary node "
                "and issuing its certificate");
  }
  // Also when a half-initialized node runs (tandemd killed during its first
  // start): Initialize wipes it and starts over, as nothing was handed out yet.
  if (!p.initialized) {
    return Step(Action::kInitializeNode, "creating: initializing " + NodeName(p) +
                                             " (data directory, system tables, first start)");
  }
  if (!p.running) return DecideStart(s);

  const bool resize = !p.instance_class.empty() && p.instance_class != desired.instance_class;
  if (reboot_pending || resize) {
    InstanceStep step;
    if (reboot_pending) {
      step =
          Step(Action::kRestartNode, "rebooting: restarting " + NodeName(p) + " (reboot " +
                                         std::to_string(desired.reboot_generation) + " requested)");
    } else {
      step = Step(Action::kRestartNode, "modifying: restarting " + NodeName(p) +
                                            " to apply instance class " + desired.instance_class +
                                            " (was " + p.instance_class + ")");
    }
    step.reboot = reboot_pending;
    step.resize = resize;
    return step;
  }
  if (!p.bootstrapped) {
    std::string what = "creating: creating master user '" + desired.master_username + "'";
    if (!desired.db_name.empty()) what += " and database '" + desired.db_name + "'";
    return Step(Action::kBootstrapNode, what + " on " + NodeName(p));
  }
  if (!p.writable) {
    return Step(Action::kPromoteNode,
                "promoting: making " + NodeName(p) + " writable, the instance's primary");
  }
  if (!s.endpoint.open) {
    return Step(Action::kOpenEndpoint, "routing: opening " + EndpointName(instance));
  }
  if (s.endpoint.target != p.port) {
    return Step(Action::kPointEndpoint, "routing: pointing " + EndpointName(instance) + " at " +
                                            NodeName(p) + " (port " + std::to_string(p.port) + ")");
  }
  // Serving: a file system short of space is reported at once, before
  // other changes (which may themselves need space).
  const StorageVerdict storage = JudgeInstanceStorage(s);
  if (storage.full && Is(instance, st::kAvailable)) return ReportStorageFull(s, storage);
  if (desired.password_generation > instance.observed.password_generation_applied) {
    return Step(Action::kApplyPassword, "modifying: setting the new password of master user '" +
                                            desired.master_username + "'");
  }
  if (s.parameters.dynamic_pending || s.parameters.record_behind ||
      s.parameters.static_pending != instance.observed.parameters_pending_reboot) {
    return Step(Action::kApplyParameters, "modifying: applying parameter group '" +
                                              desired.parameter_group + "' to " + NodeName(p));
  }
  if (auto standby = DecideStandby(s)) return *standby;
  if (storage.full) {
    if (!Is(instance, st::kStorageFull) || ObservedFieldsStale(s) || s.password_waiting) {
      return ReportStorageFull(s, storage);
    }
    return Step(Action::kNothing, "no action: storage-full: " + storage.reason);
  }
  if (Is(instance, st::kStorageFull)) {
    InstanceStep step =
        Step(Action::kReportAvailable,
             "storage-full: room again (" + storage.reason + "); reporting available");
    step.storage_detail = storage.reason;
    return step;
  }
  if (!Is(instance, st::kAvailable) || ObservedFieldsStale(s) || s.password_waiting) {
    return Step(Action::kReportAvailable, instance.status + ": " + NodeName(p) +
                                              " is the writable primary behind " +
                                              EndpointName(instance) + "; reporting available");
  }
  return Step(Action::kNothing, "no action: " + NodeName(p) + " is the writable primary behind " +
                                    EndpointName(instance));
}

}  // namespace tandem::control
