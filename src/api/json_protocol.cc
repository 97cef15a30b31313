#include "api/json_protocol.h"

#include <string_view>

namespace tandem::api {
namespace {

constexpr char kJsonContentType[] = "application/x-amz-json-1.1";

// No AWS input nests deeper than a handful of levels. Refusing deeper bodies
// before parsing keeps a 1 MB body of '[' from becoming a million nested arrays.
constexpr size_t kMaxNesting = 64;

bool NestingWithin(std::string_view body, size_t limit) {
  size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

bool IsBlank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

HttpResponse JsonResponse(int status, const Json& body, const std::string& request_id) {
  HttpResponse response;
  response.status = status;
  response.content_type = kJsonContentType;
  // Replacing invalid UTF-8 (which input validation already keeps out) means
  // rendering never throws.
  response.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  response.headers.emplace_back("x-amzn-RequestId", request_id);
  return response;
}

}  // namespace

ApiResult<Json> ParseJsonRequestBody(std::string_view body) {
  if (IsBlank(body)) return Json::object();
  if (!NestingWithin(body, kMaxNesting)) {
    return SerializationError("The request body nests JSON deeper than " +
                              std::to_string(kMaxNesting) + " levels");
  }
  Json input;
  try {
    input = Json::parse(body);
  } catch (const Json::parse_error& e) {
    std::string what = e.what();
    std::string where = " at byte " + std::to_string(e.byte);
    if (what.find("UTF-8") != std::string::npos) {
      return SerializationError("The request body is not valid UTF-8" + where);
    }
    return SerializationError("The request body is not valid JSON: syntax error" + where);
  } catch (const Json::exception&) {
    // The parser's other refusal: a number beyond what a double can hold.
    return SerializationError("The request body is not valid JSON: a number is out of range");
  }
  if (!input.is_object()) {
    return SerializationError("The request body must be a JSON object, not " +
                              std::string(input.type_name()));
  }
  return input;
}

void JsonProtocolService::Register(const std::string& operation, JsonHandler handler) {
  handlers_[operation] = std::move(handler);
}

HttpResponse JsonProtocolService::Handle(const RequestContext& ctx, const HttpRequest& req) {
  const std::string* target = req.Header("x-amz-target");
  if (target == nullptr) {
    return ErrorResponse(
        {"UnknownOperationException",
         "The X-Amz-Target header is missing; send '" + target_prefix_ + ".<Operation>'", 400,
         false},
        ctx.request_id);
  }
  std::string_view t = *target;
  auto handler = handlers_.end();
  if (t.size() > target_prefix_.size() + 1 &&
      t.substr(0, target_prefix_.size()) == target_prefix_ && t[target_prefix_.size()] == '.') {
    handler = handlers_.find(std::string(t.substr(target_prefix_.size() + 1)));
  }
  if (handler == handlers_.end()) {
    return ErrorResponse(
        {"UnknownOperationException",
         "The operation '" + *target + "' is not supported by " + signing_name_, 400, false},
        ctx.request_id);
  }
  const std::string& operation = handler->first;

  ApiResult<Json> input = ParseJsonRequestBody(req.body);
  if (!input.ok()) return ErrorResponse(input.error(), ctx.request_id);
  if (model_) {
    if (std::optional<ApiError> invalid = model_->ValidateInput(operation, *input)) {
      return ErrorResponse(*invalid, ctx.request_id);
    }
  }
  ApiResult<Json> output = handler->second(ctx, *input);
  if (!output.ok()) return ErrorResponse(output.error(), ctx.request_id);
  return JsonResponse(200, output.value(), ctx.request_id);
}

const char* JsonAuthErrorCode(AuthFailure::Kind kind) {
  switch (kind) {
    case AuthFailure::Kind::kMissing:
      return "MissingAuthenticationTokenException";
    case AuthFailure::Kind::kIncomplete:
      return "IncompleteSignatureException";
    case AuthFailure::Kind::kUnknownKey:
      return "UnrecognizedClientException";
    case AuthFailure::Kind::kNotAuthorized:
      return "AccessDeniedException";
    case AuthFailure::Kind::kSignatureMismatch:
    case AuthFailure::Kind::kExpired:
      break;
  }
  return "InvalidSignatureException";
}

HttpResponse JsonProtocolService::AuthError(const AuthFailure& failure,
                                            const std::string& request_id) {
  return ErrorResponse({JsonAuthErrorCode(failure.kind), failure.message, 400, false}, request_id);
}

HttpResponse JsonProtocolService::ErrorResponse(const ApiError& e, const std::string& request_id) {
  return JsonResponse(e.http_status, Json{{"__type", e.code}, {"Message", e.message}}, request_id);
}

}  // namespace tandem::api
