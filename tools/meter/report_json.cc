#include "meter/report_json.h"

#include "common/clock.h"

namespace tandem::meter {
namespace {

using nlohmann::json;

json NodeJson(const std::optional<NodeIdentity>& node) {
  if (!node) return nullptr;
  return {
      {"hostname", node->hostname}, {"server_id", node->server_id}, {"read_only", node->read_only}};
}

template <class T>
json OrNull(const std::optional<T>& value) {
  if (!value) return nullptr;
  return *value;
}

json TimeOrNull(const std::optional<int64_t>& wall_ms) {
  if (!wall_ms) return nullptr;
  return FormatIso8601(*wall_ms);
}

json FailoverJson(const FailoverReport& f) {
  json unknown = json::array();
  for (const UnknownWrite& u : f.unknown_writes) {
    unknown.push_back({{"index_id", u.index_id}, {"resolved", ResolutionName(u.resolved)}});
  }
  return {{"failure_start", FormatIso8601(f.failure_start_wall_ms)},
          {"failure_end", TimeOrNull(f.failure_end_wall_ms)},
          {"first_failure", TimeOrNull(f.first_failure_wall_ms)},
          {"outage_ms", OrNull(f.outage_ms)},
          {"failed_attempts", f.failed_attempts},
          {"first_error", f.first_error},
          {"detected_by", f.node_change_only ? "node change" : "failed writes"},
          {"last_acknowledged_id_before", OrNull(f.last_acknowledged_id_before)},
          {"first_acknowledged_id_after", OrNull(f.first_acknowledged_id_after)},
          {"node_before", NodeJson(f.node_before)},
          {"node_after", NodeJson(f.node_after)},
          {"unknown_writes", unknown}};
}

}  // namespace

json ReportToJson(const MeterReport& r) {
  json failovers = json::array();
  for (const FailoverReport& f : r.failovers) failovers.push_back(FailoverJson(f));
  json newest = json::array();
  for (const SyncRow& row : r.newest_rows) {
    newest.push_back(
        {{"index_id", row.index_id}, {"created", row.created}, {"created_ms", row.created_ms}});
  }
  json out = {
      {"test_run_id", r.test_run_id},
      {"loop_time_s", r.loop_time_s},
      {"started", FormatIso8601(r.started_wall_ms)},
      {"ended", FormatIso8601(r.ended_wall_ms)},
      {"duration_ms", r.duration_ms},
      {"stopped_by", r.stopped_by},
      {"attempts",
       {{"total", r.attempts.total},
        {"succeeded", r.attempts.succeeded},
        {"failed", r.attempts.failed},
        {"unknown", r.attempts.unknown}}},
      {"failovers", failovers},
      {"newest_rows", newest},
      {"acknowledged_ids_count", r.acknowledged_ids.size()},
      {"acknowledged_ids", r.acknowledged_ids},
      {"verified", r.verified},
      {"missing_ids", r.missing_ids},
  };
  if (r.verified) {
    out["writes_lost"] = r.missing_ids.size();
  } else {
    out["writes_lost"] = nullptr;
    out["verify_error"] = r.verify_error;
  }
  return out;
}

StatusOr<RecordedRun> RecordedRunFromJson(const std::string& text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::InvalidArgument("not a JSON object");
  }
  const auto run_id = doc.find("test_run_id");
  const auto ids = doc.find("acknowledged_ids");
  if (run_id == doc.end() || !run_id->is_string()) {
    return Status::InvalidArgument("no \"test_run_id\" string: not a tandem-meter report");
  }
  if (ids == doc.end() || !ids->is_array()) {
    return Status::InvalidArgument("no \"acknowledged_ids\" list: not a tandem-meter report");
  }
  RecordedRun run;
  run.test_run_id = run_id->get<std::string>();
  for (const json& id : *ids) {
    if (!id.is_number_unsigned()) {
      return Status::InvalidArgument("\"acknowledged_ids\" holds a value that is not an id");
    }
    run.acknowledged_ids.push_back(id.get<uint64_t>());
  }
  return run;
}

}  // namespace tandem::meter
