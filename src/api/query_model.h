// QueryModel: what the AWS Query protocol needs from a botocore service model
// (RDS): the API version every request names, the XML namespace of every
// response, each operation's input and output shapes with their wire names
// (locationName), the result wrapper of each output, and the HTTP status of
// each modeled error code. It holds the ServiceModel that validates inputs as
// well, parsed from the same documents, so one model is the table of truth
// for both the wire format and the parameter rules.
//
// Shapes keep the member order of the model (responses list members in that
// order, as AWS does).
//
// Immutable after construction; thread-safe.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/service_model.h"
#include "common/status.h"

namespace tandem::api {

using OrderedJson = nlohmann::ordered_json;

// The name a member or list element has on the wire: the model's reference to
// it (a member, a list's "member", a map's "key"/"value") gives its
// locationName; without one, fallback.
std::string WireName(const OrderedJson& ref, std::string_view fallback);

// A modeled error, from the "error" field of an exception shape.
struct ModeledError {
  int http_status = 400;
  bool sender_fault = true;
};

class QueryModel {
 public:
  // Parses a botocore service-2.json document and merges overlay (same format
  // as ServiceModel::Parse: "operations" and "shapes" that replace botocore's).
  // kInvalidArgument if either does not parse, the model is not a Query
  // model with an apiVersion and xmlNamespace, or a shape is dangling.
  static StatusOr<std::shared_ptr<const QueryModel>> Parse(std::string_view model_json,
                                                           std::string_view overlay_json = "");
  // The model embedded for service (api/embedded_models.h).
  static StatusOr<std::shared_ptr<const QueryModel>> LoadEmbedded(std::string_view service);

  const std::string& api_version() const { return api_version_; }      // "2014-10-31"
  const std::string& xml_namespace() const { return xml_namespace_; }  // RDS's doc URL
  const ServiceModel& validation() const { return *validation_; }

  bool HasOperation(const std::string& operation) const;
  // The shape called name, or nullptr.
  const OrderedJson* Shape(const std::string& name) const;
  // The name of operation's input / output shape; "" when it has none.
  std::string InputShapeName(const std::string& operation) const;
  std::string OutputShapeName(const std::string& operation) const;
  // The element the output is wrapped in ("DescribeDBInstancesResult"); "" if none.
  std::string ResultWrapper(const std::string& operation) const;
  // The modeled error with this code ("DBInstanceNotFound"), or nullopt for
  // codes the model does not list (the common errors: InvalidParameterValue...).
  std::optional<ModeledError> FindError(const std::string& code) const;

 private:
  OrderedJson model_;
  std::string api_version_;
  std::string xml_namespace_;
  std::shared_ptr<const ServiceModel> validation_;
  std::map<std::string, ModeledError, std::less<>> errors_;
};

}  // namespace tandem::api
