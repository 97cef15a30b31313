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

// Multi-AZ (RDS's texts; details, such as the HA decision's sentence, are
// logged by tandemd rather than appended to the failover events).
inline constexpr rds::EventType kFailoverStarted{"RDS-EVENT-0013", "failover",
                                                 "Multi-AZ instance failover started."};
inline constexpr rds::EventType kFailoverCompleted{"RDS-EVENT-0049", "failover",
                                                   "Multi-AZ instance failover completed."};
// Message: "...: <the HA decision's reason>".
inline constexpr rds::EventType kFailoverNotAttempted{
    "RDS-EVENT-0034", "failover", "Amazon RDS is not attempting a requested failover"};
inline constexpr rds::EventType kActivationStarted{"RDS-EVENT-0050", "recovery",
                                                   "Multi-AZ instance activation started."};
inline constexpr rds::EventType kActivationCompleted{"RDS-EVENT-0051", "recovery",
                                                     "Multi-AZ instance activation completed."};
// A node's file system ran short of space (storage_full.h): RDS's event for
// an instance that enters "storage-full". Message: "...: <which node, how
// much is free>".
inline constexpr rds::EventType kStorageFull{
    "RDS-EVENT-0007", "low storage",
    "Allocated storage has been exhausted. Allocate additional storage to resolve the issue"};
// RDS has no event for leaving storage-full (there, only added storage ends
// it); Tandem's own ids are TANDEM-EVENT-*. Message: "...: <the tightest node>".
inline constexpr rds::EventType kStorageAvailable{"TANDEM-EVENT-0001", "low storage",
                                                  "Free storage is available again"};

// The standby stopped holding every acknowledged write, and got back.
inline constexpr rds::EventType kReplicationError{
    "RDS-EVENT-0045", "read replica", "An error has occurred in the read replication process"};
inline constexpr rds::EventType kReplicationResumed{"RDS-EVENT-0046", "read replica",
                                                    "Replication to the standby has resumed"};

}  // namespace tandem::control::instance_events
