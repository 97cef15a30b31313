#include "engine/admin_connection.h"

#include <mysql.h>
#include <pwd.h>
#include <unistd.h>

namespace tandem::engine {
namespace {

unsigned int WholeSeconds(std::chrono::milliseconds ms) {
  const auto s = (ms.count() + 999) / 1000;
  return static_cast<unsigned int>(s < 1 ? 1 : s);
}

StatusOr<std::string> OwnAccountName() {
  struct passwd pw;
  struct passwd* found = nullptr;
  char buf[4096];
  if (::getpwuid_r(::geteuid(), &pw, buf, sizeof buf, &found) != 0 || found == nullptr) {
    return Status::Internal("cannot find the name of this process's account (uid " +
                            std::to_string(::geteuid()) + ")");
  }
  return std::string(found->pw_name);
}

Status::Code CodeForError(unsigned int number) {
  if (number >= 2000 && number < 3000) return Status::Code::kUnavailable;
  switch (number) {
    case 1062:  // ER_DUP_ENTRY
      return Status::Code::kAlreadyExists;
    case 1040:  // ER_CON_COUNT_ERROR
    case 1053:  // ER_SERVER_SHUTDOWN
    case 1205:  // ER_LOCK_WAIT_TIMEOUT
    case 1213:  // ER_LOCK_DEADLOCK
    case 1927:  // ER_CONNECTION_KILLED
      return Status::Code::kUnavailable;
    default:
      return Status::Code::kInvalidArgument;
  }
}

Status MakeStatus(Status::Code code, std::string msg) {
  switch (code) {
    case Status::Code::kUnavailable:
      return Status::Unavailable(std::move(msg));
    case Status::Code::kAlreadyExists:
      return Status::AlreadyExists(std::move(msg));
    default:
      return Status::InvalidArgument(std::move(msg));
  }
}

}  // namespace

int ResultSet::ColumnIndex(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) return static_cast<int>(i);
  }
  return -1;
}

StatusOr<std::unique_ptr<AdminConnection>> AdminConnection::Connect(const ConnectOptions& options) {
  InitMysqlClientLibrary();
  MYSQL* mysql = mysql_init(nullptr);
  if (mysql == nullptr) return Status::Internal("mysql_init failed (out of memory)");
  std::unique_ptr<AdminConnection> conn(new AdminConnection(mysql));

  const unsigned int connect_timeout = WholeSeconds(options.connect_timeout);
  const unsigned int read_timeout = WholeSeconds(options.read_timeout);
  const unsigned int write_timeout = WholeSeconds(options.write_timeout);
  mysql_optionsv(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  mysql_optionsv(mysql, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
  mysql_optionsv(mysql, MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
  mysql_optionsv(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  const unsigned int no_local_infile = 0;
  mysql_optionsv(mysql, MYSQL_OPT_LOCAL_INFILE, &no_local_infile);

  std::string user = options.user;
  const char* host = nullptr;
  const char* socket = nullptr;
  unsigned int port = 0;
  std::string where;
  if (!options.unix_socket.empty()) {
    const unsigned int protocol = MYSQL_PROTOCOL_SOCKET;
    mysql_optionsv(mysql, MYSQL_OPT_PROTOCOL, &protocol);
    if (user.empty()) {
      auto own = OwnAccountName();
      if (!own.ok()) return own.status();
      user = *own;
    }
    socket = options.unix_socket.c_str();
    where = options.unix_socket;
  } else {
    const unsigned int protocol = MYSQL_PROTOCOL_TCP;
    mysql_optionsv(mysql, MYSQL_OPT_PROTOCOL, &protocol);
    host = options.host.c_str();
    port = options.port;
    where = options.host + ":" + std::to_string(options.port);
    if (!options.tls_ca_file.empty()) {
      const my_bool on = 1;
      mysql_optionsv(mysql, MYSQL_OPT_SSL_CA, options.tls_ca_file.c_str());
      mysql_optionsv(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
      mysql_optionsv(mysql, MYSQL_OPT_SSL_ENFORCE, &on);
    }
  }
  const char* password =
      options.unix_socket.empty() && !options.password.empty() ? options.password.c_str() : nullptr;
  const char* database = options.database.empty() ? nullptr : options.database.c_str();
  if (mysql_real_connect(mysql, host, user.c_str(), password, database, port, socket, 0) ==
      nullptr) {
    return conn->Fail("connecting to " + where + " as " + user);
  }
  if (options.binlog == AdminBinlog::kSkip) {
    TANDEM_RETURN_IF_ERROR(conn->Execute("SET SESSION sql_log_bin=0"));
  }
  return conn;
}

AdminConnection::~AdminConnection() { mysql_close(mysql_); }

Status AdminConnection::Fail(std::string_view context) {
  last_errno_ = static_cast<int>(mysql_errno(mysql_));
  std::string msg = "MariaDB error " + std::to_string(last_errno_) + " (" + mysql_sqlstate(mysql_) +
                    "): " + mysql_error(mysql_);
  if (!context.empty()) msg += " (" + std::string(context) + ")";
  return MakeStatus(CodeForError(static_cast<unsigned int>(last_errno_)), std::move(msg));
}

Status AdminConnection::Run(std::string_view sql) {
  if (mysql_real_query(mysql_, sql.data(), static_cast<unsigned long>(sql.size())) != 0) {
    return Fail("");
  }
  last_errno_ = 0;
  return Status::Ok();
}

Status AdminConnection::Execute(std::string_view sql) {
  TANDEM_RETURN_IF_ERROR(Run(sql));
  if (mysql_field_count(mysql_) > 0) {
    MYSQL_RES* res = mysql_store_result(mysql_);
    if (res == nullptr) return Fail("reading a result");
    mysql_free_result(res);
  }
  return Status::Ok();
}

StatusOr<ResultSet> AdminConnection::Query(std::string_view sql) {
  TANDEM_RETURN_IF_ERROR(Run(sql));
  ResultSet out;
  if (mysql_field_count(mysql_) == 0) return out;
  MYSQL_RES* res = mysql_store_result(mysql_);
  if (res == nullptr) return Fail("reading a result");
  const unsigned int n = mysql_num_fields(res);
  MYSQL_FIELD* fields = mysql_fetch_fields(res);
  for (unsigned int i = 0; i < n; ++i) out.columns.emplace_back(fields[i].name);
  out.rows = FetchRows(res);
  const bool failed = mysql_errno(mysql_) != 0;
  mysql_free_result(res);
  if (failed) return Fail("reading a result");
  return out;
}

std::string AdminConnection::EscapeString(std::string_view text) {
  return EscapeStringLiteral(mysql_, text);
}

std::string AdminConnection::QuoteString(std::string_view text) {
  return "'" + EscapeString(text) + "'";
}

std::string AdminConnection::QuoteIdentifier(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  out += '`';
  return out;
}

std::string AdminConnection::server_version() const { return mysql_get_server_info(mysql_); }

bool AdminConnection::uses_tls() const { return mysql_get_ssl_cipher(mysql_) != nullptr; }

}  // namespace tandem::engine
