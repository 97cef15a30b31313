#include "api/embedded_models.h"

#include <string>

namespace tandem::api {

const EmbeddedModel* FindEmbeddedModel(std::string_view service) {
  for (const EmbeddedModel& model : EmbeddedModels()) {
    if (model.service == service) return &model;
  }
  return nullptr;
}

StatusOr<std::shared_ptr<const ServiceModel>> LoadEmbeddedModel(std::string_view service) {
  const EmbeddedModel* embedded = FindEmbeddedModel(service);
  if (embedded == nullptr) {
    return Status::NotFound("no service model is embedded for '" + std::string(service) + "'");
  }
  return ServiceModel::Parse(embedded->model_json, embedded->overlay_json);
}

}  // namespace tandem::api
