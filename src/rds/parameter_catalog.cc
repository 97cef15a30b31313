// The parameter catalog of family mysql10.11: the MariaDB 10.11 server
// parameters a DB parameter group may set, each with RDS's metadata (data
// type, AllowedValues, ApplyType) and the MariaDB option it maps to.
//
// Choices:
// - Parameters Tandem manages itself (paths, binary logging, replication,
//   read_only, TLS, encryption, durability) are not offered; a few of them
//   are listed as "system" parameters with their fixed values, so users see
//   why their durability is what it is.
// - innodb_buffer_pool_size is dynamic: MariaDB 10.11 resizes the buffer pool
//   online (in chunks of innodb_buffer_pool_chunk_size), so no reboot is
//   needed. Its default and max_connections' come from the instance class
//   (instance_class.h), hence no fixed default here.
// - Values must survive an option file: printable ASCII without quotes, '#',
//   ';' or backslashes, and never empty (ResetDBParameterGroup restores a
//   default).
// - time_zone takes offsets ("+02:00") or SYSTEM: named zones need time zone
//   tables that a fresh node does not load.
// - sql_mode offers the modes that keep MariaDB's SQL syntax; modes that
//   change it (ANSI_QUOTES, NO_BACKSLASH_ESCAPES, ORACLE, ...) are left out,
//   because Tandem's own administrative statements run under the global mode.
// - general_log and slow_query_log write statement text to the instance's
//   log files, which storage encryption does not cover: their descriptions
//   say so.
#include <algorithm>
#include <string_view>

#include "common/ascii.h"
#include "rds/parameter_group.h"

namespace tandem::rds {
namespace {

constexpr char kCharacterSets[] =
    "armscii8,ascii,big5,binary,cp1250,cp1251,cp1256,cp1257,cp850,cp852,cp866,cp932,dec8,eucjpms,"
    "euckr,gb2312,gbk,geostd8,greek,hebrew,hp8,keybcs2,koi8r,koi8u,latin1,latin2,latin5,latin7,"
    "macce,macroman,sjis,swe7,tis620,ucs2,ujis,utf16,utf16le,utf32,utf8mb3,utf8mb4";

constexpr char kSqlModes[] =
    "ALLOW_INVALID_DATES,EMPTY_STRING_IS_NULL,ERROR_FOR_DIVISION_BY_ZERO,HIGH_NOT_PRECEDENCE,"
    "IGNORE_BAD_TABLE_OPTIONS,IGNORE_SPACE,NO_AUTO_CREATE_USER,NO_AUTO_VALUE_ON_ZERO,"
    "NO_DIR_IN_CREATE,NO_ENGINE_SUBSTITUTION,NO_FIELD_OPTIONS,NO_KEY_OPTIONS,NO_TABLE_OPTIONS,"
    "NO_UNSIGNED_SUBTRACTION,NO_ZERO_DATE,NO_ZERO_IN_DATE,ONLY_FULL_GROUP_BY,"
    "PAD_CHAR_TO_FULL_LENGTH,PIPES_AS_CONCAT,REAL_AS_FLOAT,SIMULTANEOUS_ASSIGNMENT,"
    "STRICT_ALL_TABLES,STRICT_TRANS_TABLES,TIME_ROUND_FRACTIONAL,TRADITIONAL";

// SYSTEM or an offset from -12:59 to +13:00, as MariaDB accepts without time
// zone tables.
Status CheckTimeZone(const ParameterDefinition& d, const std::string& value) {
  if (value == "SYSTEM") return Status::Ok();
  bool shaped = value.size() == 6 && (value[0] == '+' || value[0] == '-') &&
                IsAsciiDigit(value[1]) && IsAsciiDigit(value[2]) && value[3] == ':' &&
                IsAsciiDigit(value[4]) && IsAsciiDigit(value[5]);
  if (shaped) {
    int hours = (value[1] - '0') * 10 + (value[2] - '0');
    int minutes = (value[4] - '0') * 10 + (value[5] - '0');
    int total = (value[0] == '-' ? -1 : 1) * (hours * 60 + minutes);
    if (minutes < 60 && total >= -(12 * 60 + 59) && total <= 13 * 60) return Status::Ok();
  }
  return Status::InvalidArgument("Value '" + value + "' is not valid for parameter " + d.name +
                                 ": use SYSTEM or an offset from -12:59 to +13:00 such as "
                                 "+02:00 (named time zones are not loaded)");
}

// A collation name of one of the character sets: "<charset>_<name>" or "binary".
Status CheckCollation(const ParameterDefinition& d, const std::string& value) {
  if (value == "binary") return Status::Ok();
  bool shaped = value.size() <= 64 && std::all_of(value.begin(), value.end(), [](char c) {
                  return (c >= 'a' && c <= 'z') || IsAsciiDigit(c) || c == '_';
                });
  std::string charset = value.substr(0, value.find('_'));
  std::string_view sets = kCharacterSets;
  bool known = false;
  for (size_t start = 0; start < sets.size();) {
    size_t end = std::min(sets.find(',', start), sets.size());
    if (sets.substr(start, end - start) == charset) known = true;
    start = end + 1;
  }
  if (shaped && known && value.find('_') != std::string::npos) return Status::Ok();
  return Status::InvalidArgument(
      "Value '" + value + "' is not valid for parameter " + d.name +
      ": use a collation of a supported character set, such as utf8mb4_unicode_ci");
}

std::vector<ParameterDefinition> BuildCatalog() {
  std::vector<ParameterDefinition> c;
  auto add = [&c](ParameterDefinition d) { c.push_back(std::move(d)); };
  const std::string kBool = "0,1";

  add({.name = "autocommit",
       .description = "Sets the autocommit mode of new sessions.",
       .data_type = "boolean",
       .allowed_values = kBool,
       .default_value = "1",
       .dynamic = true});
  add({.name = "binlog_format",
       .description = "Binary log format. Fixed: ROW keeps replicas exact for Multi-AZ.",
       .data_type = "string",
       .allowed_values = "ROW",
       .default_value = "ROW",
       .modifiable = false});
  add({.name = "character_set_server",
       .description = "The server's default character set.",
       .data_type = "string",
       .allowed_values = kCharacterSets,
       .default_value = "utf8mb4",
       .dynamic = true});
  add({.name = "collation_server",
       .description = "The server's default collation (of the default character set).",
       .data_type = "string",
       .allowed_values = "a collation of an allowed character set",
       .default_value = "utf8mb4_general_ci",
       .dynamic = true,
       .check = CheckCollation});
  add({.name = "connect_timeout",
       .description = "Seconds the server waits for a connect packet before refusing it.",
       .data_type = "integer",
       .allowed_values = "2-31536000",
       .default_value = "10",
       .dynamic = true});
  add({.name = "enforce_storage_engine",
       .description = "Fixed: every table is InnoDB, so all data is encrypted at rest.",
       .data_type = "string",
       .allowed_values = "InnoDB",
       .default_value = "InnoDB",
       .modifiable = false});
  add({.name = "general_log",
       .description = "Logs every statement to the general log file. Statement text in log "
                      "files is not covered by storage encryption.",
       .data_type = "boolean",
       .allowed_values = kBool,
       .default_value = "0",
       .dynamic = true});
  add({.name = "gtid_strict_mode",
       .description = "Fixed: replication refuses out-of-order transactions (Multi-AZ safety).",
       .data_type = "boolean",
       .allowed_values = kBool,
       .default_value = "1",
       .modifiable = false});
  add({.name = "innodb_buffer_pool_size",
       .description = "Bytes of memory InnoDB caches data and indexes in. Default from the DB "
                      "instance class; resized online.",
       .data_type = "integer",
       .allowed_values = "8388608-17179869184",
       .dynamic = true});
  add({.name = "innodb_flush_log_at_trx_commit",
       .description = "Fixed: the redo log is flushed at every commit (no acknowledged write "
                      "lost).",
       .data_type = "integer",
       .allowed_values = "1",
       .default_value = "1",
       .modifiable = false});
  add({.name = "innodb_lock_wait_timeout",
       .description = "Seconds an InnoDB transaction waits for a row lock before giving up.",
       .data_type = "integer",
       .allowed_values = "1-1073741824",
       .default_value = "50",
       .dynamic = true});
  add({.name = "innodb_log_buffer_size",
       .description = "Bytes of the buffer InnoDB writes its redo log through.",
       .data_type = "integer",
       .allowed_values = "262144-2147483647",
       .default_value = "16777216"});
  add({.name = "innodb_print_all_deadlocks",
       .description = "Writes every InnoDB deadlock to the error log.",
       .data_type = "boolean",
       .allowed_values = kBool,
       .default_value = "0",
       .dynamic = true});
  add({.name = "innodb_sort_buffer_size",
       .description = "Bytes of the sort buffer InnoDB uses when it builds indexes.",
       .data_type = "integer",
       .allowed_values = "65536-67108864",
       .default_value = "1048576"});
  add({.name = "interactive_timeout",
       .description = "Seconds the server waits for activity on an interactive connection.",
       .data_type = "integer",
       .allowed_values = "1-31536000",
       .default_value = "28800",
       .dynamic = true});
  add({.name = "local_infile",
       .description = "Allows LOAD DATA LOCAL INFILE.",
       .data_type = "boolean",
       .allowed_values = kBool,
       .default_value = "1",
       .dynamic = true});
  add({.name = "log_bin_trust_function_creators",
       .description = "Allows users without SUPER to create stored functions while binary "
                      "logging is on.",
       .data_type = "boolean",
       .allowed_values = kBool,
       .default_value = "0",
       .dynamic = true});
  add({.name = "log_queries_not_using_indexes",
       .description = "Also logs queries that use no index to the slow query log.",
       .data_type = "boolean",
       .allowed_values = kBool,
       .default_value = "0",
       .dynamic = true});
  add({.name = "long_query_time",
       .description = "Seconds after which a query counts as slow (slow_query_log).",
       .data_type = "float",
       .allowed_values = "0-31536000",
       .default_value = "10",
       .dynamic = true});
  add({.name = "max_allowed_packet",
       .description = "Largest packet, and so largest row or statement, in bytes.",
       .data_type = "integer",
       .allowed_values = "1024-1073741824",
       .default_value = "16777216",
       .dynamic = true});
  add({.name = "max_connect_errors",
       .description = "Failed connection attempts after which a host is blocked.",
       .data_type = "integer",
       .allowed_values = "1-4294967295",
       .default_value = "100",
       .dynamic = true});
  add({.name = "max_connections",
       .description = "Simultaneous client connections allowed. Default from the DB instance "
                      "class.",
       .data_type = "integer",
       .allowed_values = "1-100000",
       .dynamic = true});
  add({.name = "max_heap_table_size",
       .description = "Largest size, in bytes, of user-created MEMORY tables.",
       .data_type = "integer",
       .allowed_values = "16384-4294967295",
       .default_value = "16777216",
       .dynamic = true});
  add({.name = "net_read_timeout",
       .description = "Seconds the server waits for more data from a connection.",
       .data_type = "integer",
       .allowed_values = "1-31536000",
       .default_value = "30",
       .dynamic = true});
  add({.name = "net_write_timeout",
       .description = "Seconds the server waits for a write to a connection to finish.",
       .data_type = "integer",
       .allowed_values = "1-31536000",
       .default_value = "60",
       .dynamic = true});
  add({.name = "performance_schema",
       .description = "Enables the Performance Schema.",
       .data_type = "boolean",
       .allowed_values = kBool,
       .default_value = "0"});
  add({.name = "require_secure_transport",
       .description = "Refuses connections that do not use TLS. A refused plaintext login "
                      "reports Access denied (error 1045), like a wrong password.",
       .data_type = "boolean",
       .allowed_values = kBool,
       .default_value = "0",
       .dynamic = true});
  add({.name = "slow_query_log",
       .description = "Logs queries slower than long_query_time to the slow query log file. "
                      "Statement text in log files is not covered by storage encryption.",
       .data_type = "boolean",
       .allowed_values = kBool,
       .default_value = "0",
       .dynamic = true});
  add({.name = "sql_mode",
       .description = "SQL modes of new sessions, comma-separated. Modes that change SQL "
                      "syntax (ANSI_QUOTES, NO_BACKSLASH_ESCAPES, ORACLE, ...) are not offered.",
       .data_type = "list",
       .allowed_values = kSqlModes,
       .default_value = "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,"
                        "NO_ENGINE_SUBSTITUTION",
       .dynamic = true});
  add({.name = "sync_binlog",
       .description = "Fixed: the binary log is synced at every commit.",
       .data_type = "integer",
       .allowed_values = "1",
       .default_value = "1",
       .modifiable = false});
  add({.name = "table_open_cache",
       .description = "Open tables cached for all threads.",
       .data_type = "integer",
       .allowed_values = "1-1048576",
       .default_value = "2000",
       .dynamic = true});
  add({.name = "tandem_sync_policy",
       .description = "Multi-AZ: what happens while the standby cannot acknowledge writes. "
                      "available: writes continue (semi-sync falls back to asynchronous "
                      "replication after 1 s) and automatic failover is held until the standby "
                      "is back in sync. strict: every commit waits for the standby.",
       .data_type = "string",
       .allowed_values = "available,strict",
       .default_value = "available",
       .dynamic = true,
       .engine_option = false});
  add({.name = "time_zone",
       .description = "The server's time zone: SYSTEM or an offset such as +02:00.",
       .data_type = "string",
       .allowed_values = "SYSTEM, -12:59 to +13:00",
       .default_value = "SYSTEM",
       .dynamic = true,
       .option_name = "default_time_zone",
       .check = CheckTimeZone});
  add({.name = "tmp_table_size",
       .description = "Largest size, in bytes, of an internal in-memory temporary table.",
       .data_type = "integer",
       .allowed_values = "1024-4294967295",
       .default_value = "16777216",
       .dynamic = true});
  add({.name = "tx_isolation",
       .description = "Default transaction isolation level of new sessions.",
       .data_type = "string",
       .allowed_values = "READ-UNCOMMITTED,READ-COMMITTED,REPEATABLE-READ,SERIALIZABLE",
       .default_value = "REPEATABLE-READ",
       .dynamic = true,
       .option_name = "transaction_isolation"});
  add({.name = "wait_timeout",
       .description = "Seconds the server waits for activity on a non-interactive connection.",
       .data_type = "integer",
       .allowed_values = "1-31536000",
       .default_value = "28800",
       .dynamic = true});

  std::sort(c.begin(), c.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return c;
}

}  // namespace

const std::vector<ParameterDefinition>& ParameterCatalog() {
  static const std::vector<ParameterDefinition> kCatalog = BuildCatalog();
  return kCatalog;
}

const ParameterDefinition* FindParameter(const std::string& name) {
  const std::vector<ParameterDefinition>& catalog = ParameterCatalog();
  auto it = std::lower_bound(
      catalog.begin(), catalog.end(), name,
      [](const ParameterDefinition& d, const std::string& n) { return d.name < n; });
  return it != catalog.end() && it->name == name ? &*it : nullptr;
}

}  // namespace tandem::rds
