// The addresses an endpoint answers on, and the checks on the ports it is
// given, shared by both mechanisms. Internal to proxy/.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "proxy/endpoint.h"

namespace tandem::proxy {

struct EndpointAddress {
  in_addr address;
  std::string text;  // dotted quad
};

// 127.0.0.1, then the advertised address if there is one. kInvalidArgument if
// the advertised address is not a dotted-quad IPv4 address or repeats
// 127.0.0.1.
StatusOr<std::vector<EndpointAddress>> EndpointAddresses(const EndpointOptions& options);

// kInvalidArgument unless node_port can be a target of the endpoint on
// endpoint_port (not 0, not the endpoint itself).
Status CheckNodePort(uint16_t endpoint_port, uint16_t node_port);

}  // namespace tandem::proxy
