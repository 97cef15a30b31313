// The storage-full judgement as a table: thresholds, hysteresis, unreadable
// space, and the node each verdict names.
#include "control/storage_full.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tandem::control {
namespace {

constexpr uint64_t kMib = uint64_t{1} << 20;

NodeStorage Node(const std::string& zone, uint64_t free_mib, uint64_t total_mib) {
  return NodeStorage{zone, engine::StorageSpace{free_mib * kMib, total_mib * kMib}};
}

TEST(StorageFullTest, ThresholdIsTheLargerOfTheFloorAndTheFraction) {
  const StorageThresholds defaults;
  EXPECT_EQ(StorageFullBelow(256 * kMib, defaults), 64 * kMib);           // 2% = 5 MiB
  EXPECT_EQ(StorageFullBelow(100 * 1024 * kMib, defaults), 2048 * kMib);  // 2% of 100 GiB
  StorageThresholds custom;
  custom.min_free_bytes = 1 * kMib;
  custom.min_free_fraction = 0.10;
  EXPECT_EQ(StorageFullBelow(100 * kMib, custom), 10 * kMib);
}

TEST(StorageFullTest, EntersBelowAndLeavesAboveTwiceTheThreshold) {
  const StorageThresholds t;
  struct Row {
    const char* name;
    bool full_now;
    std::vector<NodeStorage> nodes;
    bool want_full;
    std::string reason_contains;
  };
  const std::vector<Row> rows = {
      {"roomy", false, {Node("a", 500, 1024)}, false, "node a has 500 MiB free of 1024 MiB"},
      {"below the threshold", false, {Node("a", 63, 1024)}, true, "node a has 63 MiB free"},
      {"at the threshold", false, {Node("a", 64, 1024)}, false, ""},
      {"one of two nodes short",
       false,
       {Node("a", 900, 1024), Node("b", 1, 1024)},
       true,
       "node b has 1 MiB free"},
      {"full, some room but not enough", true, {Node("a", 128, 1024)}, true, "above 128 MiB"},
      {"full, room again", true, {Node("a", 129, 1024)}, false, "node a"},
      {"full, one node roomy, the other not yet",
       true,
       {Node("a", 900, 1024), Node("b", 100, 1024)},
       true,
       "node b"},
      {"unreadable while available", false, {NodeStorage{"a", std::nullopt}}, false, ""},
      {"unreadable while full", true, {NodeStorage{"a", std::nullopt}}, true, "could not be read"},
      {"unreadable and a roomy node while full",
       true,
       {NodeStorage{"a", std::nullopt}, Node("b", 900, 1024)},
       true,
       ""},
      {"no nodes", true, {}, false, ""},
      {"a large file system uses the fraction",
       false,
       {Node("a", 1500, 100 * 1024)},
       true,
       "storage-full below 2048 MiB"},
  };
  for (const Row& row : rows) {
    const StorageVerdict v = JudgeStorage(row.full_now, row.nodes, t);
    EXPECT_EQ(v.full, row.want_full) << row.name << ": " << v.reason;
    EXPECT_NE(v.reason.find(row.reason_contains), std::string::npos)
        << row.name << ": " << v.reason;
  }
}

TEST(StorageFullTest, HoveringAroundTheThresholdDoesNotFlap) {
  const StorageThresholds t;
  bool full = false;
  int changes = 0;
  // Free space swinging between 50 and 120 MiB on a 1 GiB file system.
  for (int i = 0; i < 20; ++i) {
    const uint64_t free_mib = i % 2 == 0 ? 50 : 120;
    const bool next = JudgeStorage(full, {Node("a", free_mib, 1024)}, t).full;
    if (next != full) ++changes;
    full = next;
  }
  EXPECT_EQ(changes, 1);  // entered once, never left
  EXPECT_TRUE(full);
}

}  // namespace
}  // namespace tandem::control
