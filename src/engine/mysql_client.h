// What every client of a MariaDB server in Tandem does the same way over
// libmariadb's C API: tandemd's admin sessions (AdminConnection) and
// tandem-meter's timed sessions (MeterConnection).
//
// Thread-safety: InitMysqlClientLibrary may be called from any thread; the
// others follow libmariadb's rule, one MYSQL handle used by one thread at a
// time.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct st_mysql;      // MYSQL
struct st_mysql_res;  // MYSQL_RES

namespace tandem::engine {

// One row of a result: NULL is nullopt; values are the server's text form,
// binary-safe (embedded NUL bytes kept).
using Row = std::vector<std::optional<std::string>>;

// Sets up libmariadb's global state once per process; call before creating a
// connection, since threads racing to create the first ones would race on it.
void InitMysqlClientLibrary();

// Every row of res, in order. Stops early if fetching fails: the caller
// checks mysql_errno of the connection afterwards.
std::vector<Row> FetchRows(st_mysql_res* res);

// text escaped (for the character set of mysql's session) to go between
// single quotes in a statement.
std::string EscapeStringLiteral(st_mysql* mysql, std::string_view text);

}  // namespace tandem::engine
