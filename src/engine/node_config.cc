#include "engine/node_config.h"

#include <sys/un.h>

#include <algorithm>
#include <array>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/node_layout.h"

namespace tandem::engine {
namespace {

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool AllOf(std::string_view s, std::string_view extra) {
  return std::all_of(s.begin(), s.end(),
                     [&](char c) { return IsAlnum(c) || extra.find(c) != std::string_view::npos; });
}

Status CheckIdentifier(std::string_view field, const std::string& value) {
  if (value.empty() || value.size() > 64 || !AllOf(value, "-_")) {
    return Status::InvalidArgument(std::string(field) + " '" + value +
                                   "' is invalid: use 1-64 letters, digits, hyphens or "
                                   "underscores");
  }
  return Status::Ok();
}

// RFC 1123 host name that also fits sethostname (at most 64 bytes).
Status CheckHostname(const std::string& name) {
  Status bad = Status::InvalidArgument(
      "hostname '" + name +
      "' is invalid: use 1-63 characters, dot-separated labels of letters, digits and "
      "hyphens, each starting and ending with a letter or digit");
  if (name.empty() || name.size() > 63) return bad;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('.', start);
    if (end == std::string::npos) end = name.size();
    std::string_view label(name.data() + start, end - start);
    if (label.empty() || !AllOf(label, "-") || label.front() == '-' || label.back() == '-') {
      return bad;
    }
    start = end + 1;
  }
  return Status::Ok();
}

Status CheckDataRoot(const std::string& root) {
  if (root.size() < 2 || root.front() != '/' || root.back() == '/' || !AllOf(root, "/._-+@") ||
      root.find("/../") != std::string::npos || root.find("/./") != std::string::npos ||
      root.find("//") != std::string::npos || root.ends_with("/..") || root.ends_with("/.")) {
    return Status::InvalidArgument(
        "data_root '" + root +
        "' is invalid: use an absolute, normalized path of letters, digits and . _ - + @");
  }
  const std::string socket = NodeLayout(root).socket();
  constexpr size_t kMaxSocketPath = sizeof(sockaddr_un::sun_path) - 1;
  if (socket.size() > kMaxSocketPath) {
    return Status::InvalidArgument(
        "data_root '" + root + "' is too long: the node's socket " + socket + " has " +
        std::to_string(socket.size()) + " bytes and unix sockets allow " +
        std::to_string(kMaxSocketPath) + "; use a shorter data directory");
  }
  return Status::Ok();
}

std::string NormalizeOptionName(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c == '-') c = '_';
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Options with an engine default that the parameter group may replace.
bool IsOverridableDefault(std::string_view name) {
  return name == "max_connections" || name == "innodb_buffer_pool_size" ||
         name == "binlog_expire_logs_seconds" || name == "character_set_server" ||
         name == "collation_server";
}

// The engine's options decide where files go, whether acknowledged writes
// survive, whether a node can become writable on its own, and what is
// encrypted: a parameter group must not change them.
bool IsManagedNormalizedOption(std::string_view name) {
  static const std::set<std::string_view> kExact = {
      "basedir",
      "bind_address",
      "binlog_format",
      "character_sets_dir",
      "datadir",
      "enforce_storage_engine",
      "event_scheduler",
      "gtid_domain_id",
      "gtid_strict_mode",
      "init_connect",
      "init_file",
      "init_rpl_role",
      "init_slave",
      "innodb_doublewrite",
      "innodb_flush_log_at_trx_commit",
      "innodb_tmpdir",
      "lc_messages_dir",
      "log_basename",
      "log_bin",
      "log_bin_index",
      "log_error",
      "log_slave_updates",
      "pid_file",
      "plugin_dir",
      "plugin_load",
      "plugin_load_add",
      "port",
      "read_only",
      "relay_log",
      "relay_log_index",
      "report_host",
      "report_port",
      "secure_file_priv",
      "server_id",
      "skip_grant_tables",
      "skip_log_bin",
      "skip_name_resolve",
      "skip_networking",
      "skip_slave_start",
      "slave_parallel_threads",
      "socket",
      "sync_binlog",
      "tmpdir",
      "user",
  };
  static constexpr std::array<std::string_view, 9> kPrefixes = {
      "rpl_semi_sync_", "ssl_",          "tls_",   "file_key_management", "innodb_encrypt",
      "encrypt_",       "aria_encrypt_", "wsrep_", "innodb_data_",
  };
  static constexpr std::array<std::string_view, 5> kSuffixes = {"_file", "_dir", "_directory",
                                                                "_path", "_home_dir"};
  if (kExact.contains(name)) return true;
  for (std::string_view p : kPrefixes) {
    if (name.starts_with(p)) return true;
  }
  for (std::string_view s : kSuffixes) {
    if (name.ends_with(s)) return true;
  }
  return false;
}

Status CheckParameter(const std::string& name, const std::string& value) {
  if (name.empty() || name.size() > 64 || !AllOf(name, "_-") || name.front() == '-') {
    return Status::InvalidArgument("parameter name '" + name +
                                   "' is invalid: use letters, digits, hyphens and underscores");
  }
  const std::string normalized = NormalizeOptionName(name);
  if (IsManagedNormalizedOption(normalized)) {
    return Status::InvalidArgument("parameter '" + name +
                                   "' cannot be set: Tandem manages it for every node");
  }
  const bool printable = std::all_of(value.begin(), value.end(), [](char c) {
    return c >= 0x20 && c < 0x7f && c != '#' && c != ';' && c != '\'' && c != '"' && c != '\\' &&
           c != '`';
  });
  if (value.empty() || value.size() > 1024 || !printable || value.front() == ' ' ||
      value.back() == ' ') {
    return Status::InvalidArgument(
        "parameter '" + name +
        "' has an invalid value: use 1-1024 printable characters without quotes, backslashes, "
        "'#' or ';' and without leading or trailing spaces");
  }
  return Status::Ok();
}

std::string OnOff(bool on) { return on ? "ON" : "OFF"; }

}  // namespace

bool IsManagedOption(std::string_view name) {
  return IsManagedNormalizedOption(NormalizeOptionName(name));
}

Status ValidateNodeSpec(const NodeSpec& spec) {
  TANDEM_RETURN_IF_ERROR(CheckIdentifier("instance_id", spec.instance_id));
  TANDEM_RETURN_IF_ERROR(CheckIdentifier("node_name", spec.node_name));
  if (spec.zone.size() > 64 || !AllOf(spec.zone, "-_")) {
    return Status::InvalidArgument("zone '" + spec.zone +
                                   "' is invalid: use up to 64 letters, digits and hyphens");
  }
  TANDEM_RETURN_IF_ERROR(CheckDataRoot(spec.data_root));
  if (spec.port == 0) return Status::InvalidArgument("port must be between 1 and 65535");
  if (spec.server_id == 0) return Status::InvalidArgument("server_id must be at least 1");
  TANDEM_RETURN_IF_ERROR(CheckHostname(spec.hostname));
  if (!spec.os_user.empty() &&
      (spec.os_user.size() > 32 || !AllOf(spec.os_user, "-_.") || spec.os_user.front() == '-')) {
    return Status::InvalidArgument("os_user '" + spec.os_user + "' is not a valid account name");
  }
  if (spec.rejoin_as_replica && spec.role == NodeRole::kPrimary) {
    return Status::InvalidArgument(
        "rejoin_as_replica needs role kStandby: it truncates unacknowledged transactions, which "
        "only a crashed ex-primary rejoining a promoted standby may lose");
  }
  if (spec.sizing.innodb_buffer_pool_bytes < (8ull << 20)) {
    return Status::InvalidArgument("innodb_buffer_pool_bytes must be at least 8 MiB");
  }
  if (spec.sizing.max_connections < 1 || spec.sizing.max_connections > 100000) {
    return Status::InvalidArgument("max_connections must be between 1 and 100000");
  }
  if (spec.tls.enabled()) {
    if (spec.tls.certificate_pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      return Status::InvalidArgument("tls.certificate_pem is not a PEM certificate");
    }
    if (spec.tls.private_key_pem.find("PRIVATE KEY-----") == std::string::npos) {
      return Status::InvalidArgument(
          "tls.private_key_pem is not a PEM private key (needed with a certificate)");
    }
    if (!spec.tls.ca_pem.empty() &&
        spec.tls.ca_pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      return Status::InvalidArgument("tls.ca_pem is not a PEM certificate");
    }
  } else if (!spec.tls.private_key_pem.empty() || !spec.tls.ca_pem.empty()) {
    return Status::InvalidArgument("tls has a key or CA but no certificate");
  }
  if (spec.encryption.enabled) {
    if (!spec.encryption.keys.contains(1)) {
      return Status::InvalidArgument(
          "storage encryption needs a key with id 1 (MariaDB's default key)");
    }
    for (const auto& [id, key] : spec.encryption.keys) {
      if (id == 0 || (key.size() != 16 && key.size() != 24 && key.size() != 32)) {
        return Status::InvalidArgument("storage encryption key " + std::to_string(id) +
                                       " is invalid: ids start at 1, keys have 16, 24 or "
                                       "32 bytes");
      }
    }
  }
  std::set<std::string> seen;
  for (const auto& [name, value] : spec.parameters) {
    TANDEM_RETURN_IF_ERROR(CheckParameter(name, value));
    if (!seen.insert(NormalizeOptionName(name)).second) {
      return Status::InvalidArgument("parameter '" + name + "' is given twice");
    }
  }
  return Status::Ok();
}

StatusOr<std::string> RenderNodeConfig(const NodeSpec& spec,
                                       const EngineInstallation& installation) {
  TANDEM_RETURN_IF_ERROR(ValidateNodeSpec(spec));
  const NodeLayout layout(spec.data_root);

  std::string out;
  auto section = [&](std::string_view comment) {
    out += "\n# ";
    out += comment;
    out += "\n";
  };
  auto set = [&](std::string_view name, const std::string& value) {
    out += name;
    out += "=";
    out += value;
    out += "\n";
  };
  // An engine default, unless the parameter group sets the option.
  auto set_default = [&](std::string_view name, const std::string& fallback) {
    auto it = std::find_if(spec.parameters.begin(), spec.parameters.end(),
                           [&](const auto& p) { return NormalizeOptionName(p.first) == name; });
    set(name, it == spec.parameters.end() ? fallback : it->second);
  };

  out += "# Generated by Tandem for node " + spec.node_name + " of DB instance " +
         spec.instance_id + (spec.zone.empty() ? "" : " (" + spec.zone + ")") +
         ".\n# Rewritten at every start: change the NodeSpec, not this file.\n";
  out += "[mariadbd]\n";

  section("Identity, network and paths: everything below the node's root, 127.0.0.1 only.");
  if (!spec.os_user.empty()) set("user", spec.os_user);
  set("server_id", std::to_string(spec.server_id));
  set("port", std::to_string(spec.port));
  set("bind_address", "127.0.0.1");
  set("skip_name_resolve", "ON");
  set("report_host", spec.hostname);
  set("report_port", std::to_string(spec.port));
  set("datadir", layout.data_dir());
  set("tmpdir", layout.tmp_dir());
  set("socket", layout.socket());
  set("pid_file", layout.pid_file());
  set("log_error", layout.error_log());
  set("plugin_dir", installation.plugin_dir);
  set_default("character_set_server", "utf8mb4");
  set_default("collation_server", "utf8mb4_general_ci");

  if (spec.role == NodeRole::kPrimary) {
    section("Durability: a commit is on disk (redo log and binary log) before it is acknowledged.");
    set("innodb_flush_log_at_trx_commit", "1");
    set("sync_binlog", "1");
  } else {
    // What a standby applies is already on its primary's disk (semi-sync
    // AFTER_SYNC: the primary's binlog is synced before it waits for the
    // standby), and the standby acknowledges on relay-log receipt, before
    // any fsync of its own (sync_relay_log). Its own fsyncs protect nothing
    // more and cost the pair throughput; a standby that loses a tail in an
    // operating-system crash fetches it again. Promotion restores full
    // durability before the node takes a write (StandbyDurability).
    section("Durability: standby; full durability is set at promotion.");
    set("innodb_flush_log_at_trx_commit", "2");
    set("sync_binlog", "0");
  }
  set("innodb_doublewrite", "ON");

  section("Replication: GTID, row events, semi-sync acknowledged after the binlog sync.");
  set("log_bin", layout.binlog_base());
  set("log_bin_index", layout.binlog_base() + ".index");
  set("relay_log", layout.relay_log_base());
  set("relay_log_index", layout.relay_log_base() + ".index");
  set("binlog_format", "ROW");
  set("gtid_strict_mode", "ON");
  set("log_slave_updates", "ON");
  set("skip_slave_start", "ON");
  // A standby applies one transaction at a time: measured, parallel apply
  // did not shorten failovers once the standby stopped syncing every
  // commit (the durability section), and its threads took CPU from the
  // primary on a shared host (sysbench write TPS 0.59x single-AZ vs 0.67x).
  set("slave_parallel_threads", "0");
  set_default("binlog_expire_logs_seconds", "604800");
  const bool wait_for_acks = spec.role == NodeRole::kPrimary && spec.semi_sync.enabled;
  set("rpl_semi_sync_master_enabled", OnOff(wait_for_acks));
  set("rpl_semi_sync_slave_enabled", "ON");
  set("rpl_semi_sync_master_wait_point", "AFTER_SYNC");
  set("rpl_semi_sync_master_timeout", std::to_string(spec.semi_sync.timeout_ms));
  set("rpl_semi_sync_master_wait_no_slave", OnOff(wait_for_acks && spec.semi_sync.wait_no_standby));
  if (spec.rejoin_as_replica) {
    // A startup option in 10.11, not a variable (SHOW GLOBAL STATUS LIKE
    // 'Rpl_status' shows IDLE_SLAVE): binlog recovery truncates the tail no
    // standby acknowledged instead of committing it.
    set("init-rpl-role", "SLAVE");
  }

  section("Only tandemd makes a node writable (SET GLOBAL read_only=OFF on promotion).");
  set("read_only", "ON");

  section(
      "InnoDB only (the system tables were moved to InnoDB: Aria's log is never encrypted),\n"
      "# and no events (a firing event crashes 10.11 with mysql.event in InnoDB).");
  set("enforce_storage_engine", "InnoDB");
  set("event_scheduler", "DISABLED");

  section("Sizing.");
  set_default("innodb_buffer_pool_size", std::to_string(spec.sizing.innodb_buffer_pool_bytes));
  set_default("max_connections", std::to_string(spec.sizing.max_connections));

  if (spec.tls.enabled()) {
    section("TLS.");
    set("ssl_cert", layout.tls_certificate());
    set("ssl_key", layout.tls_private_key());
    if (!spec.tls.ca_pem.empty()) set("ssl_ca", layout.tls_ca());
    set("tls_version", "TLSv1.2,TLSv1.3");
  }

  if (spec.encryption.enabled) {
    section(
        "Storage encryption. The key file and its key are descriptors the driver passes to\n"
        "# mariadbd, never files on disk.");
    set("plugin_load_add", "file_key_management");
    set("file_key_management_filename", "/proc/self/fd/" + std::to_string(kKeyFileFd));
    set("file_key_management_filekey", "FILE:/proc/self/fd/" + std::to_string(kFileKeyFd));
    set("file_key_management_encryption_algorithm", "AES_CTR");
    set("innodb_encrypt_tables", "FORCE");
    set("innodb_encrypt_log", "ON");
    set("innodb_encrypt_temporary_tables", "ON");
    // The system tablespace (undo logs, doublewrite) is encrypted by the
    // background threads, not at creation: at least one must run.
    set("innodb_encryption_threads", "1");
    set("encrypt_binlog", "ON");
    set("encrypt_tmp_files", "ON");
    set("encrypt_tmp_disk_tables", "ON");
    set("aria_encrypt_tables", "ON");
  }

  bool header = false;
  for (const auto& [name, value] : spec.parameters) {
    const std::string normalized = NormalizeOptionName(name);
    if (IsOverridableDefault(normalized)) continue;
    if (!header) {
      section("Parameter group.");
      header = true;
    }
    set(normalized, value);
  }
  return out;
}

}  // namespace tandem::engine
