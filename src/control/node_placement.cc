#include "control/node_placement.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>

#include "crypto/random.h"

namespace tandem::control {
namespace {

// Whether something could listen on 127.0.0.1:port right now.
bool CanListen(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

StatusOr<std::set<uint16_t>> PortsInUse(const Store& store) {
  std::set<uint16_t> ports;
  auto nodes = store.List("nodes/");
  if (!nodes.ok()) return nodes.status();
  for (const StoreEntry& entry : *nodes) {
    auto node = DecodeNodeRecord(entry.value);
    if (node.ok()) ports.insert(node->port);
  }
  auto instances = store.List("db-instances/");
  if (!instances.ok()) return instances.status();
  for (const StoreEntry& entry : *instances) {
    auto instance = rds::DecodeDbInstance(entry.value);
    if (instance.ok()) ports.insert(instance->endpoint_port);
  }
  return ports;
}

// "a" -> 0, "b" -> 1, ...: a zone's place among the region's zones.
uint32_t ZoneIndex(const std::string& zone) {
  const char last = zone.empty() ? 'a' : zone.back();
  return last >= 'a' && last <= 'z' ? static_cast<uint32_t>(last - 'a') : 0;
}

}  // namespace

std::string InstanceNodesDirectory(const NodePlacementOptions& options,
                                   const rds::DbInstance& instance) {
  return options.nodes_root + "/" + instance.resource_id;
}

StatusOr<NodeRecord> PlaceNode(const Store& store, const NodePlacementOptions& options,
                               const rds::DbInstance& instance, const std::string& zone,
                               const std::string& role) {
  auto in_use = PortsInUse(store);
  if (!in_use.ok()) return in_use.status();
  NodeRecord node;
  for (uint32_t port = options.first_port; port <= options.last_port; ++port) {
    if (in_use->count(static_cast<uint16_t>(port)) == 0 && CanListen(static_cast<uint16_t>(port))) {
      node.port = static_cast<uint16_t>(port);
      break;
    }
  }
  if (node.port == 0) {
    return Status::Unavailable("no free node port between " + std::to_string(options.first_port) +
                               " and " + std::to_string(options.last_port));
  }
  node.region = instance.region;
  node.instance = instance.identifier;
  node.resource_id = instance.resource_id;
  node.zone = zone;
  node.role = role;
  node.data_root = InstanceNodesDirectory(options, instance) + "/" + zone;
  // Unique among the nodes that replicate with each other: the instance's.
  node.server_id = ZoneIndex(zone) + 1;
  // One subnet per zone, as in a VPC: ip-10-0-1-x in zone a, ip-10-0-2-x in b.
  node.hostname = "ip-10-0-" + std::to_string(ZoneIndex(zone) + 1) + "-" +
                  std::to_string(4 + crypto::RandomBelow(251));
  node.instance_class = instance.desired.instance_class;
  return node;
}

}  // namespace tandem::control
