#include "meter/report_text.h"

#include <algorithm>
#include <cmath>

#include "common/clock.h"

namespace tandem::meter {
namespace {

std::string Node(const std::optional<NodeIdentity>& node) {
  if (!node) return "unknown";
  return "host " + node->hostname + ", server id " + std::to_string(node->server_id) +
         ", read_only " + (node->read_only ? "ON" : "OFF");
}

std::string Id(const std::optional<uint64_t>& id) {
  return id ? std::to_string(*id) : std::string("none");
}

std::string JoinIds(const std::vector<uint64_t>& ids) {
  std::string out;
  for (uint64_t id : ids) {
    if (!out.empty()) out += ", ";
    out += std::to_string(id);
  }
  return out;
}

void AppendFailover(const FailoverReport& f, size_t number, size_t count, bool first,
                    std::string& out) {
  out += "\nfailover " + std::to_string(number) + " of " + std::to_string(count) + "\n";
  out += "  failure start time:  " + FormatIso8601(f.failure_start_wall_ms) +
         "  (last acknowledged write before it)\n";
  if (f.failure_end_wall_ms) {
    out += "  failure end time:    " + FormatIso8601(*f.failure_end_wall_ms) +
           "  (first acknowledged write after it)\n";
    out += "  failure duration:    " + std::to_string(*f.outage_ms) + " ms (" +
           FormatSeconds(*f.outage_ms) + ")\n";
  } else {
    out += "  failure end time:    none: not recovered when the run ended\n";
  }
  if (f.node_change_only) {
    out += "  failed attempts:     0 (seen as a change of node between two acknowledged writes)\n";
  } else {
    out += "  failed attempts:     " + std::to_string(f.failed_attempts);
    if (f.first_failure_wall_ms)
      out += " (first at " + FormatIso8601(*f.first_failure_wall_ms) + ")";
    out += "\n";
    if (!f.first_error.empty()) out += "  first error:         " + f.first_error + "\n";
  }
  out += std::string("  last acknowledged sync record id ") +
         (first ? "on the initial primary: " : "before the failure: ") +
         Id(f.last_acknowledged_id_before) + "\n";
  out += "  first acknowledged sync record id after the failure: " +
         Id(f.first_acknowledged_id_after) + "\n";
  out += "  pre-failure node:    " + Node(f.node_before) + "\n";
  out += "  post-failure node:   " + Node(f.node_after) + "\n";
  if (f.node_after && f.node_after->read_only) {
    out +=
        "  warning: the write after the failure was acknowledged by a read-only node "
        "(this user can bypass read_only)\n";
  }
  if (f.unknown_writes.empty()) {
    out += "  writes of unknown outcome: none\n";
  } else {
    out += "  writes of unknown outcome (COMMIT sent, no answer):\n";
    for (const UnknownWrite& u : f.unknown_writes) {
      out += "    id " + std::to_string(u.index_id) + ": " + ResolutionName(u.resolved);
      if (u.resolved == Resolution::kCommitted) out += " (written, never acknowledged)";
      out += "\n";
    }
  }
}

}  // namespace

std::string FormatSeconds(int64_t ms) {
  const char* sign = ms < 0 ? "-" : "";
  const int64_t abs = ms < 0 ? -ms : ms;
  std::string frac = std::to_string(abs % 1000);
  frac.insert(0, 3 - frac.size(), '0');
  return sign + std::to_string(abs / 1000) + "." + frac + " s";
}

std::string FormatVerdict(size_t acknowledged, const std::vector<uint64_t>& missing_ids) {
  std::string out = "acknowledged writes: " + std::to_string(acknowledged) +
                    ", lost: " + std::to_string(missing_ids.size());
  if (!missing_ids.empty()) out += " (missing ids: " + JoinIds(missing_ids) + ")";
  return out;
}

std::string FormatReportText(const MeterReport& r) {
  std::string out;
  out += "tandem-meter report: test run " + r.test_run_id + ", loop time " +
         FormatSeconds(std::llround(r.loop_time_s * 1000.0)) + "\n";
  out += "  run: " + FormatIso8601(r.started_wall_ms) + " to " + FormatIso8601(r.ended_wall_ms) +
         " (" + FormatSeconds(r.duration_ms) + ")";
  if (!r.stopped_by.empty()) out += ", " + r.stopped_by;
  out += "\n";
  out += "  total connection attempts: " + std::to_string(r.attempts.total) + "\n";
  out += "  successful (acknowledged): " + std::to_string(r.attempts.succeeded) + "\n";
  out += "  failed:                    " + std::to_string(r.attempts.failed) + "\n";
  out += "  unknown outcome:           " + std::to_string(r.attempts.unknown) + "\n";

  if (r.failovers.empty()) out += "\nno failover seen\n";
  for (size_t i = 0; i < r.failovers.size(); ++i) {
    AppendFailover(r.failovers[i], i + 1, r.failovers.size(), i == 0, out);
  }

  out += "\ntotals\n";
  std::vector<int64_t> durations;
  for (const FailoverReport& f : r.failovers) {
    if (f.outage_ms) durations.push_back(*f.outage_ms);
  }
  out += "  failovers: " + std::to_string(r.failovers.size());
  if (!durations.empty()) {
    out += ", durations:";
    for (size_t i = 0; i < durations.size(); ++i) {
      out += (i ? ", " : " ") + std::to_string(durations[i]) + " ms";
    }
    out += "; longest " + std::to_string(*std::max_element(durations.begin(), durations.end())) +
           " ms";
  }
  out += "\n";
  if (!r.verified) {
    out += "  newest sync records: not read (" + r.verify_error + ")\n";
    out += "acknowledged writes: " + std::to_string(r.acknowledged_ids.size()) +
           ", lost: not checked (" + r.verify_error + ")\n";
    return out;
  }
  out += "  newest " + std::to_string(r.newest_rows.size()) + " sync records on the " +
         (r.failovers.empty() ? "primary" : "new primary") + ":\n";
  for (const SyncRow& row : r.newest_rows) {
    out += "    index_id " + std::to_string(row.index_id) + ", created " +
           FormatIso8601(row.created_ms ? row.created_ms : row.created * 1000) + "\n";
  }
  out += FormatVerdict(r.acknowledged_ids.size(), r.missing_ids) + "\n";
  return out;
}

}  // namespace tandem::meter
