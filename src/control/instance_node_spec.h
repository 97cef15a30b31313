// The engine spec (engine/node_spec.h) of one of an instance's nodes, built
// from the instance's record, the node's record, and what the caller looked
// up for it (TLS material, sizing from the instance class, the parameter
// group's values, the storage keys).
//
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>

#include "control/node_record.h"
#include "engine/node_spec.h"
#include "rds/db_instance.h"

namespace tandem::control {

// The node's identity only (names, paths, port, account): enough to watch,
// adopt, stop or destroy it, not to start it (no TLS, keys or parameters).
engine::NodeSpec NodeIdentitySpec(const rds::DbInstance& instance, const NodeRecord& node,
                                  const std::string& os_user);

struct NodeStartInputs {
  engine::NodeTls tls;
  engine::NodeSizing sizing;
  std::map<std::string, std::string> parameters;  // the parameter group's values
  engine::StorageEncryption encryption;           // enabled with keys when storage_encrypted
  // Multi-AZ primaries: how commits wait for the standby (sync policy).
  engine::SemiSyncSettings semi_sync;
};

// Everything the node needs to start. Semi-sync (inputs.semi_sync) applies
// to a primary only; a standby never waits for acknowledgements. A standby
// whose record has rejoin_pending starts with --init-rpl-role=SLAVE.
engine::NodeSpec NodeStartSpec(const rds::DbInstance& instance, const NodeRecord& node,
                               const std::string& os_user, NodeStartInputs inputs);

}  // namespace tandem::control
