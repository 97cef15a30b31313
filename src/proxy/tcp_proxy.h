// TcpProxy: the user-space endpoint (endpoint.h), an event-driven TCP proxy
// inside tandemd, used where the kernel path is not available. The kernel
// path also runs one, as the listener that reserves the endpoint port and
// parks connections during a hold.
//
// Design (see forwarding_loop.h): one epoll loop per thread, each with its
// own SO_REUSEPORT listener so the kernel spreads connections over the loops;
// edge-triggered, non-blocking read/write through a fixed buffer per
// direction per connection (measured: splice did not beat read/write for
// MySQL-sized messages), TCP_NODELAY on both sockets, half-close relayed,
// backpressure when a buffer is full, no allocation per byte. Client
// connections to a node that is left (PointAt elsewhere, Hold, Close) are
// reset.
//
// Cost, measured (sysbench, 8 threads, 2 cores shared with the node and the
// client): 17-24 us of CPU per query round trip, HAProxy 20-25 us in the same
// runs; 2 reads, 2 writes and about 0.3 epoll waits per query, the minimum
// for a user-space hop. Most of that CPU is the kernel's socket work, taken
// from the server and the client on a small machine. The kernel path has no
// such cost.
//
// Thread-safety: as Endpoint. The contract is Endpoint's; this header only
// adds how to open one directly.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "common/status.h"
#include "proxy/endpoint.h"

namespace tandem::proxy {

class ForwardingLoop;

class TcpProxy : public Endpoint {
 public:
  // Listens on 127.0.0.1 (and the advertised address) at options.port, or a
  // free port if it is 0, with options.loops threads. Starts not pointed.
  // kInvalidArgument for bad options; kUnavailable if the port is in use by
  // another process; kIOError if sockets or threads cannot be created.
  static StatusOr<std::unique_ptr<TcpProxy>> Open(const EndpointOptions& options);

  // Stops accepting and resets every connection (as Close).
  ~TcpProxy() override;

  Status PointAt(uint16_t node_port) override;
  Status Hold() override;
  Status Close() override;
  EndpointDescription Describe() const override;

 private:
  TcpProxy(EndpointOptions options, std::vector<std::unique_ptr<ForwardingLoop>> loops);

  mutable std::mutex mu_;
  EndpointOptions options_;                             // with the port actually bound
  std::vector<std::unique_ptr<ForwardingLoop>> loops_;  // empty once closed
  bool closed_ = false;
  bool held_ = false;
  std::optional<uint16_t> node_port_;
};

}  // namespace tandem::proxy
