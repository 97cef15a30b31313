// NodeAdmin: the administrative operations Tandem performs on a node's SQL
// interface, over an AdminConnection the caller opened (and owns).
//
// Binary logging follows the connection (AdminBinlog): user changes made on
// a primary with AdminBinlog::kWrite replicate to its standby; nothing made
// through a kSkip connection does.
//
// Errors: as AdminConnection; kInvalidArgument also for bad input (user names,
// privileges outside the allowed set, parameter names). Passwords never appear
// in messages, and never reach the server in the clear either: they are sent
// as mysql_native_password hashes computed here.
//
// Thread-safety: as the connection (one thread at a time).
#pragma once

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
