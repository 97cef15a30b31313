// Endpoint: a DB instance's one stable address, 127.0.0.1:<endpoint port> (and
// optionally an advertised address on the same port), that always reaches the
// instance's current primary node at 127.0.0.1:<node port>. Clients keep the
// address across failovers; the control plane moves what is behind it.
//
// Two mechanisms implement the same contract:
// - kKernel (nftables_endpoint.h): a DNAT map element in Tandem's own
//   nftables table, `ip tandem`. No user-space work per packet, and the rule
//   outlives tandemd, so clients keep reaching the primary while tandemd
//   restarts. Needs CAP_NET_ADMIN and a kernel with nftables NAT.
// - kUserSpace (tcp_proxy.h): an epoll proxy inside tandemd. Works anywhere,
//   costs CPU per query, and stops with tandemd.
// OpenEndpoint picks the kernel path whenever it is available.
//
// States and what a client connecting to the endpoint sees:
// - not pointed (just opened, nothing adopted): accepted and closed at once.
// - pointed at node N: connected to 127.0.0.1:N.
// - held (a failover in progress): accepted and parked, up to hold_bound per
//   connection, then released to the node named by the next PointAt, or
//   closed if the bound passes first.
// Leaving a node, by PointAt to another node or by Hold, closes (resets) the
// client connections to the node left, so clients notice at once and
// reconnect, instead of waiting on a node that is being fenced. Connections
// to the node that did not come through the endpoint (replication, tandemd's
// admin sessions) are never touched.
//
// Lifetime: Close removes the endpoint (rules, listener, connections).
// Destroying an Endpoint without Close stops tandemd's part of it only: a
// kernel endpoint's rule stays in place and keeps routing, and the next
// OpenEndpoint for the same port (tandemd restarted) adopts it as it is;
// a user-space endpoint stops accepting and its connections are closed.
// So after a restart the reconciler opens every instance's endpoint and
// points it again (a no-op when nothing changed), and opens then closes any
// port it no longer has an instance for.
//
// Thread-safety: every method may be called from any thread; calls on one
// Endpoint are serialized.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"

namespace tandem::proxy {

enum class Mechanism {
  kKernel,     // nftables DNAT, switched atomically; see nftables_endpoint.h
  kUserSpace,  // epoll proxy inside tandemd; see tcp_proxy.h
};

// "kernel" or "user-space".
const char* MechanismName(Mechanism mechanism);

struct EndpointOptions {
  // The endpoint port on 127.0.0.1. Required for the kernel path; the
  // user-space path also accepts 0 and picks a free port (see Describe).
  uint16_t port = 0;
  // An extra IPv4 address clients may use with the same port, e.g. the host's
  // address for clients on other machines; "" for none. Remote clients reach
  // the kernel path's target (a node on 127.0.0.1) only where the host routes
  // to 127.0.0.1 from their interface (net.ipv4.conf.<if>.route_localnet=1);
  // Tandem does not change that setting.
  std::string advertised_address;
  // How long one connection may wait while the endpoint is held.
  std::chrono::milliseconds hold_bound{std::chrono::seconds(30)};
  // User-space proxy: event loops (threads); 0 for one per core.
  int loops = 0;
  // User-space proxy: bytes buffered per direction per connection; a side
  // whose buffer is full is not read until the other side drains it.
  size_t buffer_bytes = 16 * 1024;
};

// What an endpoint is doing now, for status pages and events.
struct EndpointDescription {
  Mechanism mechanism = Mechanism::kUserSpace;
  uint16_t port = 0;
  std::string advertised_address;
  // The node port new connections go to; nullopt when not pointed or held.
  std::optional<uint16_t> node_port;
  bool held = false;
  // Connections relayed through tandemd (for the kernel path, only those
  // released from a hold; the others bypass tandemd).
  size_t relayed_connections = 0;
  // Connections parked by a hold.
  size_t held_connections = 0;
  std::chrono::milliseconds hold_bound{0};
  bool closed = false;

  // One sentence, e.g. "127.0.0.1:3306 -> 127.0.0.1:3307 (kernel DNAT)".
  std::string ToString() const;
};

class Endpoint {
 public:
  virtual ~Endpoint() = default;

  // Routes new connections to 127.0.0.1:node_port and releases connections
  // parked by Hold to it. If the endpoint was pointed at another node, the
  // switch is atomic (every new connection goes to exactly one of the two)
  // and the connections to the old node are then reset. Pointing at the
  // current node is a no-op that keeps its connections. kInvalidArgument for
  // port 0 or the endpoint's own port. kIOError if the route could not be
  // changed (the endpoint is as before), or if it was changed but the
  // connections to the old node could not all be reset (the message says
  // so; calling again is then a no-op).
  virtual Status PointAt(uint16_t node_port) = 0;

  // Starts a hold: new connections wait for the next PointAt (each for at
  // most hold_bound, then it is closed), and connections to the current node
  // are reset. Holding a held endpoint changes nothing. Errors as PointAt.
  virtual Status Hold() = 0;

  // Removes the endpoint: its rule (and Tandem's nftables table with the last
  // one), its listener, and every connection through it. Afterwards every
  // method returns kUnavailable, except Describe and Close (OK again).
  virtual Status Close() = 0;

  virtual EndpointDescription Describe() const = 0;
};

// Opens the endpoint for options.port with the given mechanism, or, without
// one, the kernel path when KernelPathAvailable() and the user-space proxy
// otherwise. If Tandem's nftables table already routes this port (tandemd
// restarted), the kernel path adopts that route and hold state unchanged.
// kInvalidArgument for bad options; kUnavailable if the endpoint port is in
// use by another process, or if the kernel path was asked for and is not
// available (the message says why).
StatusOr<std::unique_ptr<Endpoint>> OpenEndpoint(const EndpointOptions& options,
                                                 std::optional<Mechanism> mechanism = std::nullopt);

// OK if this process can use the kernel path (CAP_NET_ADMIN, and nftables
// accepts Tandem's NAT table, checked without changing anything); otherwise
// kUnavailable saying what is missing.
Status KernelPathAvailable();

}  // namespace tandem::proxy
