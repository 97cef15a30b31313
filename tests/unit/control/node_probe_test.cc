// NodeProbe's counting of failed probes, against sockets that behave like a
// node that is gone (nothing listens) or hung (accepts, never answers: what
// a SIGSTOPped mariadbd's socket does). Real nodes are probed in the
// integration tests (SIGSTOP of a primary).
#include "control/node_probe.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

namespace tandem::control {
namespace {

using std::chrono::milliseconds;

class NodeProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "tandem-probe-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    if (listener_ >= 0) ::close(listener_);
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // A listening socket that accepts connections (the kernel does, from its
  // backlog) but never says a word.
  std::string SilentSocket() {
    const std::string path = dir_ + "/silent.sock";
    listener_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listener_, 16), 0);
    return path;
  }

  std::string dir_;
  int listener_ = -1;
};

TEST_F(NodeProbeTest, ANodeThatIsGoneFailsEveryProbeAndSaysWhy) {
  std::atomic<int> changes{0};
  NodeProbeOptions options;
  options.unix_socket = dir_ + "/nobody.sock";
  options.interval = milliseconds(20);
  options.probe_timeout = milliseconds(100);
  options.on_change = [&] { ++changes; };
  NodeProbe probe(options);
  std::this_thread::sleep_for(milliseconds(300));
  const ProbeSnapshot snapshot = probe.Read();
  EXPECT_GE(snapshot.failed_probes, 3);
  EXPECT_FALSE(snapshot.observed.has_value());
  EXPECT_GE(snapshot.ms_since_last_success, 250);
  EXPECT_FALSE(snapshot.last_error.empty());
  EXPECT_EQ(changes.load(), 1) << "only the first failure is a change of view";
}

TEST_F(NodeProbeTest, AProbeLeftWithoutAnswerCountsOncePerProbeTimeout) {
  NodeProbeOptions options;
  options.unix_socket = SilentSocket();
  options.interval = milliseconds(20);
  options.probe_timeout = milliseconds(100);
  NodeProbe probe(options);
  EXPECT_EQ(probe.Read().failed_probes, 0) << "nothing outstanding long enough yet";
  std::this_thread::sleep_for(milliseconds(450));
  const ProbeSnapshot hung = probe.Read();
  // The session's own timeout is a whole second: the first probe is still
  // outstanding, and counted as failed for each 100 ms it has waited.
  EXPECT_GE(hung.failed_probes, 4);
  EXPECT_LE(hung.failed_probes, 5);
  EXPECT_GE(hung.ms_since_last_success, 450);
}

TEST_F(NodeProbeTest, DestroyingAProbeOnAHungNodeReturnsAtOnce) {
  NodeProbeOptions options;
  options.unix_socket = SilentSocket();
  options.on_change = [] {};
  auto probe = std::make_unique<NodeProbe>(options);
  std::this_thread::sleep_for(milliseconds(50));
  const auto start = std::chrono::steady_clock::now();
  probe.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(100));
}

}  // namespace
}  // namespace tandem::control
