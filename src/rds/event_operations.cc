// DescribeEvents: the events of the last 14 days (events.h), by source, time
// window and category, oldest first.
#include <algorithm>
#include <cmath>

#include "rds/describe_filters.h"
#include "rds/instance_rules.h"
#include "rds/rds_errors.h"
#include "rds/rds_service_impl.h"

namespace tandem::rds {
namespace {

constexpr int64_t kMinuteMs = 60 * 1000;
constexpr int64_t kDefaultDurationMinutes = 60;

int64_t Millis(const Json& seconds) { return std::llround(seconds.get<double>() * 1000.0); }

}  // namespace

Result RdsService::Impl::DescribeEvents(const Call& call, const Json& input) {
  const std::string source_type = input.value("SourceType", "");
  std::string source_id = input.value("SourceIdentifier", "");
  if (!source_id.empty() && source_type.empty()) {
    return errors::InvalidParameterCombination(
        "SourceIdentifier needs SourceType (for example db-instance)");
  }
  // Identifiers are stored lower-case; ARNs are compared as given.
  if (source_id.rfind("arn:", 0) != 0) source_id = ToLower(source_id);
  std::vector<std::string> categories = input.value("EventCategories", std::vector<std::string>{});
  for (const std::string& c : categories) {
    const std::vector<std::string>& known = EventCategories();
    if (std::find(known.begin(), known.end(), c) == known.end()) {
      return errors::InvalidParameterValue("Invalid event category: " + c);
    }
  }
  api::ApiResult<DescribeFilters> filters = DescribeFilters::Parse(input, {});
  if (!filters.ok()) return filters.error();
  api::ApiResult<PageRequest> page = ParsePageRequest(input, "events");
  if (!page.ok()) return page.error();

  // The window: [StartTime, EndTime], else the Duration minutes before
  // EndTime (or now), else the last hour; never before the 14 days kept.
  const int64_t now = clock.NowMillis();
  int64_t end = input.contains("EndTime") ? Millis(input["EndTime"]) : now;
  int64_t start = 0;
  if (input.contains("StartTime")) {
    start = Millis(input["StartTime"]);
  } else {
    int64_t minutes = input.value("Duration", kDefaultDurationMinutes);
    if (minutes < 0) {
      return errors::InvalidParameterValue("Duration must be at least 0 (minutes), not " +
                                           std::to_string(minutes));
    }
    start = end - std::min(minutes, kEventRetentionMs / kMinuteMs) * kMinuteMs;
  }
  start = std::max(start, now - kEventRetentionMs);

  StatusOr<std::vector<Event>> listed = events.List(call.region, start, end);
  if (!listed.ok()) return errors::Internal(listed.status());
  std::vector<Event> selected;
  for (Event& e : *listed) {
    if (!source_type.empty() && e.source_type != source_type) continue;
    if (!source_id.empty() && e.source_identifier != source_id && e.source_arn != source_id) {
      continue;
    }
    if (!categories.empty() &&
        std::none_of(e.categories.begin(), e.categories.end(), [&](const std::string& c) {
          return std::find(categories.begin(), categories.end(), c) != categories.end();
        })) {
      continue;
    }
    selected.push_back(std::move(e));
  }
  std::string marker;
  std::vector<Event> shown = TakePage(
      std::move(selected), *page, "events", [](const Event& e) { return e.id; }, marker);
  Json out = {{"Events", Json::array()}};
  for (const Event& e : shown) {
    out["Events"].push_back({{"SourceIdentifier", e.source_identifier},
                             {"SourceType", e.source_type},
                             {"Message", e.message},
                             {"EventCategories", e.categories},
                             {"Date", static_cast<double>(e.date_ms) / 1000.0},
                             {"SourceArn", e.source_arn}});
  }
  if (!marker.empty()) out["Marker"] = marker;
  return out;
}

}  // namespace tandem::rds
