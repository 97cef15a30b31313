#include "engine/node_admin.h"

#include <openssl/sha.h>

#include <algorithm>
#include <charconv>

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
