// The botocore service models built into tandemd (see service_model.h): for
// each service, botocore's service-2.json and Tandem's overlay of operations
// newer than that botocore, embedded at build time by
// tandem_embed_service_model() in CMake, which defines the constants below
// (one pair per service) and the table behind EmbeddedModels().
//
// Immutable; thread-safe.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "api/service_model.h"
#include "common/status.h"

namespace tandem::api {

struct EmbeddedModel {
  std::string_view service;       // botocore's name for it: "secretsmanager", "rds"
  std::string_view model_json;    // botocore's service-2.json
  std::string_view overlay_json;  // Tandem's additions; may be empty
};

namespace embedded {
// botocore's secretsmanager 2017-10-17 model and src/secrets/model/overlay.json.
extern const std::string_view kSecretsManagerModel;
extern const std::string_view kSecretsManagerOverlay;
// botocore's rds 2014-10-31 model and src/rds/model/overlay.json.
extern const std::string_view kRdsModel;
extern const std::string_view kRdsOverlay;
}  // namespace embedded

// Every model embedded in this build.
std::span<const EmbeddedModel> EmbeddedModels();

// The embedded model of service, or nullptr if none was embedded.
const EmbeddedModel* FindEmbeddedModel(std::string_view service);

// The embedded model of service with its overlay merged, parsed.
// kNotFound if the service has no embedded model; kInvalidArgument if the
// embedded documents do not parse (a build problem).
StatusOr<std::shared_ptr<const ServiceModel>> LoadEmbeddedModel(std::string_view service);

}  // namespace tandem::api
