#include "control/failover_record.h"

#include <nlohmann/json.hpp>

namespace tandem::control {

NLOHMANN_JSON_SERIALIZE_ENUM(FailoverInProgress::Phase,
                             {{FailoverInProgress::Phase::kFencing, "fencing"},
                              {FailoverInProgress::Phase::kCatchingUp, "catching-up"},
                              {FailoverInProgress::Phase::kPromoting, "promoting"},
                              {FailoverInProgress::Phase::kSwitching, "switching"}})

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FailoverRecord, region, instance, from_zone,
                                                to_zone, planned, phase, started_ms, fenced_gtid,
                                                reason)

std::string EncodeFailoverRecord(const FailoverRecord& record) {
  return nlohmann::json(record).dump();
}

StatusOr<FailoverRecord> DecodeFailoverRecord(const std::string& text) {
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Status::Corruption("failover record is not a JSON object");
  }
  try {
    return json.get<FailoverRecord>();
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("failover record does not decode: ") + e.what());
  }
}

}  // namespace tandem::control
