#include "api/query_model.h"

#include "api/embedded_models.h"

namespace tandem::api {
namespace {

const OrderedJson* Find(const OrderedJson& object, const std::string& key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

// The shape named by operation's "input" or "output" reference.
std::string IoShapeName(const OrderedJson& operations, const std::string& operation,
                        const char* io) {
  const OrderedJson* op = Find(operations, operation);
  const OrderedJson* ref = op != nullptr ? Find(*op, io) : nullptr;
  return ref != nullptr && ref->is_object() ? ref->value("shape", "") : "";
}

}  // namespace

StatusOr<std::shared_ptr<const QueryModel>> QueryModel::Parse(std::string_view model_json,
                                                              std::string_view overlay_json) {
  // ServiceModel::Parse checks the documents (object, sections, no dangling
  // shape references), so the walks below can trust them.
  StatusOr<std::shared_ptr<const ServiceModel>> validation =
      ServiceModel::Parse(model_json, overlay_json);
  if (!validation.ok()) return validation.status();

  auto parsed = std::make_shared<QueryModel>();
  parsed->validation_ = std::move(validation).value();
  parsed->model_ = OrderedJson::parse(model_json, nullptr, /*allow_exceptions=*/false);
  if (overlay_json.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    OrderedJson overlay = OrderedJson::parse(overlay_json, nullptr, /*allow_exceptions=*/false);
    for (const char* section : {"operations", "shapes"}) {
      if (overlay.contains(section)) parsed->model_[section].update(overlay[section]);
    }
  }

  const OrderedJson& metadata = parsed->model_["metadata"];
  if (!metadata.is_object() || metadata.value("protocol", "") != "query") {
    return Status::InvalidArgument("service model is not a Query protocol model");
  }
  parsed->api_version_ = metadata.value("apiVersion", "");
  parsed->xml_namespace_ = metadata.value("xmlNamespace", "");
  if (parsed->api_version_.empty() || parsed->xml_namespace_.empty()) {
    return Status::InvalidArgument("service model metadata lacks apiVersion or xmlNamespace");
  }

  for (const auto& [name, shape] : parsed->model_["shapes"].items()) {
    const OrderedJson* error = Find(shape, "error");
    if (error == nullptr || !error->is_object()) continue;
    ModeledError modeled;
    modeled.http_status = error->value("httpStatusCode", 400);
    modeled.sender_fault = error->value("senderFault", true);
    parsed->errors_[error->value("code", name)] = modeled;
  }
  return std::shared_ptr<const QueryModel>(std::move(parsed));
}

StatusOr<std::shared_ptr<const QueryModel>> QueryModel::LoadEmbedded(std::string_view service) {
  const EmbeddedModel* embedded = FindEmbeddedModel(service);
  if (embedded == nullptr) {
    return Status::NotFound("no service model is embedded for '" + std::string(service) + "'");
  }
  return Parse(embedded->model_json, embedded->overlay_json);
}

bool QueryModel::HasOperation(const std::string& operation) const {
  return Find(model_.at("operations"), operation) != nullptr;
}

const OrderedJson* QueryModel::Shape(const std::string& name) const {
  return Find(model_.at("shapes"), name);
}

std::string QueryModel::InputShapeName(const std::string& operation) const {
  return IoShapeName(model_.at("operations"), operation, "input");
}

std::string QueryModel::OutputShapeName(const std::string& operation) const {
  return IoShapeName(model_.at("operations"), operation, "output");
}

std::string QueryModel::ResultWrapper(const std::string& operation) const {
  const OrderedJson* op = Find(model_.at("operations"), operation);
  const OrderedJson* output = op != nullptr ? Find(*op, "output") : nullptr;
  return output != nullptr && output->is_object() ? output->value("resultWrapper", "") : "";
}

std::optional<ModeledError> QueryModel::FindError(const std::string& code) const {
  auto it = errors_.find(code);
  if (it == errors_.end()) return std::nullopt;
  return it->second;
}

std::string WireName(const OrderedJson& ref, std::string_view fallback) {
  if (ref.is_object()) {
    auto it = ref.find("locationName");
    if (it != ref.end() && it->is_string()) return it->get<std::string>();
  }
  return std::string(fallback);
}

}  // namespace tandem::api
