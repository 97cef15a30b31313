#include "rds/instance_rules.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <iterator>
#include <string_view>

#include "common/ascii.h"
#include "rds/instance_class.h"
#include "rds/rds_errors.h"

namespace tandem::rds {
namespace {

// MariaDB 10.11's reserved words that a letters-and-digits name could spell,
// and the accounts Tandem and MariaDB keep for themselves. Lower-case, sorted.
// clang-format off
constexpr std::string_view kReservedWords[] = {
    "accessible", "add", "all", "alter", "analyze", "and", "as", "asc", "asensitive", "before",
    "between", "bigint", "binary", "blob", "both", "by", "call", "cascade", "case", "change",
    "char", "character", "check", "collate", "column", "condition", "constraint", "continue",
    "convert", "create", "cross", "cursor", "database", "databases", "dec", "decimal", "declare",
    "default", "delayed", "delete", "desc", "describe", "deterministic", "distinct",
    "distinctrow", "div", "double", "drop", "dual", "each", "else", "elseif", "enclosed",
    "escaped", "except", "exists", "exit", "explain", "false", "fetch", "float", "float4",
    "float8", "for", "force", "foreign", "from", "fulltext", "general", "grant", "group",
    "having", "if", "ignore", "in", "index", "infile", "inner", "inout", "insensitive", "insert",
    "int", "int1", "int2", "int3", "int4", "int8", "integer", "intersect", "interval", "into",
    "is", "iterate", "join", "key", "keys", "kill", "leading", "leave", "left", "like", "limit",
    "linear", "lines", "load", "localtime", "localtimestamp", "lock", "long", "longblob",
    "longtext", "loop", "mariadb", "match", "maxvalue", "mediumblob", "mediumint", "mediumtext",
    "middleint", "mod", "modifies", "mysql", "natural", "not", "null", "numeric", "offset", "on",
    "optimize", "option", "optionally", "or", "order", "out", "outer", "outfile", "over",
    "partition", "position", "precision", "primary", "procedure", "purge", "range", "rdsadmin",
    "read", "reads", "real", "recursive", "references", "regexp", "release", "rename", "repeat",
    "replace", "require", "resignal", "restrict", "return", "returning", "revoke", "right",
    "rlike", "root", "rows", "schema", "schemas", "select", "sensitive", "separator", "set",
    "show", "signal", "slow", "smallint", "spatial", "specific", "sql", "sqlexception",
    "sqlstate", "sqlwarning", "ssl", "starting", "table", "terminated", "then", "tinyblob",
    "tinyint", "tinytext", "to", "trailing", "trigger", "true", "undo", "union", "unique",
    "unlock", "unsigned", "update", "usage", "use", "using", "values", "varbinary", "varchar",
    "varcharacter", "varying", "when", "where", "while", "window", "with", "write", "xor",
    "zerofill"};
// clang-format on

static_assert(std::is_sorted(std::begin(kReservedWords), std::end(kReservedWords)));

bool IsReservedWord(const std::string& word) {
  return std::binary_search(std::begin(kReservedWords), std::end(kReservedWords), ToLower(word));
}

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsHyphenatedName(const std::string& value, size_t max) {
  if (value.empty() || value.size() > max || !IsLetter(value[0]) || value.back() == '-' ||
      value.find("--") != std::string::npos) {
    return false;
  }
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return IsLetter(c) || IsAsciiDigit(c) || c == '-'; });
}

// "hh24:mi" at text[pos]: minutes since midnight, or -1.
int ClockTime(std::string_view text, size_t pos) {
  if (pos + 5 > text.size() || !IsAsciiDigit(text[pos]) || !IsAsciiDigit(text[pos + 1]) ||
      text[pos + 2] != ':' || !IsAsciiDigit(text[pos + 3]) || !IsAsciiDigit(text[pos + 4])) {
    return -1;
  }
  int h = (text[pos] - '0') * 10 + (text[pos + 1] - '0');
  int m = (text[pos + 3] - '0') * 10 + (text[pos + 4] - '0');
  return h < 24 && m < 60 ? h * 60 + m : -1;
}

// "ddd" at text[pos]: day of week 0-6 from Monday, or -1.
int WeekDay(std::string_view text, size_t pos) {
  static constexpr std::array<std::string_view, 7> kDays = {"mon", "tue", "wed", "thu",
                                                            "fri", "sat", "sun"};
  if (pos + 3 > text.size()) return -1;
  std::string day = ToLower(std::string(text.substr(pos, 3)));
  for (size_t i = 0; i < kDays.size(); ++i) {
    if (kDays[i] == day) return static_cast<int>(i);
  }
  return -1;
}

constexpr int kMinutesPerWeek = 7 * 24 * 60;

}  // namespace

std::string ToLower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::optional<api::ApiError> CheckInstanceIdentifier(const std::string& parameter,
                                                     const std::string& value) {
  if (IsHyphenatedName(value, 63)) return std::nullopt;
  return errors::InvalidParameterValue(
      "The parameter " + parameter + " is not a valid identifier ('" + value +
      "'): use 1-63 ASCII letters, digits or hyphens, starting with a letter, not ending with a "
      "hyphen and without two consecutive hyphens");
}

std::optional<api::ApiError> CheckParameterGroupName(const std::string& parameter,
                                                     const std::string& value) {
  if (IsHyphenatedName(value, 255)) return std::nullopt;
  return errors::InvalidParameterValue(
      "The parameter " + parameter + " is not a valid identifier ('" + value +
      "'): use 1-255 ASCII letters, digits or hyphens, starting with a letter, not ending with "
      "a hyphen and without two consecutive hyphens");
}

std::optional<api::ApiError> CheckEngine(const std::string& engine) {
  if (engine == "mysql" || engine == "mariadb") return std::nullopt;
  return errors::InvalidParameterValue("Invalid DB engine: '" + engine +
                                       "'. Tandem offers mysql and mariadb (both run MariaDB)");
}

std::optional<api::ApiError> CheckInstanceClass(const std::string& instance_class,
                                                const std::string& engine) {
  if (FindInstanceClass(instance_class) != nullptr) return std::nullopt;
  std::string offered;
  for (const InstanceClass& c : InstanceClasses()) {
    offered += (offered.empty() ? "" : ", ") + std::string(c.name);
  }
  return errors::InvalidParameterCombination(
      "Tandem does not support creating a DB instance with the following combination: "
      "DBInstanceClass=" +
      instance_class + ", Engine=" + engine + ". DB instance classes offered: " + offered);
}

std::optional<api::ApiError> CheckAllocatedStorage(int gib, const std::string& engine,
                                                   const std::string& storage_type) {
  if (gib >= kMinAllocatedStorageGib && gib <= kMaxAllocatedStorageGib) return std::nullopt;
  return errors::InvalidParameterValue("Invalid storage size for engine name " + engine +
                                       " and storage type " + storage_type + ": " +
                                       std::to_string(gib) + ". AllocatedStorage must be " +
                                       std::to_string(kMinAllocatedStorageGib) + "-" +
                                       std::to_string(kMaxAllocatedStorageGib) + " (GiB)");
}

std::optional<api::ApiError> CheckStorageType(const std::string& storage_type) {
  if (storage_type == "gp2" || storage_type == "gp3" || storage_type == "standard") {
    return std::nullopt;
  }
  if (storage_type == "io1" || storage_type == "io2") {
    return errors::NotSupported("StorageType " + storage_type + " (provisioned IOPS)");
  }
  return errors::InvalidParameterValue("Invalid storage type: " + storage_type +
                                       ". Use gp2, gp3 or standard");
}

std::optional<api::ApiError> CheckMasterUsername(const std::string& username) {
  bool shaped = !username.empty() && username.size() <= 16 && IsLetter(username[0]) &&
                std::all_of(username.begin(), username.end(),
                            [](char c) { return IsLetter(c) || IsAsciiDigit(c); });
  if (!shaped) {
    return errors::InvalidParameterValue(
        "The parameter MasterUsername is not a valid identifier ('" + username +
        "'): use 1-16 letters or digits, starting with a letter");
  }
  if (IsReservedWord(username)) {
    return errors::InvalidParameterValue("MasterUsername " + username +
                                         " cannot be used as it is a reserved word used by the "
                                         "engine");
  }
  return std::nullopt;
}

std::optional<api::ApiError> CheckMasterUserPassword(const std::string& password) {
  if (password.size() < 8) {
    return errors::InvalidParameterValue(
        "The parameter MasterUserPassword is not a valid password because it is shorter than 8 "
        "characters.");
  }
  if (password.size() > 41) {
    return errors::InvalidParameterValue(
        "The parameter MasterUserPassword is not a valid password because it is longer than 41 "
        "characters.");
  }
  bool printable = std::all_of(password.begin(), password.end(), [](char c) {
    return c > 0x20 && c < 0x7f && c != '/' && c != '"' && c != '@';
  });
  if (!printable) {
    return errors::InvalidParameterValue(
        "The parameter MasterUserPassword is not a valid password. Only printable ASCII "
        "characters besides '/', '@', '\"', ' ' may be used.");
  }
  return std::nullopt;
}

std::optional<api::ApiError> CheckDbName(const std::string& db_name) {
  bool shaped = !db_name.empty() && db_name.size() <= 64 && IsLetter(db_name[0]) &&
                std::all_of(db_name.begin(), db_name.end(),
                            [](char c) { return IsLetter(c) || IsAsciiDigit(c) || c == '_'; });
  if (!shaped) {
    return errors::InvalidParameterValue(
        "The parameter DBName is not a valid identifier ('" + db_name +
        "'): use 1-64 letters, digits or underscores, starting with a letter");
  }
  if (IsReservedWord(db_name)) {
    return errors::InvalidParameterValue("DBName " + db_name +
                                         " cannot be used as it is a reserved word used by the "
                                         "engine");
  }
  return std::nullopt;
}

std::optional<api::ApiError> CheckPort(int port) {
  if (port >= kMinPort && port <= kMaxPort) return std::nullopt;
  return errors::InvalidParameterValue("Invalid port number: " + std::to_string(port) +
                                       ". Port must be " + std::to_string(kMinPort) + "-" +
                                       std::to_string(kMaxPort));
}

std::optional<api::ApiError> CheckBackupRetentionPeriod(int days) {
  if (days >= 0 && days <= 35) return std::nullopt;
  return errors::InvalidParameterValue("Invalid backup retention period: " + std::to_string(days) +
                                       ". BackupRetentionPeriod must be 0-35 (days)");
}

std::optional<api::ApiError> CheckBackupWindow(const std::string& window) {
  int start = ClockTime(window, 0);
  int end = ClockTime(window, 6);
  if (window.size() == 11 && window[5] == '-' && start >= 0 && end >= 0 &&
      ((end - start + 24 * 60) % (24 * 60)) >= 30) {
    return std::nullopt;
  }
  return errors::InvalidParameterValue(
      "The parameter PreferredBackupWindow is not valid ('" + window +
      "'): use hh24:mi-hh24:mi in UTC, at least 30 minutes, e.g. 03:00-03:30");
}

std::optional<api::ApiError> CheckMaintenanceWindow(const std::string& window) {
  int start_day = WeekDay(window, 0);
  int start = ClockTime(window, 4);
  int end_day = WeekDay(window, 10);
  int end = ClockTime(window, 14);
  if (window.size() == 19 && window[3] == ':' && window[9] == '-' && window[13] == ':' &&
      start_day >= 0 && start >= 0 && end_day >= 0 && end >= 0) {
    int from = start_day * 24 * 60 + start;
    int to = end_day * 24 * 60 + end;
    if (((to - from + kMinutesPerWeek) % kMinutesPerWeek) >= 30) return std::nullopt;
  }
  return errors::InvalidParameterValue(
      "The parameter PreferredMaintenanceWindow is not valid ('" + window +
      "'): use ddd:hh24:mi-ddd:hh24:mi in UTC, at least 30 minutes, e.g. sun:05:00-sun:05:30");
}

std::optional<api::ApiError> CheckTag(const std::string& key, const std::string& value) {
  if (key.empty() || key.size() > 128) {
    return errors::InvalidParameterValue("Tag keys must be 1-128 characters long");
  }
  if (value.size() > 256) {
    return errors::InvalidParameterValue("The value of tag " + key +
                                         " is longer than 256 characters");
  }
  std::string lower = ToLower(key.substr(0, 4));
  if (lower == "aws:" || lower == "rds:") {
    return errors::InvalidParameterValue("The tag key " + key +
                                         " starts with aws: or rds:, which are reserved for AWS");
  }
  return std::nullopt;
}

}  // namespace tandem::rds
