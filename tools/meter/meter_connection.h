// MeterConnection: one client session to MySQL/MariaDB for tandem-meter
// (libmariadb), with deadlines in milliseconds.
//
// libmariadb's own timeouts are whole seconds, too coarse for a meter that
// writes every half second, so every step runs through libmariadb's
// non-blocking API and waits in poll() up to its own deadline: connect_timeout
// for connecting (TCP, TLS, authentication), query_timeout for each statement.
// The whole-second library timeouts are set too, rounded up, as a backstop for
// the parts libmariadb does not run non-blocking.
//
// TLS: with a CA file, TLS is required and the server's certificate must be
// signed by that CA and name the host connected to
// (MYSQL_OPT_SSL_VERIFY_SERVER_CERT); a failure is an error (client error
// 2026), never a fallback to plaintext. Without a CA file the session is
// plaintext.
//
// Errors: each failing call returns a Status (kUnavailable when the client
// side failed: no connection, connection lost, deadline passed, TLS; else
// kInvalidArgument: the server answered with an error) whose message carries
// MariaDB's number and text, and last_error() tells the caller what happened
// in a form it can branch on. After any kUnavailable failure the session is
// unusable: destroy it. Messages never contain the SQL text.
//
// Thread-safety: one thread uses a connection at a time.
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

namespace tandem::meter {

struct MeterConnectOptions {
  std::string host;
  uint16_t port = 3306;
  std::string user;
  std::string password;
  std::string database;  // default schema; empty for none
  std::string ssl_ca;    // PEM CA file; empty: plaintext
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds query_timeout{2000};
};

// What the last failure was.
struct DbError {
  unsigned int number = 0;  // MariaDB error number; 0 if none
  bool timed_out = false;   // no answer: our deadline passed (or the socket broke)
  std::string message;

  // The server received the request and refused it with an error packet.
  bool FromServer() const { return !timed_out && number > 0 && number < 2000; }
  // TLS could not be set up (CR_SSL_CONNECTION_ERROR): a refused certificate,
  // but also a connection reset during the handshake.
  bool Tls() const { return number == 2026; }
  // TLS failed because the server's certificate was refused (not signed by
  // the CA, or not naming the host): libmariadb's and OpenSSL's wording.
  bool CertificateRefused() const;
};

// MariaDB's error numbers the meter treats specially.
inline constexpr unsigned int kErrReadOnly = 1290;  // ER_OPTION_PREVENTS_STATEMENT

// A result row: NULL is nullopt, values in the server's text form.
using DbRow = engine::Row;

class MeterConnection {
 public:
  // Connects (non-blocking, within options.connect_timeout).
  static StatusOr<std::unique_ptr<MeterConnection>> Connect(const MeterConnectOptions& options,
                                                            DbError* error = nullptr);
  ~MeterConnection();
  MeterConnection(const MeterConnection&) = delete;
  MeterConnection& operator=(const MeterConnection&) = delete;

  // Runs one statement, discarding any result.
  Status Execute(std::string_view sql);
  // Runs one statement that returns rows.
  StatusOr<std::vector<DbRow>> Query(std::string_view sql);

  // text escaped for use inside single quotes (connection character set).
  std::string Escape(std::string_view text);
  // `name` with backticks doubled.
  static std::string QuoteIdentifier(std::string_view name);

  const DbError& last_error() const { return error_; }

 private:
  MeterConnection(st_mysql* mysql, std::chrono::milliseconds query_timeout)
      : mysql_(mysql), query_timeout_(query_timeout) {}
  // Drives a started non-blocking call to completion or the deadline; false
  // when the deadline passed or the socket broke (the session is then
  // abandoned, and wait_failure_ says which).
  template <class Continue>
  bool Wait(int status, std::chrono::steady_clock::time_point deadline, Continue cont);
  Status Fail(std::string_view context);
  // The failure of a Wait that returned false.
  Status WaitFailed(std::string_view context);

  st_mysql* mysql_;
  std::chrono::milliseconds query_timeout_;
  bool abandoned_ = false;  // a call was left unfinished: close without talking
  std::string wait_failure_;
  DbError error_;
};

}  // namespace tandem::meter
