// The report as JSON (`--json FILE`), and reading back what `verify` needs.
//
// Schema (these names are an interface: scripts and `make demo` read them):
//   {"test_run_id", "loop_time_s", "started", "ended", "duration_ms", "stopped_by",
//    "attempts": {"total", "succeeded", "failed", "unknown"},
//    "failovers": [{"failure_start", "failure_end", "first_failure", "outage_ms",
//                   "failed_attempts", "first_error",
//                   "detected_by": "failed writes"|"node change",
//                   "last_acknowledged_id_before", "first_acknowledged_id_after",
//                   "node_before": {"hostname", "server_id", "read_only"}, "node_after": {...},
//                   "unknown_writes": [{"index_id", "resolved": "committed"|"not committed"}]}],
//    "newest_rows": [{"index_id", "created", "created_ms"}],
//    "acknowledged_ids_count", "acknowledged_ids": [...], "verified",
//    "missing_ids": [...], "writes_lost": <int>}
// Times are ISO 8601 UTC with milliseconds; a value not known (an outage not
// over when the run stopped, a node never reached) is null. When the rows
// could not be read at the end, "verified" is false, "verify_error" says why,
// "writes_lost" is null and unknown writes are "unresolved".
//
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "meter/outage_report.h"

namespace tandem::meter {

nlohmann::json ReportToJson(const MeterReport& report);

// What `verify` re-checks: the run's id and its acknowledged ids.
struct RecordedRun {
  std::string test_run_id;
  std::vector<uint64_t> acknowledged_ids;
};

// Reads a report written by ReportToJson; kInvalidArgument when it is not one.
StatusOr<RecordedRun> RecordedRunFromJson(const std::string& text);

}  // namespace tandem::meter
