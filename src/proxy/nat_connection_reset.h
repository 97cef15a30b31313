// Resetting the client connections that the kernel path routed to a node it
// no longer routes to. Internal to proxy/.
//
// A DNAT rule only steers new connections; conntrack keeps established ones
// going to the old node. For each of the node's sockets (local
// 127.0.0.1:node_port) whose conntrack entry says it came in through the
// endpoint (original destination one of the endpoint's addresses and port):
// 1. the socket is destroyed (SOCK_DESTROY, the kernel's `ss -K`): the node's
//    kernel sends an RST, which conntrack translates so the client sees it
//    from the endpoint and fails at once, even while it is blocked waiting
//    for a reply; the node's session ends too;
// 2. the entry is deleted, so if step 1 was not possible (a kernel without
//    socket destruction) the client's next packet meets a node that does not
//    know the connection and is reset then.
// Connections to the node that did not come through the endpoint
// (replication, tandemd's admin sessions) are left alone.
//
// The node's sockets are found with a socket-diagnostics dump, and each is
// looked up in conntrack by its exact tuple: a conntrack dump would walk the
// whole (host-wide) conntrack hash table, 10-35 ms measured here however few
// entries it holds.
//
// The node must be in this network namespace (it listens on 127.0.0.1).
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "proxy/endpoint_addresses.h"

namespace tandem::proxy {

struct NatConnectionReset {
  int connections = 0;  // connections through the endpoint found
  int sockets = 0;      // of those, node sockets destroyed (RST sent)
  int entries = 0;      // of those, conntrack entries deleted
};

// Needs CAP_NET_ADMIN. kIOError if the node's sockets or conntrack cannot be
// read.
StatusOr<NatConnectionReset> ResetNatConnections(const std::vector<EndpointAddress>& endpoint,
                                                 uint16_t endpoint_port, uint16_t node_port);

}  // namespace tandem::proxy
