// The instance reconciler's brain: one pure function from what is stored
// (the DB instance record: desired state, status, observed fields) and what
// was observed in the world (its primary node, its endpoint) to the one next
// step that moves the instance toward what the user asked for, with a
// sentence that says why. The reconciler's loop executes the step, observes
// again and asks again, until the answer is "no action".
//
// Every step is safe to repeat: if tandemd dies in the middle of one, the
// next decision, from fresh observations, picks it up again. No step is
// decided from memory of earlier steps, only from the record and the world.
//
// Storage: when a node's file system runs short of space the instance
// reports "storage-full" (storage_full.h: thresholds, hysteresis), and
// "available" again once there is room; the other steps go on meanwhile.
//
// Unit-tested as a table of situations, without a database.
//
// Thread-safety: pure function.
#pragma once

#include <optional>
#include <string>

#include "control/storage_full.h"
#include "engine/node_exit.h"
#include "engine/storage_space.h"
#include "rds/db_instance.h"

namespace tandem::control {

// The instance's primary node, as observed just now.
struct NodeObservation {
  bool recorded = false;      // its node record exists (port, names, certificate chosen)
  bool initialized = false;   // its data directory was made and hardened
  bool bootstrapped = false;  // master user and initial database created
  bool running = false;       // its mariadbd process is alive
  bool writable = false;      // running and promoted (read_only OFF)
  // How its process ended, when it was seen running and then exited.
  std::optional<engine::NodeExit> exit;
  uint16_t port = 0;
  std::string zone;
  std::string instance_class;  // the class its running config was written for
  int64_t certificate_expires_ms = 0;
  // Space on the file system holding its files (nullopt: not readable).
  std::optional<engine::StorageSpace> storage;
};

// A Multi-AZ instance's standby node, as observed just now.
struct StandbyObservation {
  bool recorded = false;     // its node record exists
  bool initialized = false;  // it holds a copy of the primary's data (cloned)
  bool reseed = false;       // the copy must be made again (diverged, in doubt)
  bool running = false;
  bool rejoin_pending = false;  // an ex-primary after an unplanned failover
  // Its replication is configured toward the current primary.
  bool replicating = false;
  std::optional<engine::NodeExit> exit;
  std::string zone;
  std::optional<engine::StorageSpace> storage;  // as NodeObservation::storage
};

struct EndpointObservation {
  bool open = false;
  std::optional<uint16_t> target;  // node port new connections go to, if pointed
};

// Differences between the parameter group's values and those the primary
// runs with (parameter_drift.h).
struct ParameterObservation {
  bool dynamic_pending = false;  // can be applied live with SET GLOBAL
  bool static_pending = false;   // take effect only when the node restarts
  // The record's parameter_group_applied / revision lag behind the group
  // (another group, or its values changed since).
  bool record_behind = false;
};

// The last attempts to (re)start the primary, when they failed.
struct StartFailure {
  // Retrying cannot help (kInvalidArgument from the driver): the engine
  // rejected a server option, or the node's setup is wrong (an account or
  // directory it cannot use).
  bool hopeless = false;
  std::string message;  // why, from the driver (error log tail)
  int attempts = 0;     // consecutive failed attempts
};

struct InstanceSituation {
  rds::DbInstance instance;
  NodeObservation primary;
  StandbyObservation standby;
  // The primary's semi-sync master side is on (live) for its standby.
  bool semi_sync_on = false;
  EndpointObservation endpoint;
  ParameterObservation parameters;
  // The instance's parameter group sets values of its own (not only defaults).
  bool custom_parameters = false;
  // A sealed master password waits at DbInstance::PasswordStoreKey.
  bool password_waiting = false;
  std::optional<StartFailure> start_failure;
  // When a node's free space makes the instance storage-full.
  StorageThresholds storage_thresholds;
};

// How many consecutive failed starts of a node make an instance "failed"
// (a failure the engine attributes to a server option fails it at once, as
// "incompatible-parameters").
inline constexpr int kStartAttemptsBeforeFailed = 3;

enum class Action {
  kNothing,
  // creating
  kCreateNode,      // choose port, host name, server id; issue the certificate; store the record
  kInitializeNode,  // make the data directory, harden it, start the node (first start)
  kBootstrapNode,   // create the master user and the initial database
  // running
  kStartNode,        // start a node that is not running (StartDBInstance)
  kRecoverNode,      // restart in place a node that exited on its own
  kRestartNode,      // stop and start: a reboot, or a new instance class or static parameters
  kPromoteNode,      // make the primary writable (a node always starts read-only)
  kOpenEndpoint,     // listen on the instance's endpoint port
  kPointEndpoint,    // route the endpoint to the primary's port
  kApplyPassword,    // set the master user's new password
  kApplyParameters,  // apply dynamic parameters live; mark static ones pending reboot
  // Multi-AZ (the failover itself is ha_decision.h's)
  kCreateStandby,      // place the standby in the other zone; issue its certificate
  kSeedStandby,        // copy the primary online with mariadb-backup; start the copy
  kStartStandby,       // restart a standby that is not running
  kAttachStandby,      // replicate from the primary (GTID, semi-sync, verified TLS)
  kEnableSemiSync,     // the primary waits for the standby's acknowledgements
  kRemoveStandby,      // conversion to Single-AZ: stop the standby, remove its files
  kReportAvailable,    // status "available", observed fields filled in
  kReportStorageFull,  // status "storage-full" (a node's file system is short of space)
  kReportFailure,      // status "failed" or "incompatible-parameters", with the reason
  // stopping
  kCloseEndpoint,  // clients are refused from now on
  kStopNode,
  kReportStopped,
  // deleting
  kRemoveNode,      // stop the node (if needed), remove its files and its record
  kDeleteInstance,  // delete the managed secret, the password and the instance record
};

// "create-node", "recover-node", ... for logs.
const char* ActionName(Action action);

struct InstanceStep {
  Action action = Action::kNothing;
  // One sentence: "recovering: node us-east-1a exited (killed by signal 9);
  // restarting it in place". Logged, and the detail of events.
  std::string reason;
  // kRestartNode: what the restart is for (both can be true).
  bool reboot = false;
  bool resize = false;
  // kReportFailure: the status to report (failed or incompatible-parameters).
  std::string failure_status;
  // kReportStorageFull entering the state, kReportAvailable leaving it: the
  // storage verdict's reason (storage_full.h), the event's detail.
  std::string storage_detail;
};

InstanceStep DecideInstanceStep(const InstanceSituation& situation);

}  // namespace tandem::control
