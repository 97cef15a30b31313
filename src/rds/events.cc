#include "rds/events.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace tandem::rds {
namespace {

constexpr int64_t kPruneIntervalMs = 3600LL * 1000;
// A sequence collides only with an event recorded in the same millisecond by
// another writer; a retry takes the next number.
constexpr int kMaxRecordAttempts = 16;

std::string Prefix(const std::string& region) { return "events/" + region + "/"; }

// "<13-digit ms>-<8-digit sequence>": lexical order is time order.
std::string EventId(int64_t date_ms, uint32_t sequence) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%013lld-%08u", static_cast<long long>(date_ms),
                sequence % 100000000u);
  return buf;
}

// The date encoded at the start of an event id, or -1.
int64_t DateOfId(std::string_view id) {
  if (id.size() < 13) return -1;
  int64_t ms = 0;
  for (char c : id.substr(0, 13)) {
    if (c < '0' || c > '9') return -1;
    ms = ms * 10 + (c - '0');
  }
  return ms;
}

nlohmann::json ToJson(const Event& e) {
  return {{"source_identifier", e.source_identifier},
          {"source_type", e.source_type},
          {"source_arn", e.source_arn},
          {"event_id", e.event_id},
          {"categories", e.categories},
          {"message", e.message},
          {"date_ms", e.date_ms}};
}

std::optional<Event> FromJson(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  try {
    Event e;
    e.source_identifier = j.value("source_identifier", "");
    e.source_type = j.value("source_type", "db-instance");
    e.source_arn = j.value("source_arn", "");
    e.event_id = j.value("event_id", "");
    e.categories = j.value("categories", std::vector<std::string>{});
    e.message = j.value("message", "");
    e.date_ms = j.value("date_ms", int64_t{0});
    return e;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace

const std::vector<std::string>& EventCategories() {
  static const std::vector<std::string> kCategories = {
      "availability", "backup",     "configuration change", "creation",    "deletion",
      "failover",     "failure",    "low storage",          "maintenance", "notification",
      "recovery",     "restoration"};
  return kCategories;
}

Event InstanceEvent(const EventType& type, const DbInstance& instance,
                    const std::string& account_id, const std::string& detail) {
  Event e;
  e.source_identifier = instance.identifier;
  e.source_type = "db-instance";
  e.source_arn = instance.Arn(account_id);
  e.event_id = type.id;
  e.categories = {type.category};
  e.message = type.message;
  if (!detail.empty()) e.message += ": " + detail;
  return e;
}

Status EventLog::Record(const std::string& region, Event event) {
  event.date_ms = clock_.NowMillis();
  const std::string value = ToJson(event).dump();
  Status status;
  for (int attempt = 0; attempt < kMaxRecordAttempts; ++attempt) {
    std::string key = Prefix(region) + EventId(event.date_ms, sequence_.fetch_add(1));
    status = store_.Commit({StoreWrite::Put(key, value, StoreWrite::kMustNotExist)});
    if (status.code() != Status::Code::kConflict) break;
  }
  TANDEM_RETURN_IF_ERROR(status);

  int64_t last = last_prune_ms_.load();
  if (event.date_ms - last >= kPruneIntervalMs &&
      last_prune_ms_.compare_exchange_strong(last, event.date_ms)) {
    // Pruning is housekeeping: its failure does not undo the event.
    (void)PruneEvents();
  }
  return Status::Ok();
}

StatusOr<std::vector<Event>> EventLog::List(const std::string& region, int64_t start_ms,
                                            int64_t end_ms) const {
  const std::string prefix = Prefix(region);
  StatusOr<std::vector<StoreEntry>> entries = store_.List(prefix);
  if (!entries.ok()) return entries.status();
  std::vector<Event> out;
  for (StoreEntry& entry : *entries) {
    std::string id = entry.key.substr(prefix.size());
    int64_t date = DateOfId(id);
    if (date < start_ms || date > end_ms) continue;
    std::optional<Event> event = FromJson(entry.value);
    if (!event) continue;  // an unreadable event is skipped, not fatal to the listing
    event->id = std::move(id);
    out.push_back(std::move(*event));
  }
  return out;
}

StatusOr<int> EventLog::PruneEvents() {
  StatusOr<std::vector<StoreEntry>> entries = store_.List("events/");
  if (!entries.ok()) return entries.status();
  const int64_t cutoff = clock_.NowMillis() - kEventRetentionMs;
  std::vector<StoreWrite> deletes;
  for (const StoreEntry& entry : *entries) {
    size_t slash = entry.key.rfind('/');
    int64_t date = DateOfId(std::string_view(entry.key).substr(slash + 1));
    if (date >= 0 && date < cutoff) deletes.push_back(StoreWrite::Delete(entry.key));
  }
  if (deletes.empty()) return 0;
  TANDEM_RETURN_IF_ERROR(store_.Commit(deletes));
  return static_cast<int>(deletes.size());
}

}  // namespace tandem::rds
