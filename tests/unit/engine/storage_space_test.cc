#include "engine/storage_space.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "testing/test_dir.h"

namespace tandem::engine {
namespace {

using ::testing::HasSubstr;

TEST(StorageSpace, ReadsTheFileSystemHoldingAPath) {
  TestDir dir;
  auto before = FileSystemSpace(dir.path());
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_GT(before->total_bytes, 0u);
  EXPECT_LE(before->free_bytes, before->total_bytes);
  // Any path on the same file system reads the same file system.
  auto by_file = FileSystemSpace(dir.path() + "/.");
  ASSERT_TRUE(by_file.ok());
  EXPECT_EQ(by_file->total_bytes, before->total_bytes);
}

TEST(StorageSpace, AMissingPathIsAnIOErrorNamingIt) {
  TestDir dir;
  auto missing = FileSystemSpace(dir.File("not-there"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kIOError);
  EXPECT_THAT(missing.status().message(), HasSubstr("not-there"));
}

}  // namespace
}  // namespace tandem::engine
