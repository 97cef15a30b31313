// What only a durable store can show: state across reopen and crashes.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <set>

#include "store/store.h"
#include "testing/test_dir.h"

namespace tandem {
namespace {

using ::testing::HasSubstr;

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> OpenStore() {
    StatusOr<std::unique_ptr<Store>> store = OpenSqliteStore(path_);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }

  static std::optional<StoreEntry> GetOrDie(const Store& store, const std::string& key) {
    StatusOr<std::optional<StoreEntry>> e = store.Get(key);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? *e : std::nullopt;
  }

  TestDir dir_;
  std::string path_ = dir_.File("state.db");
};

TEST_F(SqliteStoreTest, StateSurvivesReopen) {
  std::vector<StoreEntry> before;
  {
    std::unique_ptr<Store> store = OpenStore();
    ASSERT_TRUE(store);
    ASSERT_TRUE(
        store
            ->Commit({StoreWrite::Put("a/1", std::string("x\0y", 3)), StoreWrite::Put("a/2", ""),
                      StoreWrite::Put("a/\xff", "high"), StoreWrite::Put("b", "v")})
            .ok());
    ASSERT_TRUE(store->Commit({StoreWrite::Put("a/2", "two"), StoreWrite::Delete("b")}).ok());
    before = *store->List("");
  }
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_TRUE(store);
  StatusOr<std::vector<StoreEntry>> after = store->List("");
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ((*after)[i].key, before[i].key);
    EXPECT_EQ((*after)[i].value, before[i].value);
    EXPECT_EQ((*after)[i].version, before[i].version);
  }
  EXPECT_EQ(GetOrDie(*store, "a/1")->value, std::string("x\0y", 3));
  EXPECT_FALSE(GetOrDie(*store, "b").has_value());
}

// The highest live version would go back when the newest key is deleted; the
// counter must not, or a recreated key could repeat a version.
TEST_F(SqliteStoreTest, VersionCounterSurvivesReopenAfterDeletingNewestKey) {
  int64_t deleted_version = 0;
  {
    std::unique_ptr<Store> store = OpenStore();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->Commit({StoreWrite::Put("old", "v")}).ok());
    ASSERT_TRUE(store->Commit({StoreWrite::Put("newest", "v")}).ok());
    deleted_version = GetOrDie(*store, "newest")->version;
    ASSERT_TRUE(store->Commit({StoreWrite::Delete("newest")}).ok());
  }
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Commit({StoreWrite::Put("newest", "again", StoreWrite::kMustNotExist)}).ok());
  EXPECT_GT(GetOrDie(*store, "newest")->version, deleted_version);
  EXPECT_EQ(store->Commit({StoreWrite::Put("newest", "stale", deleted_version)}).code(),
            Status::Code::kConflict);
}

TEST_F(SqliteStoreTest, UsesWriteAheadLog) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Commit({StoreWrite::Put("k", "v")}).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(SqliteStoreTest, OpenErrorsAreIOErrors) {
  StatusOr<std::unique_ptr<Store>> missing_dir = OpenSqliteStore(dir_.File("absent/state.db"));
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_EQ(missing_dir.status().code(), Status::Code::kIOError);

  std::ofstream(path_) << std::string(4096, 'g');
  StatusOr<std::unique_ptr<Store>> garbage = OpenSqliteStore(path_);
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.status().code(), Status::Code::kIOError);
  EXPECT_THAT(garbage.status().message(), HasSubstr(path_));
}

// Another connection holding the write lock makes the commit fail after the
// busy timeout; the failed write must not become visible.
TEST_F(SqliteStoreTest, FailedWriteIsNotVisible) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Commit({StoreWrite::Put("k", "1")}).ok());
  const int64_t v = GetOrDie(*store, "k")->version;

  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  const Status st = store->Commit({StoreWrite::Put("k", "2", v), StoreWrite::Put("new", "x")});
  EXPECT_EQ(st.code(), Status::Code::kIOError);
  EXPECT_EQ(GetOrDie(*store, "k")->value, "1");
  EXPECT_FALSE(GetOrDie(*store, "new").has_value());
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);

  // The store carries on, with the guard still at the old version.
  ASSERT_TRUE(store->Commit({StoreWrite::Put("k", "2", v)}).ok());
  store.reset();
  store = OpenStore();
  EXPECT_EQ(GetOrDie(*store, "k")->value, "2");
  EXPECT_FALSE(GetOrDie(*store, "new").has_value());
}

std::string CommitKey(int64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "commits/%010lld", static_cast<long long>(n));
  return buf;
}

// The child side of the crash test: numbered transactions, each acknowledged
// on fd after Commit returns OK. Never returns.
[[noreturn]] void CommitUntilKilled(const std::string& path, int fd) {
  StatusOr<std::unique_ptr<Store>> opened = OpenSqliteStore(path);
  if (!opened.ok()) _exit(2);
  Store& store = **opened;
  StatusOr<std::optional<StoreEntry>> last = store.Get("last");
  if (!last.ok()) _exit(3);
  int64_t n = last->has_value() ? std::stoll((*last)->value) + 1 : 1;
  int64_t last_version = last->has_value() ? (*last)->version : StoreWrite::kMustNotExist;
  for (;; ++n) {
    // Each transaction writes its own key and moves "last" under a guard, so a
    // torn transaction would show as a gap or a mismatch.
    const Status st = store.Commit({StoreWrite::Put(CommitKey(n), std::string(100 + n % 900, 'p')),
                                    StoreWrite::Put("last", std::to_string(n), last_version)});
    if (!st.ok()) _exit(4);
    last_version = (*store.Get("last"))->version;
    if (write(fd, &n, sizeof n) != sizeof n) _exit(5);
  }
}

TEST_F(SqliteStoreTest, AcknowledgedCommitsSurviveSigkill) {
  std::mt19937 rng(std::random_device{}());
  std::set<int64_t> acknowledged;
  for (int round = 0; round < 6; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      CommitUntilKilled(path_, fds[1]);
    }
    close(fds[1]);

    // Wait for the first acknowledgement, then let it run for a random while,
    // reading acknowledgements as they come, and kill it mid-stride.
    auto read_ack = [&](int timeout_ms) {
      pollfd p{fds[0], POLLIN, 0};
      if (poll(&p, 1, timeout_ms) <= 0) return false;
      int64_t n = 0;
      if (read(fds[0], &n, sizeof n) != sizeof n) return false;
      acknowledged.insert(n);
      return true;
    };
    ASSERT_TRUE(read_ack(10000)) << "child made no progress";
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(std::uniform_int_distribution(5, 300)(rng));
    while (std::chrono::steady_clock::now() < deadline) read_ack(1);
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int wstatus = 0;
    ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL)
        << "child exited on its own, status " << wstatus;
    while (read_ack(0)) {
    }
    close(fds[0]);

    std::unique_ptr<Store> store = OpenStore();
    ASSERT_TRUE(store);
    std::optional<StoreEntry> last = GetOrDie(*store, "last");
    ASSERT_TRUE(last.has_value());
    const int64_t last_n = std::stoll(last->value);
    EXPECT_GE(last_n, *acknowledged.rbegin()) << "round " << round;
    for (int64_t n : acknowledged) {
      ASSERT_TRUE(GetOrDie(*store, CommitKey(n)).has_value()) << "acknowledged " << n << " lost";
    }
    // All-or-nothing: exactly commits 1..last exist.
    StatusOr<std::vector<StoreEntry>> commits = store->List("commits/");
    ASSERT_TRUE(commits.ok());
    ASSERT_EQ(static_cast<int64_t>(commits->size()), last_n) << "round " << round;
    EXPECT_EQ(commits->back().key, CommitKey(last_n));
  }
  EXPECT_GT(acknowledged.size(), 6u);
}

}  // namespace
}  // namespace tandem
