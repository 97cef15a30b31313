// NodeAdmin: the administrative operations Tandem performs on a node's SQL
// interface, over an AdminConnection the caller opened (and owns).
//
// Binary logging follows the connection (AdminBinlog): user changes made on
// a primary with AdminBinlog::kWrite replicate to its standby; nothing made
// through a kSkip connection does.
//
// Replication (Multi-AZ): a primary gets a replication user
// (CreateReplicationUser); a standby replicates from it over verified TLS
// with GTIDs (StartReplication), is promoted by StopReplicationIo,
// WaitForGtid(Gtid_IO_Pos), ResetReplication and SetReadOnly(false), and a
// node just cloned from a backup (node_clone.h) takes the backup's GTID
// position first (AdoptClonedPosition). Replication statements never write
// the binary log, so they may run over a kSkip connection (and, on a
// standby, must: see AdminBinlog).
//
// Errors: as AdminConnection; kInvalidArgument also for bad input (user names,
// privileges outside the allowed set, parameter names, GTID positions).
// Passwords never appear in messages, and never reach the server in the clear
// either: they are sent as mysql_native_password hashes computed here. The
// one exception is the replication password in StartReplication, which
// MariaDB needs in the clear to log in to the primary (it keeps it in the
// standby's master.info).
//
// Thread-safety: as the connection (one thread at a time).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/admin_connection.h"

namespace tandem::engine {

// Privileges on one database ("*" for all databases).
struct Grant {
  std::vector<std::string> privileges;  // e.g. {"SELECT", "INSERT"}; see kGrantablePrivileges
  std::string database = "*";
  bool with_grant_option = false;
};

// What NodeAdmin may grant. Deliberately absent: ALL, SUPER and READ_ONLY
// ADMIN (they write to a read-only node, so a fenced or standby node could
// diverge), FILE and SHUTDOWN (the node's files and process are Tandem's),
// and the replication and binlog administration privileges (replication
// topology is Tandem's).
extern const std::vector<std::string> kGrantablePrivileges;

// The privileges of an instance's master user, as RDS for MySQL grants them
// (ON *.* WITH GRANT OPTION), minus what kGrantablePrivileges excludes.
extern const std::vector<std::string> kMasterUserPrivileges;

// Where a standby replicates from: the primary's address and replication
// user (CreateReplicationUser on the primary).
struct ReplicationSource {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string user;
  std::string password;
  // PEM file of the CA that signed the primary's certificate, a path the
  // standby's mariadbd (running as its node's OS account) can read. The
  // standby's own NodeLayout::tls_ca() works: every node of an instance has
  // the same CA. The primary's certificate must also name host.
  std::string tls_ca_file;
};

// Where a standby's replication starts in the primary's binlog.
enum class GtidStart {
  // After @@gtid_slave_pos: the GTIDs this node applied as a replica. For a
  // standby that has only ever replicated (or was cloned: AdoptClonedPosition
  // sets it).
  kSlavePos,
  // After @@gtid_current_pos: gtid_slave_pos, or for a domain where this node
  // wrote its own transactions, its binlog position. For an ex-primary
  // rejoining the standby promoted in its place.
  kCurrentPos,
};

// What the HA monitor reads from a node each cycle.
struct ObservedNodeState {
  bool read_only = true;
  std::string gtid_binlog_pos;   // last GTIDs this node wrote to its binlog
  std::string gtid_slave_pos;    // last GTIDs this node applied as a replica
  std::string gtid_current_pos;  // the later of the two per domain

  // Primary side of semi-sync.
  bool semi_sync_master_on = false;       // Rpl_semi_sync_master_status: commits wait for acks
  uint32_t semi_sync_master_clients = 0;  // standbys connected with semi-sync
  // Standby side of semi-sync.
  bool semi_sync_slave_on = false;  // Rpl_semi_sync_slave_status

  // Replica side (SHOW SLAVE STATUS). replica_configured is false when no
  // primary is set (the other fields are then empty).
  bool replica_configured = false;
  std::string master_host;
  uint16_t master_port = 0;
  std::string slave_io_running;  // "Yes", "No", "Connecting" or "Preparing"
  bool slave_sql_running = false;
  std::optional<int64_t> seconds_behind_master;  // nullopt when the server says NULL
  std::string gtid_io_pos;                       // GTIDs received into the relay log
  int last_io_errno = 0;
  std::string last_io_error;
  int last_sql_errno = 0;
  std::string last_sql_error;
};

class NodeAdmin {
 public:
  explicit NodeAdmin(AdminConnection& connection) : conn_(connection) {}

  // Creates user@host if it does not exist, then sets its password, TLS
  // requirement and grants (idempotent: running it again converges).
  // user: 1-80 characters; host: '%' (any, the default) or a host pattern.
  Status CreateUser(const std::string& user, const std::string& password, bool require_ssl,
                    const std::vector<Grant>& grants, const std::string& host = "%");
  // kNotFound if the user does not exist.
  Status SetPassword(const std::string& user, const std::string& password,
                     const std::string& host = "%");
  Status DropUser(const std::string& user, const std::string& host = "%");

  // SET GLOBAL name = value: value as a number if it is one, else as a string.
  // name: letters, digits and underscores.
  Status ApplyDynamicParameter(const std::string& name, const std::string& value);

  // SET GLOBAL read_only. Turning it off is how tandemd makes a primary
  // writable (a single-AZ instance once started; a promoted standby); a
  // restart turns it on again (node_config.h).
  Status SetReadOnly(bool read_only);

  // e.g. "10.11.19-MariaDB-0+deb12u1-log".
  StatusOr<std::string> ServerVersion();

  // --- Replication ---

  // Creates user@'%' if it does not exist, then converges it to exactly what
  // a standby needs to replicate from this node: the password, REQUIRE SSL,
  // and REPLICATION SLAVE on *.* (the binlog dump; a GTID replica's other
  // queries at connect, and the semi-sync handshake, need no privilege).
  // Any other privilege the user holds is revoked. This deliberately
  // bypasses kGrantablePrivileges: replication users are Tandem's own, never
  // a customer's. Meant for a primary over an AdminBinlog::kWrite
  // connection, so that the user also exists on every standby (needed once
  // a standby is promoted and its ex-primary replicates from it).
  Status CreateReplicationUser(const std::string& user, const std::string& password);

  // Makes this node a replica of source and starts replicating: STOP SLAVE
  // (if running), CHANGE MASTER TO source with verified TLS (MASTER_SSL,
  // MASTER_SSL_CA, MASTER_SSL_VERIFY_SERVER_CERT), GTID mode start, retry
  // every second, heartbeat every second, then START SLAVE. Idempotent:
  // calling it again reconfigures and restarts. OK means the threads were
  // started, not that the IO thread connected: a wrong CA, password or port
  // shows in Observe() as slave_io_running != "Yes" with last_io_errno/
  // last_io_error (e.g. 2026 for TLS). Run over a kSkip connection.
  // kInvalidArgument if source.port is 0 or a field is empty or has a NUL.
  Status StartReplication(const ReplicationSource& source, GtidStart start);

  // STOP SLAVE IO_THREAD: stops receiving from the primary while the SQL
  // thread goes on applying the relay log (first step of a promotion). OK if
  // it was not running.
  Status StopReplicationIo();

  // Waits until this node has applied position (a GTID list, e.g.
  // "0-1-42,1-2-7"; "" is reached at once) as a replica, i.e. until
  // @@gtid_slave_pos has reached it in every domain it names (MASTER_GTID_WAIT).
  // true if reached, false if timeout passed first. The connection's read
  // timeout (ConnectOptions::read_timeout) must exceed timeout, or the wait
  // ends with kUnavailable (lost connection) instead of false.
  // kInvalidArgument if position is not a GTID list.
  StatusOr<bool> WaitForGtid(const std::string& position, std::chrono::milliseconds timeout);

  // STOP SLAVE; RESET SLAVE ALL: the node no longer replicates and forgets
  // its primary (connection settings, relay logs). @@gtid_slave_pos is kept.
  // OK if it was not a replica. Last step of a promotion before
  // SetReadOnly(false).
  Status ResetReplication();

  // The primary side of semi-sync, at once and until the next restart (the
  // config written from NodeSpec::semi_sync applies at every start):
  // rpl_semi_sync_master_enabled, _timeout (ms) and _wait_no_slave. Turning
  // it on makes commits wait for a standby's ack (Observe():
  // semi_sync_master_on once a semi-sync standby is connected). A standby
  // that connected while it was off is already counted in
  // semi_sync_master_clients and acknowledges from the next commit on: no
  // reconnect needed. Never on a standby: its SQL thread would stall for the
  // timeout on every transaction.
  Status SetSemiSyncPrimary(bool enabled, uint32_t timeout_ms, bool wait_no_standby);

  // A primary syncs its redo and binary logs at every commit; a standby
  // does not need to (node_config.cc says why). Set live at promotion
  // (full=true, before the node takes writes) and when a running node
  // becomes a standby.
  Status SetCommitDurability(bool full);

  // For a node just restored from a physical backup of its primary
  // (CloneNode, node_clone.h), before it replicates: makes gtid_position (the
  // backup's, CloneResult::gtid_position) both its binlog state and its
  // replica position: RESET MASTER, SET GLOBAL gtid_binlog_state,
  // SET GLOBAL gtid_slave_pos. Then (a) StartReplication(kSlavePos) fetches
  // exactly the transactions after the backup, and (b) once this node is
  // promoted, a node still at gtid_position (its ex-primary) can replicate
  // from it with kCurrentPos: its binlog starts with that position, so the
  // primary does not refuse with error 1236. Destroys this node's binlog:
  // never for a node whose binlog matters. kInvalidArgument if gtid_position
  // is not a GTID list, or if replication is running here (stop it first).
  Status AdoptClonedPosition(const std::string& gtid_position);

  // Reads the replication-relevant state in three short queries. Cheap enough
  // for every monitor cycle; bounded by the connection's read timeout.
  StatusOr<ObservedNodeState> Observe();

 private:
  StatusOr<std::string> Account(const std::string& user, const std::string& host);
  AdminConnection& conn_;
};

// The mysql_native_password hash of password: "*" and 40 upper-case hex
// digits of SHA1(SHA1(password)), as stored in authentication_string.
std::string NativePasswordHash(const std::string& password);

}  // namespace tandem::engine
