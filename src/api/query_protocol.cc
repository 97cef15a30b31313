#include "api/query_protocol.h"

#include <cassert>
#include <cctype>
#include <string_view>

#include "api/query_input.h"
#include "api/query_output.h"

namespace tandem::api {
namespace {

constexpr char kXmlContentType[] = "text/xml";

bool IsFormEncoded(const HttpRequest& req) {
  const std::string* type = req.Header("content-type");
  if (type == nullptr) return true;  // botocore always sends it; curl users may not
  std::string_view t = *type;
  constexpr std::string_view kForm = "application/x-www-form-urlencoded";
  if (t.size() < kForm.size()) return false;
  for (size_t i = 0; i < kForm.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(t[i])) != kForm[i]) return false;
  }
  return true;
}

ApiError CommonError(const char* code, std::string message) {
  return {code, std::move(message), 400, false};
}

}  // namespace

void QueryProtocolService::Register(const std::string& operation, QueryHandler handler) {
  assert(model_->HasOperation(operation));
  handlers_[operation] = std::move(handler);
}

HttpResponse QueryProtocolService::Handle(const RequestContext& ctx, const HttpRequest& req) {
  QueryParameters params;
  if (auto error = ParseFormEncoded(req.Query(), params)) {
    return ErrorResponse(*error, ctx.request_id);
  }
  if (req.method == "POST" && IsFormEncoded(req)) {
    if (auto error = ParseFormEncoded(req.body, params)) {
      return ErrorResponse(*error, ctx.request_id);
    }
  }

  auto action = params.find("Action");
  if (action == params.end() || action->second.empty()) {
    return ErrorResponse(
        CommonError("MissingAction", "The request must contain the parameter Action"),
        ctx.request_id);
  }
  const std::string operation = action->second;
  auto handler = handlers_.find(operation);
  if (handler == handlers_.end()) {
    std::string message = model_->HasOperation(operation)
                              ? "The action " + operation + " is not supported by Tandem yet."
                              : "The action " + operation + " is not valid for this web service.";
    return ErrorResponse(CommonError("InvalidAction", std::move(message)), ctx.request_id);
  }
  auto version = params.find("Version");
  if (version == params.end() || version->second.empty()) {
    return ErrorResponse(
        CommonError("MissingParameter", "The request must contain the parameter Version"),
        ctx.request_id);
  }
  if (version->second != model_->api_version()) {
    return ErrorResponse(
        CommonError("NoSuchVersion", "The requested version (" + version->second + ") of service " +
                                         signing_name_ + " does not exist; use " +
                                         model_->api_version()),
        ctx.request_id);
  }

  ApiResult<Json> input = DecodeQueryInput(*model_, operation, params);
  if (!input.ok()) return ErrorResponse(input.error(), ctx.request_id);
  if (std::optional<ApiError> invalid = model_->validation().ValidateInput(operation, *input)) {
    // The model's checks (enums, lengths, ranges) in the Query protocol's words.
    return ErrorResponse(CommonError("InvalidParameterValue", invalid->message), ctx.request_id);
  }
  ApiResult<Json> output = handler->second(ctx, *input);
  if (!output.ok()) return ErrorResponse(output.error(), ctx.request_id);

  HttpResponse response;
  response.status = 200;
  response.content_type = kXmlContentType;
  response.body = RenderQueryResponse(*model_, operation, output.value(), ctx.request_id);
  response.headers.emplace_back("x-amzn-RequestId", ctx.request_id);
  return response;
}

HttpResponse QueryProtocolService::AuthError(const AuthFailure& failure,
                                             const std::string& request_id) {
  ApiError e{"SignatureDoesNotMatch", failure.message, 403, false};
  switch (failure.kind) {
    case AuthFailure::Kind::kMissing:
      e = {"MissingAuthenticationToken", "Request is missing Authentication Token", 403, false};
      break;
    case AuthFailure::Kind::kIncomplete:
      e = {"IncompleteSignature", failure.message, 400, false};
      break;
    case AuthFailure::Kind::kUnknownKey:
      e = {"InvalidClientTokenId", failure.message, 403, false};
      break;
    case AuthFailure::Kind::kNotAuthorized:
      e = {"AccessDenied", failure.message, 403, false};
      break;
    case AuthFailure::Kind::kSignatureMismatch:
    case AuthFailure::Kind::kExpired:
      break;
  }
  return ErrorResponse(e, request_id);
}

HttpResponse QueryProtocolService::ErrorResponse(const ApiError& e,
                                                 const std::string& request_id) const {
  int status = e.http_status;
  bool sender_fault = !e.is_server_fault;
  if (std::optional<ModeledError> modeled = model_->FindError(e.code)) {
    status = modeled->http_status;
    sender_fault = modeled->sender_fault;
  }
  HttpResponse response;
  response.status = status;
  response.content_type = kXmlContentType;
  response.body = RenderQueryError(model_->xml_namespace(), e, sender_fault, request_id);
  response.headers.emplace_back("x-amzn-RequestId", request_id);
  return response;
}

}  // namespace tandem::api
