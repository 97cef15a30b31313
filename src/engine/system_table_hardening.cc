#include "engine/system_table_hardening.h"

namespace tandem::engine {

const std::vector<std::string> kAriaSystemTables = {
    "mysql.columns_priv",
    "mysql.column_stats",
    "mysql.db",
    "mysql.event",
    "mysql.func",
    "mysql.global_priv",
    "mysql.help_category",
    "mysql.help_keyword",
    "mysql.help_relation",
    "mysql.help_topic",
    "mysql.index_stats",
    "mysql.plugin",
    "mysql.proc",
    "mysql.procs_priv",
    "mysql.proxies_priv",
    "mysql.roles_mapping",
    "mysql.servers",
    "mysql.tables_priv",
    "mysql.table_stats",
    "mysql.time_zone",
    "mysql.time_zone_leap_second",
    "mysql.time_zone_name",
    "mysql.time_zone_transition",
    "mysql.time_zone_transition_type",
    "sys.sys_config",
};

Status HardenSystemTables(AdminConnection& conn, int* converted) {
  std::string names;
  for (const std::string& t : kAriaSystemTables) {
    if (!names.empty()) names += ",";
    names += conn.QuoteString(t);
  }
  auto rs = conn.Query(
      // The schema condition keeps the server from opening user tables.
      "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE "
      "TABLE_SCHEMA IN ('mysql', 'sys') AND TABLE_TYPE = 'BASE TABLE' AND ENGINE <> 'InnoDB' AND "
      "CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) IN (" +
      names + ") ORDER BY TABLE_SCHEMA, TABLE_NAME");
  if (!rs.ok()) return rs.status();
  if (converted != nullptr) *converted = static_cast<int>(rs->rows.size());
  if (rs->rows.empty()) return Status::Ok();
  for (const Row& row : rs->rows) {
    if (row.size() != 2 || !row[0] || !row[1]) continue;
    TANDEM_RETURN_IF_ERROR(conn.Execute("ALTER TABLE " + AdminConnection::QuoteIdentifier(*row[0]) +
                                        "." + AdminConnection::QuoteIdentifier(*row[1]) +
                                        " ENGINE=InnoDB"));
  }
  TANDEM_RETURN_IF_ERROR(conn.Execute("FLUSH LOCAL PRIVILEGES"));
  return conn.Execute("FLUSH LOCAL TABLES");
}

}  // namespace tandem::engine
