#include "proxy/endpoint_addresses.h"

#include <arpa/inet.h>

namespace tandem::proxy {

StatusOr<std::vector<EndpointAddress>> EndpointAddresses(const EndpointOptions& options) {
  std::vector<EndpointAddress> addresses;
  addresses.push_back({in_addr{htonl(INADDR_LOOPBACK)}, "127.0.0.1"});
  if (!options.advertised_address.empty()) {
    EndpointAddress advertised{{}, options.advertised_address};
    if (::inet_pton(AF_INET, advertised.text.c_str(), &advertised.address) != 1) {
      return Status::InvalidArgument("advertised address '" + advertised.text +
                                     "' is not an IPv4 address: use a dotted quad like 10.0.0.5");
    }
    if (advertised.address.s_addr == htonl(INADDR_LOOPBACK)) {
      return Status::InvalidArgument(
          "advertised address 127.0.0.1 is already the endpoint's address: leave it empty");
    }
    addresses.push_back(advertised);
  }
  return addresses;
}

Status CheckNodePort(uint16_t endpoint_port, uint16_t node_port) {
  if (node_port == 0) return Status::InvalidArgument("node port 0 is not a port: give the node's");
  if (node_port == endpoint_port) {
    return Status::InvalidArgument("node port " + std::to_string(node_port) +
                                   " is the endpoint's own port: give the node's");
  }
  return Status::Ok();
}

}  // namespace tandem::proxy
