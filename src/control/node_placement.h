// Where a new engine node goes: its zone's place among the instance's
// nodes, its port, its directory, its server id and its host name. Chosen
// once, when the node's record is created, and kept for the node's life.
//
// Ports: node ports come from their own range (from first_port up), apart
// from endpoint ports (from 3306 up) and from the kernel's ephemeral range
// (from 32768), so that neither an endpoint nor a client's outgoing
// connection takes a stopped node's port. A port is free when no node record
// and no instance endpoint in the store uses it and nothing listens on it
// now.
//
// Thread-safety: PlaceNode reads the store; call it from one thread at a
// time (the reconciler's loop) so two new nodes never get the same port.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "control/node_record.h"
#include "rds/db_instance.h"
#include "store/store.h"

namespace tandem::control {

struct NodePlacementOptions {
  std::string nodes_root;       // absolute; a node's directory is <root>/<DbiResourceId>/<zone>
  uint16_t first_port = 13306;  // lowest node port
  uint16_t last_port = 32767;   // highest node port
};

// The directory that holds every node of instance (removed with it).
std::string InstanceNodesDirectory(const NodePlacementOptions& options,
                                   const rds::DbInstance& instance);

// A node record for instance in zone ("<region>a" for the primary of a new
// instance) with role, without certificate. kUnavailable if no node port is
// free; kIOError if the store cannot be read.
StatusOr<NodeRecord> PlaceNode(const Store& store, const NodePlacementOptions& options,
                               const rds::DbInstance& instance, const std::string& zone,
                               const std::string& role);

}  // namespace tandem::control
