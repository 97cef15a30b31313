// RDS events (DescribeEvents): what happened to a resource, in RDS's words
// and with RDS's event ids, written by the API and by the reconcilers.
//
// Store key: events/<region>/<13-digit epoch ms>-<8-digit sequence>, so a
// prefix listing returns events in time order. Events older than 14 days are
// dropped by PruneEvents (RDS keeps them 14 days); Record calls it at most
// once an hour, so nothing else needs to.
//
// Who records which event (the API when it accepts a request, the reconciler
// when the engine work is done). DescribeEvents shows the message, not the id;
// the id is what RDS's event notifications carry.
//
//   id              category              message                                   by
//   RDS-EVENT-0005  creation              DB instance created                       reconciler
//   RDS-EVENT-0003  deletion              DB instance deleted                       reconciler
//   RDS-EVENT-0006  availability          DB instance restarted                     reconciler
//   RDS-EVENT-0004  availability          DB instance shutdown                      reconciler
//   RDS-EVENT-0087  notification          DB instance stopped                       reconciler
//   RDS-EVENT-0088  notification          DB instance started                       reconciler
//   RDS-EVENT-0012  configuration change  Applying modification to database         API
//                                         instance class
//   RDS-EVENT-0014  configuration change  Finished applying modification to DB      reconciler
//                                         instance class
//   RDS-EVENT-0018  configuration change  Applying modification to allocated        API
//                                         storage
//   RDS-EVENT-0017  configuration change  Finished applying modification to         reconciler
//                                         allocated storage
//   RDS-EVENT-0024  configuration change  Applying modification to convert to a     API
//                                         Multi-AZ DB instance
//   RDS-EVENT-0025  configuration change  Finished applying modification to         reconciler
//                                         convert to a Multi-AZ DB instance
//   RDS-EVENT-0029  configuration change  Applying modification to convert to a     API
//                                         standard (Single-AZ) DB instance
//   RDS-EVENT-0028  configuration change  Finished applying modification to         reconciler
//                                         convert to a standard (Single-AZ) DB
//                                         instance
//   RDS-EVENT-0016  configuration change  Reset master credentials                  reconciler
//   RDS-EVENT-0092  configuration change  Finished updating DB parameter group      reconciler
//   RDS-EVENT-0037  configuration change  Updated parameter <name> to <value> with  API (source
//                                         apply method <method>                     type db-
//                                                                                   parameter-group)
//   RDS-EVENT-0031  failure               DB instance put into failed state: <why>  reconciler
//   RDS-EVENT-0035  failure               DB instance put into incompatible-        reconciler
//                                         parameters: <why>
//   Multi-AZ events (failover RDS-EVENT-0013/0049, activation 0050/0051,
//   replication 0045/0046, refused failover 0034) are control/instance_events.h.
//
// Thread-safety: Record may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "rds/db_instance.h"
#include "store/store.h"

namespace tandem::rds {

// How long events are kept (and can be described): 14 days, as RDS.
inline constexpr int64_t kEventRetentionMs = 14LL * 24 * 3600 * 1000;

struct Event {
  std::string source_identifier;            // "mydb"
  std::string source_type = "db-instance";  // RDS SourceType
  std::string source_arn;
  std::string event_id;                 // "RDS-EVENT-0005"
  std::vector<std::string> categories;  // "creation", "deletion", "availability", "failover", ...
  std::string message;                  // "DB instance created"
  int64_t date_ms = 0;
  // Set by List: the event's position in its region's log (its store key
  // after the region prefix), unique and in time order. For paging.
  std::string id;
};

// One kind of RDS event: its id, category and message (the start of it, for
// events whose message goes on with details).
struct EventType {
  const char* id;
  const char* category;
  const char* message;
};

namespace event_type {
inline constexpr EventType kCreated{"RDS-EVENT-0005", "creation", "DB instance created"};
inline constexpr EventType kDeleted{"RDS-EVENT-0003", "deletion", "DB instance deleted"};
inline constexpr EventType kRestarted{"RDS-EVENT-0006", "availability", "DB instance restarted"};
inline constexpr EventType kShutdown{"RDS-EVENT-0004", "availability", "DB instance shutdown"};
inline constexpr EventType kStopped{"RDS-EVENT-0087", "notification", "DB instance stopped"};
inline constexpr EventType kStarted{"RDS-EVENT-0088", "notification", "DB instance started"};
inline constexpr EventType kApplyingInstanceClass{
    "RDS-EVENT-0012", "configuration change", "Applying modification to database instance class"};
inline constexpr EventType kFinishedInstanceClass{
    "RDS-EVENT-0014", "configuration change",
    "Finished applying modification to DB instance class"};
inline constexpr EventType kApplyingStorage{"RDS-EVENT-0018", "configuration change",
                                            "Applying modification to allocated storage"};
inline constexpr EventType kFinishedStorage{"RDS-EVENT-0017", "configuration change",
                                            "Finished applying modification to allocated storage"};
inline constexpr EventType kApplyingMultiAz{
    "RDS-EVENT-0024", "configuration change",
    "Applying modification to convert to a Multi-AZ DB instance"};
inline constexpr EventType kFinishedMultiAz{
    "RDS-EVENT-0025", "configuration change",
    "Finished applying modification to convert to a Multi-AZ DB instance"};
inline constexpr EventType kApplyingSingleAz{
    "RDS-EVENT-0029", "configuration change",
    "Applying modification to convert to a standard (Single-AZ) DB instance"};
inline constexpr EventType kFinishedSingleAz{
    "RDS-EVENT-0028", "configuration change",
    "Finished applying modification to convert to a standard (Single-AZ) DB instance"};
inline constexpr EventType kResetMasterCredentials{"RDS-EVENT-0016", "configuration change",
                                                   "Reset master credentials"};
inline constexpr EventType kFinishedParameterGroup{"RDS-EVENT-0092", "configuration change",
                                                   "Finished updating DB parameter group"};
// Message: "Updated parameter <name> to <value> with apply method <method>".
inline constexpr EventType kParameterUpdated{"RDS-EVENT-0037", "configuration change",
                                             "Updated parameter"};
// Message: "DB instance put into failed state: <why>".
inline constexpr EventType kFailed{"RDS-EVENT-0031", "failure",
                                   "DB instance put into failed state"};
// Message: "DB instance put into incompatible-parameters: <why>".
inline constexpr EventType kIncompatibleParameters{"RDS-EVENT-0035", "failure",
                                                   "DB instance put into incompatible-parameters"};
}  // namespace event_type

// Every event category Tandem records (DescribeEvents' EventCategories).
const std::vector<std::string>& EventCategories();

// An event of type about instance; detail, if not empty, follows the type's
// message after ": ".
Event InstanceEvent(const EventType& type, const DbInstance& instance,
                    const std::string& account_id, const std::string& detail = "");

class EventLog {
 public:
  EventLog(Store& store, const Clock& clock) : store_(store), clock_(clock) {}
  // Stores an event dated now (date_ms is set here). Never contains secrets.
  Status Record(const std::string& region, Event event);
  // Events of region with date in [start_ms, end_ms], oldest first.
  StatusOr<std::vector<Event>> List(const std::string& region, int64_t start_ms,
                                    int64_t end_ms) const;
  // Deletes events older than 14 days. Returns how many.
  StatusOr<int> PruneEvents();

 private:
  Store& store_;
  const Clock& clock_;
  std::atomic<uint32_t> sequence_{0};
  std::atomic<int64_t> last_prune_ms_{0};
};

}  // namespace tandem::rds
