// The Multi-AZ HA brain, after Patroni's HA loop: one pure function from what
// the monitor observed this cycle (both nodes' processes, probes and
// replication state, the primary's semi-sync status, the instance's sync
// policy, a pending --force-failover, a failover already under way) to the
// one thing to do and a sentence that says why:
//
//   "no action: primary az-a healthy, standby az-b in sync at 0-1-4123"
//   "failing over: primary az-a killed by signal 9 (Killed), standby az-b in
//    sync at 0-1-4123"
//
// The sentence is logged and, when the action changes something (or differs
// from the previous cycle's), becomes the RDS event text.
//
// Rules (DESIGN.md "Multi-AZ and failover", FINDINGS.md "Replication"):
// - Never two writable nodes: a writable node that is not the recorded
//   primary is fenced before anything else is decided.
// - A failover already under way is continued, never a second one started.
// - The primary is dead at once when its process exits (any status: tandemd
//   stops nodes itself, so an exit it did not ask for is a failure). It is
//   dead when hung (SIGSTOP) or cut off (alive but unreachable) only after
//   HaSettings::probe_failures consecutive failed probes AND
//   HaSettings::hang_timeout_ms without a successful one: one slow probe is
//   never a failover.
// - Only an in-sync standby is promoted automatically: it replicates, its SQL
//   thread runs without error (semi-sync acks on relay-log receipt, so a dead
//   SQL thread still shows semi-sync ON), the primary's semi-sync was ON with
//   a standby attached when last seen, and, when the last acknowledged GTID is
//   known, the standby has received it.
// - Out of sync with the primary serving: keep serving and report degraded
//   (policy "available": writes continue, automatic failover held; policy
//   "strict": writes wait for the standby). Out of sync with the primary
//   dead: hold the failover, under either policy.
// - --force-failover is a planned switchover, done only when both nodes are
//   healthy and the standby is in sync; otherwise refused with the reason.
//
// Not decided here: single-AZ lifecycle (instance_decision.h; it also owns
// stopping, deleting and restarting a single primary), nor the steps inside
// a failover (fence, MASTER_GTID_WAIT, promote, endpoint switch, rebuild).
// Callers do not ask while the instance is stopping or being deleted.
//
// Thread-safety: pure function (no I/O, no clock: time arrives in the input).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "engine/node_admin.h"
#include "engine/node_exit.h"

namespace tandem::control {

// One node of the pair as the monitor sees it this cycle.
struct HaNode {
  std::string zone;  // "az-a"; also names the node in sentences

  enum class Process {
    kRunning,  // the driver holds the process and it is alive
    kExited,   // it ended: see exit
    kUnknown,  // the driver cannot tell (adopted process, another host)
  };
  Process process = Process::kRunning;
  std::optional<engine::NodeExit> exit;  // kExited: how

  // Probes (NodeAdmin::Observe within the connection's timeout).
  int failed_probes = 0;              // consecutive failures, 0 when the last answered
  int64_t ms_since_last_success = 0;  // from the input's clock

  // The node's latest successful observation (nullopt if it never answered).
  // Fresh when failed_probes == 0, otherwise as last seen.
  std::optional<engine::ObservedNodeState> observed;
};

// How the instance trades availability against durability when the standby
// falls out of sync (issue 4, "In-sync tracking").
enum class SyncPolicy {
  kStrict,     // writes wait for the standby; failover only once in sync
  kAvailable,  // writes continue; automatic failover held until back in sync
};

// "strict" or "available": the tandem_sync_policy parameter's values.
const char* SyncPolicyName(SyncPolicy policy);

// A failover (or planned switchover) already started by tandemd and not yet
// finished, as recorded in the store (so a restarted tandemd resumes it).
struct FailoverInProgress {
  enum class Phase {
    kFencing,     // stop routing to the old primary, kill or freeze it
    kCatchingUp,  // the standby applies its relay log (MASTER_GTID_WAIT)
    // The record names the standby primary BEFORE its read_only goes OFF:
    // a writable node that is not the recorded primary is always fenced.
    kPromoting,
    kSwitching,  // the endpoint points at the new primary
  };
  Phase phase = Phase::kFencing;
  bool planned = false;  // a --force-failover switchover
};

struct HaSettings {
  int probe_failures = 3;         // consecutive failed probes to call a node hung
  int64_t hang_timeout_ms = 600;  // and this long without a successful probe
  // A standby further behind than this (Seconds_Behind_Master) is reported
  // degraded: it holds the writes but a failover would wait for it to apply.
  int64_t max_lag_seconds = 30;
};

struct HaSituation {
  HaNode primary;                 // the recorded primary
  std::optional<HaNode> standby;  // nullopt: a single-AZ instance
  // GTID position ("0-1-4123", domains comma-separated) of the last commit
  // the primary acknowledged to a client, when known.
  std::optional<std::string> acknowledged_gtid;
  SyncPolicy policy = SyncPolicy::kAvailable;
  bool force_failover = false;  // reboot-db-instance --force-failover pending
  std::optional<FailoverInProgress> failover;
  HaSettings settings;
};

enum class HaAction {
  kNone,
  kFailover,           // primary dead, standby in sync: promote the standby
  kContinueFailover,   // resume the recorded failover at its phase
  kSwitchover,         // --force-failover: planned, zero-loss switchover
  kRefuseSwitchover,   // --force-failover cannot be done safely now; drop the request
  kHoldFailover,       // primary dead, standby out of sync: do not promote
  kFence,              // a writable node that is not the primary: read_only ON / stop it
  kRestartStandby,     // the standby's process exited: restart it in place
  kRebuildStandby,     // the standby diverged or cannot apply: re-seed with mariadb-backup
  kRestartPrimary,     // both exited: restart the primary in place, no promotion
  kReportDegraded,     // primary serves, standby not in sync / lagging / unreachable
  kReportUnavailable,  // neither node can serve and nothing safe to do but wait
};

// "none", "failover", ... for logs.
const char* HaActionName(HaAction action);

enum class HaTarget { kNone, kPrimary, kStandby };

struct FailoverDecision {
  HaAction action = HaAction::kNone;
  HaTarget target = HaTarget::kNone;  // the node the action is done to
  std::string reason;                 // one sentence, "failing over: ..."
};

FailoverDecision DecideFailover(const HaSituation& situation);

// Whether every GTID in `wanted` ("D-S-N,...") is at or below the position
// `have` holds for its domain. False if either does not parse. Exposed for tests.
bool GtidPositionCovers(const std::string& have, const std::string& wanted);

}  // namespace tandem::control
