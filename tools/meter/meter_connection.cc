#include "meter/meter_connection.h"

#include <mysql.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace tandem::meter {
namespace {

using std::chrono::steady_clock;

unsigned int WholeSecondsAtLeastOne(std::chrono::milliseconds ms) {
  const auto s = (ms.count() + 999) / 1000;
  return static_cast<unsigned int>(s < 1 ? 1 : s);
}

short PollEventsFor(int status) {
  short events = 0;
  if (status & MYSQL_WAIT_READ) events |= POLLIN;
  if (status & MYSQL_WAIT_WRITE) events |= POLLOUT;
  if (status & MYSQL_WAIT_EXCEPT) events |= POLLPRI;
  return events;
}

// The libmariadb wait flags that poll's answer satisfies. A hang-up or error
// wakes whatever the library waits for, so it reads the failure itself.
int ReadyFlags(int status, short revents) {
  int ready = 0;
  if (revents & (POLLIN | POLLHUP | POLLERR)) ready |= status & MYSQL_WAIT_READ;
  if (revents & (POLLOUT | POLLHUP | POLLERR)) ready |= status & MYSQL_WAIT_WRITE;
  if (revents & POLLPRI) ready |= status & MYSQL_WAIT_EXCEPT;
  if (ready == 0 && (revents & (POLLHUP | POLLERR))) {
    ready = status & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE);
  }
  return ready;
}

}  // namespace

template <class Continue>
bool MeterConnection::Wait(int status, steady_clock::time_point deadline, Continue cont) {
  while (status != 0) {
    const auto now = steady_clock::now();
    if (now >= deadline) {
      abandoned_ = true;
      wait_failure_ = "no answer within the deadline";
      return false;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
    bool library_timeout = false;
    if (status & MYSQL_WAIT_TIMEOUT) {
      const auto library_ms = static_cast<int64_t>(mysql_get_timeout_value_ms(mysql_));
      if (library_ms <= left) {
        left = library_ms;
        library_timeout = true;
      }
    }
    pollfd pfd{};
    pfd.fd = mysql_get_socket(mysql_);
    pfd.events = PollEventsFor(status);
    const int n = ::poll(&pfd, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || (pfd.revents & POLLNVAL)) {
      abandoned_ = true;
      wait_failure_ = n < 0 ? "waiting for the socket failed" : "the socket was closed";
      return false;
    }
    int ready = 0;
    if (n == 0) {
      if (!library_timeout) continue;  // our deadline: checked at the top
      ready = MYSQL_WAIT_TIMEOUT;
    } else {
      ready = ReadyFlags(status, pfd.revents);
      if (ready == 0) continue;
    }
    status = cont(ready);
  }
  return true;
}

bool DbError::CertificateRefused() const {
  if (!Tls()) return false;
  for (const char* word : {"certificate", "Validation", "verify", "issuer", "self-signed"}) {
    if (message.find(word) != std::string::npos) return true;
  }
  return false;
}

StatusOr<std::unique_ptr<MeterConnection>> MeterConnection::Connect(
    const MeterConnectOptions& options, DbError* error) {
  engine::InitMysqlClientLibrary();
  MYSQL* mysql = mysql_init(nullptr);
  if (mysql == nullptr) return Status::Internal("mysql_init failed (out of memory)");
  std::unique_ptr<MeterConnection> conn(new MeterConnection(mysql, options.query_timeout));

  mysql_optionsv(mysql, MYSQL_OPT_NONBLOCK, 0);
  const unsigned int connect_s = WholeSecondsAtLeastOne(options.connect_timeout);
  const unsigned int io_s =
      WholeSecondsAtLeastOne(std::max(options.connect_timeout, options.query_timeout));
  mysql_optionsv(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s);
  mysql_optionsv(mysql, MYSQL_OPT_READ_TIMEOUT, &io_s);
  mysql_optionsv(mysql, MYSQL_OPT_WRITE_TIMEOUT, &io_s);
  mysql_optionsv(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  const unsigned int no_local_infile = 0;
  mysql_optionsv(mysql, MYSQL_OPT_LOCAL_INFILE, &no_local_infile);
  const unsigned int protocol = MYSQL_PROTOCOL_TCP;
  mysql_optionsv(mysql, MYSQL_OPT_PROTOCOL, &protocol);
  if (!options.ssl_ca.empty()) {
    const my_bool on = 1;
    mysql_optionsv(mysql, MYSQL_OPT_SSL_CA, options.ssl_ca.c_str());
    mysql_optionsv(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
    mysql_optionsv(mysql, MYSQL_OPT_SSL_ENFORCE, &on);
  }

  const std::string where = options.host + ":" + std::to_string(options.port);
  const auto deadline = steady_clock::now() + options.connect_timeout;
  MYSQL* result = nullptr;
  const char* database = options.database.empty() ? nullptr : options.database.c_str();
  int status =
      mysql_real_connect_start(&result, mysql, options.host.c_str(), options.user.c_str(),
                               options.password.c_str(), database, options.port, nullptr, 0);
  Status outcome;
  if (!conn->Wait(status, deadline,
                  [&](int ready) { return mysql_real_connect_cont(&result, mysql, ready); })) {
    outcome = conn->WaitFailed("connecting to " + where);
  } else if (result == nullptr) {
    outcome = conn->Fail("connecting to " + where + " as " + options.user);
  }
  if (!outcome.ok()) {
    if (error != nullptr) *error = conn->last_error();
    return outcome;
  }
  return conn;
}

MeterConnection::~MeterConnection() {
  if (abandoned_) {
    // A call was left midway: make the farewell fail fast instead of waiting
    // on a peer that does not answer.
    const my_socket fd = mysql_get_socket(mysql_);
    if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
  }
  mysql_close(mysql_);
}

Status MeterConnection::Fail(std::string_view context) {
  error_ = DbError{};
  error_.number = mysql_errno(mysql_);
  error_.message = "MariaDB error " + std::to_string(error_.number) + " (" +
                   mysql_sqlstate(mysql_) + "): " + mysql_error(mysql_);
  if (!context.empty()) error_.message += " (" + std::string(context) + ")";
  if (error_.FromServer()) return Status::InvalidArgument(error_.message);
  return Status::Unavailable(error_.message);
}

Status MeterConnection::WaitFailed(std::string_view context) {
  error_ = DbError{};
  error_.timed_out = true;
  error_.message = wait_failure_ + " (" + std::string(context) + ")";
  return Status::Unavailable(error_.message);
}

Status MeterConnection::Execute(std::string_view sql) {
  auto rows = Query(sql);
  return rows.ok() ? Status::Ok() : rows.status();
}

StatusOr<std::vector<DbRow>> MeterConnection::Query(std::string_view sql) {
  if (abandoned_) return WaitFailed("the session was abandoned earlier");
  const auto deadline = steady_clock::now() + query_timeout_;
  int rc = 0;
  int status =
      mysql_real_query_start(&rc, mysql_, sql.data(), static_cast<unsigned long>(sql.size()));
  if (!Wait(status, deadline,
            [&](int ready) { return mysql_real_query_cont(&rc, mysql_, ready); })) {
    return WaitFailed("waiting for a statement's answer");
  }
  if (rc != 0) return Fail("");
  if (mysql_field_count(mysql_) == 0) {
    error_ = DbError{};
    return std::vector<DbRow>{};
  }
  MYSQL_RES* res = nullptr;
  status = mysql_store_result_start(&res, mysql_);
  if (!Wait(status, deadline,
            [&](int ready) { return mysql_store_result_cont(&res, mysql_, ready); })) {
    return WaitFailed("reading a result");
  }
  if (res == nullptr) return Fail("reading a result");
  std::vector<DbRow> rows = engine::FetchRows(res);
  mysql_free_result(res);
  error_ = DbError{};
  return rows;
}

std::string MeterConnection::Escape(std::string_view text) {
  return engine::EscapeStringLiteral(mysql_, text);
}

std::string MeterConnection::QuoteIdentifier(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  out += '`';
  return out;
}

}  // namespace tandem::meter
