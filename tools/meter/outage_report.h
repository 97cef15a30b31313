// The meter's decision logic, pure: from the attempt log, and the rows found
// on the primary after the run, to the report — outage boundaries, how each
// write of unknown outcome turned out, and the data-loss verdict.
//
// Outage: from the last acknowledged write before the first failed (or
// unknown) attempt to the first acknowledged write after it, on the monotonic
// clock. A write refused by a read-only node is a failed attempt, so reaching
// a read-only node is not recovery. A switchover that a client sees without
// any failed attempt (its connection waited at the endpoint and then reached
// the new primary) is an outage too: two consecutive acknowledged writes on
// different nodes (host name or server id) bound one. The measurement's
// resolution is the loop time: an outage shorter than it may fall between two
// attempts and show only as a node change.
//
// Node identity: every attempt reads @@hostname, @@server_id and @@read_only
// on its own connection before its INSERT; a failover's node before is that
// of the last acknowledged write before it, its node after that of the first
// acknowledged write after it.
//
// Unknown outcome: a row whose COMMIT was sent but never answered is looked up
// among the rows read on the new primary: present means committed (written,
// but never acknowledged), absent means not committed. Neither is a loss.
//
// Loss: an acknowledged id absent from the rows read at the end.
//
// No I/O, no clock; thread-safe as values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "meter/heartbeat_log.h"

namespace tandem::meter {

// One outage as attempt indexes into a HeartbeatLog.
struct OutageSpan {
  // The last acknowledged attempt before it; nullopt if the run had none yet.
  std::optional<size_t> last_ack_before;
  // The first attempt that was not acknowledged; nullopt for a node change
  // seen without any failed attempt.
  std::optional<size_t> first_failure;
  // The first acknowledged attempt after it; nullopt while it lasts.
  std::optional<size_t> first_ack_after;
  size_t failed_attempts = 0;   // attempts not acknowledged (failed or unknown) in it
  size_t unknown_attempts = 0;  // of which unknown
};

// Finds outages attempt by attempt, as the run goes (the runner uses it to know
// when to stop) and afterwards (the report uses the same rules).
class OutageTracker {
 public:
  // Feeds attempt number index (0-based, in order) of the log.
  void Add(const Attempt& attempt, size_t index);

  // Every outage seen so far, the last one possibly still open.
  const std::vector<OutageSpan>& outages() const { return outages_; }
  bool in_outage() const { return !outages_.empty() && !outages_.back().first_ack_after; }
  // How many outages have ended (a first acknowledged write after them).
  size_t ended() const { return outages_.size() - (in_outage() ? 1 : 0); }
  // Monotonic end of the first acknowledged write after the last ended outage.
  std::optional<int64_t> last_recovery_ms() const { return last_recovery_ms_; }
  // Duration of the last ended outage.
  std::optional<int64_t> last_outage_ms() const { return last_outage_ms_; }

 private:
  std::vector<OutageSpan> outages_;
  std::optional<size_t> last_ack_;
  std::optional<int64_t> last_ack_end_ms_;
  std::optional<NodeIdentity> last_ack_node_;
  std::optional<int64_t> last_recovery_ms_;
  std::optional<int64_t> last_outage_ms_;
};

// A heartbeat row as read back from the database.
struct SyncRow {
  uint64_t index_id = 0;
  int64_t created = 0;     // epoch seconds, as db_test_meter stores it
  int64_t created_ms = 0;  // epoch milliseconds
};

enum class Resolution { kCommitted, kNotCommitted, kUnresolved };
// "committed", "not committed", "unresolved" (the rows could not be read).
const char* ResolutionName(Resolution resolution);

struct UnknownWrite {
  uint64_t index_id = 0;
  Resolution resolved = Resolution::kUnresolved;
};

struct FailoverReport {
  int64_t start_ms = 0;  // monotonic: end of the last acknowledged write before (0 if none)
  std::optional<int64_t> end_ms;  // monotonic: end of the first acknowledged write after
  int64_t failure_start_wall_ms = 0;
  std::optional<int64_t> failure_end_wall_ms;
  std::optional<int64_t> first_failure_wall_ms;  // start of the first failed attempt
  std::optional<int64_t> outage_ms;              // end_ms - start_ms; nullopt while open
  std::optional<uint64_t> last_acknowledged_id_before;
  std::optional<uint64_t> first_acknowledged_id_after;
  std::optional<NodeIdentity> node_before;  // of the last acknowledged write before
  std::optional<NodeIdentity> node_after;   // of the first acknowledged write after
  size_t failed_attempts = 0;               // not acknowledged, unknown ones included
  bool node_change_only = false;            // seen as a node change, no failed attempt
  std::string first_error;                  // why the first failed attempt failed
  std::vector<UnknownWrite> unknown_writes;
};

struct AttemptCounts {
  size_t total = 0;
  size_t succeeded = 0;
  size_t failed = 0;
  size_t unknown = 0;
};

// The data-loss verdict: acknowledged ids absent from the rows read.
struct LossVerdict {
  size_t acknowledged = 0;
  std::vector<uint64_t> missing_ids;  // ascending
};
LossVerdict CheckAcknowledged(const std::vector<uint64_t>& acknowledged_ids,
                              const std::vector<SyncRow>& rows);

struct MeterReport {
  std::string test_run_id;
  double loop_time_s = 0;
  std::string stopped_by;  // why the run ended, in words (from ReportInput)
  int64_t started_wall_ms = 0;
  int64_t ended_wall_ms = 0;
  int64_t duration_ms = 0;
  AttemptCounts attempts;
  std::vector<FailoverReport> failovers;
  std::vector<uint64_t> acknowledged_ids;  // ascending
  // Whether the rows could be read at the end; if not, the fields below are
  // empty and unknown writes stay unresolved.
  bool verified = false;
  std::string verify_error;
  std::vector<SyncRow> newest_rows;  // at most 5, newest (highest id) first
  std::vector<uint64_t> missing_ids;
};

// What the report is built from. rows: every row of the test run read on the
// primary after the run, or nullopt with rows_error saying why they could not
// be read.
struct ReportInput {
  std::string test_run_id;
  double loop_time_s = 0;
  std::string stopped_by;
  int64_t run_end_ms = 0;  // monotonic end of the run
  std::optional<std::vector<SyncRow>> rows;
  std::string rows_error;
};

MeterReport BuildReport(const HeartbeatLog& log, const ReportInput& input);

}  // namespace tandem::meter
