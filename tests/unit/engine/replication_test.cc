// Multi-AZ replication against real mariadbd processes: online clone of a
// primary (and of one whose earlier clone was interrupted), GTID replication
// over verified TLS with semi-sync, promotion of the standby and rejoin of
// the crashed ex-primary, and the admin-statement trap on standbys.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spawn.h>

#include <atomic>
#include <mutex>
#include <set>

#include "engine/node_admin.h"
#include "engine/node_clone.h"
#include "node_test_env.h"

namespace tandem::engine {
namespace {

using ::testing::HasSubstr;

constexpr char kReplicationUser[] = "tandem_repl";

// A column of SHOW SLAVE STATUS ("" without a primary).
std::string SlaveStatus(AdminConnection& conn, std::string_view column) {
  auto rs = conn.Query("SHOW SLAVE STATUS");
  EXPECT_TRUE(rs.ok()) << rs.status().ToString();
  if (!rs.ok() || rs->rows.empty() || rs->ColumnIndex(column) < 0) return "";
  return rs->rows[0][static_cast<size_t>(rs->ColumnIndex(column))].value_or("");
}

ObservedNodeState Observe(const LocalNodeDriver& driver) {
  auto conn = Admin(driver);
  if (!conn) return ObservedNodeState();
  auto state = NodeAdmin(*conn).Observe();
  EXPECT_TRUE(state.ok()) << state.status().ToString();
  return state.ok() ? *state : ObservedNodeState();
}

// Observes driver until done(state) or timeout; returns the last state.
template <class Predicate>
ObservedNodeState ObserveUntil(const LocalNodeDriver& driver, Predicate done,
                               Ms timeout = Ms(10000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  ObservedNodeState state = Observe(driver);
  while (!done(state) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(Ms(20));
    state = Observe(driver);
  }
  return state;
}

bool Attached(const ObservedNodeState& s) {
  return s.slave_io_running == "Yes" && s.slave_sql_running;
}

// Inserts rows into appdb.t on a node until stopped, one autocommit
// transaction each, remembering the ids whose commit returned OK. Stops by
// itself at the first error (the node died).
class Writer {
 public:
  // pause: between two commits, so that a standby applying them one by one
  // keeps up on a loaded machine.
  explicit Writer(const LocalNodeDriver& node, Ms pause = Ms(0)) {
    conn_ = Admin(node, AdminBinlog::kWrite);
    if (!conn_) return;
    thread_ = std::thread([this, pause] {
      for (int id = 1'000'000; !stop_; ++id) {
        if (!conn_->Execute("INSERT INTO appdb.t (id, v) VALUES (" + std::to_string(id) + ", 'w')")
                 .ok()) {
          break;
        }
        {
          std::lock_guard<std::mutex> lock(mu_);
          acknowledged_.push_back(id);
        }
        if (pause.count() > 0) std::this_thread::sleep_for(pause);
      }
    });
  }
  ~Writer() { Stop(); }

  void WaitForRows(size_t n) {
    for (int i = 0; i < 1000 && Acknowledged().size() < n; ++i) std::this_thread::sleep_for(Ms(5));
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<int> Acknowledged() {
    std::lock_guard<std::mutex> lock(mu_);
    return acknowledged_;
  }

 private:
  std::unique_ptr<AdminConnection> conn_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<int> acknowledged_;
  std::thread thread_;
};

// Whether replica has applied position within timeout: MASTER_GTID_WAIT in
// slices shorter than the admin connection's read timeout (10 s).
bool AppliedWithin(const LocalNodeDriver& replica, const std::string& position, Ms timeout) {
  auto admin = Admin(replica);
  if (!admin) return false;
  NodeAdmin node(*admin);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto reached = node.WaitForGtid(position, Ms(5000));
    EXPECT_TRUE(reached.ok()) << reached.status().ToString();
    if (!reached.ok()) return false;
    if (*reached) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
  }
}

// The ids of acknowledged that node does not hold.
std::vector<int> Missing(const LocalNodeDriver& node, const std::vector<int>& acknowledged) {
  auto conn = Admin(node);
  if (!conn) return acknowledged;
  auto rs = conn->Query("SELECT id FROM appdb.t");
  EXPECT_TRUE(rs.ok()) << rs.status().ToString();
  std::set<int> present;
  if (rs.ok()) {
    for (const Row& row : rs->rows) present.insert(std::stoi(row[0].value_or("0")));
  }
  std::vector<int> missing;
  for (int id : acknowledged) {
    if (!present.contains(id)) missing.push_back(id);
  }
  return missing;
}

class ReplicationTest : public NodeTest {
 protected:
  void SetUp() override {
    NodeTest::SetUp();
    replication_password_ = "r'e\"pl-" + crypto::RandomString(16, "abcdefghijklmnop");
  }

  // A running, writable primary holding appdb.t (rows of ~500 bytes) and the
  // replication user.
  std::unique_ptr<LocalNodeDriver> StartPrimary(const std::string& name, bool encrypted, int rows) {
    NodeSpec spec = MakeSpec(name, encrypted);
    spec.role = NodeRole::kPrimary;
    auto primary = MakeDriver(spec);
    if (!primary) return nullptr;
    Status s = primary->Initialize(kTimeout);
    Track(*primary);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) return nullptr;
    auto admin = Admin(*primary, AdminBinlog::kWrite);
    if (!admin) return nullptr;
    NodeAdmin node(*admin);
    EXPECT_TRUE(node.CreateReplicationUser(kReplicationUser, replication_password_).ok());
    EXPECT_TRUE(node.SetReadOnly(false).ok());
    EXPECT_TRUE(admin->Execute("CREATE DATABASE appdb").ok());
    EXPECT_TRUE(
        admin->Execute("CREATE TABLE appdb.t (id INT PRIMARY KEY, v VARCHAR(600) NOT NULL)").ok());
    if (rows > 0) {
      EXPECT_TRUE(admin->Execute("SET SESSION max_recursive_iterations = 1000000").ok());
      EXPECT_TRUE(admin
                      ->Execute("INSERT INTO appdb.t WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                                "SELECT i + 1 FROM n WHERE i < " +
                                std::to_string(rows) + ") SELECT i, REPEAT(MD5(i), 15) FROM n")
                      .ok());
    }
    return primary;
  }

  // A standby spec for primary's instance: same encryption keys (physical
  // copies need them), role kStandby.
  NodeSpec StandbySpec(const std::string& name, const LocalNodeDriver& primary) {
    NodeSpec spec = MakeSpec(name, primary.spec().encryption.enabled);
    spec.encryption = primary.spec().encryption;
    spec.role = NodeRole::kStandby;
    return spec;
  }

  ReplicationSource SourceFor(const LocalNodeDriver& primary, const LocalNodeDriver& replica) {
    ReplicationSource source;
    source.port = primary.spec().port;
    source.user = kReplicationUser;
    source.password = replication_password_;
    source.tls_ca_file = replica.layout().tls_ca();  // same CA for every node of the instance
    return source;
  }

  // Clones primary into a new standby, starts it and adopts the clone's
  // position: ready to replicate from primary.
  std::unique_ptr<LocalNodeDriver> CloneStandby(const std::string& name, LocalNodeDriver& primary) {
    auto standby = MakeDriver(StandbySpec(name, primary));
    if (!standby) return nullptr;
    auto cloned = CloneNode(primary, *standby, kTimeout);
    EXPECT_TRUE(cloned.ok()) << cloned.status().ToString();
    if (!cloned.ok()) return nullptr;
    Status started = standby->Start(kTimeout);
    Track(*standby);
    EXPECT_TRUE(started.ok()) << started.ToString();
    if (!started.ok()) return nullptr;
    auto admin = Admin(*standby);
    if (!admin) return nullptr;
    Status adopted = NodeAdmin(*admin).AdoptClonedPosition(cloned->gtid_position);
    EXPECT_TRUE(adopted.ok()) << adopted.ToString();
    return adopted.ok() ? std::move(standby) : nullptr;
  }

  // Starts replication of replica from primary and waits until both threads run.
  void Replicate(const LocalNodeDriver& replica, const LocalNodeDriver& primary, GtidStart start) {
    auto admin = Admin(replica);
    ASSERT_TRUE(admin);
    Status s = NodeAdmin(*admin).StartReplication(SourceFor(primary, replica), start);
    ASSERT_TRUE(s.ok()) << s.ToString();
    const ObservedNodeState state = ObserveUntil(replica, Attached);
    ASSERT_TRUE(Attached(state)) << state.last_io_error << state.last_sql_error;
  }

  static void EnableSemiSync(const LocalNodeDriver& primary) {
    auto admin = Admin(primary);
    ASSERT_TRUE(admin);
    Status s = NodeAdmin(*admin).SetSemiSyncPrimary(true, 5000, false);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::string replication_password_;
};

class CloneAndReplicate : public ReplicationTest, public ::testing::WithParamInterface<bool> {};

TEST_P(CloneAndReplicate, OnlineCloneReplicatesOverVerifiedTlsWithSemiSyncAndLosesNoAckedRow) {
  const bool encrypted = GetParam();
  auto primary = StartPrimary("primary", encrypted, 20000);
  ASSERT_TRUE(primary);
  auto standby = MakeDriver(StandbySpec("standby", *primary));
  ASSERT_TRUE(standby);

  EXPECT_EQ(CloneNode(*primary, *primary, kTimeout).status().code(),
            Status::Code::kInvalidArgument);
  // A failing backup program: the error names the step and carries the log.
  auto failed = CloneNode(*primary, *standby, kTimeout, "/bin/false");
  EXPECT_EQ(failed.status().code(), Status::Code::kIOError);
  EXPECT_THAT(failed.status().message(),
              HasSubstr("backup failed: /bin/false exited with status 1"));
  EXPECT_THAT(failed.status().message(), HasSubstr("clone.log ends with:"));
  EXPECT_EQ(standby->Start(kTimeout).code(), Status::Code::kNotFound)
      << "a failed clone leaves the target uninitialized";

  // Online: the writer keeps committing on the primary during the backup.
  Writer writer(*primary, Ms(2));
  writer.WaitForRows(20);
  auto cloned = CloneNode(*primary, *standby, kTimeout);
  ASSERT_TRUE(cloned.ok()) << cloned.status().ToString();
  std::printf(
      "[ figures  ] clone with a %.1f MB table (%s): backup %lld ms, prepare %lld ms, restore %lld "
      "ms\n",
      static_cast<double>(
          std::filesystem::file_size(standby->layout().data_dir() + "/appdb/t.ibd")) /
          (1 << 20),
      encrypted ? "encrypted" : "unencrypted", static_cast<long long>(cloned->backup.count()),
      static_cast<long long>(cloned->prepare.count()),
      static_cast<long long>(cloned->restore.count()));
  EXPECT_THAT(cloned->gtid_position, ::testing::MatchesRegex("0-[0-9]+-[0-9]+"));
  EXPECT_FALSE(std::filesystem::exists(standby->layout().root + "/clone"));

  Status started = standby->Start(kTimeout);
  Track(*standby);
  ASSERT_TRUE(started.ok()) << started.ToString();
  EXPECT_EQ(CloneNode(*primary, *standby, kTimeout).status().code(), Status::Code::kConflict)
      << "never into a running node";
  {
    auto admin = Admin(*standby);
    ASSERT_TRUE(admin);
    NodeAdmin node(*admin);
    ASSERT_TRUE(node.AdoptClonedPosition(cloned->gtid_position).ok());
    EXPECT_EQ(QueryOne(*admin, "SELECT @@gtid_binlog_state"), cloned->gtid_position);
    EXPECT_EQ(QueryOne(*admin, "SELECT @@gtid_slave_pos"), cloned->gtid_position);
    EXPECT_EQ(node.AdoptClonedPosition("0-1-x").code(), Status::Code::kInvalidArgument);
    Status s = node.StartReplication(SourceFor(*primary, *standby), GtidStart::kSlavePos);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  const ObservedNodeState replica = ObserveUntil(*standby, Attached);
  EXPECT_EQ(replica.slave_io_running, "Yes") << replica.last_io_error;
  EXPECT_TRUE(replica.slave_sql_running) << replica.last_sql_error;
  EXPECT_EQ(replica.master_port, primary->spec().port);
  EXPECT_TRUE(replica.read_only);
  {
    auto admin = Admin(*standby);
    ASSERT_TRUE(admin);
    EXPECT_EQ(SlaveStatus(*admin, "Master_SSL_Verify_Server_Cert"), "Yes");
    EXPECT_EQ(SlaveStatus(*admin, "Using_Gtid"), "Slave_Pos");
  }

  ASSERT_NO_FATAL_FAILURE(EnableSemiSync(*primary));
  const ObservedNodeState source = ObserveUntil(*primary, [](const ObservedNodeState& s) {
    return s.semi_sync_master_on && s.semi_sync_master_clients == 1;
  });
  EXPECT_TRUE(source.semi_sync_master_on);
  EXPECT_EQ(source.semi_sync_master_clients, 1u);
  EXPECT_TRUE(Observe(*standby).semi_sync_slave_on);

  const size_t before = writer.Acknowledged().size();
  writer.WaitForRows(before + 50);  // some commits acknowledged by the standby
  writer.Stop();
  const std::vector<int> acknowledged = writer.Acknowledged();
  ASSERT_GT(acknowledged.size(), before);
  const std::string primary_pos = Observe(*primary).gtid_binlog_pos;
  EXPECT_TRUE(AppliedWithin(*standby, primary_pos, Ms(30000))) << primary_pos;
  EXPECT_EQ(QueryOne(*Admin(*standby), "SELECT COUNT(*) FROM appdb.t"),
            std::to_string(20000 + acknowledged.size()));
  const std::vector<int> missing = Missing(*standby, acknowledged);
  EXPECT_THAT(missing, ::testing::IsEmpty());
  const ObservedNodeState after = Observe(*standby);
  EXPECT_EQ(after.gtid_binlog_pos, primary_pos) << "log_slave_updates, and nothing of its own";
  EXPECT_EQ(after.gtid_slave_pos, primary_pos);
  std::printf("[ figures  ] %zu acknowledged writes during clone and replication, %zu missing\n",
              acknowledged.size(), missing.size());
}

INSTANTIATE_TEST_SUITE_P(Storage, CloneAndReplicate, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Encrypted" : "Unencrypted";
                         });

// tandemd killed in the middle of a copy leaves its mariadb-backup running
// (engine programs outlive tandemd); the next copy into the same node must
// stop it first, or both write the same files (found by the chaos suite:
// "Can't create file ... File exists", or worse, a mixed copy).
TEST_F(ReplicationTest, ACloneStopsWhatAnInterruptedCloneLeftRunning) {
  auto primary = StartPrimary("primary", false, 1000);
  ASSERT_TRUE(primary);
  auto standby = MakeDriver(StandbySpec("standby", *primary));
  ASSERT_TRUE(standby);
  // A stand-in for the interrupted copy's program: like mariadb-backup, it
  // names the clone directory with --target-dir.
  const std::string target_dir = "--target-dir=" + standby->layout().root + "/clone";
  const char* argv[] = {"/bin/sh", "-c", "while :; do sleep 1; done", target_dir.c_str(), nullptr};
  pid_t leftover = 0;
  ASSERT_EQ(
      ::posix_spawn(&leftover, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ), 0);

  auto cloned = CloneNode(*primary, *standby, kTimeout);
  const bool survived = ::kill(leftover, 0) == 0;
  if (survived) {
    ::kill(leftover, SIGKILL);
    ::waitpid(leftover, nullptr, 0);
  }
  ASSERT_TRUE(cloned.ok()) << cloned.status().ToString();
  EXPECT_FALSE(survived) << "the interrupted clone's program still runs after a new clone";
  Status started = standby->Start(kTimeout);
  Track(*standby);
  EXPECT_TRUE(started.ok()) << started.ToString();
}

TEST_F(ReplicationTest, ReplicationNeedsTheInstanceCaAndAUserWithOnlyReplicationSlave) {
  auto primary = StartPrimary("primary", false, 0);
  ASSERT_TRUE(primary);
  auto standby = CloneStandby("standby", *primary);
  ASSERT_TRUE(standby);

  auto other_ca = crypto::CertificateAuthority::LoadOrCreate(
      dir_ + "/other-ca", crypto::MasterKey::FromBytes(crypto::RandomBytes(32)));
  ASSERT_TRUE(other_ca.ok());
  // mariadbd runs as the node's account: the CA file must be readable by it.
  const std::string wrong_ca = standby->layout().tls_dir() + "/other-ca.pem";
  std::filesystem::copy_file((*other_ca)->bundle_path(), wrong_ca);
  ASSERT_EQ(::chmod(wrong_ca.c_str(), 0644), 0);

  auto admin = Admin(*standby);
  ASSERT_TRUE(admin);
  NodeAdmin node(*admin);
  ReplicationSource source = SourceFor(*primary, *standby);
  source.tls_ca_file = wrong_ca;
  ASSERT_TRUE(node.StartReplication(source, GtidStart::kSlavePos).ok());
  const ObservedNodeState refused =
      ObserveUntil(*standby, [](const ObservedNodeState& s) { return s.last_io_errno != 0; });
  EXPECT_NE(refused.slave_io_running, "Yes");
  EXPECT_EQ(refused.last_io_errno, 2026) << refused.last_io_error;  // TLS verification
  EXPECT_THAT(refused.last_io_error, ::testing::Not(HasSubstr(replication_password_)));

  // StartReplication reconfigures: with the instance's CA it attaches.
  ASSERT_TRUE(node.StartReplication(SourceFor(*primary, *standby), GtidStart::kSlavePos).ok());
  const ObservedNodeState attached = ObserveUntil(*standby, Attached);
  EXPECT_EQ(attached.slave_io_running, "Yes") << attached.last_io_error;
  EXPECT_EQ(attached.last_io_errno, 0);
  EXPECT_EQ(SlaveStatus(*admin, "Master_SSL_Verify_Server_Cert"), "Yes");

  // The replication user: REPLICATION SLAVE and nothing else, even after
  // someone granted it more (CreateReplicationUser converges), and TLS only.
  auto primary_admin = Admin(*primary, AdminBinlog::kWrite);
  ASSERT_TRUE(primary_admin);
  ASSERT_TRUE(
      primary_admin->Execute(std::string("GRANT SELECT ON appdb.* TO ") + kReplicationUser + "@'%'")
          .ok());
  ASSERT_TRUE(NodeAdmin(*primary_admin)
                  .CreateReplicationUser(kReplicationUser, replication_password_)
                  .ok());
  auto grants = primary_admin->Query(std::string("SHOW GRANTS FOR ") + kReplicationUser + "@'%'");
  ASSERT_TRUE(grants.ok()) << grants.status().ToString();
  ASSERT_EQ(grants->rows.size(), 1u);
  EXPECT_THAT(grants->rows[0][0].value_or(""),
              ::testing::AllOf(::testing::StartsWith("GRANT REPLICATION SLAVE ON *.* TO"),
                               HasSubstr("REQUIRE SSL")));
  ConnectOptions plaintext;
  plaintext.port = primary->spec().port;
  plaintext.user = kReplicationUser;
  plaintext.password = replication_password_;
  plaintext.binlog = AdminBinlog::kWrite;
  auto denied = AdminConnection::Connect(plaintext);
  ASSERT_FALSE(denied.ok());
  EXPECT_THAT(denied.status().message(), HasSubstr("MariaDB error 1045"));
}

TEST_F(ReplicationTest, PromotedStandbyHasEveryAckedWriteAndTheCrashedPrimaryRejoinsIt) {
  auto primary = StartPrimary("primary", false, 1000);
  ASSERT_TRUE(primary);
  auto standby = CloneStandby("standby", *primary);
  ASSERT_TRUE(standby);
  ASSERT_NO_FATAL_FAILURE(Replicate(*standby, *primary, GtidStart::kSlavePos));
  ASSERT_NO_FATAL_FAILURE(EnableSemiSync(*primary));
  ASSERT_TRUE(ObserveUntil(*primary, [](const ObservedNodeState& s) {
                return s.semi_sync_master_on;
              }).semi_sync_master_on);

  // kill -9 of the primary under load.
  Writer writer(*primary);
  writer.WaitForRows(200);
  const auto killed_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(primary->Kill().ok());
  writer.Stop();
  const std::vector<int> acknowledged = writer.Acknowledged();

  // Promotion.
  {
    auto admin = Admin(*standby);
    ASSERT_TRUE(admin);
    NodeAdmin node(*admin);
    ASSERT_TRUE(node.StopReplicationIo().ok());
    auto observed = node.Observe();
    ASSERT_TRUE(observed.ok());
    auto reached = node.WaitForGtid(observed->gtid_io_pos, Ms(8000));
    ASSERT_TRUE(reached.ok() && *reached) << observed->gtid_io_pos;
    ASSERT_TRUE(node.ResetReplication().ok());
    ASSERT_TRUE(node.SetReadOnly(false).ok());
    std::printf("[ figures  ] kill to writable standby: %.1f ms (detection not included)\n",
                SecondsSince(killed_at) * 1000);
    EXPECT_FALSE(node.Observe()->replica_configured);
  }
  EXPECT_THAT(Missing(*standby, acknowledged), ::testing::IsEmpty())
      << "semi-sync: every acknowledged commit reached the standby";
  {
    auto app = Admin(*standby, AdminBinlog::kWrite);
    ASSERT_TRUE(app);
    ASSERT_TRUE(app->Execute("INSERT INTO appdb.t VALUES (3000001, 'after failover')").ok());
    ASSERT_TRUE(app->Execute("INSERT INTO appdb.t VALUES (3000002, 'after failover')").ok());
  }

  // The crashed ex-primary comes back as a replica of the new primary.
  NodeSpec rejoin = primary->spec();
  rejoin.role = NodeRole::kStandby;
  rejoin.rejoin_as_replica = true;
  ASSERT_TRUE(primary->UpdateSpec(rejoin).ok());
  Status restarted = primary->Start(kTimeout);
  Track(*primary);
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();
  // What binlog recovery did with the unacknowledged tail, for the figures.
  std::string truncation = "nothing truncated";
  {
    const std::string log = ReadFileText(primary->layout().error_log());
    const size_t at = log.rfind("truncated binlog");
    if (at != std::string::npos) truncation = log.substr(at, log.find('\n', at) - at);
  }
  {
    auto admin = Admin(*primary);
    ASSERT_TRUE(admin);
    EXPECT_EQ(QueryOne(*admin,
                       "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE "
                       "VARIABLE_NAME = 'RPL_STATUS'"),
              "IDLE_SLAVE")
        << "started with init-rpl-role=SLAVE";
    EXPECT_EQ(SlaveStatus(*admin, "Using_Gtid"), "");
    ASSERT_TRUE(NodeAdmin(*admin)
                    .StartReplication(SourceFor(*standby, *primary), GtidStart::kCurrentPos)
                    .ok());
  }
  const ObservedNodeState rejoined = ObserveUntil(*primary, [](const ObservedNodeState& s) {
    return Attached(s) || s.last_io_errno != 0 || s.last_sql_errno != 0;
  });
  EXPECT_EQ(rejoined.slave_io_running, "Yes") << rejoined.last_io_error;
  EXPECT_NE(rejoined.last_io_errno, 1236) << "diverged: " << rejoined.last_io_error;
  EXPECT_TRUE(rejoined.slave_sql_running) << rejoined.last_sql_error;
  const std::string new_primary_pos = Observe(*standby).gtid_binlog_pos;
  EXPECT_TRUE(AppliedWithin(*primary, new_primary_pos, Ms(30000))) << new_primary_pos;
  {
    auto admin = Admin(*primary);
    ASSERT_TRUE(admin);
    EXPECT_EQ(QueryOne(*admin, "SELECT COUNT(*) FROM appdb.t WHERE v = 'after failover'"), "2");
    EXPECT_EQ(QueryOne(*admin, "SELECT COUNT(*) FROM appdb.t"),
              QueryOne(*Admin(*standby), "SELECT COUNT(*) FROM appdb.t"));
  }
  EXPECT_EQ(Observe(*primary).gtid_binlog_pos, new_primary_pos);
  std::printf("[ figures  ] %zu acknowledged writes before the kill; at rejoin: %s\n",
              acknowledged.size(), truncation.c_str());
}

TEST_F(ReplicationTest, AdminStatementsOnAStandbyMustSkipTheBinlog) {
  auto primary = StartPrimary("primary", false, 100);
  ASSERT_TRUE(primary);
  auto standby = CloneStandby("standby", *primary);
  ASSERT_TRUE(standby);
  ASSERT_NO_FATAL_FAILURE(Replicate(*standby, *primary, GtidStart::kSlavePos));
  auto primary_admin = Admin(*primary, AdminBinlog::kWrite);
  ASSERT_TRUE(primary_admin);
  auto write = [&](int id) {
    EXPECT_TRUE(
        primary_admin->Execute("INSERT INTO appdb.t VALUES (" + std::to_string(id) + ", 'x')")
            .ok());
  };

  // Through a kSkip connection (sql_log_bin=0): no GTID of the standby's own.
  {
    auto admin = Admin(*standby, AdminBinlog::kSkip);
    ASSERT_TRUE(admin);
    ASSERT_TRUE(admin->Execute("FLUSH TABLES").ok());
  }
  write(200001);
  EXPECT_TRUE(AppliedWithin(*standby, Observe(*primary).gtid_binlog_pos, Ms(30000)));
  ObservedNodeState state = Observe(*standby);
  EXPECT_EQ(state.gtid_binlog_pos, Observe(*primary).gtid_binlog_pos);
  EXPECT_TRUE(Attached(state)) << state.last_sql_error;

  // The trap, for contrast: the same statement with binary logging on is an
  // errant GTID, and the next replicated transaction stops the SQL thread
  // under gtid_strict_mode.
  {
    auto admin = Admin(*standby, AdminBinlog::kWrite);
    ASSERT_TRUE(admin);
    ASSERT_TRUE(admin->Execute("FLUSH TABLES").ok());
  }
  state = Observe(*standby);
  EXPECT_THAT(state.gtid_binlog_pos,
              HasSubstr("-" + std::to_string(standby->spec().server_id) + "-"))
      << "a GTID with the standby's own server id";
  write(200002);
  state = ObserveUntil(*standby, [](const ObservedNodeState& s) { return !s.slave_sql_running; });
  EXPECT_FALSE(state.slave_sql_running);
  EXPECT_EQ(state.last_sql_errno, 1950) << state.last_sql_error;  // out-of-order GTID
}

}  // namespace
}  // namespace tandem::engine
