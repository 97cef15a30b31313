// The AWS JSON 1.1 protocol (Secrets Manager): POST / with
// X-Amz-Target: <prefix>.<Operation>, Content-Type application/x-amz-json-1.1,
// a JSON object in, a JSON object out, errors as HTTP 400 with
// {"__type": code, "Message": text}.
//
// JsonProtocolService dispatches on the operation name to registered
// handlers; it rejects unknown operations (UnknownOperationException), bodies
// that are not a JSON object (SerializationException) and invalid UTF-8
// before any handler runs. With a model set, it also checks each input
// against the operation's input shape first (ServiceModel::ValidateInput).
//
// Thread-safety: Register and SetModel before serving; Handle concurrently.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

#include "api/api_error.h"
#include "api/service.h"
#include "api/service_model.h"

namespace tandem::api {

using Json = nlohmann::json;
using JsonHandler = std::function<ApiResult<Json>(const RequestContext&, const Json& input)>;

// A request body as a JSON object ({} when blank), or SerializationException
// saying what is wrong (nesting deeper than 64 levels is refused before
// parsing). Never echoes the body: it may hold a secret value. Shared by the
// JSON 1.1 and REST-JSON protocols.
ApiResult<Json> ParseJsonRequestBody(std::string_view body);

// The error code JSON protocols (JSON 1.1 and REST-JSON) give an
// authentication failure, e.g. "UnrecognizedClientException".
const char* JsonAuthErrorCode(AuthFailure::Kind kind);

class JsonProtocolService : public AwsService {
 public:
  JsonProtocolService(std::string signing_name, std::string target_prefix)
      : signing_name_(std::move(signing_name)), target_prefix_(std::move(target_prefix)) {}

  void Register(const std::string& operation, JsonHandler handler);
  // Validates every input against model before its handler runs.
  void SetModel(std::shared_ptr<const ServiceModel> model) { model_ = std::move(model); }

  std::string signing_name() const override { return signing_name_; }
  HttpResponse Handle(const RequestContext& ctx, const HttpRequest& req) override;
  HttpResponse AuthError(const AuthFailure& failure, const std::string& request_id) override;

  static HttpResponse ErrorResponse(const ApiError& e, const std::string& request_id);

 private:
  std::string signing_name_;
  std::string target_prefix_;
  std::unordered_map<std::string, JsonHandler> handlers_;
  std::shared_ptr<const ServiceModel> model_;
};

}  // namespace tandem::api
