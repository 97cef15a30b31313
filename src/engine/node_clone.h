// CloneNode: makes a stopped node a physical copy of a running one (online:
// the source keeps serving), with mariadb-backup. How a Multi-AZ instance
// gets its standby, and how a node that cannot rejoin (it diverged) is
// re-seeded from the primary.
//
// Steps: mariadb-backup --backup of the source through its unix socket (as
// this process's OS account, unix_socket authentication: no password) into
// <target root>/clone; --prepare with the target's config; the target's data
// and binlog directories emptied (its config, TLS files and logs stay);
// --move-back into the target's data directory; everything below the target
// root given to its OS account; the target marked initialized; the clone
// directory removed. The target is then started with LocalNodeDriver::Start,
// takes the backup's position with NodeAdmin::AdoptClonedPosition and
// replicates from the source with GtidStart::kSlavePos.
//
// The copy carries everything of the source's data directory: users (the
// replication user included), system-table hardening, and pages encrypted
// under the source's keys. Both nodes must therefore belong to the same
// instance and have the same spec.encryption (keys); the engine programs get
// each node's key descriptors (LocalNodeDriver::RunWithNodeKeys). The binary
// log is not copied: the target's starts empty.
//
// Errors: kConflict if the target is running (stop it first); kInvalidArgument
// if source and target are the same node; kIOError if a program fails (e.g.
// the backup cannot connect because the source is not running) or files
// cannot be moved; kUnavailable if timeout passes (the running program is
// killed). Messages of failed programs end with the tail of their output,
// kept in <target root>/log/clone.log (which holds no secret). A clone
// interrupted by tandemd's death leaves its program running (it outlives
// tandemd): the next CloneNode into the same target kills every process
// working on the clone directory (an argument --target-dir=<clone dir>)
// before it starts, so two copies never write the same files. A failure
// during the backup or the prepare leaves the target's data as it was; a
// later one leaves the target unmarked: Start refuses it, and a new
// CloneNode or Initialize redoes it. The clone directory is removed either
// way.
//
// Thread-safety: a lifecycle step of the target (one caller at a time, see
// node_driver.h). Of the source it only reads the spec and layout and runs
// the backup program, so the source's own reconciler and monitor may go on
// concurrently.
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"
#include "engine/local_node_driver.h"

namespace tandem::engine {

struct CloneResult {
  // The source's @@gtid_binlog_pos at the moment the backup is consistent
  // with: the target holds exactly the transactions up to it. "" if the
  // source had written no GTID yet.
  std::string gtid_position;
  // How long each step took: the backup (source busy), the prepare (crash
  // recovery of the copy), and the restore (emptying the target, moving the
  // files in, ownership, marker).
  std::chrono::milliseconds backup{0};
  std::chrono::milliseconds prepare{0};
  std::chrono::milliseconds restore{0};
};

// Makes target (stopped) a copy of source (running), as described above.
// timeout bounds the whole clone; backup_program is mariadb-backup.
StatusOr<CloneResult> CloneNode(LocalNodeDriver& source, LocalNodeDriver& target,
                                std::chrono::milliseconds timeout,
                                const std::string& backup_program = "/usr/bin/mariadb-backup");

}  // namespace tandem::engine
