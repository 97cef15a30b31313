#include "engine/node_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <sstream>

namespace tandem::engine {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

NodeSpec BaseSpec() {
  NodeSpec spec;
  spec.instance_id = "mydb";
  spec.zone = "us-west-2a";
  spec.node_name = "mydb-us-west-2a";
  spec.data_root = "/srv/tandem/nodes/mydb-us-west-2a";
  spec.port = 3307;
  spec.server_id = 17;
  spec.hostname = "ip-10-0-1-17";
  spec.os_user = "mysql";
  return spec;
}

std::string Render(const NodeSpec& spec) {
  auto text = RenderNodeConfig(spec, EngineInstallation());
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? *text : "";
}

// The value of option name in the rendered text, "" if absent; fails the test
// if it appears twice (the last would silently win).
std::string Option(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string line;
  std::string value;
  int count = 0;
  while (std::getline(in, line)) {
    if (line.rfind(name + "=", 0) == 0) {
      value = line.substr(name.size() + 1);
      ++count;
    }
  }
  EXPECT_LE(count, 1) << name << " appears " << count << " times";
  return value;
}

TEST(NodeConfig, EveryNodeGetsTheSafetyOptions) {
  const std::string text = Render(BaseSpec());
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"user", "mysql"},
      {"server_id", "17"},
      {"port", "3307"},
      {"bind_address", "127.0.0.1"},
      {"skip_name_resolve", "ON"},
      {"report_host", "ip-10-0-1-17"},
      {"datadir", "/srv/tandem/nodes/mydb-us-west-2a/data"},
      {"socket", "/srv/tandem/nodes/mydb-us-west-2a/run/mariadbd.sock"},
      {"pid_file", "/srv/tandem/nodes/mydb-us-west-2a/run/mariadbd.pid"},
      {"log_error", "/srv/tandem/nodes/mydb-us-west-2a/log/error.log"},
      {"tmpdir", "/srv/tandem/nodes/mydb-us-west-2a/tmp"},
      {"plugin_dir", "/usr/lib/mysql/plugin"},
      {"log_bin", "/srv/tandem/nodes/mydb-us-west-2a/binlog/binlog"},
      {"relay_log", "/srv/tandem/nodes/mydb-us-west-2a/binlog/relay"},
      {"binlog_format", "ROW"},
      {"sync_binlog", "1"},
      {"innodb_flush_log_at_trx_commit", "1"},
      {"gtid_strict_mode", "ON"},
      {"log_slave_updates", "ON"},
      {"skip_slave_start", "ON"},
      {"slave_parallel_threads", "0"},
      {"rpl_semi_sync_master_wait_point", "AFTER_SYNC"},
      {"rpl_semi_sync_slave_enabled", "ON"},
      {"read_only", "ON"},
      {"enforce_storage_engine", "InnoDB"},
      {"event_scheduler", "DISABLED"},
      {"innodb_buffer_pool_size", "134217728"},
      {"max_connections", "151"},
  };
  for (const auto& [name, value] : expected) EXPECT_EQ(Option(text, name), value) << name;
  EXPECT_THAT(text, HasSubstr("[mariadbd]\n"));
  EXPECT_THAT(text, Not(HasSubstr("ssl_cert")));
  EXPECT_THAT(text, Not(HasSubstr("file_key_management")));
  EXPECT_EQ(Render(BaseSpec()), text) << "rendering is deterministic";
}

TEST(NodeConfig, SemiSyncDependsOnRole) {
  struct Case {
    const char* name;
    NodeRole role;
    bool enabled;
    bool wait_no_standby;
    const char* master_enabled;
    const char* wait_no_slave;
  };
  const Case cases[] = {
      {"single-AZ primary", NodeRole::kPrimary, false, false, "OFF", "OFF"},
      {"Multi-AZ primary, available", NodeRole::kPrimary, true, false, "ON", "OFF"},
      {"Multi-AZ primary, strict", NodeRole::kPrimary, true, true, "ON", "ON"},
      // A standby never waits for acks itself, whatever the instance's policy.
      {"standby", NodeRole::kStandby, true, true, "OFF", "OFF"},
      {"standby, semi-sync off", NodeRole::kStandby, false, false, "OFF", "OFF"},
  };
  for (const Case& c : cases) {
    NodeSpec spec = BaseSpec();
    spec.role = c.role;
    spec.semi_sync.enabled = c.enabled;
    spec.semi_sync.wait_no_standby = c.wait_no_standby;
    spec.semi_sync.timeout_ms = 1500;
    const std::string text = Render(spec);
    EXPECT_EQ(Option(text, "rpl_semi_sync_master_enabled"), c.master_enabled) << c.name;
    EXPECT_EQ(Option(text, "rpl_semi_sync_master_wait_no_slave"), c.wait_no_slave) << c.name;
    EXPECT_EQ(Option(text, "rpl_semi_sync_master_timeout"), "1500") << c.name;
    EXPECT_EQ(Option(text, "read_only"), "ON") << c.name;
  }
}

TEST(NodeConfig, OnlyAPrimarySyncsEveryCommit) {
  NodeSpec spec = BaseSpec();
  spec.role = NodeRole::kStandby;
  const std::string text = Render(spec);
  EXPECT_EQ(Option(text, "sync_binlog"), "0");
  EXPECT_EQ(Option(text, "innodb_flush_log_at_trx_commit"), "2");
  spec.role = NodeRole::kPrimary;
  EXPECT_EQ(Option(Render(spec), "sync_binlog"), "1");
  EXPECT_EQ(Option(Render(spec), "innodb_flush_log_at_trx_commit"), "1");
}

TEST(NodeConfig, RejoinAsReplicaRendersInitRplRoleOnlyForAStandby) {
  EXPECT_THAT(Render(BaseSpec()), Not(HasSubstr("init-rpl-role"))) << "never by default";
  NodeSpec standby = BaseSpec();
  standby.role = NodeRole::kStandby;
  EXPECT_THAT(Render(standby), Not(HasSubstr("init-rpl-role")));

  NodeSpec rejoin = standby;
  rejoin.rejoin_as_replica = true;
  const std::string text = Render(rejoin);
  EXPECT_EQ(Option(text, "init-rpl-role"), "SLAVE");
  EXPECT_EQ(Option(text, "read_only"), "ON");
  EXPECT_EQ(Option(text, "rpl_semi_sync_master_enabled"), "OFF");

  // A node that continues as primary must never truncate its binlog tail.
  NodeSpec primary = BaseSpec();
  primary.rejoin_as_replica = true;
  Status s = ValidateNodeSpec(primary);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("rejoin_as_replica"));
  EXPECT_FALSE(RenderNodeConfig(primary, EngineInstallation()).ok());

  // Nor may a parameter group set it.
  EXPECT_TRUE(IsManagedOption("init-rpl-role"));
  EXPECT_TRUE(IsManagedOption("init_rpl_role"));
  NodeSpec parameter = BaseSpec();
  parameter.parameters["init-rpl-role"] = "SLAVE";
  EXPECT_EQ(ValidateNodeSpec(parameter).code(), Status::Code::kInvalidArgument);
}

TEST(NodeConfig, EncryptionUsesDescriptorsAndCoversEveryFileKind) {
  NodeSpec spec = BaseSpec();
  spec.encryption.enabled = true;
  spec.encryption.keys[1] = std::string(32, 'k');
  const std::string text = Render(spec);
  EXPECT_EQ(Option(text, "plugin_load_add"), "file_key_management");
  EXPECT_EQ(Option(text, "file_key_management_filename"), "/proc/self/fd/3");
  EXPECT_EQ(Option(text, "file_key_management_filekey"), "FILE:/proc/self/fd/4");
  EXPECT_EQ(Option(text, "file_key_management_encryption_algorithm"), "AES_CTR");
  EXPECT_EQ(Option(text, "innodb_encrypt_tables"), "FORCE");
  for (const char* on : {"innodb_encrypt_log", "innodb_encrypt_temporary_tables", "encrypt_binlog",
                         "encrypt_tmp_files", "encrypt_tmp_disk_tables", "aria_encrypt_tables"}) {
    EXPECT_EQ(Option(text, on), "ON") << on;
  }
  EXPECT_EQ(Option(text, "innodb_encryption_threads"), "1");
  EXPECT_THAT(text, Not(HasSubstr(std::string(32, 'k')))) << "key bytes never in the config";
}

TEST(NodeConfig, TlsFilesLiveInTheNodeDirectory) {
  NodeSpec spec = BaseSpec();
  spec.tls.certificate_pem = "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n";
  spec.tls.private_key_pem = "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n";
  spec.tls.ca_pem = spec.tls.certificate_pem;
  const std::string text = Render(spec);
  EXPECT_EQ(Option(text, "ssl_cert"), spec.data_root + "/tls/server-cert.pem");
  EXPECT_EQ(Option(text, "ssl_key"), spec.data_root + "/tls/server-key.pem");
  EXPECT_EQ(Option(text, "ssl_ca"), spec.data_root + "/tls/ca.pem");
  EXPECT_THAT(text, Not(HasSubstr("PRIVATE KEY")));
}

TEST(NodeConfig, ParametersOverrideDefaultsOnceAndAppendTheRest) {
  NodeSpec spec = BaseSpec();
  spec.sizing.max_connections = 90;
  spec.sizing.innodb_buffer_pool_bytes = 256ull << 20;
  spec.parameters = {{"max-connections", "300"},
                     {"require_secure_transport", "ON"},
                     {"long_query_time", "2.5"},
                     {"sql_mode", "STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION"}};
  const std::string text = Render(spec);
  EXPECT_EQ(Option(text, "max_connections"), "300");
  EXPECT_EQ(Option(text, "innodb_buffer_pool_size"), "268435456");
  EXPECT_EQ(Option(text, "require_secure_transport"), "ON");
  EXPECT_EQ(Option(text, "long_query_time"), "2.5");
  EXPECT_EQ(Option(text, "sql_mode"), "STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION");
}

TEST(NodeConfig, InvalidSpecsAreRefusedWithTheFieldNamed) {
  struct Case {
    const char* name;
    std::function<void(NodeSpec&)> mutate;
    const char* message;
  };
  const Case cases[] = {
      {"managed option", [](NodeSpec& s) { s.parameters["read_only"] = "OFF"; }, "read_only"},
      {"managed option, other spelling",
       [](NodeSpec& s) { s.parameters["Gtid-Strict-Mode"] = "OFF"; }, "Gtid-Strict-Mode"},
      {"path option", [](NodeSpec& s) { s.parameters["general_log_file"] = "/etc/x"; },
       "general_log_file"},
      {"encryption option", [](NodeSpec& s) { s.parameters["innodb_encrypt_tables"] = "OFF"; },
       "innodb_encrypt_tables"},
      {"semi-sync option", [](NodeSpec& s) { s.parameters["rpl_semi_sync_master_enabled"] = "ON"; },
       "rpl_semi_sync_master_enabled"},
      {"newline in value", [](NodeSpec& s) { s.parameters["sql_mode"] = "ANSI\nread_only=OFF"; },
       "sql_mode"},
      {"quote in value", [](NodeSpec& s) { s.parameters["sql_mode"] = "'x'"; }, "sql_mode"},
      {"empty value", [](NodeSpec& s) { s.parameters["sql_mode"] = ""; }, "sql_mode"},
      {"same option twice",
       [](NodeSpec& s) {
         s.parameters["max_connections"] = "1";
         s.parameters["max-connections"] = "2";
       },
       "twice"},
      {"bad parameter name", [](NodeSpec& s) { s.parameters["a b"] = "1"; }, "a b"},
      {"relative root", [](NodeSpec& s) { s.data_root = "nodes/a"; }, "data_root"},
      {"root with ..", [](NodeSpec& s) { s.data_root = "/srv/../etc"; }, "data_root"},
      {"root with space", [](NodeSpec& s) { s.data_root = "/srv/my node"; }, "data_root"},
      {"socket path too long", [](NodeSpec& s) { s.data_root = "/" + std::string(100, 'a'); },
       "unix sockets allow 107"},
      {"port 0", [](NodeSpec& s) { s.port = 0; }, "port"},
      {"server id 0", [](NodeSpec& s) { s.server_id = 0; }, "server_id"},
      {"hostname with underscore", [](NodeSpec& s) { s.hostname = "ip_10"; }, "hostname"},
      {"hostname too long", [](NodeSpec& s) { s.hostname = std::string(64, 'h'); }, "hostname"},
      {"hostname label ends in hyphen", [](NodeSpec& s) { s.hostname = "a-.b"; }, "hostname"},
      {"empty node name", [](NodeSpec& s) { s.node_name = ""; }, "node_name"},
      {"tiny buffer pool", [](NodeSpec& s) { s.sizing.innodb_buffer_pool_bytes = 1024; },
       "innodb_buffer_pool_bytes"},
      {"encryption without key 1",
       [](NodeSpec& s) {
         s.encryption.enabled = true;
         s.encryption.keys[2] = std::string(32, 'k');
       },
       "id 1"},
      {"encryption key of 20 bytes",
       [](NodeSpec& s) {
         s.encryption.enabled = true;
         s.encryption.keys[1] = std::string(20, 'k');
       },
       "16, 24 or 32"},
      {"certificate without key",
       [](NodeSpec& s) { s.tls.certificate_pem = "-----BEGIN CERTIFICATE-----\n"; },
       "private_key_pem"},
      {"key without certificate", [](NodeSpec& s) { s.tls.private_key_pem = "x"; },
       "no certificate"},
  };
  for (const Case& c : cases) {
    NodeSpec spec = BaseSpec();
    c.mutate(spec);
    Status s = ValidateNodeSpec(spec);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << c.name;
    EXPECT_THAT(s.message(), HasSubstr(c.message)) << c.name;
    EXPECT_FALSE(RenderNodeConfig(spec, EngineInstallation()).ok()) << c.name;
  }
}

TEST(NodeConfig, ManagedOptionsAreRecognizedInAnySpelling) {
  EXPECT_TRUE(IsManagedOption("read_only"));
  EXPECT_TRUE(IsManagedOption("READ-ONLY"));
  EXPECT_TRUE(IsManagedOption("ssl_key"));
  EXPECT_TRUE(IsManagedOption("slow_query_log_file"));
  EXPECT_FALSE(IsManagedOption("max_connections"));
  EXPECT_FALSE(IsManagedOption("require_secure_transport"));
  EXPECT_FALSE(IsManagedOption("long_query_time"));
}

}  // namespace
}  // namespace tandem::engine
