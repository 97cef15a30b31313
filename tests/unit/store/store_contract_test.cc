// The Store contract (store.h), run against every implementation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>

#include "store/store.h"
#include "testing/test_dir.h"

namespace tandem {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct StoreKind {
  std::string name;
  std::function<StatusOr<std::unique_ptr<Store>>(const std::string& dir)> open;
};

void PrintTo(const StoreKind& kind, std::ostream* os) { *os << kind.name; }

class StoreContractTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    StatusOr<std::unique_ptr<Store>> store = GetParam().open(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }

  // The entry at key, which must exist.
  StoreEntry MustGet(const std::string& key) {
    StatusOr<std::optional<StoreEntry>> entry = store_->Get(key);
    EXPECT_TRUE(entry.ok()) << entry.status().ToString();
    EXPECT_TRUE(entry.ok() && entry->has_value()) << key << " is absent";
    return entry.ok() && entry->has_value() ? **entry : StoreEntry{};
  }

  bool Exists(const std::string& key) {
    StatusOr<std::optional<StoreEntry>> entry = store_->Get(key);
    EXPECT_TRUE(entry.ok()) << entry.status().ToString();
    return entry.ok() && entry->has_value();
  }

  std::vector<std::string> ListKeys(const std::string& prefix) {
    StatusOr<std::vector<StoreEntry>> entries = store_->List(prefix);
    EXPECT_TRUE(entries.ok()) << entries.status().ToString();
    std::vector<std::string> keys;
    if (entries.ok()) {
      for (const StoreEntry& e : *entries) keys.push_back(e.key);
    }
    return keys;
  }

  Status Put(const std::string& key, const std::string& value,
             int64_t expected = StoreWrite::kAnyVersion) {
    return store_->Commit({StoreWrite::Put(key, value, expected)});
  }

  TestDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreContractTest, GetOfAbsentKeyIsEmpty) {
  StatusOr<std::optional<StoreEntry>> entry = store_->Get("nope");
  ASSERT_TRUE(entry.ok());
  EXPECT_FALSE(entry->has_value());
}

TEST_P(StoreContractTest, PutThenGet) {
  const std::string binary("{\"a\":\0\xff}", 8);
  ASSERT_TRUE(Put("secrets/r/a", binary).ok());
  ASSERT_TRUE(Put("secrets/r/empty", "").ok());
  const StoreEntry a = MustGet("secrets/r/a");
  EXPECT_EQ(a.key, "secrets/r/a");
  EXPECT_EQ(a.value, binary);
  EXPECT_GT(a.version, 0);
  EXPECT_EQ(MustGet("secrets/r/empty").value, "");
}

TEST_P(StoreContractTest, UpdateChangesVersion) {
  ASSERT_TRUE(Put("k", "1").ok());
  const int64_t v1 = MustGet("k").version;
  ASSERT_TRUE(Put("k", "2").ok());
  const StoreEntry e = MustGet("k");
  EXPECT_EQ(e.value, "2");
  EXPECT_GT(e.version, v1);
}

TEST_P(StoreContractTest, Delete) {
  ASSERT_TRUE(Put("k", "v").ok());
  ASSERT_TRUE(store_->Commit({StoreWrite::Delete("k")}).ok());
  EXPECT_FALSE(Exists("k"));
  // An unguarded delete of an absent key is not an error.
  EXPECT_TRUE(store_->Commit({StoreWrite::Delete("k")}).ok());
  EXPECT_TRUE(store_->Commit({StoreWrite::Delete("never")}).ok());
}

TEST_P(StoreContractTest, GuardedDelete) {
  ASSERT_TRUE(Put("k", "v").ok());
  const int64_t v = MustGet("k").version;
  EXPECT_EQ(store_->Commit({StoreWrite::Delete("k", v + 1)}).code(), Status::Code::kConflict);
  EXPECT_TRUE(Exists("k"));
  EXPECT_TRUE(store_->Commit({StoreWrite::Delete("k", v)}).ok());
  EXPECT_FALSE(Exists("k"));
  EXPECT_EQ(store_->Commit({StoreWrite::Delete("k", v)}).code(), Status::Code::kConflict);
}

TEST_P(StoreContractTest, ListReturnsPrefixInKeyOrder) {
  for (const char* key : {"a/c", "a/b/2", "b", "a/bc", "a/b", "a/b/1", "a/a", "a/\xff", "a/b0"}) {
    ASSERT_TRUE(Put(key, "v").ok());
  }
  EXPECT_THAT(ListKeys("a/b/"), ElementsAre("a/b/1", "a/b/2"));
  // A prefix is a string prefix, not a path component.
  EXPECT_THAT(ListKeys("a/b"), ElementsAre("a/b", "a/b/1", "a/b/2", "a/b0", "a/bc"));
  // Bytes order as unsigned, so "\xff" sorts last.
  EXPECT_THAT(ListKeys("a/"),
              ElementsAre("a/a", "a/b", "a/b/1", "a/b/2", "a/b0", "a/bc", "a/c", "a/\xff"));
  EXPECT_EQ(ListKeys("").size(), 9u);
  EXPECT_THAT(ListKeys("c"), ElementsAre());
  EXPECT_THAT(ListKeys("a/bc/"), ElementsAre());
  StatusOr<std::vector<StoreEntry>> entries = store_->List("a/b/1");
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].version, MustGet("a/b/1").version);
}

TEST_P(StoreContractTest, CompareAndSwap) {
  ASSERT_TRUE(Put("k", "1").ok());
  const int64_t v1 = MustGet("k").version;
  ASSERT_TRUE(Put("k", "2", v1).ok());
  const Status stale = Put("k", "3", v1);
  EXPECT_EQ(stale.code(), Status::Code::kConflict);
  EXPECT_THAT(stale.message(), HasSubstr("'k'"));
  EXPECT_EQ(MustGet("k").value, "2");
  EXPECT_EQ(Put("absent", "x", v1).code(), Status::Code::kConflict);
  EXPECT_FALSE(Exists("absent"));
}

TEST_P(StoreContractTest, MustNotExist) {
  EXPECT_TRUE(Put("k", "1", StoreWrite::kMustNotExist).ok());
  EXPECT_EQ(Put("k", "2", StoreWrite::kMustNotExist).code(), Status::Code::kConflict);
  EXPECT_EQ(MustGet("k").value, "1");
}

TEST_P(StoreContractTest, FailedGuardWritesNothing) {
  ASSERT_TRUE(Put("x", "old").ok());
  ASSERT_TRUE(Put("y", "old").ok());
  const StoreEntry x = MustGet("x");
  const StoreEntry y = MustGet("y");
  const Status st = store_->Commit({
      StoreWrite::Put("new", "v", StoreWrite::kMustNotExist), StoreWrite::Put("x", "new"),
      StoreWrite::Delete("y"), StoreWrite::Put("z", "v", StoreWrite::kMustNotExist),
      StoreWrite::Put("x2", "v", y.version + 100),  // the failing guard
  });
  EXPECT_EQ(st.code(), Status::Code::kConflict);
  EXPECT_FALSE(Exists("new"));
  EXPECT_FALSE(Exists("z"));
  EXPECT_EQ(MustGet("x").version, x.version);
  EXPECT_EQ(MustGet("x").value, "old");
  EXPECT_EQ(MustGet("y").version, y.version);
  EXPECT_EQ(ListKeys("").size(), 2u);
}

TEST_P(StoreContractTest, MultiKeyTransactionAppliesEverything) {
  ASSERT_TRUE(Put("gone", "v").ok());
  const int64_t gone = MustGet("gone").version;
  ASSERT_TRUE(store_
                  ->Commit({StoreWrite::Put("a", "1", StoreWrite::kMustNotExist),
                            StoreWrite::Put("b", "2"), StoreWrite::Delete("gone", gone)})
                  .ok());
  EXPECT_EQ(MustGet("a").value, "1");
  EXPECT_EQ(MustGet("b").value, "2");
  EXPECT_FALSE(Exists("gone"));
  EXPECT_GT(MustGet("a").version, gone);
}

TEST_P(StoreContractTest, InvalidTransactions) {
  ASSERT_TRUE(Put("k", "v").ok());
  const int64_t v = MustGet("k").version;
  const Status dup = store_->Commit({StoreWrite::Put("a", "1"), StoreWrite::Put("a", "2")});
  EXPECT_EQ(dup.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(dup.message(), HasSubstr("'a'"));
  EXPECT_EQ(store_->Commit({StoreWrite::Put("b", "1"), StoreWrite::Delete("b")}).code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(Put("", "v").code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(store_->Commit({StoreWrite::Delete("")}).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(Put("c", "v", -7).code(), Status::Code::kInvalidArgument);
  // Invalid beats conflict: a retry loop must not spin on a caller bug.
  EXPECT_EQ(store_->Commit({StoreWrite::Put("k", "x", v + 1), StoreWrite::Put("", "x")}).code(),
            Status::Code::kInvalidArgument);
  EXPECT_THAT(ListKeys(""), ElementsAre("k"));
  EXPECT_EQ(MustGet("k").version, v);
}

TEST_P(StoreContractTest, EmptyTransactionIsNoOp) {
  EXPECT_TRUE(store_->Commit({}).ok());
  EXPECT_THAT(ListKeys(""), ElementsAre());
}

TEST_P(StoreContractTest, VersionsAreNeverReused) {
  ASSERT_TRUE(Put("k", "1").ok());
  const int64_t first = MustGet("k").version;
  ASSERT_TRUE(store_->Commit({StoreWrite::Delete("k", first)}).ok());
  ASSERT_TRUE(Put("k", "2", StoreWrite::kMustNotExist).ok());
  const int64_t second = MustGet("k").version;
  EXPECT_GT(second, first);
  // A writer holding the version read before the delete must not win.
  EXPECT_EQ(Put("k", "stale", first).code(), Status::Code::kConflict);

  // Across keys too: every committed write gets a version above all before.
  int64_t last = second;
  for (int i = 0; i < 20; ++i) {
    const std::string key = "key" + std::to_string(i % 3);
    ASSERT_TRUE(Put(key, "v").ok());
    const int64_t v = MustGet(key).version;
    EXPECT_GT(v, last);
    last = v;
    if (i % 2 == 0) {
      ASSERT_TRUE(store_->Commit({StoreWrite::Delete(key)}).ok());
    }
  }
}

TEST_P(StoreContractTest, ConcurrentCompareAndSwapIncrementsAreExact) {
  constexpr int kThreads = 4;
  constexpr int kIncrements = 50;
  ASSERT_TRUE(Put("counter", "0").ok());
  std::atomic<int> conflicts{0};
  std::atomic<bool> failed{false};
  std::atomic<bool> writers_done{false};

  // A reader alongside: the counter it sees never goes backwards.
  std::thread reader([&] {
    int64_t seen = 0;
    while (!writers_done.load()) {
      StatusOr<std::optional<StoreEntry>> e = store_->Get("counter");
      if (!e.ok() || !e->has_value() || std::stoll((*e)->value) < seen) failed = true;
      if (e.ok() && e->has_value()) seen = std::stoll((*e)->value);
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        for (;;) {
          StatusOr<std::optional<StoreEntry>> e = store_->Get("counter");
          if (!e.ok() || !e->has_value()) {
            failed = true;
            return;
          }
          const std::string next = std::to_string(std::stoll((*e)->value) + 1);
          Status st = store_->Commit({StoreWrite::Put("counter", next, (*e)->version)});
          if (st.ok()) break;
          if (st.code() != Status::Code::kConflict) {
            failed = true;
            return;
          }
          ++conflicts;
        }
      }
    });
  }
  for (std::thread& w : writers) w.join();
  writers_done = true;
  reader.join();
  EXPECT_FALSE(failed.load());
  EXPECT_EQ(MustGet("counter").value, std::to_string(kThreads * kIncrements));
}

INSTANTIATE_TEST_SUITE_P(
    AllStores, StoreContractTest,
    ::testing::Values(StoreKind{"Memory",
                                [](const std::string&) -> StatusOr<std::unique_ptr<Store>> {
                                  return NewMemoryStore();
                                }},
                      StoreKind{"Sqlite",
                                [](const std::string& dir) {
                                  return OpenSqliteStore(dir + "/state.db");
                                }}),
    [](const ::testing::TestParamInfo<StoreKind>& info) { return info.param.name; });

}  // namespace
}  // namespace tandem
