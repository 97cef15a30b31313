#include "control/ha_decision.h"

#include <charconv>
#include <map>
#include <utility>

namespace tandem::control {
namespace {

FailoverDecision Decide(HaAction action, HaTarget target, std::string reason) {
  FailoverDecision d;
  d.action = action;
  d.target = target;
  d.reason = std::move(reason);
  return d;
}

std::string Name(const char* role, const HaNode& node) {
  return std::string(role) + " " + (node.zone.empty() ? std::string("?") : node.zone);
}

// domain -> sequence number; nullopt if the text is not a GTID position.
std::optional<std::map<uint32_t, uint64_t>> ParseGtidPosition(const std::string& text) {
  std::map<uint32_t, uint64_t> position;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string gtid = text.substr(start, end - start);
    while (!gtid.empty() && gtid.front() == ' ') gtid.erase(gtid.begin());
    while (!gtid.empty() && gtid.back() == ' ') gtid.pop_back();
    const size_t first = gtid.find('-');
    const size_t second = first == std::string::npos ? first : gtid.find('-', first + 1);
    if (second == std::string::npos) return std::nullopt;
    uint32_t domain = 0;
    uint32_t server = 0;
    uint64_t seq = 0;
    const char* b = gtid.data();
    if (std::from_chars(b, b + first, domain).ptr != b + first ||
        std::from_chars(b + first + 1, b + second, server).ptr != b + second ||
        std::from_chars(b + second + 1, b + gtid.size(), seq).ptr != b + gtid.size() ||
        first == 0 || second == first + 1 || second + 1 == gtid.size()) {
      return std::nullopt;
    }
    position[domain] = seq;
    start = end + 1;
  }
  return position;
}

// What the standby holds: received (relay log) if known, else applied.
std::string StandbyPosition(const engine::ObservedNodeState& o) {
  return o.gtid_io_pos.empty() ? o.gtid_slave_pos : o.gtid_io_pos;
}

enum class Health { kHealthy, kSuspect, kDead };

struct Assessment {
  Health health = Health::kHealthy;
  bool exited = false;  // dead because its process ended (not hung or cut off)
  std::string how;      // "killed by signal 9 (Killed)", "not answering: ..."
};

Assessment Assess(const HaNode& node, const HaSettings& settings) {
  Assessment a;
  if (node.process == HaNode::Process::kExited) {
    a.health = Health::kDead;
    a.exited = true;
    a.how = node.exit ? node.exit->ToString() : "exited";
    return a;
  }
  if (node.failed_probes == 0) return a;
  const std::string process =
      node.process == HaNode::Process::kRunning ? "process alive" : "process state unknown";
  const std::string probes = std::to_string(node.failed_probes) + " failed probe" +
                             (node.failed_probes == 1 ? "" : "s") + ", last answer " +
                             std::to_string(node.ms_since_last_success) + " ms ago";
  if (node.failed_probes >= settings.probe_failures &&
      node.ms_since_last_success >= settings.hang_timeout_ms) {
    a.health = Health::kDead;
    a.how = "not answering (" + probes + ", " + process + ": hung or cut off)";
  } else {
    a.health = Health::kSuspect;
    a.how = "slow to answer (" + probes + "; called hung only after " +
            std::to_string(settings.probe_failures) + " and " +
            std::to_string(settings.hang_timeout_ms) + " ms)";
  }
  return a;
}

struct SyncState {
  bool in_sync = false;
  std::string why;  // "in sync at 0-1-4123" or "out of sync: SQL thread stopped"
};

// Whether the standby holds every acknowledged transaction and can apply it.
// Judged from the latest observations, so it still answers after the primary
// died (its semi-sync status as last seen).
SyncState AssessSync(const HaNode& primary, const HaNode& standby,
                     const std::optional<std::string>& acknowledged) {
  auto out = [](std::string why) { return SyncState{false, "out of sync: " + std::move(why)}; };
  if (!standby.observed) return out("never observed");
  const engine::ObservedNodeState& s = *standby.observed;
  if (!s.replica_configured) return out("not replicating");
  if (s.last_sql_errno != 0 || !s.last_sql_error.empty()) {
    return out("SQL thread error " + std::to_string(s.last_sql_errno) + ": " + s.last_sql_error);
  }
  if (!s.slave_sql_running) return out("SQL thread stopped");
  if (!primary.observed) return out("primary's semi-sync status never observed");
  const engine::ObservedNodeState& p = *primary.observed;
  if (!p.semi_sync_master_on) {
    return out("semi-sync OFF on the primary (async fallback), acknowledged writes may be missing");
  }
  if (p.semi_sync_master_clients == 0) return out("no semi-sync standby attached to the primary");
  const std::string have = StandbyPosition(s);
  if (acknowledged && !acknowledged->empty() && !GtidPositionCovers(have, *acknowledged)) {
    return out("missing acknowledged " + *acknowledged + " (has " +
               (have.empty() ? std::string("nothing") : have) + ")");
  }
  return SyncState{true, "in sync at " + (have.empty() ? std::string("?") : have)};
}

const char* PhaseName(FailoverInProgress::Phase phase) {
  switch (phase) {
    case FailoverInProgress::Phase::kFencing:
      return "fencing the old primary";
    case FailoverInProgress::Phase::kCatchingUp:
      return "standby applying its relay log";
    case FailoverInProgress::Phase::kPromoting:
      return "promoting";
    case FailoverInProgress::Phase::kSwitching:
      return "switching the endpoint";
  }
  return "unknown phase";
}

std::string PolicyConsequence(SyncPolicy policy) {
  return policy == SyncPolicy::kStrict
             ? "writes wait for the standby (policy strict)"
             : "writes continue, automatic failover held until it is back in sync (policy "
               "available)";
}

bool Writable(const HaNode& node) {
  return node.process != HaNode::Process::kExited && node.failed_probes == 0 && node.observed &&
         !node.observed->read_only;
}

// The primary is gone (exited, hung or cut off): promote, hold or report.
FailoverDecision DecidePrimaryDead(const HaSituation& s, const Assessment& primary,
                                   const Assessment& standby) {
  const std::string p = Name("primary", s.primary) + " " + primary.how;
  const std::string sb = Name("standby", *s.standby);
  if (standby.health != Health::kHealthy) {
    if (primary.exited && standby.exited) {
      return Decide(HaAction::kRestartPrimary, HaTarget::kPrimary,
                    "no promotion: " + p + ", " + sb + " " + standby.how +
                        "; restarting the primary in place (without --init-rpl-role)");
    }
    return Decide(HaAction::kReportUnavailable, HaTarget::kNone,
                  "no promotion: " + p + ", " + sb + " " + standby.how);
  }
  const SyncState sync = AssessSync(s.primary, *s.standby, s.acknowledged_gtid);
  if (!sync.in_sync) {
    return Decide(HaAction::kHoldFailover, HaTarget::kNone,
                  "holding failover: " + p + ", " + sb + " " + sync.why +
                      "; promoting it could lose acknowledged writes");
  }
  return Decide(HaAction::kFailover, HaTarget::kStandby,
                "failing over: " + p + ", " + sb + " " + sync.why);
}

// The primary serves: a pending switchover, the standby's repair, or a report.
FailoverDecision DecidePrimaryServing(const HaSituation& s, const Assessment& standby) {
  const std::string p = Name("primary", s.primary);
  const std::string sb = Name("standby", *s.standby);
  const SyncState sync = standby.health == Health::kHealthy
                             ? AssessSync(s.primary, *s.standby, s.acknowledged_gtid)
                             : SyncState{false, standby.how};
  const engine::ObservedNodeState* o = s.standby->observed ? &*s.standby->observed : nullptr;
  const bool io_running = o && o->slave_io_running == "Yes";
  if (s.force_failover) {
    if (sync.in_sync && io_running) {
      return Decide(HaAction::kSwitchover, HaTarget::kStandby,
                    "switching over (forced failover): " + p + " healthy, " + sb + " " + sync.why);
    }
    const std::string why = sync.in_sync ? "replication IO thread not running" : sync.why;
    return Decide(HaAction::kRefuseSwitchover, HaTarget::kNone,
                  "refusing forced failover: " + sb + " " + why + "; " + p +
                      " keeps serving, retry once the standby is in sync");
  }
  if (standby.exited) {
    return Decide(HaAction::kRestartStandby, HaTarget::kStandby,
                  "restarting standby: " + sb + " " + standby.how + "; " + p + " keeps serving");
  }
  if (standby.health != Health::kHealthy) {
    return Decide(HaAction::kReportDegraded, HaTarget::kStandby,
                  "degraded: " + sb + " " + standby.how + "; " + p + " keeps serving");
  }
  if (o && (o->last_io_errno == 1236 || o->last_sql_errno != 0 || !o->last_sql_error.empty())) {
    const std::string why =
        o->last_io_errno == 1236
            ? "diverged from the primary (IO error 1236: " + o->last_io_error + ")"
            : "cannot apply (SQL error " + std::to_string(o->last_sql_errno) + ": " +
                  o->last_sql_error + ")";
    return Decide(HaAction::kRebuildStandby, HaTarget::kStandby,
                  "rebuilding standby: " + sb + " " + why +
                      "; re-seeding it with mariadb-backup, " + p + " keeps serving");
  }
  if (!sync.in_sync) {
    return Decide(HaAction::kReportDegraded, HaTarget::kStandby,
                  "degraded: " + sb + " " + sync.why + "; " + PolicyConsequence(s.policy));
  }
  if (o && o->seconds_behind_master && *o->seconds_behind_master > s.settings.max_lag_seconds) {
    return Decide(HaAction::kReportDegraded, HaTarget::kStandby,
                  "degraded: " + sb + " applying " + std::to_string(*o->seconds_behind_master) +
                      " s behind (it holds every acknowledged write; a failover would wait for "
                      "it to apply)");
  }
  return Decide(HaAction::kNone, HaTarget::kNone,
                "no action: " + p + " healthy, " + sb + " " + sync.why);
}

}  // namespace

bool GtidPositionCovers(const std::string& have, const std::string& wanted) {
  const auto h = ParseGtidPosition(have);
  const auto w = ParseGtidPosition(wanted);
  if (!h || !w) return false;
  for (const auto& [domain, seq] : *w) {
    const auto it = h->find(domain);
    if (it == h->end() || it->second < seq) return false;
  }
  return true;
}

const char* SyncPolicyName(SyncPolicy policy) {
  return policy == SyncPolicy::kStrict ? "strict" : "available";
}

const char* HaActionName(HaAction action) {
  switch (action) {
    case HaAction::kNone:
      return "none";
    case HaAction::kFailover:
      return "failover";
    case HaAction::kContinueFailover:
      return "continue-failover";
    case HaAction::kSwitchover:
      return "switchover";
    case HaAction::kRefuseSwitchover:
      return "refuse-switchover";
    case HaAction::kHoldFailover:
      return "hold-failover";
    case HaAction::kFence:
      return "fence";
    case HaAction::kRestartStandby:
      return "restart-standby";
    case HaAction::kRebuildStandby:
      return "rebuild-standby";
    case HaAction::kRestartPrimary:
      return "restart-primary";
    case HaAction::kReportDegraded:
      return "report-degraded";
    case HaAction::kReportUnavailable:
      return "report-unavailable";
  }
  return "unknown";
}

FailoverDecision DecideFailover(const HaSituation& s) {
  // Never two writable nodes: whatever else is going on, a writable standby
  // is fenced first.
  if (s.standby && Writable(*s.standby)) {
    const std::string also = Writable(s.primary) ? " as well as " + Name("primary", s.primary)
                                                 : std::string(" (not the recorded primary)");
    return Decide(HaAction::kFence, HaTarget::kStandby,
                  "fencing: " + Name("standby", *s.standby) + " is writable" + also +
                      "; setting it read-only");
  }
  if (s.failover) {
    const std::string to = s.standby ? " to " + Name("standby", *s.standby) : std::string();
    return Decide(HaAction::kContinueFailover, HaTarget::kStandby,
                  std::string("continuing ") + (s.failover->planned ? "switchover" : "failover") +
                      to + ": " + PhaseName(s.failover->phase) + "; not starting another");
  }
  const Assessment primary = Assess(s.primary, s.settings);
  if (!s.standby) {
    return Decide(HaAction::kNone, HaTarget::kNone,
                  "no action: single-AZ instance, no standby to fail over to (" +
                      Name("primary", s.primary) +
                      (primary.health == Health::kHealthy ? " healthy" : " " + primary.how) + ")");
  }
  const Assessment standby = Assess(*s.standby, s.settings);
  if (primary.health == Health::kDead) return DecidePrimaryDead(s, primary, standby);
  if (primary.health == Health::kSuspect) {
    return Decide(HaAction::kNone, HaTarget::kNone,
                  "no action: " + Name("primary", s.primary) + " " + primary.how);
  }
  return DecidePrimaryServing(s, standby);
}

}  // namespace tandem::control
