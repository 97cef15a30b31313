// Real sockets for the endpoint tests: a small threaded echo server standing
// in for a node, and blocking client helpers. Loopback only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/unique_fd.h"

namespace tandem::proxy::testing {

inline sockaddr_in Loopback(uint16_t port, const char* address = "127.0.0.1") {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  ::inet_pton(AF_INET, address, &sa.sin_addr);
  return sa;
}

inline void SetBuffers(int fd, int bytes) {
  if (bytes <= 0) return;
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
}

inline bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// A node stand-in: greets each connection with `greeting` (if any), echoes
// what it receives, and on the client's EOF sends `on_eof` and closes.
class EchoServer {
 public:
  struct Options {
    std::string greeting;
    std::string on_eof;
    int socket_buffer = 0;  // SO_SNDBUF/SO_RCVBUF of its connections; 0: default
  };

  explicit EchoServer(Options options) : options_(std::move(options)) {
    listener_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in sa = Loopback(0);
    ::bind(listener_.get(), reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
    ::listen(listener_.get(), SOMAXCONN);
    socklen_t len = sizeof(sa);
    ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }
  explicit EchoServer(std::string greeting) : EchoServer(Options{std::move(greeting), "", 0}) {}

  ~EchoServer() {
    ::shutdown(listener_.get(), SHUT_RDWR);
    acceptor_.join();
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : workers_) t.join();
  }

  uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }

 private:
  void AcceptLoop() {
    for (;;) {
      int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        return;
      }
      accepted_++;
      SetBuffers(fd, options_.socket_buffer);
      std::lock_guard<std::mutex> lock(mu_);
      open_.push_back(fd);
      workers_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void Serve(int fd) {
    if (!options_.greeting.empty()) SendAll(fd, options_.greeting + "\n");
    std::vector<char> buf(64 * 1024);
    for (;;) {
      ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      if (n == 0) {
        if (!options_.on_eof.empty()) SendAll(fd, options_.on_eof);
        break;
      }
      if (!SendAll(fd, std::string_view(buf.data(), static_cast<size_t>(n)))) break;
    }
    std::lock_guard<std::mutex> lock(mu_);
    std::erase(open_, fd);
    ::close(fd);
  }

  Options options_;
  UniqueFd listener_;
  uint16_t port_ = 0;
  std::atomic<int> accepted_{0};
  std::mutex mu_;
  std::vector<int> open_;             // guarded by mu_
  std::vector<std::thread> workers_;  // guarded by mu_ until the acceptor ends
  std::thread acceptor_;
};

// A blocking client connection, with receive and send timeouts so a broken
// proxy fails the test instead of hanging it; from local_port if not 0.
// Invalid if connect failed.
inline UniqueFd Connect(uint16_t port, const char* address = "127.0.0.1", int socket_buffer = 0,
                        uint16_t local_port = 0) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  SetBuffers(fd.get(), socket_buffer);
  timeval timeout{10, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  if (local_port != 0) {
    int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in local = Loopback(local_port);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0)
      return UniqueFd();
  }
  sockaddr_in sa = Loopback(port, address);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) return UniqueFd();
  return fd;
}

// Reads up to and excluding '\n'; "" on EOF, error or timeout.
inline std::string ReadLine(int fd) {
  std::string line;
  char c;
  while (::recv(fd, &c, 1, 0) == 1) {
    if (c == '\n') return line;
    line += c;
  }
  return "";
}

inline std::string ReadExactly(int fd, size_t n) {
  std::string data(n, '\0');
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::recv(fd, data.data() + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  data.resize(got);
  return data;
}

// Whether fd has something to read (bytes, EOF or an error) within timeout.
inline bool ReadableWithin(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) == 1;
}

enum class Ending { kEof, kReset, kData, kTimeout, kOtherError };

inline const char* ToString(Ending e) {
  switch (e) {
    case Ending::kEof:
      return "EOF";
    case Ending::kReset:
      return "reset";
    case Ending::kData:
      return "data";
    case Ending::kTimeout:
      return "timeout";
    case Ending::kOtherError:
      return "other error";
  }
  return "?";
}

// For gtest's failure messages.
inline void PrintTo(Ending e, std::ostream* os) { *os << ToString(e); }

// How the connection ends, waiting at most timeout.
inline Ending WaitForEnd(int fd, std::chrono::milliseconds timeout) {
  if (!ReadableWithin(fd, timeout)) return Ending::kTimeout;
  char c;
  ssize_t n = ::recv(fd, &c, 1, MSG_DONTWAIT);
  if (n == 0) return Ending::kEof;
  if (n > 0) return Ending::kData;
  return errno == ECONNRESET ? Ending::kReset : Ending::kOtherError;
}

}  // namespace tandem::proxy::testing
