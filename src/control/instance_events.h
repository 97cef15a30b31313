// RDS events the instance reconciler records beyond rds/events.h's table
// (which holds the ones the API also knows about): the recovery of a node
// that exited on its own, and a change of parameter group taking effect.
// Same form: RDS's event id, category and message; details follow the
// message after ": " (rds::InstanceEvent).
#pragma once

#include "rds/events.h"

namespace tandem::control::instance_events {

inline constexpr rds::EventType kRecoveryStarted{
    "RDS-EVENT-0020", "recovery",
    "Recovery of the DB instance has started. Recovery time will vary with the amount of data "
    "to be recovered"};
inline constexpr rds::EventType kRecoveryComplete{"RDS-EVENT-0021", "recovery",
                                                  "Recovery of the DB instance is complete"};
// Message: "Error restarting mysql: <why>".
inline constexpr rds::EventType kRestartError{"RDS-EVENT-0022", "availability",
                                              "Error restarting mysql"};
// Message: "Updated to use DBParameterGroup: <name>".
inline constexpr rds::EventType kParameterGroupChanged{"RDS-EVENT-0011", "configuration change",
                                                       "Updated to use DBParameterGroup"};

}  // namespace tandem::control::instance_events
