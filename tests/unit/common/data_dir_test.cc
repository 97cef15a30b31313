#include "common/data_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

namespace tandem {
namespace {

class DataDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tandem-datadir-XXXXXX";
    root_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::string root_;
};

TEST_F(DataDirectoryTest, CreatesPrivateDirectory) {
  auto dir = DataDirectory::Open(root_ + "/a/b");
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  struct stat st {};
  ASSERT_EQ(stat(dir->path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0711u);
  EXPECT_EQ(dir->File("x"), dir->path() + "/x");
}

TEST_F(DataDirectoryTest, SecondHolderIsRefusedWithPid) {
  auto first = DataDirectory::Open(root_);
  ASSERT_TRUE(first.ok());
  // flock locks belong to the open file description: another process must fail.
  pid_t child = fork();
  if (child == 0) {
    auto second = DataDirectory::Open(root_);
    bool refused = !second.ok() && second.status().code() == Status::Code::kUnavailable &&
                   second.status().message().find(std::to_string(getppid())) != std::string::npos;
    _exit(refused ? 0 : 1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_F(DataDirectoryTest, LockIsReleasedWhenHolderDies) {
  pid_t child = fork();
  if (child == 0) {
    auto held = DataDirectory::Open(root_);
    kill(getpid(), SIGKILL);  // dies holding the lock, as a SIGKILLed tandemd would
    _exit(1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  auto again = DataDirectory::Open(root_);
  EXPECT_TRUE(again.ok()) << again.status().ToString();
}

}  // namespace
}  // namespace tandem
