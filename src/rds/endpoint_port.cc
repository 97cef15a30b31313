#include "rds/endpoint_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rds/rds_errors.h"

namespace tandem::rds {

bool CanBindLoopback(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool free = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return free;
}

api::ApiResult<uint16_t> ChooseEndpointPort(const std::map<uint16_t, std::string>& used,
                                            uint16_t first_port, int requested,
                                            const PortProbe& can_bind) {
  if (requested != 0) {
    uint16_t port = static_cast<uint16_t>(requested);
    if (auto it = used.find(port); it != used.end()) {
      return errors::InvalidParameterValue("Port " + std::to_string(port) +
                                           " is in use by DB instance " + it->second +
                                           "; choose another Port or omit it");
    }
    if (!can_bind(port)) {
      return errors::InvalidParameterValue("Port " + std::to_string(port) +
                                           " is in use by another process; choose another Port "
                                           "or omit it");
    }
    return port;
  }
  for (uint32_t port = first_port; port <= 65535; ++port) {
    auto p = static_cast<uint16_t>(port);
    if (used.count(p) == 0 && can_bind(p)) return p;
  }
  return errors::InvalidParameterValue("No free port from " + std::to_string(first_port) +
                                       " to 65535 for the endpoint; give a Port or free one");
}

}  // namespace tandem::rds
