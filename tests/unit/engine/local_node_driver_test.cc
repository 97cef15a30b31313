// LocalNodeDriver against real mariadbd processes.
#include "engine/local_node_driver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>

#include <future>

#include "engine/node_admin.h"
#include "engine/system_table_hardening.h"
#include "node_test_env.h"

namespace tandem::engine {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class LocalNodeDriverTest : public NodeTest {};

TEST_F(LocalNodeDriverTest, InitializeGivesAHardenedReadOnlyNodeReachableOverVerifiedTls) {
  const NodeSpec spec = MakeSpec("plain", false);
  auto driver = MakeDriver(spec);
  ASSERT_TRUE(driver);
  const auto start = std::chrono::steady_clock::now();
  Status s = driver->Initialize(kTimeout);
  Track(*driver);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::printf("[ figures  ] initialize + start + hardening, unencrypted: %.2f s\n",
              SecondsSince(start));
  ASSERT_TRUE(driver->IsAlive());

  auto admin = Admin(*driver);
  ASSERT_TRUE(admin);
  EXPECT_EQ(QueryOne(*admin, "SELECT @@read_only"), "1");
  EXPECT_EQ(QueryOne(*admin, "SELECT @@gtid_binlog_pos"), "") << "no GTID before user work";
  EXPECT_EQ(QueryOne(*admin, "SELECT @@report_host"), spec.hostname);
  if (::geteuid() == 0) {
    EXPECT_TRUE(driver->hostname_isolated());
    EXPECT_EQ(QueryOne(*admin, "SELECT @@hostname"), spec.hostname);
  }
  EXPECT_EQ(QueryOne(*admin,
                     "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA IN "
                     "('mysql','sys') AND TABLE_TYPE='BASE TABLE' AND ENGINE NOT IN "
                     "('InnoDB','CSV')"),
            "0")
      << "every Aria system table moved to InnoDB";
  EXPECT_EQ(QueryOne(*admin, "SELECT sys.sys_get_config('statement_truncate_len', NULL)"), "64");
  EXPECT_EQ(QueryOne(*admin, "SELECT COUNT(*) > 0 FROM mysql.help_topic"), "1");
  int converted = -1;
  EXPECT_TRUE(HardenSystemTables(*admin, &converted).ok());
  EXPECT_EQ(converted, 0) << "hardening is idempotent";

  NodeAdmin node(*admin);
  auto version = node.ServerVersion();
  ASSERT_TRUE(version.ok());
  EXPECT_THAT(*version, StartsWith("10.11."));
  auto observed = node.Observe();
  ASSERT_TRUE(observed.ok()) << observed.status().ToString();
  EXPECT_TRUE(observed->read_only);
  EXPECT_FALSE(observed->semi_sync_master_on);
  EXPECT_FALSE(observed->replica_configured);
  EXPECT_EQ(observed->gtid_binlog_pos, "");

  EXPECT_TRUE(node.ApplyDynamicParameter("max_connections", "77").ok());
  EXPECT_EQ(QueryOne(*admin, "SELECT @@max_connections"), "77");
  EXPECT_EQ(node.ApplyDynamicParameter("read_only", "OFF").code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(node.ApplyDynamicParameter("max_connections; DROP", "1").code(),
            Status::Code::kInvalidArgument);

  // An application user that must use TLS, with a password full of quotes.
  const std::string password = "pa'ss\"wo\\rd-" + crypto::RandomString(8, "abcdef");
  ASSERT_TRUE(node.CreateUser("app", password, /*require_ssl=*/true,
                              {Grant{{"SELECT", "INSERT"}, "appdb", false}})
                  .ok());
  ASSERT_TRUE(node.CreateUser("app", password, true, {Grant{{"SELECT"}, "appdb", false}}).ok())
      << "CreateUser converges when repeated";
  EXPECT_EQ(node.CreateUser("bad", "x", true, {Grant{{"SUPER"}, "*", false}}).code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(node.SetPassword("nobody", "x").code(), Status::Code::kNotFound);

  ConnectOptions tls;
  tls.port = spec.port;
  tls.user = "app";
  tls.password = password;
  tls.tls_ca_file = ca_->bundle_path();
  tls.binlog = AdminBinlog::kWrite;  // an application user may not turn binary logging off
  auto client = AdminConnection::Connect(tls);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_TRUE((*client)->uses_tls());
  EXPECT_EQ(QueryOne(**client, "SELECT CURRENT_USER()"), "app@%");

  // A CA that did not sign the server certificate is refused (2026).
  auto other_ca = crypto::CertificateAuthority::LoadOrCreate(
      dir_ + "/other-ca", crypto::MasterKey::FromBytes(crypto::RandomBytes(32)));
  ASSERT_TRUE(other_ca.ok());
  ConnectOptions wrong_ca = tls;
  wrong_ca.tls_ca_file = (*other_ca)->bundle_path();
  auto refused = AdminConnection::Connect(wrong_ca);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kUnavailable);
  EXPECT_THAT(refused.status().message(), HasSubstr("MariaDB error 2026"));

  // The user requires TLS: plaintext is refused, and the message has the number.
  ConnectOptions plaintext = tls;
  plaintext.tls_ca_file.clear();
  auto denied = AdminConnection::Connect(plaintext);
  ASSERT_FALSE(denied.ok());
  EXPECT_THAT(denied.status().message(), HasSubstr("MariaDB error 1045"));
  EXPECT_THAT(denied.status().message(), ::testing::Not(HasSubstr(password)));

  // The instance's master user cannot write while the node is read-only: it
  // has no privilege that bypasses read_only.
  ASSERT_TRUE(node.CreateUser("admin", password, false,
                              {Grant{kMasterUserPrivileges, "*", /*with_grant_option=*/true}})
                  .ok());
  ConnectOptions master = tls;
  master.user = "admin";
  auto master_conn = AdminConnection::Connect(master);
  ASSERT_TRUE(master_conn.ok()) << master_conn.status().ToString();
  EXPECT_FALSE((*master_conn)->Execute("CREATE DATABASE appdb").ok());
  EXPECT_EQ((*master_conn)->last_error_number(), 1290) << "ER_OPTION_PREVENTS_STATEMENT";
  ASSERT_TRUE(node.SetReadOnly(false).ok()) << "promotion";
  EXPECT_TRUE((*master_conn)->Execute("CREATE DATABASE appdb").ok());
  ASSERT_TRUE(node.SetReadOnly(true).ok());
  EXPECT_FALSE((*master_conn)->Execute("CREATE DATABASE appdb2").ok());

  // A new password works, the old one no longer does.
  ASSERT_TRUE(node.SetPassword("app", "second-" + password).ok());
  EXPECT_FALSE(AdminConnection::Connect(tls).ok());
  tls.password = "second-" + password;
  EXPECT_TRUE(AdminConnection::Connect(tls).ok());

  client->reset();
  master_conn->reset();
  admin.reset();
  const auto stop = std::chrono::steady_clock::now();
  EXPECT_TRUE(driver->Stop(kTimeout).ok());
  std::printf("[ figures  ] clean stop: %.2f s\n", SecondsSince(stop));
  EXPECT_FALSE(driver->IsAlive());
  ASSERT_TRUE(driver->last_exit().has_value());
  EXPECT_EQ(driver->last_exit()->ToString(), "exited with status 0");
}

TEST_F(LocalNodeDriverTest, KillIsSeenAtOnceAndRestartRecoversCommittedData) {
  auto driver = MakeDriver(MakeSpec("crash", false));
  ASSERT_TRUE(driver);
  ASSERT_TRUE(driver->Initialize(kTimeout).ok());
  Track(*driver);
  {
    auto admin = Admin(*driver, AdminBinlog::kWrite);
    ASSERT_TRUE(admin);
    // The local administrator may write to a read-only node; applications may not.
    ASSERT_TRUE(admin->Execute("CREATE DATABASE appdb").ok());
    ASSERT_TRUE(admin->Execute("CREATE TABLE appdb.t (id INT PRIMARY KEY, v VARCHAR(32))").ok());
    ASSERT_TRUE(admin->Execute("INSERT INTO appdb.t VALUES (1, 'committed'), (2, 'also')").ok());
  }

  const pid_t pid = driver->pid();
  auto waiter = std::async(std::launch::async, [&] { return driver->WaitForExit(Ms(10000)); });
  std::this_thread::sleep_for(Ms(50));
  const auto killed_at = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  const std::optional<NodeExit> exit = waiter.get();
  const double seen_after = SecondsSince(killed_at);
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->how, NodeExit::How::kSignaled);
  EXPECT_EQ(exit->code, SIGKILL);
  EXPECT_LT(seen_after, 0.5) << "the pidfd reports the exit at once (typically ~10 ms)";
  std::printf("[ figures  ] kill -9 seen after %.1f ms\n", seen_after * 1000);
  EXPECT_FALSE(driver->IsAlive());
  pollfd p = {driver->exit_fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 1) << "exit_fd is readable";

  const auto restart = std::chrono::steady_clock::now();
  Status s = driver->Start(kTimeout);
  Track(*driver);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::printf("[ figures  ] restart after kill -9 (crash recovery): %.2f s\n",
              SecondsSince(restart));
  EXPECT_NE(driver->pid(), pid);
  auto admin = Admin(*driver);
  ASSERT_TRUE(admin);
  EXPECT_EQ(QueryOne(*admin, "SELECT GROUP_CONCAT(v ORDER BY id) FROM appdb.t"), "committed,also");
  EXPECT_EQ(QueryOne(*admin, "SELECT @@read_only"), "1") << "read-only again after a restart";
  EXPECT_TRUE(driver->Kill().ok());
  EXPECT_FALSE(driver->IsAlive());
}

TEST_F(LocalNodeDriverTest, AdoptReattachesToARunningNodeWithoutRestartingIt) {
  const NodeSpec spec = MakeSpec("adopt", false);
  pid_t pid = 0;
  {
    auto first = MakeDriver(spec);
    ASSERT_TRUE(first);
    ASSERT_TRUE(first->Initialize(kTimeout).ok());
    Track(*first);
    pid = first->pid();
    auto admin = Admin(*first, AdminBinlog::kWrite);
    ASSERT_TRUE(admin);
    ASSERT_TRUE(admin->Execute("CREATE DATABASE before_restart").ok());
  }  // "tandemd restarts": the driver is gone, the node is not.
  ASSERT_EQ(::kill(pid, 0), 0) << "the node outlives its driver";

  auto second = MakeDriver(spec);
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->IsAlive());
  Status adopted = second->Adopt();
  ASSERT_TRUE(adopted.ok()) << adopted.ToString();
  EXPECT_EQ(second->pid(), pid) << "same process: not restarted";
  EXPECT_TRUE(second->IsAlive());
  if (::geteuid() == 0) {
    EXPECT_TRUE(second->hostname_isolated());
  }
  auto admin = Admin(*second);
  ASSERT_TRUE(admin);
  EXPECT_EQ(QueryOne(*admin,
                     "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE "
                     "SCHEMA_NAME='before_restart'"),
            "1");

  // Start on a running node adopts it too; it never starts a second one.
  auto third = MakeDriver(spec);
  ASSERT_TRUE(third);
  ASSERT_TRUE(third->Start(kTimeout).ok());
  EXPECT_EQ(third->pid(), pid);

  // Exit of an adopted process is still seen through its pidfd.
  ASSERT_TRUE(second->Stop(kTimeout).ok());
  EXPECT_FALSE(second->IsAlive());
  auto exit = third->WaitForExit(Ms(5000));
  ASSERT_TRUE(exit.has_value());
  EXPECT_FALSE(third->IsAlive());
  EXPECT_EQ(second->Adopt().code(), Status::Code::kNotFound) << "nothing left to adopt";
}

TEST_F(LocalNodeDriverTest, AFailedStartSaysWhyAndLeavesNothingRunning) {
  const NodeSpec spec = MakeSpec("busy", false);
  // Something else already listens on the node's port.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(spec.port);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  auto driver = MakeDriver(spec);
  ASSERT_TRUE(driver);
  Status s = driver->Initialize(kTimeout);
  Track(*driver);
  ::close(fd);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr("Bind on TCP/IP port"));
  EXPECT_FALSE(driver->IsAlive());
  ASSERT_TRUE(driver->last_exit().has_value());
  EXPECT_EQ(driver->last_exit()->how, NodeExit::How::kExited);

  // Once the port is free, Initialize redoes the interrupted node from scratch.
  Status again = driver->Initialize(kTimeout);
  Track(*driver);
  EXPECT_TRUE(again.ok()) << again.ToString();
  EXPECT_TRUE(driver->Stop(kTimeout).ok());
}

TEST_F(LocalNodeDriverTest, AParameterMariadbRejectsIsReportedAsInvalid) {
  NodeSpec spec = MakeSpec("badparam", false);
  spec.parameters["no_such_server_option"] = "1";
  auto driver = MakeDriver(spec);
  ASSERT_TRUE(driver);
  Status s = driver->Initialize(kTimeout);
  Track(*driver);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("unknown variable 'no_such_server_option=1'"));
  EXPECT_FALSE(driver->IsAlive());
}

TEST_F(LocalNodeDriverTest, StartRequiresInitializeAndSpecChangesKeepIdentity) {
  const NodeSpec spec = MakeSpec("fresh", false);
  auto driver = MakeDriver(spec);
  ASSERT_TRUE(driver);
  EXPECT_EQ(driver->Start(kTimeout).code(), Status::Code::kNotFound);
  EXPECT_EQ(driver->Adopt().code(), Status::Code::kNotFound);
  EXPECT_TRUE(driver->Stop(kTimeout).ok()) << "stopping a stopped node is fine";

  // A pid file naming a live process that is not this node's mariadbd (here:
  // the test itself, as after pid reuse) is not adopted, and nothing is signalled.
  std::filesystem::create_directories(spec.data_root + "/run");
  std::ofstream(spec.data_root + "/run/mariadbd.pid") << ::getpid() << "\n";
  Status foreign = driver->Adopt();
  EXPECT_EQ(foreign.code(), Status::Code::kNotFound);
  EXPECT_THAT(foreign.message(), HasSubstr("is not its mariadbd"));
  EXPECT_TRUE(driver->Stop(kTimeout).ok());
  EXPECT_EQ(driver->Signal(SIGTERM).code(), Status::Code::kNotFound);
  NodeSpec moved = spec;
  moved.data_root += "-elsewhere";
  EXPECT_EQ(driver->UpdateSpec(moved).code(), Status::Code::kInvalidArgument);
  NodeSpec standby = spec;
  standby.role = NodeRole::kStandby;
  EXPECT_TRUE(driver->UpdateSpec(standby).ok());
  EXPECT_EQ(driver->spec().role, NodeRole::kStandby);
}

}  // namespace
}  // namespace tandem::engine
