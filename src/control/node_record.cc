#include "control/node_record.h"

#include <nlohmann/json.hpp>

namespace tandem::control {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NodeRecord, region, instance, resource_id, zone,
                                                role, port, data_root, server_id, hostname,
                                                certificate_pem, private_key_envelope,
                                                certificate_expires_ms, initialized, bootstrapped,
                                                instance_class, parameter_group, parameters,
                                                replicating_from, reseed, rejoin_pending,
                                                promotion_gtid)

std::string EncodeNodeRecord(const NodeRecord& node) { return nlohmann::json(node).dump(); }

StatusOr<NodeRecord> DecodeNodeRecord(const std::string& text) {
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Status::Corruption("node record is not a JSON object");
  }
  try {
    return json.get<NodeRecord>();
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("node record does not decode: ") + e.what());
  }
}

}  // namespace tandem::control
