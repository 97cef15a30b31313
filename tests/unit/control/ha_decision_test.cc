// The Multi-AZ HA decision as a table of situations: each row starts from a
// healthy pair (primary az-a writable, standby az-b replicating with semi-sync
// ON, in sync at 0-1-4123), changes what the row is about, and names the
// action, its target and a piece of the sentence.
#include "control/ha_decision.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace tandem::control {
namespace {

using engine::NodeExit;

HaSituation HealthyPair() {
  HaSituation s;
  s.primary.zone = "az-a";
  s.primary.observed.emplace();
  engine::ObservedNodeState& p = *s.primary.observed;
  p.read_only = false;
  p.gtid_binlog_pos = "0-1-4123";
  p.gtid_current_pos = "0-1-4123";
  p.semi_sync_master_on = true;
  p.semi_sync_master_clients = 1;

  HaNode standby;
  standby.zone = "az-b";
  standby.observed.emplace();
  engine::ObservedNodeState& b = *standby.observed;
  b.read_only = true;
  b.gtid_slave_pos = "0-1-4123";
  b.gtid_current_pos = "0-1-4123";
  b.gtid_io_pos = "0-1-4123";
  b.semi_sync_slave_on = true;
  b.replica_configured = true;
  b.master_host = "az-a";
  b.master_port = 13306;
  b.slave_io_running = "Yes";
  b.slave_sql_running = true;
  b.seconds_behind_master = 0;
  s.standby = standby;
  s.acknowledged_gtid = "0-1-4123";
  return s;
}

void Exits(HaNode& node, NodeExit::How how, int code) {
  node.process = HaNode::Process::kExited;
  node.exit = NodeExit{how, code};
}

// Probes failing (the process alive or unknown): a hang or a cut-off zone.
void Silent(HaNode& node, int failed, int64_t ms) {
  node.failed_probes = failed;
  node.ms_since_last_success = ms;
}

engine::ObservedNodeState& Standby(HaSituation& s) { return *s.standby->observed; }
engine::ObservedNodeState& Primary(HaSituation& s) { return *s.primary.observed; }

struct HaRow {
  std::string name;
  std::function<void(HaSituation&)> change;
  HaAction action;
  HaTarget target;
  std::string reason_contains;
};

const std::vector<HaRow>& HaRows() {
  static const std::vector<HaRow> rows = {
      {"healthy pair", [](HaSituation&) {}, HaAction::kNone, HaTarget::kNone,
       "no action: primary az-a healthy, standby az-b in sync at 0-1-4123"},
      {"primary killed by signal 9",
       [](HaSituation& s) { Exits(s.primary, NodeExit::How::kSignaled, 9); }, HaAction::kFailover,
       HaTarget::kStandby,
       "failing over: primary az-a killed by signal 9 (Killed), standby az-b in sync at 0-1-4123"},
      // tandemd stops nodes itself: an exit it did not ask for (an operator's
      // shutdown, status 0) leaves the instance without a writer all the same.
      {"primary exited with status 0",
       [](HaSituation& s) { Exits(s.primary, NodeExit::How::kExited, 0); }, HaAction::kFailover,
       HaTarget::kStandby, "primary az-a exited with status 0"},
      {"primary exited, status lost (adopted)",
       [](HaSituation& s) { Exits(s.primary, NodeExit::How::kUnknown, 0); }, HaAction::kFailover,
       HaTarget::kStandby, "status unknown"},
      {"one failed probe", [](HaSituation& s) { Silent(s.primary, 1, 120); }, HaAction::kNone,
       HaTarget::kNone, "1 failed probe, last answer 120 ms ago"},
      {"enough failed probes, under the hang timeout",
       [](HaSituation& s) { Silent(s.primary, 3, 450); }, HaAction::kNone, HaTarget::kNone,
       "called hung only after 3 and 600 ms"},
      {"long silence, too few probes failed", [](HaSituation& s) { Silent(s.primary, 2, 5000); },
       HaAction::kNone, HaTarget::kNone, "slow to answer"},
      {"hung past the timeout, standby in sync", [](HaSituation& s) { Silent(s.primary, 3, 600); },
       HaAction::kFailover, HaTarget::kStandby,
       "not answering (3 failed probes, last answer 600 ms ago, process alive: hung or cut off)"},
      {"zone cut off, process state unknown",
       [](HaSituation& s) {
         s.primary.process = HaNode::Process::kUnknown;
         Silent(s.primary, 5, 2000);
       },
       HaAction::kFailover, HaTarget::kStandby, "process state unknown: hung or cut off"},
      {"hung, standby out of sync, policy available",
       [](HaSituation& s) {
         Silent(s.primary, 4, 900);
         Primary(s).semi_sync_master_on = false;
       },
       HaAction::kHoldFailover, HaTarget::kNone, "holding failover: primary az-a not answering"},
      {"hung, standby out of sync, policy strict",
       [](HaSituation& s) {
         s.policy = SyncPolicy::kStrict;
         Silent(s.primary, 4, 900);
         Standby(s).gtid_io_pos = "0-1-4100";
       },
       HaAction::kHoldFailover, HaTarget::kNone,
       "out of sync: missing acknowledged 0-1-4123 (has 0-1-4100)"},
      {"killed, SQL thread stopped with error (semi-sync still ON)",
       [](HaSituation& s) {
         Exits(s.primary, NodeExit::How::kSignaled, 9);
         Standby(s).slave_sql_running = false;
         Standby(s).last_sql_errno = 1062;
         Standby(s).last_sql_error = "Duplicate entry '7' for key 'PRIMARY'";
       },
       HaAction::kHoldFailover, HaTarget::kNone, "SQL thread error 1062"},
      {"killed, acknowledged GTID unknown, semi-sync was ON",
       [](HaSituation& s) {
         Exits(s.primary, NodeExit::How::kSignaled, 9);
         s.acknowledged_gtid.reset();
         Standby(s).slave_io_running = "Connecting";
       },
       HaAction::kFailover, HaTarget::kStandby, "in sync at 0-1-4123"},
      {"semi-sync OFF (async fallback), policy available",
       [](HaSituation& s) { Primary(s).semi_sync_master_on = false; }, HaAction::kReportDegraded,
       HaTarget::kStandby, "async fallback), acknowledged writes may be missing; writes continue"},
      {"semi-sync OFF, policy strict",
       [](HaSituation& s) {
         s.policy = SyncPolicy::kStrict;
         Primary(s).semi_sync_master_on = false;
       },
       HaAction::kReportDegraded, HaTarget::kStandby,
       "writes wait for the standby (policy strict)"},
      {"no semi-sync client attached",
       [](HaSituation& s) {
         Primary(s).semi_sync_master_clients = 0;
         Standby(s).slave_io_running = "Connecting";
       },
       HaAction::kReportDegraded, HaTarget::kStandby, "no semi-sync standby attached"},
      {"SQL thread stopped without error",
       [](HaSituation& s) { Standby(s).slave_sql_running = false; }, HaAction::kReportDegraded,
       HaTarget::kStandby, "out of sync: SQL thread stopped"},
      {"SQL thread error while the primary serves",
       [](HaSituation& s) {
         Standby(s).slave_sql_running = false;
         Standby(s).last_sql_errno = 1950;
         Standby(s).last_sql_error = "An attempt was made to binlog GTID 0-2-1";
       },
       HaAction::kRebuildStandby, HaTarget::kStandby, "cannot apply (SQL error 1950"},
      {"standby diverged (IO error 1236)",
       [](HaSituation& s) {
         Standby(s).slave_io_running = "No";
         Standby(s).last_io_errno = 1236;
         Standby(s).last_io_error = "the slave has diverged";
         Primary(s).semi_sync_master_clients = 0;
       },
       HaAction::kRebuildStandby, HaTarget::kStandby, "diverged from the primary (IO error 1236"},
      {"standby lagging", [](HaSituation& s) { Standby(s).seconds_behind_master = 45; },
       HaAction::kReportDegraded, HaTarget::kStandby, "applying 45 s behind"},
      {"standby lagging within bounds",
       [](HaSituation& s) { Standby(s).seconds_behind_master = 3; }, HaAction::kNone,
       HaTarget::kNone, "no action"},
      {"standby missing an acknowledged GTID of another domain",
       [](HaSituation& s) { s.acknowledged_gtid = "0-1-4123,1-1-17"; }, HaAction::kReportDegraded,
       HaTarget::kStandby, "missing acknowledged 0-1-4123,1-1-17"},
      {"standby exited", [](HaSituation& s) { Exits(*s.standby, NodeExit::How::kSignaled, 9); },
       HaAction::kRestartStandby, HaTarget::kStandby,
       "standby az-b killed by signal 9 (Killed); primary az-a keeps serving"},
      {"standby hung", [](HaSituation& s) { Silent(*s.standby, 3, 1000); },
       HaAction::kReportDegraded, HaTarget::kStandby, "degraded: standby az-b not answering"},
      {"both exited",
       [](HaSituation& s) {
         Exits(s.primary, NodeExit::How::kSignaled, 9);
         Exits(*s.standby, NodeExit::How::kExited, 1);
       },
       HaAction::kRestartPrimary, HaTarget::kPrimary,
       "no promotion: primary az-a killed by signal 9 (Killed), standby az-b exited with status 1"},
      {"primary hung, standby exited",
       [](HaSituation& s) {
         Silent(s.primary, 3, 700);
         Exits(*s.standby, NodeExit::How::kSignaled, 9);
       },
       HaAction::kReportUnavailable, HaTarget::kNone, "no promotion: primary az-a not answering"},
      {"primary killed, standby slow to answer (not yet dead)",
       [](HaSituation& s) {
         Exits(s.primary, NodeExit::How::kSignaled, 9);
         Silent(*s.standby, 1, 100);
       },
       HaAction::kReportUnavailable, HaTarget::kNone, "standby az-b slow to answer"},
      {"forced failover, standby healthy", [](HaSituation& s) { s.force_failover = true; },
       HaAction::kSwitchover, HaTarget::kStandby,
       "switching over (forced failover): primary az-a healthy, standby az-b in sync at 0-1-4123"},
      {"forced failover, standby out of sync",
       [](HaSituation& s) {
         s.force_failover = true;
         Primary(s).semi_sync_master_on = false;
       },
       HaAction::kRefuseSwitchover, HaTarget::kNone,
       "refusing forced failover: standby az-b out of sync: semi-sync OFF"},
      {"forced failover, standby exited",
       [](HaSituation& s) {
         s.force_failover = true;
         Exits(*s.standby, NodeExit::How::kSignaled, 9);
       },
       HaAction::kRefuseSwitchover, HaTarget::kNone,
       "refusing forced failover: standby az-b killed"},
      {"forced failover, standby IO thread reconnecting",
       [](HaSituation& s) {
         s.force_failover = true;
         Standby(s).slave_io_running = "Connecting";
       },
       HaAction::kRefuseSwitchover, HaTarget::kNone, "IO thread not running"},
      {"forced failover while the primary is dead: an ordinary failover",
       [](HaSituation& s) {
         s.force_failover = true;
         Exits(s.primary, NodeExit::How::kSignaled, 9);
       },
       HaAction::kFailover, HaTarget::kStandby, "failing over"},
      {"split brain: both writable", [](HaSituation& s) { Standby(s).read_only = false; },
       HaAction::kFence, HaTarget::kStandby,
       "fencing: standby az-b is writable as well as primary az-a"},
      {"writable standby, read-only primary",
       [](HaSituation& s) {
         Standby(s).read_only = false;
         Primary(s).read_only = true;
       },
       HaAction::kFence, HaTarget::kStandby, "not the recorded primary"},
      {"split brain during a failover: fencing first",
       [](HaSituation& s) {
         s.failover = FailoverInProgress{FailoverInProgress::Phase::kCatchingUp, false};
         Standby(s).read_only = false;
       },
       HaAction::kFence, HaTarget::kStandby, "fencing"},
      {"failover in progress",
       [](HaSituation& s) {
         Exits(s.primary, NodeExit::How::kSignaled, 9);
         s.failover = FailoverInProgress{FailoverInProgress::Phase::kCatchingUp, false};
       },
       HaAction::kContinueFailover, HaTarget::kStandby,
       "continuing failover to standby az-b: standby applying its relay log; not starting another"},
      {"switchover in progress, forced again",
       [](HaSituation& s) {
         s.force_failover = true;
         s.failover = FailoverInProgress{FailoverInProgress::Phase::kSwitching, true};
       },
       HaAction::kContinueFailover, HaTarget::kStandby, "continuing switchover"},
      {"single-AZ, healthy", [](HaSituation& s) { s.standby.reset(); }, HaAction::kNone,
       HaTarget::kNone, "single-AZ instance, no standby to fail over to (primary az-a healthy)"},
      {"single-AZ, primary killed",
       [](HaSituation& s) {
         s.standby.reset();
         Exits(s.primary, NodeExit::How::kSignaled, 9);
       },
       HaAction::kNone, HaTarget::kNone, "no standby to fail over to (primary az-a killed"},
      {"custom hang settings: 5 probes needed",
       [](HaSituation& s) {
         s.settings.probe_failures = 5;
         s.settings.hang_timeout_ms = 250;
         Silent(s.primary, 4, 800);
       },
       HaAction::kNone, HaTarget::kNone, "called hung only after 5 and 250 ms"},
  };
  return rows;
}

TEST(HaDecisionTest, Table) {
  ASSERT_GE(HaRows().size(), 25u);
  for (const HaRow& row : HaRows()) {
    HaSituation s = HealthyPair();
    row.change(s);
    const FailoverDecision d = DecideFailover(s);
    EXPECT_EQ(HaActionName(d.action), std::string(HaActionName(row.action)))
        << row.name << ": " << d.reason;
    EXPECT_EQ(static_cast<int>(d.target), static_cast<int>(row.target))
        << row.name << ": " << d.reason;
    EXPECT_NE(d.reason.find(row.reason_contains), std::string::npos)
        << row.name << ": " << d.reason;
  }
}

// The decision is a function of its input: asking twice gives the same answer.
TEST(HaDecisionTest, Repeatable) {
  for (const HaRow& row : HaRows()) {
    HaSituation s = HealthyPair();
    row.change(s);
    const FailoverDecision a = DecideFailover(s);
    const FailoverDecision b = DecideFailover(s);
    EXPECT_EQ(a.action, b.action) << row.name;
    EXPECT_EQ(a.reason, b.reason) << row.name;
  }
}

TEST(HaDecisionTest, GtidPositionCovers) {
  EXPECT_TRUE(GtidPositionCovers("0-1-4123", "0-1-4123"));
  EXPECT_TRUE(GtidPositionCovers("0-2-5000", "0-1-4123"));  // a later server in the domain
  EXPECT_TRUE(GtidPositionCovers("0-1-4123,1-1-20", "1-1-17"));
  EXPECT_TRUE(GtidPositionCovers("0-1-4123, 1-1-20", "1-1-20,0-1-1"));
  EXPECT_FALSE(GtidPositionCovers("0-1-4122", "0-1-4123"));
  EXPECT_FALSE(GtidPositionCovers("0-1-4123", "1-1-1"));
  EXPECT_FALSE(GtidPositionCovers("", "0-1-1"));
  EXPECT_FALSE(GtidPositionCovers("0-1-x", "0-1-1"));
  EXPECT_FALSE(GtidPositionCovers("0-1-5", "0--1"));
  EXPECT_TRUE(GtidPositionCovers("0-1-5", ""));  // nothing acknowledged yet
}

}  // namespace
}  // namespace tandem::control
