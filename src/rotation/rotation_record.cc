#include "rotation/rotation_record.h"

#include <nlohmann/json.hpp>

namespace tandem::rotation {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RotationRecord, region, secret_arn, function_arn,
                                                token, next_step, state, attempts, last_error,
                                                started_ms, next_attempt_ms, test_only)

std::string EncodeRotationRecord(const RotationRecord& record) {
  return nlohmann::json(record).dump();
}

StatusOr<RotationRecord> DecodeRotationRecord(const std::string& text) {
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Status::Corruption("rotation record is not a JSON object");
  }
  try {
    return json.get<RotationRecord>();
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("rotation record does not decode: ") + e.what());
  }
}

}  // namespace tandem::rotation
