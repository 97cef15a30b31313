#include "engine/node_admin.h"

#include <openssl/sha.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "crypto/digest.h"
#include "engine/node_config.h"

namespace tandem::engine {

const std::vector<std::string> kGrantablePrivileges = {
    "ALTER",
    "ALTER ROUTINE",
    "BINLOG MONITOR",
    "CREATE",
    "CREATE ROUTINE",
    "CREATE TEMPORARY TABLES",
    "CREATE USER",
    "CREATE VIEW",
    "DELETE",
    "DELETE HISTORY",
    "DROP",
    "EVENT",
    "EXECUTE",
    "INDEX",
    "INSERT",
    "LOCK TABLES",
    "PROCESS",
    "REFERENCES",
    "RELOAD",
    "REPLICATION CLIENT",
    "REPLICATION SLAVE",
    "SELECT",
    "SHOW DATABASES",
    "SHOW VIEW",
    "SLAVE MONITOR",
    "TRIGGER",
    "UPDATE",
};

const std::vector<std::string> kMasterUserPrivileges = {
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "CREATE",
    "DROP",
    "RELOAD",
    "PROCESS",
    "REFERENCES",
    "INDEX",
    "ALTER",
    "SHOW DATABASES",
    "CREATE TEMPORARY TABLES",
    "LOCK TABLES",
    "EXECUTE",
    "REPLICATION SLAVE",
    "REPLICATION CLIENT",
    "CREATE VIEW",
    "SHOW VIEW",
    "CREATE ROUTINE",
    "ALTER ROUTINE",
    "CREATE USER",
    "EVENT",
    "TRIGGER",
    "DELETE HISTORY",
};

namespace {

constexpr int kErCannotUser = 1396;  // CREATE/ALTER/DROP USER on a missing or existing user

bool IsNumber(const std::string& s) {
  if (s.empty()) return false;
  size_t i = (s[0] == '-') ? 1 : 0;
  bool digits = false;
  bool dot = false;
  for (; i < s.size(); ++i) {
    if (s[i] >= '0' && s[i] <= '9') {
      digits = true;
    } else if (s[i] == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return digits && s.back() != '.';
}

std::optional<int64_t> ParseInt(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || ptr != s->data() + s->size()) return std::nullopt;
  return v;
}

std::string Text(const std::optional<std::string>& s) { return s.value_or(""); }

// A GTID list as MariaDB prints and accepts it: "" or comma-separated
// domain-server-sequence triples of decimal numbers ("0-1-42,1-2-7").
bool IsGtidList(const std::string& s) {
  if (s.empty()) return true;
  size_t start = 0;
  while (true) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    int parts = 0;
    size_t digits = 0;
    for (size_t i = start; i < end; ++i) {
      if (s[i] >= '0' && s[i] <= '9') {
        if (++digits > 20) return false;
      } else if (s[i] == '-' && digits > 0 && parts < 2) {
        ++parts;
        digits = 0;
      } else {
        return false;
      }
    }
    if (parts != 2 || digits == 0) return false;
    if (end == s.size()) return true;
    start = end + 1;
  }
}

Status CheckGtidList(const std::string& position) {
  if (!IsGtidList(position)) {
    return Status::InvalidArgument("GTID position '" + position +
                                   "' is invalid: use comma-separated domain-server-sequence "
                                   "numbers, e.g. 0-1-42");
  }
  return Status::Ok();
}

Status CheckReplicationField(std::string_view field, const std::string& value) {
  if (value.empty() || value.size() > 512 || value.find('\0') != std::string::npos) {
    return Status::InvalidArgument("replication source " + std::string(field) +
                                   " must have 1-512 characters");
  }
  return Status::Ok();
}

}  // namespace

std::string NativePasswordHash(const std::string& password) {
  unsigned char once[SHA_DIGEST_LENGTH];
  unsigned char twice[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(password.data()), password.size(), once);
  SHA1(once, sizeof once, twice);
  std::string hex =
      crypto::HexEncode(std::string_view(reinterpret_cast<char*>(twice), sizeof twice));
  std::transform(hex.begin(), hex.end(), hex.begin(), [](char c) {
    return static_cast<char>(c >= 'a' && c <= 'f' ? c - 'a' + 'A' : c);
  });
  return "*" + hex;
}

StatusOr<std::string> NodeAdmin::Account(const std::string& user, const std::string& host) {
  if (user.empty() || user.size() > 80 || user.find('\0') != std::string::npos) {
    return Status::InvalidArgument("user name must have 1-80 characters");
  }
  if (host.empty() || host.size() > 255 || host.find('\0') != std::string::npos) {
    return Status::InvalidArgument("user host must have 1-255 characters");
  }
  return conn_.QuoteString(user) + "@" + conn_.QuoteString(host);
}

Status NodeAdmin::CreateUser(const std::string& user, const std::string& password, bool require_ssl,
                             const std::vector<Grant>& grants, const std::string& host) {
  auto account = Account(user, host);
  if (!account.ok()) return account.status();
  std::vector<std::string> grant_sql;
  for (const Grant& g : grants) {
    if (g.privileges.empty()) return Status::InvalidArgument("a grant needs privileges");
    std::string privileges;
    for (const std::string& p : g.privileges) {
      if (std::find(kGrantablePrivileges.begin(), kGrantablePrivileges.end(), p) ==
          kGrantablePrivileges.end()) {
        return Status::InvalidArgument("privilege '" + p +
                                       "' cannot be granted by Tandem (see kGrantablePrivileges)");
      }
      if (!privileges.empty()) privileges += ", ";
      privileges += p;
    }
    if (g.database.empty() || g.database.find('\0') != std::string::npos) {
      return Status::InvalidArgument("a grant's database must be '*' or a database name");
    }
    const std::string on =
        g.database == "*" ? "*.*" : AdminConnection::QuoteIdentifier(g.database) + ".*";
    grant_sql.push_back("GRANT " + privileges + " ON " + on + " TO " + *account +
                        (g.with_grant_option ? " WITH GRANT OPTION" : ""));
  }
  const std::string hash = conn_.QuoteString(NativePasswordHash(password));
  TANDEM_RETURN_IF_ERROR(
      conn_.Execute("CREATE USER IF NOT EXISTS " + *account + " IDENTIFIED BY PASSWORD " + hash));
  TANDEM_RETURN_IF_ERROR(conn_.Execute("ALTER USER " + *account + " IDENTIFIED BY PASSWORD " +
                                       hash + (require_ssl ? " REQUIRE SSL" : " REQUIRE NONE")));
  for (const std::string& sql : grant_sql) TANDEM_RETURN_IF_ERROR(conn_.Execute(sql));
  return Status::Ok();
}

Status NodeAdmin::SetPassword(const std::string& user, const std::string& password,
                              const std::string& host) {
  auto account = Account(user, host);
  if (!account.ok()) return account.status();
  Status s = conn_.Execute("ALTER USER " + *account + " IDENTIFIED BY PASSWORD " +
                           conn_.QuoteString(NativePasswordHash(password)));
  if (!s.ok() && conn_.last_error_number() == kErCannotUser) {
    return Status::NotFound("user '" + user + "'@'" + host + "' does not exist");
  }
  return s;
}

Status NodeAdmin::DropUser(const std::string& user, const std::string& host) {
  auto account = Account(user, host);
  if (!account.ok()) return account.status();
  return conn_.Execute("DROP USER IF EXISTS " + *account);
}

Status NodeAdmin::ApplyDynamicParameter(const std::string& name, const std::string& value) {
  const bool valid_name =
      !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      });
  if (!valid_name) {
    return Status::InvalidArgument("parameter name '" + name +
                                   "' is invalid: use lower-case letters, digits and underscores");
  }
  if (IsManagedOption(name)) {
    return Status::InvalidArgument("parameter '" + name +
                                   "' cannot be set: Tandem manages it for every node");
  }
  const std::string literal = IsNumber(value) ? value : conn_.QuoteString(value);
  return conn_.Execute("SET GLOBAL " + name + " = " + literal);
}

Status NodeAdmin::SetReadOnly(bool read_only) {
  return conn_.Execute(read_only ? "SET GLOBAL read_only = ON" : "SET GLOBAL read_only = OFF");
}

StatusOr<std::string> NodeAdmin::ServerVersion() {
  auto rs = conn_.Query("SELECT VERSION()");
  if (!rs.ok()) return rs.status();
  if (rs->rows.size() != 1 || !rs->rows[0][0]) return Status::Internal("VERSION() returned no row");
  return *rs->rows[0][0];
}

Status NodeAdmin::CreateReplicationUser(const std::string& user, const std::string& password) {
  auto account = Account(user, "%");
  if (!account.ok()) return account.status();
  const std::string hash = conn_.QuoteString(NativePasswordHash(password));
  TANDEM_RETURN_IF_ERROR(
      conn_.Execute("CREATE USER IF NOT EXISTS " + *account + " IDENTIFIED BY PASSWORD " + hash));
  TANDEM_RETURN_IF_ERROR(
      conn_.Execute("ALTER USER " + *account + " IDENTIFIED BY PASSWORD " + hash + " REQUIRE SSL"));
  // Converge to exactly REPLICATION SLAVE, whatever the user held before.
  TANDEM_RETURN_IF_ERROR(conn_.Execute("REVOKE ALL PRIVILEGES, GRANT OPTION FROM " + *account));
  return conn_.Execute("GRANT REPLICATION SLAVE ON *.* TO " + *account);
}

Status NodeAdmin::StartReplication(const ReplicationSource& source, GtidStart start) {
  TANDEM_RETURN_IF_ERROR(CheckReplicationField("host", source.host));
  TANDEM_RETURN_IF_ERROR(CheckReplicationField("user", source.user));
  TANDEM_RETURN_IF_ERROR(CheckReplicationField("password", source.password));
  TANDEM_RETURN_IF_ERROR(CheckReplicationField("tls_ca_file", source.tls_ca_file));
  if (source.port == 0) return Status::InvalidArgument("replication source port must be 1-65535");
  // CHANGE MASTER needs the threads stopped; on a node that is not a replica
  // STOP SLAVE is only a note (1255), not an error.
  TANDEM_RETURN_IF_ERROR(conn_.Execute("STOP SLAVE"));
  // MASTER_CONNECT_RETRY's minimum is 1 s. The heartbeat (MariaDB accepts
  // down to 1 ms) only keeps Seconds_Behind_Master fresh on an idle primary
  // and lets the IO thread notice a silent primary after slave_net_timeout
  // (60 s); a dead primary is detected by tandemd, not here, so 1 s is enough.
  TANDEM_RETURN_IF_ERROR(conn_.Execute(
      "CHANGE MASTER TO MASTER_HOST=" + conn_.QuoteString(source.host) + ", MASTER_PORT=" +
      std::to_string(source.port) + ", MASTER_USER=" + conn_.QuoteString(source.user) +
      ", MASTER_PASSWORD=" + conn_.QuoteString(source.password) +
      ", MASTER_SSL=1, MASTER_SSL_CA=" + conn_.QuoteString(source.tls_ca_file) +
      ", MASTER_SSL_VERIFY_SERVER_CERT=1, MASTER_USE_GTID=" +
      (start == GtidStart::kSlavePos ? "slave_pos" : "current_pos") +
      ", MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD=1"));
  return conn_.Execute("START SLAVE");
}

Status NodeAdmin::StopReplicationIo() { return conn_.Execute("STOP SLAVE IO_THREAD"); }

StatusOr<bool> NodeAdmin::WaitForGtid(const std::string& position,
                                      std::chrono::milliseconds timeout) {
  TANDEM_RETURN_IF_ERROR(CheckGtidList(position));
  const int64_t ms = std::max<int64_t>(0, timeout.count());
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%lld.%03lld", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  auto rs =
      conn_.Query("SELECT MASTER_GTID_WAIT(" + conn_.QuoteString(position) + ", " + seconds + ")");
  if (!rs.ok()) return rs.status();
  // 0: reached; -1: timed out.
  if (rs->rows.size() != 1 || rs->rows[0].size() != 1 || !rs->rows[0][0]) {
    return Status::Internal("MASTER_GTID_WAIT returned no result");
  }
  return *rs->rows[0][0] == "0";
}

Status NodeAdmin::ResetReplication() {
  TANDEM_RETURN_IF_ERROR(conn_.Execute("STOP SLAVE"));
  return conn_.Execute("RESET SLAVE ALL");
}

Status NodeAdmin::SetCommitDurability(bool full) {
  TANDEM_RETURN_IF_ERROR(
      conn_.Execute(full ? "SET GLOBAL sync_binlog = 1" : "SET GLOBAL sync_binlog = 0"));
  return conn_.Execute(full ? "SET GLOBAL innodb_flush_log_at_trx_commit = 1"
                            : "SET GLOBAL innodb_flush_log_at_trx_commit = 2");
}

Status NodeAdmin::SetSemiSyncPrimary(bool enabled, uint32_t timeout_ms, bool wait_no_standby) {
  TANDEM_RETURN_IF_ERROR(
      conn_.Execute("SET GLOBAL rpl_semi_sync_master_timeout = " + std::to_string(timeout_ms)));
  TANDEM_RETURN_IF_ERROR(
      conn_.Execute(std::string("SET GLOBAL rpl_semi_sync_master_wait_no_slave = ") +
                    (wait_no_standby ? "ON" : "OFF")));
  return conn_.Execute(std::string("SET GLOBAL rpl_semi_sync_master_enabled = ") +
                       (enabled ? "ON" : "OFF"));
}

Status NodeAdmin::AdoptClonedPosition(const std::string& gtid_position) {
  TANDEM_RETURN_IF_ERROR(CheckGtidList(gtid_position));
  const std::string position = conn_.QuoteString(gtid_position);
  // gtid_binlog_state can only be set while the binlog holds no GTID (error
  // 1956), hence RESET MASTER first. gtid_slave_pos must not be behind the
  // binlog (error 1947), hence after gtid_binlog_state.
  TANDEM_RETURN_IF_ERROR(conn_.Execute("RESET MASTER"));
  TANDEM_RETURN_IF_ERROR(conn_.Execute("SET GLOBAL gtid_binlog_state = " + position));
  return conn_.Execute("SET GLOBAL gtid_slave_pos = " + position);
}

StatusOr<ObservedNodeState> NodeAdmin::Observe() {
  ObservedNodeState state;
  auto vars = conn_.Query(
      "SELECT @@global.read_only, @@global.gtid_binlog_pos, @@global.gtid_slave_pos, "
      "@@global.gtid_current_pos");
  if (!vars.ok()) return vars.status();
  if (vars->rows.size() != 1 || vars->rows[0].size() != 4) {
    return Status::Internal("unexpected answer to the node state query");
  }
  const Row& v = vars->rows[0];
  state.read_only = Text(v[0]) != "0";
  state.gtid_binlog_pos = Text(v[1]);
  state.gtid_slave_pos = Text(v[2]);
  state.gtid_current_pos = Text(v[3]);

  auto status = conn_.Query("SHOW GLOBAL STATUS LIKE 'Rpl\\_semi\\_sync\\_%'");
  if (!status.ok()) return status.status();
  for (const Row& row : status->rows) {
    if (row.size() != 2) continue;
    const std::string name = Text(row[0]);
    const std::string value = Text(row[1]);
    if (name == "Rpl_semi_sync_master_status") state.semi_sync_master_on = value == "ON";
    if (name == "Rpl_semi_sync_slave_status") state.semi_sync_slave_on = value == "ON";
    if (name == "Rpl_semi_sync_master_clients") {
      state.semi_sync_master_clients = static_cast<uint32_t>(ParseInt(row[1]).value_or(0));
    }
  }

  auto replica = conn_.Query("SHOW SLAVE STATUS");
  if (!replica.ok()) return replica.status();
  if (!replica->rows.empty()) {
    const Row& r = replica->rows[0];
    auto col = [&](std::string_view name) -> std::optional<std::string> {
      const int i = replica->ColumnIndex(name);
      return i < 0 ? std::nullopt : r[static_cast<size_t>(i)];
    };
    state.replica_configured = true;
    state.master_host = Text(col("Master_Host"));
    state.master_port = static_cast<uint16_t>(ParseInt(col("Master_Port")).value_or(0));
    state.slave_io_running = Text(col("Slave_IO_Running"));
    state.slave_sql_running = Text(col("Slave_SQL_Running")) == "Yes";
    state.seconds_behind_master = ParseInt(col("Seconds_Behind_Master"));
    state.gtid_io_pos = Text(col("Gtid_IO_Pos"));
    state.last_io_errno = static_cast<int>(ParseInt(col("Last_IO_Errno")).value_or(0));
    state.last_io_error = Text(col("Last_IO_Error"));
    state.last_sql_errno = static_cast<int>(ParseInt(col("Last_SQL_Errno")).value_or(0));
    state.last_sql_error = Text(col("Last_SQL_Error"));
  }
  return state;
}

}  // namespace tandem::engine
