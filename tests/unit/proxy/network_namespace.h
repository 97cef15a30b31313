// Running a test's body in a network namespace of its own, so tests of the
// kernel path change the rules and conntrack of a namespace that dies with
// the body, never the host's.
#pragma once

#include <gtest/gtest.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <string>

namespace tandem::proxy::testing {

// Exit status of a body that could not run here (no namespace, no nftables):
// the test is skipped, not failed.
constexpr int kSkipped = 77;

// Brings the loopback interface up (a new namespace starts with it down).
inline bool BringLoopbackUp() {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  bool ok = ::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  ok = ok && ::ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
  ::close(fd);
  return ok;
}

// Runs body in a forked child inside a new network namespace with lo up.
// The body uses gtest assertions as usual; their messages print from the
// child. Returns 0 if the body passed, kSkipped if the namespace could not be
// made (or the body exited with kSkipped), anything else if it failed.
inline int RunInNewNetworkNamespace(const std::function<void()>& body) {
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (::unshare(CLONE_NEWNET) != 0 || !BringLoopbackUp()) {
      std::fprintf(stderr, "cannot make a network namespace: %s\n", std::strerror(errno));
      std::fflush(stderr);
      ::_exit(kSkipped);
    }
    body();
    std::fflush(stdout);
    std::fflush(stderr);
    ::_exit(::testing::Test::HasFailure() ? 1 : 0);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

}  // namespace tandem::proxy::testing
