#include "control/instance_node_spec.h"

namespace tandem::control {

engine::NodeSpec NodeIdentitySpec(const rds::DbInstance& instance, const NodeRecord& node,
                                  const std::string& os_user) {
  engine::NodeSpec spec;
  spec.instance_id = instance.identifier;
  spec.zone = node.zone;
  spec.node_name = instance.resource_id + "-" + node.zone;
  spec.data_root = node.data_root;
  spec.port = node.port;
  spec.server_id = node.server_id;
  spec.hostname = node.hostname;
  spec.os_user = os_user;
  spec.role = node.is_primary() ? engine::NodeRole::kPrimary : engine::NodeRole::kStandby;
  return spec;
}

engine::NodeSpec NodeStartSpec(const rds::DbInstance& instance, const NodeRecord& node,
                               const std::string& os_user, NodeStartInputs inputs) {
  engine::NodeSpec spec = NodeIdentitySpec(instance, node, os_user);
  spec.tls = std::move(inputs.tls);
  spec.sizing = inputs.sizing;
  spec.parameters = std::move(inputs.parameters);
  spec.encryption = std::move(inputs.encryption);
  if (node.is_primary()) {
    spec.semi_sync = inputs.semi_sync;
  } else {
    spec.rejoin_as_replica = node.rejoin_pending;
  }
  return spec;
}

}  // namespace tandem::control
