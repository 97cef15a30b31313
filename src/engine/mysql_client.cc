#include "engine/mysql_client.h"

#include <mysql.h>

#include <mutex>

namespace tandem::engine {

void InitMysqlClientLibrary() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

std::vector<Row> FetchRows(MYSQL_RES* res) {
  const unsigned int n = mysql_num_fields(res);
  std::vector<Row> rows;
  while (MYSQL_ROW row = mysql_fetch_row(res)) {
    const unsigned long* lengths = mysql_fetch_lengths(res);
    Row r;
    r.reserve(n);
    for (unsigned int i = 0; i < n; ++i) {
      if (row[i] == nullptr) {
        r.emplace_back(std::nullopt);
      } else {
        r.emplace_back(std::string(row[i], lengths[i]));
      }
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

std::string EscapeStringLiteral(MYSQL* mysql, std::string_view text) {
  std::string out(text.size() * 2 + 1, '\0');
  const unsigned long n = mysql_real_escape_string(mysql, out.data(), text.data(),
                                                   static_cast<unsigned long>(text.size()));
  out.resize(n);
  return out;
}

}  // namespace tandem::engine
