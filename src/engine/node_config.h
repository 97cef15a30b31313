// The MariaDB option file for one node, generated from its NodeSpec.
//
// What every node gets, whatever its parameter group says:
// - durability and replication safety: GTID with gtid_strict_mode, row-based
//   binary log, sync_binlog=1, innodb_flush_log_at_trx_commit=1,
//   log_slave_updates, semi-sync with wait point AFTER_SYNC (the master side
//   only on a primary with semi_sync.enabled), replication threads never
//   started by the server itself (skip_slave_start: tandemd decides), and
//   init-rpl-role=SLAVE only for a crashed ex-primary rejoining as a replica
//   (NodeSpec::rejoin_as_replica);
// - read_only=ON: a node only becomes writable by tandemd's promotion, and a
//   restart makes it read-only again;
// - enforce_storage_engine=InnoDB and event_scheduler=DISABLED (with the
//   system tables moved to InnoDB, a firing event crashes 10.11; and only
//   InnoDB data is reliably encrypted at rest);
// - 127.0.0.1 only, no name resolution, every path below the node's root;
// - with storage encryption: file_key_management (AES_CTR) reading its key
//   file and file key from descriptors kKeyFileFd and kFileKeyFd that the
//   driver hands to mariadbd (so neither is a file on disk, and the file key
//   is not shown by SHOW VARIABLES), and encryption of InnoDB tables (FORCE),
//   redo log, temporary tables, binary and relay logs, temporary files and
//   Aria tables.
//
// With storage encryption on and the system tables hardened
// (system_table_hardening.h), what reaches the node's disk in the clear is:
// table, column, database and user-visible object names (file names, .frm
// files, which also hold column defaults, comments and view definitions),
// trigger bodies (.TRG), the error log, the pid file and config, the TLS
// certificate and its private key (0600, the node's account), the Aria log
// written by the install itself (before any user or user data), and on a
// standby the replication user's password in master.info. Row data, undo,
// redo, binary and relay logs, temporary files and tables, and every system
// table (users and their password hashes included) are encrypted.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "engine/node_spec.h"

namespace tandem::engine {

// Descriptors on which a node's mariadbd (and any engine tool reading its
// config) finds the encrypted key file (a sealed in-memory file, read with
// seeks) and the key that decrypts it (a pipe, read once). Their numbers are
// fixed because the option file names them as /proc/self/fd/<n>.
inline constexpr int kKeyFileFd = 3;
inline constexpr int kFileKeyFd = 4;

// OK if spec can be rendered and run; otherwise kInvalidArgument naming the
// field and what is allowed. Checks identifiers, host name, port, server id,
// paths (absolute, no whitespace, socket path within the unix limit), sizing,
// encryption keys, TLS completeness, rejoin_as_replica (only with role
// kStandby) and parameters (name syntax, values that cannot break the option
// file, and no option the engine manages itself).
Status ValidateNodeSpec(const NodeSpec& spec);

// Whether the engine sets or relies on server option name itself (paths,
// durability, replication, read_only, TLS, encryption, ...), so that neither
// a parameter group nor SET GLOBAL on its behalf may change it. Accepts
// hyphens or underscores, any case.
bool IsManagedOption(std::string_view name);

// The option file text for spec (after ValidateNodeSpec). Deterministic: the
// same spec always gives the same text. spec.os_user, if not empty, becomes
// mariadbd's `user` option.
StatusOr<std::string> RenderNodeConfig(const NodeSpec& spec,
                                       const EngineInstallation& installation);

}  // namespace tandem::engine
