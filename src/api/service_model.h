// ServiceModel: botocore's service model for one API, the table of truth for
// operation names, input shapes, parameter limits and enums (STYLE.md:
// "one table of truth for an API").
//
// Tandem embeds the model JSON of each service it serves at build time (from
// Debian's python3-botocore, plus the small overlays in src/<service>/model/
// for operations newer than Debian's botocore) and checks every request's
// input against it before a handler runs, so handlers only check semantics.
//
// Immutable after construction; thread-safe.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_error.h"
#include "common/status.h"

namespace tandem::api {

class ServiceModel {
 public:
  // Parses a botocore service-2.json document, then merges overlay (a document
  // of the same shape holding extra "operations" and "shapes"; may be empty).
  static StatusOr<std::shared_ptr<const ServiceModel>> Parse(std::string_view model_json,
                                                             std::string_view overlay_json = "");

  bool HasOperation(const std::string& operation) const;
  std::vector<std::string> OperationNames() const;

  // Checks input against the operation's input shape: required members,
  // JSON types (string, integer, long, boolean, timestamp, blob as base64,
  // list, map, structure), min/max lengths and ranges, enums. Members not in
  // the shape are ignored, as AWS does. Returns nullopt when valid, else the
  // error AWS's front end gives:
  //   wrong JSON type          -> SerializationException
  //   constraint violated      -> ValidationException "1 validation error detected:
  //                               Value 'x' at 'name' failed to satisfy constraint:
  //                               Member must have length less than or equal to 512"
  // Values of shapes marked "sensitive" are never echoed in the message.
  std::optional<ApiError> ValidateInput(const std::string& operation,
                                        const nlohmann::json& input) const;

 private:
  nlohmann::json model_;
};

}  // namespace tandem::api
