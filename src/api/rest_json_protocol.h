// The AWS REST-JSON protocol (Lambda), driven by botocore's service model:
// each operation is an HTTP method and a request-URI template
// ("POST /2015-03-31/functions/{FunctionName}/invocations"); its input members
// come from URI labels, query-string parameters, headers and a JSON body (or
// a raw payload), as each member's "location" in the model says.
//
// RestJsonProtocolService routes a request to the operation whose method and
// template match (literal segments beat labels), builds the operation's input
// as one JSON object, validates it against the model (ServiceModel::
// ValidateInput) and calls the registered handler. Handlers see and return
// the same JSON shapes as JSON 1.1 handlers do: blob members are base64
// strings (also a raw blob payload such as Invoke's Payload), numbers are
// numbers whatever their location.
//
// Output: the HTTP status is the output's "statusCode"-located member if the
// handler sets it, else the model's http.responseCode (else 200); members
// located in headers become headers; a payload member becomes the raw body
// (a blob decoded from base64); the other members form the JSON body. Errors
// are rendered as AWS REST-JSON services do, so botocore raises the modelled
// exception: status from the ApiError, header x-amzn-ErrorType: <code>, body
// {"Type": "User" | "Service", "message": <text>}.
//
// Thread-safety: Register before serving; Handle concurrently.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/json_protocol.h"
#include "api/service.h"
#include "api/service_model.h"
#include "common/status.h"

namespace tandem::api {

class RestJsonProtocolService : public AwsService {
 public:
  // From botocore's service-2.json (protocol rest-json) with overlay merged
  // (operations and shapes, as ServiceModel::Parse does). kInvalidArgument if
  // the documents do not parse or an operation's requestUri is malformed.
  static StatusOr<std::unique_ptr<RestJsonProtocolService>> Create(
      std::string signing_name, std::string_view model_json, std::string_view overlay_json = "");
  // The model embedded in tandemd for service (api/embedded_models.h).
  static StatusOr<std::unique_ptr<RestJsonProtocolService>> LoadEmbedded(std::string signing_name,
                                                                         std::string_view service);

  // handler serves operation (a name in the model). Operations without a
  // handler answer UnknownOperationException.
  void Register(const std::string& operation, JsonHandler handler);

  std::string signing_name() const override { return signing_name_; }
  HttpResponse Handle(const RequestContext& ctx, const HttpRequest& req) override;
  HttpResponse AuthError(const AuthFailure& failure, const std::string& request_id) override;

  static HttpResponse ErrorResponse(const ApiError& e, const std::string& request_id);

  // The operation a request would be routed to, and its decoded input, without
  // calling a handler (for tests and diagnostics).
  struct Decoded {
    std::string operation;
    Json input;
  };
  ApiResult<Decoded> Decode(const HttpRequest& req) const;
  // Renders a handler's output for operation (for tests).
  HttpResponse Render(const std::string& operation, const Json& output,
                      const std::string& request_id) const;

 private:
  struct Segment {
    std::string text;     // a literal, or the label's member name
    bool label = false;   // {Name}
    bool greedy = false;  // {Name+}: matches the rest of the path
  };
  struct Route {
    std::string operation;
    std::string method;
    std::vector<Segment> segments;
    std::vector<std::pair<std::string, std::string>> query_literals;  // "?versioning" parts
    int literal_count = 0;
  };

  RestJsonProtocolService(std::string signing_name, Json model,
                          std::shared_ptr<const ServiceModel> validator);
  bool BuildRoutes(std::string* error);
  const Route* Match(const std::string& method, const std::vector<std::string>& path,
                     const std::vector<std::pair<std::string, std::string>>& query) const;

  std::string signing_name_;
  Json model_;
  std::shared_ptr<const ServiceModel> validator_;
  std::vector<Route> routes_;
  std::unordered_map<std::string, JsonHandler> handlers_;
};

}  // namespace tandem::api
