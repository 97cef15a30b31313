#include "proxy/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <future>
#include <string>
#include <thread>

#include "common/unique_fd.h"
#include "proxy/endpoint_addresses.h"
#include "proxy/forwarding_loop.h"

namespace tandem::proxy {
namespace {

std::string AddressText(const EndpointAddress& a, uint16_t port) {
  return a.text + ":" + std::to_string(port);
}

// A listening, non-blocking socket on a:port. With reuse_port, several loops
// can each have one on the same port and the kernel spreads connections.
StatusOr<UniqueFd> Listen(const EndpointAddress& a, uint16_t port, bool reuse_port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Status::IOError(std::string("socket: ") + strerror(errno));
  int one = 1;
  // Lets tandemd bind again at once after a restart, with connections to the
  // port still in TIME_WAIT. It does not allow two listeners on one port.
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (reuse_port) ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr = a.address;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
    int e = errno;
    if (e == EADDRINUSE) {
      return Status::Unavailable(AddressText(a, port) +
                                 " is in use by another process: choose another endpoint port");
    }
    if (e == EADDRNOTAVAIL) {
      return Status::InvalidArgument("advertised address " + a.text +
                                     " is not an address of this host");
    }
    return Status::IOError("bind " + AddressText(a, port) + ": " + strerror(e));
  }
  if (::listen(fd.get(), SOMAXCONN) != 0) {
    return Status::IOError("listen " + AddressText(a, port) + ": " + strerror(errno));
  }
  return fd;
}

uint16_t BoundPort(const UniqueFd& fd) {
  sockaddr_in sa{};
  socklen_t len = sizeof(sa);
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sa), &len);
  return ntohs(sa.sin_port);
}

}  // namespace

StatusOr<std::unique_ptr<TcpProxy>> TcpProxy::Open(const EndpointOptions& options) {
  auto addresses = EndpointAddresses(options);
  if (!addresses.ok()) return addresses.status();
  if (options.hold_bound <= std::chrono::milliseconds::zero()) {
    return Status::InvalidArgument("hold bound must be positive");
  }
  if (options.buffer_bytes < 1024) {
    return Status::InvalidArgument("buffer size " + std::to_string(options.buffer_bytes) +
                                   " bytes is too small: use at least 1024");
  }
  if (options.loops < 0) return Status::InvalidArgument("loop count must not be negative");
  int loop_count = options.loops > 0
                       ? options.loops
                       : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  bool reuse_port = loop_count > 1;

  EndpointOptions bound = options;
  std::vector<std::vector<UniqueFd>> listeners(loop_count);
  for (const EndpointAddress& a : *addresses) {
    if (reuse_port && bound.port != 0) {
      // SO_REUSEPORT would let us join a group another process of the same
      // user already listens in; a plain bind first proves the port is free.
      auto probe = Listen(a, bound.port, /*reuse_port=*/false);
      if (!probe.ok()) return probe.status();
    }
    for (int i = 0; i < loop_count; ++i) {
      auto fd = Listen(a, bound.port, reuse_port);
      if (!fd.ok()) return fd.status();
      if (bound.port == 0) bound.port = BoundPort(*fd);
      listeners[i].push_back(std::move(*fd));
    }
  }

  ForwardingLoop::Config config;
  config.buffer_bytes = options.buffer_bytes;
  config.hold_bound = options.hold_bound;
  std::vector<std::unique_ptr<ForwardingLoop>> loops;
  for (auto& l : listeners) {
    auto loop = ForwardingLoop::Start(config, std::move(l));
    if (!loop.ok()) return loop.status();
    loops.push_back(std::move(*loop));
  }
  return std::unique_ptr<TcpProxy>(new TcpProxy(bound, std::move(loops)));
}

TcpProxy::TcpProxy(EndpointOptions options, std::vector<std::unique_ptr<ForwardingLoop>> loops)
    : options_(std::move(options)), loops_(std::move(loops)) {}

TcpProxy::~TcpProxy() { Close(); }

Status TcpProxy::PointAt(uint16_t node_port) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_)
    return Status::Unavailable("endpoint " + std::to_string(options_.port) + " is closed");
  TANDEM_RETURN_IF_ERROR(CheckNodePort(options_.port, node_port));
  std::vector<std::future<void>> applied;
  for (auto& loop : loops_) applied.push_back(loop->PointAt(node_port));
  for (auto& a : applied) a.wait();
  node_port_ = node_port;
  held_ = false;
  return Status::Ok();
}

Status TcpProxy::Hold() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_)
    return Status::Unavailable("endpoint " + std::to_string(options_.port) + " is closed");
  std::vector<std::future<void>> applied;
  for (auto& loop : loops_) applied.push_back(loop->Hold());
  for (auto& a : applied) a.wait();
  held_ = true;
  return Status::Ok();
}

Status TcpProxy::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  loops_.clear();  // each loop stops, closes its listeners and resets its connections
  closed_ = true;
  held_ = false;
  node_port_.reset();
  return Status::Ok();
}

EndpointDescription TcpProxy::Describe() const {
  std::lock_guard<std::mutex> lock(mu_);
  EndpointDescription d;
  d.mechanism = Mechanism::kUserSpace;
  d.port = options_.port;
  d.advertised_address = options_.advertised_address;
  d.held = held_;
  if (!held_) d.node_port = node_port_;
  d.hold_bound = options_.hold_bound;
  for (const auto& loop : loops_) {
    d.relayed_connections += loop->relayed_connections();
    d.held_connections += loop->held_connections();
  }
  d.closed = closed_;
  return d;
}

}  // namespace tandem::proxy
