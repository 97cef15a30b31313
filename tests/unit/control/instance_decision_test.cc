// The instance decision as a table of situations: each row starts from a
// healthy, available single-AZ instance, changes what the row is about, and
// names the step the reconciler must take next.
#include "control/instance_decision.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace tandem::control {
namespace {

namespace st = rds::status;

// An available instance whose primary runs, is writable and is behind its
// endpoint, with nothing pending: the decision is "no action".
InstanceSituation Healthy() {
  InstanceSituation s;
  rds::DbInstance& i = s.instance;
  i.region = "us-east-1";
  i.identifier = "mydb";
  i.resource_id = "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  i.endpoint_port = 3306;
  i.status = st::kAvailable;
  i.desired.master_username = "admin";
  i.desired.db_name = "app";
  i.desired.instance_class = "db.t3.micro";
  i.desired.parameter_group = "default.mysql10.11";
  i.observed.engine_version = "10.11.19";
  i.observed.availability_zone = "us-east-1a";
  NodeObservation& p = s.primary;
  p.recorded = true;
  p.initialized = true;
  p.bootstrapped = true;
  p.running = true;
  p.writable = true;
  p.port = 13306;
  p.zone = "us-east-1a";
  p.instance_class = "db.t3.micro";
  p.certificate_expires_ms = 1800000000000;
  i.observed.certificate_valid_till_ms = 1800000000000;
  s.endpoint.open = true;
  s.endpoint.target = 13306;
  return s;
}

// A new instance as CreateDBInstance stores it: nothing exists yet.
InstanceSituation JustCreated() {
  InstanceSituation s = Healthy();
  s.instance.status = st::kCreating;
  s.instance.observed = {};
  s.primary = {};
  s.endpoint = {};
  return s;
}

struct InstanceRow {
  std::string name;
  std::function<void(InstanceSituation&)> change;
  Action expected;
  std::string reason_contains = "";
};

void Check(const InstanceSituation& base, const std::vector<InstanceRow>& rows) {
  for (const InstanceRow& row : rows) {
    InstanceSituation s = base;
    row.change(s);
    const InstanceStep step = DecideInstanceStep(s);
    EXPECT_EQ(ActionName(step.action), std::string(ActionName(row.expected)))
        << row.name << ": " << step.reason;
    EXPECT_FALSE(step.reason.empty()) << row.name;
    if (!row.reason_contains.empty()) {
      EXPECT_NE(step.reason.find(row.reason_contains), std::string::npos)
          << row.name << ": " << step.reason;
    }
  }
}

TEST(InstanceDecisionTest, CreationMovesStepByStep) {
  Check(JustCreated(),
        {
            {"nothing exists yet", [](InstanceSituation&) {}, Action::kCreateNode},
            {"record stored", [](InstanceSituation& s) { s.primary.recorded = true; },
             Action::kInitializeNode},
            {"node started, no master user yet",
             [](InstanceSituation& s) {
               s.primary = Healthy().primary;
               s.primary.bootstrapped = false;
               s.primary.writable = false;
             },
             Action::kBootstrapNode, "master user 'admin' and database 'app'"},
            {"bootstrapped, still read-only",
             [](InstanceSituation& s) {
               s.primary = Healthy().primary;
               s.primary.writable = false;
             },
             Action::kPromoteNode},
            {"writable, endpoint not open",
             [](InstanceSituation& s) { s.primary = Healthy().primary; }, Action::kOpenEndpoint},
            {"endpoint open, not pointed",
             [](InstanceSituation& s) {
               s.primary = Healthy().primary;
               s.endpoint.open = true;
             },
             Action::kPointEndpoint, "port 13306"},
            {"everything in place",
             [](InstanceSituation& s) {
               s.primary = Healthy().primary;
               s.endpoint = Healthy().endpoint;
             },
             Action::kReportAvailable},
            {"killed after Initialize, before the master user: start, then bootstrap",
             [](InstanceSituation& s) {
               s.primary = Healthy().primary;
               s.primary.bootstrapped = false;
               s.primary.running = false;
               s.primary.writable = false;
             },
             Action::kStartNode},
            {"killed during the first start: a half-made node runs; initialize again",
             [](InstanceSituation& s) {
               s.primary = Healthy().primary;
               s.primary.initialized = false;
               s.primary.bootstrapped = false;
               s.primary.writable = false;
             },
             Action::kInitializeNode},
        });
}

TEST(InstanceDecisionTest, AvailableInstance) {
  Check(Healthy(),
        {
            {"all well", [](InstanceSituation&) {}, Action::kNothing, "no action"},
            {"node killed",
             [](InstanceSituation& s) {
               s.primary.running = false;
               s.primary.writable = false;
               s.primary.exit = engine::NodeExit{engine::NodeExit::How::kSignaled, 9};
             },
             Action::kRecoverNode, "killed by signal 9"},
            {"node found down after tandemd restarted",
             [](InstanceSituation& s) {
               s.primary.running = false;
               s.primary.writable = false;
             },
             Action::kRecoverNode, "is not running"},
            {"node restarted, read-only again",
             [](InstanceSituation& s) { s.primary.writable = false; }, Action::kPromoteNode},
            {"endpoint adopted but pointing elsewhere",
             [](InstanceSituation& s) { s.endpoint.target = 9999; }, Action::kPointEndpoint},
            {"endpoint lost (user-space path after restart)",
             [](InstanceSituation& s) { s.endpoint = {}; }, Action::kOpenEndpoint},
            {"new password waiting",
             [](InstanceSituation& s) {
               s.instance.status = st::kModifying;
               s.instance.desired.password_generation = 2;
               s.instance.observed.password_generation_applied = 1;
               s.password_waiting = true;
             },
             Action::kApplyPassword},
            {"password applied, sealed copy not yet deleted",
             [](InstanceSituation& s) { s.password_waiting = true; }, Action::kReportAvailable},
            {"dynamic parameter changed",
             [](InstanceSituation& s) { s.parameters.dynamic_pending = true; },
             Action::kApplyParameters},
            {"static parameter changed, not yet marked",
             [](InstanceSituation& s) { s.parameters.static_pending = true; },
             Action::kApplyParameters},
            {"static parameter changed and marked pending-reboot",
             [](InstanceSituation& s) {
               s.parameters.static_pending = true;
               s.instance.observed.parameters_pending_reboot = true;
             },
             Action::kNothing},
            {"another parameter group, or its values changed",
             [](InstanceSituation& s) {
               s.instance.status = st::kModifying;
               s.instance.desired.parameter_group = "strict";
               s.parameters.record_behind = true;
             },
             Action::kApplyParameters, "'strict'"},
            {"certificate renewed",
             [](InstanceSituation& s) { s.primary.certificate_expires_ms += 1000; },
             Action::kReportAvailable},
            {"modification done", [](InstanceSituation& s) { s.instance.status = st::kModifying; },
             Action::kReportAvailable},
            {"engine version not yet observed",
             [](InstanceSituation& s) { s.instance.observed.engine_version.clear(); },
             Action::kReportAvailable},
            {"managed secret status not yet active",
             [](InstanceSituation& s) { s.instance.desired.manage_master_user_password = true; },
             Action::kReportAvailable},
        });
}

TEST(InstanceDecisionTest, RestartsForRebootAndClassChange) {
  Check(Healthy(), {
                       {"reboot requested",
                        [](InstanceSituation& s) {
                          s.instance.status = st::kRebooting;
                          s.instance.desired.reboot_generation = 1;
                        },
                        Action::kRestartNode, "reboot 1"},
                       {"reboot done, node read-only",
                        [](InstanceSituation& s) {
                          s.instance.status = st::kRebooting;
                          s.instance.desired.reboot_generation = 1;
                          s.instance.observed.reboots_done = 1;
                          s.primary.writable = false;
                        },
                        Action::kPromoteNode},
                       {"reboot done and promoted",
                        [](InstanceSituation& s) {
                          s.instance.status = st::kRebooting;
                          s.instance.desired.reboot_generation = 1;
                          s.instance.observed.reboots_done = 1;
                        },
                        Action::kReportAvailable},
                       {"killed during a reboot: a start, not a recovery",
                        [](InstanceSituation& s) {
                          s.instance.status = st::kRebooting;
                          s.instance.desired.reboot_generation = 1;
                          s.primary.running = false;
                          s.primary.writable = false;
                        },
                        Action::kStartNode},
                       {"new instance class",
                        [](InstanceSituation& s) {
                          s.instance.status = st::kModifying;
                          s.instance.desired.instance_class = "db.t3.small";
                        },
                        Action::kRestartNode, "db.t3.small (was db.t3.micro)"},
                   });
  InstanceSituation s = Healthy();
  s.instance.desired.reboot_generation = 1;
  s.instance.desired.instance_class = "db.t3.small";
  const InstanceStep step = DecideInstanceStep(s);
  EXPECT_EQ(step.action, Action::kRestartNode);
  EXPECT_TRUE(step.reboot);
  EXPECT_TRUE(step.resize);
}

TEST(InstanceDecisionTest, StopAndStart) {
  Check(Healthy(),
        {
            {"stop requested: clients refused first",
             [](InstanceSituation& s) {
               s.instance.status = st::kStopping;
               s.instance.desired.lifecycle = "stopped";
             },
             Action::kCloseEndpoint},
            {"endpoint closed: node stopped next",
             [](InstanceSituation& s) {
               s.instance.status = st::kStopping;
               s.instance.desired.lifecycle = "stopped";
               s.endpoint = {};
             },
             Action::kStopNode},
            {"node down: report stopped",
             [](InstanceSituation& s) {
               s.instance.status = st::kStopping;
               s.instance.desired.lifecycle = "stopped";
               s.endpoint = {};
               s.primary.running = false;
             },
             Action::kReportStopped},
            {"stopped",
             [](InstanceSituation& s) {
               s.instance.status = st::kStopped;
               s.instance.desired.lifecycle = "stopped";
               s.endpoint = {};
               s.primary.running = false;
             },
             Action::kNothing, "stopped"},
            {"start requested",
             [](InstanceSituation& s) {
               s.instance.status = st::kStarting;
               s.endpoint = {};
               s.primary.running = false;
               s.primary.writable = false;
             },
             Action::kStartNode},
            {"started: promote, then open the endpoint",
             [](InstanceSituation& s) {
               s.instance.status = st::kStarting;
               s.endpoint = {};
               s.primary.writable = false;
             },
             Action::kPromoteNode},
            {"started and routed", [](InstanceSituation& s) { s.instance.status = st::kStarting; },
             Action::kReportAvailable},
        });
}

TEST(InstanceDecisionTest, Deletion) {
  auto deleting = [](InstanceSituation& s) {
    s.instance.status = st::kDeleting;
    s.instance.desired.lifecycle = "deleted";
  };
  Check(Healthy(), {
                       {"endpoint first", deleting, Action::kCloseEndpoint},
                       {"then the node",
                        [&](InstanceSituation& s) {
                          deleting(s);
                          s.endpoint = {};
                        },
                        Action::kRemoveNode},
                       {"node gone: the record",
                        [&](InstanceSituation& s) {
                          deleting(s);
                          s.endpoint = {};
                          s.primary = {};
                        },
                        Action::kDeleteInstance},
                       {"deleted while still creating",
                        [&](InstanceSituation& s) {
                          deleting(s);
                          s.endpoint = {};
                          s.primary.bootstrapped = false;
                          s.primary.running = false;
                        },
                        Action::kRemoveNode},
                       {"deleted while failed",
                        [&](InstanceSituation& s) {
                          deleting(s);
                          s.instance.status = st::kFailed;
                          s.endpoint = {};
                          s.primary = {};
                        },
                        Action::kDeleteInstance},
                   });
}

TEST(InstanceDecisionTest, StartFailures) {
  Check(Healthy(),
        {
            {"engine rejected a server option of the parameter group",
             [](InstanceSituation& s) {
               s.primary.running = false;
               s.custom_parameters = true;
               s.start_failure = StartFailure{true, "unknown variable 'bogus=1'", 1};
             },
             Action::kReportFailure, "unknown variable"},
            {"hopeless setup (an unreachable directory): failed at once",
             [](InstanceSituation& s) {
               s.primary.running = false;
               s.start_failure = StartFailure{true, "mysql cannot reach /srv/x", 1};
             },
             Action::kReportFailure, "/srv/x"},
            {"transient failure: retry",
             [](InstanceSituation& s) {
               s.primary.running = false;
               s.start_failure = StartFailure{false, "port in use", 1};
             },
             Action::kRecoverNode},
            {"failed too often",
             [](InstanceSituation& s) {
               s.primary.running = false;
               s.start_failure = StartFailure{false, "port in use", kStartAttemptsBeforeFailed};
             },
             Action::kReportFailure, "3 times"},
            {"failed: hold until rebooted",
             [](InstanceSituation& s) {
               s.instance.status = st::kFailed;
               s.instance.observed.last_error = "port in use";
               s.primary.running = false;
               s.endpoint = {};
             },
             Action::kNothing, "port in use"},
            {"failed, endpoint re-opened by a restarted tandemd: close it",
             [](InstanceSituation& s) {
               s.instance.status = st::kFailed;
               s.primary.running = false;
             },
             Action::kCloseEndpoint, "refused"},
            {"incompatible-parameters, then rebooted: start again",
             [](InstanceSituation& s) {
               s.instance.status = st::kIncompatibleParameters;
               s.instance.desired.reboot_generation = 2;
               s.instance.observed.reboots_done = 1;
               s.primary.running = false;
             },
             Action::kStartNode},
            {"failed while creating",
             [](InstanceSituation& s) {
               s.instance.status = st::kCreating;
               s.primary.bootstrapped = false;
               s.primary.running = false;
               s.start_failure = StartFailure{true, "unknown variable", 1};
             },
             Action::kReportFailure},
        });
  InstanceSituation s = Healthy();
  s.primary.running = false;
  s.custom_parameters = true;
  s.start_failure = StartFailure{true, "unknown variable", 1};
  EXPECT_EQ(DecideInstanceStep(s).failure_status, st::kIncompatibleParameters);
  s.start_failure = StartFailure{false, "timeout", kStartAttemptsBeforeFailed};
  EXPECT_EQ(DecideInstanceStep(s).failure_status, st::kFailed);
  s.custom_parameters = false;
  s.start_failure = StartFailure{true, "cannot reach", 1};
  EXPECT_EQ(DecideInstanceStep(s).failure_status, st::kFailed);
}

// A Multi-AZ instance whose standby is copied, running, attached and
// acknowledged by the primary: no action.
InstanceSituation HealthyMultiAz() {
  InstanceSituation s = Healthy();
  s.instance.desired.multi_az = true;
  s.instance.observed.secondary_availability_zone = "us-east-1b";
  StandbyObservation& sb = s.standby;
  sb.recorded = true;
  sb.initialized = true;
  sb.running = true;
  sb.replicating = true;
  sb.zone = "us-east-1b";
  s.semi_sync_on = true;
  return s;
}

TEST(InstanceDecisionTest, MultiAzStandbyIsBuiltRepairedAndRemoved) {
  EXPECT_EQ(DecideInstanceStep(HealthyMultiAz()).action, Action::kNothing)
      << DecideInstanceStep(HealthyMultiAz()).reason;
  Check(
      HealthyMultiAz(),
      {
          {"no standby yet (creation or conversion)", [](InstanceSituation& s) { s.standby = {}; },
           Action::kCreateStandby, "standby"},
          {"standby placed, not copied",
           [](InstanceSituation& s) {
             s.standby.initialized = false;
             s.standby.running = false;
             s.standby.replicating = false;
           },
           Action::kSeedStandby, "mariadb-backup"},
          {"standby diverged: copied again even while it runs",
           [](InstanceSituation& s) { s.standby.reseed = true; }, Action::kSeedStandby, "re-seed"},
          {"standby exited", [](InstanceSituation& s) { s.standby.running = false; },
           Action::kStartStandby},
          {"ex-primary after a failover starts as a replica",
           [](InstanceSituation& s) {
             s.standby.running = false;
             s.standby.rejoin_pending = true;
             s.standby.replicating = false;
           },
           Action::kStartStandby, "--init-rpl-role=SLAVE"},
          {"standby runs but replicates from nobody (new primary after a failover)",
           [](InstanceSituation& s) { s.standby.replicating = false; }, Action::kAttachStandby,
           "verified TLS"},
          {"primary restarted: its semi-sync master side must be set again",
           [](InstanceSituation& s) { s.semi_sync_on = false; }, Action::kEnableSemiSync},
          {"converted back to Single-AZ",
           [](InstanceSituation& s) { s.instance.desired.multi_az = false; },
           Action::kRemoveStandby},
          {"the primary comes first: it is down",
           [](InstanceSituation& s) {
             s.primary.running = false;
             s.standby.running = false;
           },
           Action::kRecoverNode},
          {"the reported secondary zone is stale",
           [](InstanceSituation& s) { s.instance.observed.secondary_availability_zone = ""; },
           Action::kReportAvailable},
          {"stopping stops the standby first",
           [](InstanceSituation& s) {
             s.instance.desired.lifecycle = "stopped";
             s.endpoint.open = false;
           },
           Action::kStopNode, "standby"},
          {"a forced failover of a replicating instance is the HA monitor's, not a restart",
           [](InstanceSituation& s) {
             s.instance.desired.reboot_generation = 1;
             s.instance.desired.reboot_force_failover = true;
           },
           Action::kNothing},
          {"a forced failover without a replicating standby restarts in place",
           [](InstanceSituation& s) {
             s.instance.desired.reboot_generation = 1;
             s.instance.desired.reboot_force_failover = true;
             s.standby.replicating = false;
           },
           Action::kRestartNode},
      });
}

// A file system of 1 GiB: storage-full below 64 MiB free, available again
// above 128 MiB (storage_full.h's defaults).
engine::StorageSpace Space(uint64_t free_mib) {
  return engine::StorageSpace{free_mib << 20, uint64_t{1024} << 20};
}

TEST(InstanceDecisionTest, StorageFullIsReportedAndClearedWithHysteresis) {
  InstanceSituation roomy = HealthyMultiAz();
  roomy.primary.storage = Space(900);
  roomy.standby.storage = Space(900);
  EXPECT_EQ(DecideInstanceStep(roomy).action, Action::kNothing) << DecideInstanceStep(roomy).reason;
  InstanceSituation full = roomy;
  full.instance.status = st::kStorageFull;
  full.primary.storage = Space(10);
  Check(roomy, {
                   {"primary's file system short of space",
                    [](InstanceSituation& s) { s.primary.storage = Space(10); },
                    Action::kReportStorageFull, "node us-east-1a has 10 MiB free of 1024 MiB"},
                   {"standby's file system short of space",
                    [](InstanceSituation& s) { s.standby.storage = Space(63); },
                    Action::kReportStorageFull, "node us-east-1b has 63 MiB free"},
                   {"just above the threshold: still available",
                    [](InstanceSituation& s) { s.primary.storage = Space(64); }, Action::kNothing},
                   {"space unreadable: still available",
                    [](InstanceSituation& s) { s.primary.storage.reset(); }, Action::kNothing},
                   {"short of space while a password waits: reported first",
                    [](InstanceSituation& s) {
                      s.primary.storage = Space(10);
                      s.instance.desired.password_generation = 2;
                      s.instance.observed.password_generation_applied = 1;
                    },
                    Action::kReportStorageFull},
                   {"short of space at the end of a modification",
                    [](InstanceSituation& s) {
                      s.primary.storage = Space(10);
                      s.instance.status = st::kModifying;
                    },
                    Action::kReportStorageFull},
                   {"short of space and the node killed: recovered first",
                    [](InstanceSituation& s) {
                      s.primary.storage = Space(10);
                      s.primary.running = false;
                      s.primary.writable = false;
                    },
                    Action::kRecoverNode},
               });
  Check(full, {
                  {"still short: nothing more to do", [](InstanceSituation&) {}, Action::kNothing,
                   "storage-full: node us-east-1a"},
                  {"some room, below the leaving threshold: stays storage-full (no flapping)",
                   [](InstanceSituation& s) { s.primary.storage = Space(100); }, Action::kNothing,
                   "storage-full"},
                  {"at the leaving threshold exactly: stays",
                   [](InstanceSituation& s) { s.primary.storage = Space(128); }, Action::kNothing},
                  {"room again on every node",
                   [](InstanceSituation& s) { s.primary.storage = Space(129); },
                   Action::kReportAvailable, "room again"},
                  {"room on the primary, the standby still short",
                   [](InstanceSituation& s) {
                     s.primary.storage = Space(900);
                     s.standby.storage = Space(120);
                   },
                   Action::kNothing, "node us-east-1b"},
                  {"space unreadable: the state stays",
                   [](InstanceSituation& s) { s.primary.storage.reset(); }, Action::kNothing},
                  {"the node recovers while storage-full",
                   [](InstanceSituation& s) {
                     s.primary.running = false;
                     s.primary.writable = false;
                   },
                   Action::kRecoverNode},
                  {"a stale observed field is refreshed without leaving the state",
                   [](InstanceSituation& s) { s.instance.observed.engine_version.clear(); },
                   Action::kReportStorageFull},
              });
  // The event's detail: only when entering the state, and when leaving it.
  InstanceSituation entering = roomy;
  entering.primary.storage = Space(10);
  EXPECT_NE(DecideInstanceStep(entering).storage_detail.find("10 MiB free"), std::string::npos);
  InstanceSituation refreshing = full;
  refreshing.instance.observed.engine_version.clear();
  EXPECT_EQ(DecideInstanceStep(refreshing).storage_detail, "");
  InstanceSituation leaving = full;
  leaving.primary.storage = Space(500);
  leaving.standby.storage = Space(400);
  EXPECT_NE(DecideInstanceStep(leaving).storage_detail.find("node us-east-1b has 400 MiB free"),
            std::string::npos)
      << DecideInstanceStep(leaving).storage_detail;
}

}  // namespace
}  // namespace tandem::control
