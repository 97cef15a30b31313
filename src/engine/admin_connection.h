// AdminConnection: one client session to a MariaDB node, for Tandem's own
// administrative SQL (libmariadb; never the mysql command-line client).
//
// Two ways in:
// - the node's unix socket as the operating-system account of this process
//   (unix_socket authentication: the server trusts the socket peer's uid;
//   root@localhost when tandemd runs as root). No password exists to leak.
// - TCP to 127.0.0.1 with a user and password, over TLS with the server's
//   certificate verified against a CA file and the host name connected to.
//
// Errors: every failure is a Status whose message carries MariaDB's error
// number and SQLSTATE ("MariaDB error 1045 (28000): Access denied ..."), and
// last_error_number() returns the number. Client-side failures (cannot
// connect, connection lost, timeout, TLS verification: numbers 2000-2999) are
// kUnavailable; after one the session is unusable and the caller reconnects.
// A statement the server rejects is kInvalidArgument, except duplicate
// entries (kAlreadyExists) and a server going away (kUnavailable). Messages
// never contain the SQL text, which may carry secrets.
//
// SQL is never built from caller input without QuoteString/QuoteIdentifier.
//
// Thread-safety: a connection is used by one thread at a time; distinct
// connections may be used concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "engine/mysql_client.h"

namespace tandem::engine {

// Whether the session's statements go to the node's binary log. Admin work on
// a standby must not (an errant GTID stops replication under
// gtid_strict_mode), so kSkip is the default; use kWrite on a primary for
// changes its standby must receive (users, grants). kWrite leaves the session
// as the server made it, which is also the only choice for a user without
// the BINLOG ADMIN privilege (an application user).
enum class AdminBinlog { kSkip, kWrite };

struct ConnectOptions {
  // Unix socket path; if set, host/port/password/TLS are ignored.
  std::string unix_socket;
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  // Empty with a unix socket: the name of this process's OS account.
  std::string user;
  std::string password;
  // TCP: PEM file of the CA that must have signed the server's certificate;
  // the certificate must also name host. Empty: plaintext (tests of
  // require_secure_transport only).
  std::string tls_ca_file;
  std::string database;  // default schema, optional
  // libmariadb counts these in whole seconds (rounded up, at least 1).
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds read_timeout{10000};
  std::chrono::milliseconds write_timeout{10000};
  AdminBinlog binlog = AdminBinlog::kSkip;
};

struct ResultSet {
  std::vector<std::string> columns;
  std::vector<Row> rows;

  // Index of the column named name (exact match), or -1.
  int ColumnIndex(std::string_view name) const;
};

class AdminConnection {
 public:
  // Connects and, for AdminBinlog::kSkip, disables the binary log for the
  // session (SET SESSION sql_log_bin=0).
  static StatusOr<std::unique_ptr<AdminConnection>> Connect(const ConnectOptions& options);
  ~AdminConnection();
  AdminConnection(const AdminConnection&) = delete;
  AdminConnection& operator=(const AdminConnection&) = delete;

  // Runs one statement (multi-statements are disabled), discarding any result.
  Status Execute(std::string_view sql);
  // Runs one statement that returns rows.
  StatusOr<ResultSet> Query(std::string_view sql);

  // The text escaped for use inside single quotes (connection charset aware).
  std::string EscapeString(std::string_view text);
  // 'text', escaped.
  std::string QuoteString(std::string_view text);
  // `name`, with backticks doubled. Identifiers cannot contain NUL.
  static std::string QuoteIdentifier(std::string_view name);

  // MariaDB's number for the last failure (0 if the last call succeeded).
  int last_error_number() const { return last_errno_; }
  // The server's version string, e.g. "10.11.19-MariaDB-0+deb12u1-log".
  std::string server_version() const;
  // Whether the session is encrypted (TCP with TLS).
  bool uses_tls() const;

 private:
  explicit AdminConnection(st_mysql* mysql) : mysql_(mysql) {}
  Status Fail(std::string_view context);
  Status Run(std::string_view sql);

  st_mysql* mysql_;
  int last_errno_ = 0;
};

}  // namespace tandem::engine
