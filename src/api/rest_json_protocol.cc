#include "api/rest_json_protocol.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "api/embedded_models.h"
#include "api/percent_encoding.h"
#include "crypto/digest.h"

namespace tandem::api {
namespace {

constexpr char kRestJsonContentType[] = "application/json";

// "/a/b/" -> {"a", "b"}: empty segments (doubled or trailing slashes) are
// dropped, so "/2015-03-31/functions/" and "/2015-03-31/functions" are one path.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> SplitQuery(std::string_view query, bool* ok) {
  std::vector<std::pair<std::string, std::string>> out;
  *ok = true;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view part = query.substr(start, end - start);
    start = end + 1;
    if (part.empty()) continue;
    size_t eq = part.find('=');
    auto name = PercentDecode(part.substr(0, eq), PlusSign::kLiteral);
    auto value =
        PercentDecode(eq == std::string_view::npos ? "" : part.substr(eq + 1), PlusSign::kLiteral);
    if (!name || !value) {
      *ok = false;
      return out;
    }
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

const Json* FindShape(const Json& model, const std::string& name) {
  const Json& shapes = model["shapes"];
  auto it = shapes.find(name);
  return it == shapes.end() ? nullptr : &*it;
}

std::string ShapeType(const Json& model, const Json& member) {
  const Json* shape = FindShape(model, member.value("shape", ""));
  return shape == nullptr ? "" : shape->value("type", "");
}

// A header or query-string value converted to the member's JSON type.
ApiResult<Json> ScalarFromText(const std::string& type, const std::string& text,
                               const std::string& where) {
  if (type == "integer" || type == "long") {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return SerializationError("Expected an integer for " + where + ", found '" + text + "'");
    }
    return Json(v);
  }
  if (type == "boolean") {
    if (text == "true") return Json(true);
    if (text == "false") return Json(false);
    return SerializationError("Expected true or false for " + where + ", found '" + text + "'");
  }
  if (type == "float" || type == "double") {
    try {
      size_t used = 0;
      double v = std::stod(text, &used);
      if (used == text.size()) return Json(v);
    } catch (const std::exception&) {
    }
    return SerializationError("Expected a number for " + where + ", found '" + text + "'");
  }
  return Json(text);
}

std::string ScalarToText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

}  // namespace

RestJsonProtocolService::RestJsonProtocolService(std::string signing_name, Json model,
                                                 std::shared_ptr<const ServiceModel> validator)
    : signing_name_(std::move(signing_name)),
      model_(std::move(model)),
      validator_(std::move(validator)) {}

StatusOr<std::unique_ptr<RestJsonProtocolService>> RestJsonProtocolService::Create(
    std::string signing_name, std::string_view model_json, std::string_view overlay_json) {
  auto validator = ServiceModel::Parse(model_json, overlay_json);
  if (!validator.ok()) return validator.status();
  // ServiceModel checked both documents; merge them again for routing.
  Json model = Json::parse(model_json, nullptr, false);
  if (overlay_json.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    Json overlay = Json::parse(overlay_json, nullptr, false);
    for (const char* section : {"operations", "shapes"}) {
      if (overlay.contains(section)) model[section].update(overlay[section]);
    }
  }
  std::unique_ptr<RestJsonProtocolService> service(
      new RestJsonProtocolService(std::move(signing_name), std::move(model), *validator));
  std::string error;
  if (!service->BuildRoutes(&error)) return Status::InvalidArgument(error);
  return service;
}

StatusOr<std::unique_ptr<RestJsonProtocolService>> RestJsonProtocolService::LoadEmbedded(
    std::string signing_name, std::string_view service) {
  const EmbeddedModel* embedded = FindEmbeddedModel(service);
  if (embedded == nullptr) {
    return Status::NotFound("no service model is embedded for '" + std::string(service) + "'");
  }
  return Create(std::move(signing_name), embedded->model_json, embedded->overlay_json);
}

bool RestJsonProtocolService::BuildRoutes(std::string* error) {
  for (const auto& [name, operation] : model_["operations"].items()) {
    const Json& http = operation.value("http", Json::object());
    Route route;
    route.operation = name;
    route.method = http.value("method", "POST");
    std::string uri = http.value("requestUri", "/");
    std::string_view path = uri;
    size_t q = uri.find('?');
    if (q != std::string::npos) {
      path = std::string_view(uri).substr(0, q);
      bool ok = true;
      route.query_literals = SplitQuery(std::string_view(uri).substr(q + 1), &ok);
      if (!ok) {
        *error = "operation " + name + " has a malformed requestUri '" + uri + "'";
        return false;
      }
    }
    for (std::string_view part : SplitPath(path)) {
      Segment segment;
      if (part.front() == '{') {
        if (part.back() != '}' || part.size() < 3) {
          *error = "operation " + name + " has a malformed requestUri '" + uri + "'";
          return false;
        }
        segment.label = true;
        segment.text = std::string(part.substr(1, part.size() - 2));
        if (segment.text.back() == '+') {
          segment.greedy = true;
          segment.text.pop_back();
        }
      } else {
        segment.text = std::string(part);
        ++route.literal_count;
      }
      route.segments.push_back(std::move(segment));
    }
    routes_.push_back(std::move(route));
  }
  return true;
}

const RestJsonProtocolService::Route* RestJsonProtocolService::Match(
    const std::string& method, const std::vector<std::string>& path,
    const std::vector<std::pair<std::string, std::string>>& query) const {
  const Route* best = nullptr;
  for (const Route& route : routes_) {
    if (route.method != method) continue;
    bool greedy = !route.segments.empty() && route.segments.back().greedy;
    if (greedy ? path.size() < route.segments.size() : path.size() != route.segments.size()) {
      continue;
    }
    bool matches = true;
    for (size_t i = 0; i < route.segments.size() && matches; ++i) {
      const Segment& s = route.segments[i];
      matches = s.label ? !path[i].empty() : s.text == path[i];
    }
    for (const auto& literal : route.query_literals) {
      if (!matches) break;
      matches = std::any_of(query.begin(), query.end(), [&](const auto& p) {
        return p.first == literal.first && (literal.second.empty() || p.second == literal.second);
      });
    }
    if (!matches) continue;
    int score = route.literal_count * 4 + static_cast<int>(route.query_literals.size());
    int best_score = best == nullptr
                         ? -1
                         : best->literal_count * 4 + static_cast<int>(best->query_literals.size());
    if (score > best_score) best = &route;
  }
  return best;
}

void RestJsonProtocolService::Register(const std::string& operation, JsonHandler handler) {
  handlers_[operation] = std::move(handler);
}

ApiResult<RestJsonProtocolService::Decoded> RestJsonProtocolService::Decode(
    const HttpRequest& req) const {
  std::vector<std::string> path;
  for (std::string_view part : SplitPath(req.Path())) {
    auto decoded = PercentDecode(part, PlusSign::kLiteral);
    if (!decoded) return SerializationError("The request path has a malformed %-escape");
    path.push_back(std::move(*decoded));
  }
  bool query_ok = true;
  auto query = SplitQuery(req.Query(), &query_ok);
  if (!query_ok) return SerializationError("The query string has a malformed %-escape");

  const Route* route = Match(req.method, path, query);
  if (route == nullptr) {
    return ApiError{
        "UnknownOperationException",
        "No " + signing_name_ + " operation answers " + req.method + " " + std::string(req.Path()),
        404, false};
  }
  const Json& operation = model_["operations"][route->operation];
  Decoded out{route->operation, Json::object()};
  const Json* shape = operation.contains("input")
                          ? FindShape(model_, operation["input"].value("shape", ""))
                          : nullptr;
  if (shape == nullptr) return out;
  const Json& members = shape->value("members", Json::object());
  const std::string payload = shape->value("payload", "");

  // The JSON body first: located members below take precedence.
  if (payload.empty()) {
    ApiResult<Json> body = ParseJsonRequestBody(req.body);
    if (!body.ok()) return body.error();
    for (auto& [name, value] : body->items()) {
      auto member = members.find(name);
      if (member != members.end() && member->contains("location")) continue;
      out.input[name] = std::move(value);
    }
  } else if (members.contains(payload)) {
    const std::string type = ShapeType(model_, members[payload]);
    if (type == "blob") {
      if (!req.body.empty()) out.input[payload] = crypto::Base64Encode(req.body);
    } else if (type == "string") {
      if (!req.body.empty()) out.input[payload] = req.body;
    } else {
      ApiResult<Json> body = ParseJsonRequestBody(req.body);
      if (!body.ok()) return body.error();
      out.input[payload] = std::move(*body);
    }
  }

  for (const auto& [name, member] : members.items()) {
    const std::string location = member.value("location", "");
    if (location.empty()) continue;
    const std::string wire_name = member.value("locationName", name);
    const std::string type = ShapeType(model_, member);
    if (location == "uri") {
      for (size_t i = 0; i < route->segments.size(); ++i) {
        const Segment& s = route->segments[i];
        if (!s.label || s.text != wire_name) continue;
        std::string value = path[i];
        if (s.greedy) {
          for (size_t j = i + 1; j < path.size(); ++j) value += "/" + path[j];
        }
        out.input[name] = std::move(value);
      }
    } else if (location == "querystring") {
      if (type == "list") {
        Json values = Json::array();
        for (const auto& [k, v] : query) {
          if (k == wire_name) values.push_back(v);
        }
        if (!values.empty()) out.input[name] = std::move(values);
        continue;
      }
      if (type == "map") continue;  // no operation Tandem serves uses one
      for (const auto& [k, v] : query) {
        if (k != wire_name) continue;
        ApiResult<Json> value = ScalarFromText(type, v, "query parameter " + wire_name);
        if (!value.ok()) return value.error();
        out.input[name] = std::move(*value);
        break;
      }
    } else if (location == "header") {
      std::string lower = wire_name;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      const std::string* header = req.Header(lower);
      if (header == nullptr) continue;
      ApiResult<Json> value = ScalarFromText(type, *header, "header " + wire_name);
      if (!value.ok()) return value.error();
      out.input[name] = std::move(*value);
    }
  }
  return out;
}

HttpResponse RestJsonProtocolService::Handle(const RequestContext& ctx, const HttpRequest& req) {
  ApiResult<Decoded> decoded = Decode(req);
  if (!decoded.ok()) return ErrorResponse(decoded.error(), ctx.request_id);
  auto handler = handlers_.find(decoded->operation);
  if (handler == handlers_.end()) {
    return ErrorResponse({"UnknownOperationException",
                          "The operation " + decoded->operation + " is not supported by Tandem's " +
                              signing_name_ + " service",
                          400, false},
                         ctx.request_id);
  }
  if (std::optional<ApiError> invalid =
          validator_->ValidateInput(decoded->operation, decoded->input)) {
    return ErrorResponse(*invalid, ctx.request_id);
  }
  ApiResult<Json> output = handler->second(ctx, decoded->input);
  if (!output.ok()) return ErrorResponse(output.error(), ctx.request_id);
  return Render(decoded->operation, *output, ctx.request_id);
}

HttpResponse RestJsonProtocolService::Render(const std::string& operation, const Json& output,
                                             const std::string& request_id) const {
  HttpResponse response;
  response.content_type = kRestJsonContentType;
  response.headers.emplace_back("x-amzn-RequestId", request_id);
  const Json& op = model_["operations"][operation];
  response.status = op.value("http", Json::object()).value("responseCode", 200);
  const Json* shape =
      op.contains("output") ? FindShape(model_, op["output"].value("shape", "")) : nullptr;
  if (shape == nullptr) {
    if (response.status != 204) response.body = "{}";
    return response;
  }
  const Json& members = shape->value("members", Json::object());
  const std::string payload = shape->value("payload", "");
  Json body = Json::object();
  for (const auto& [name, value] : output.items()) {
    auto member = members.find(name);
    const std::string location =
        member == members.end() ? std::string() : member->value("location", "");
    if (location == "statusCode" && value.is_number_integer()) {
      response.status = value.get<int>();
    } else if (location == "header") {
      if (!value.is_null()) {
        response.headers.emplace_back(member->value("locationName", name), ScalarToText(value));
      }
    } else if (location == "headers" && value.is_object()) {
      const std::string prefix = member->value("locationName", "");
      for (const auto& [k, v] : value.items()) {
        response.headers.emplace_back(prefix + k, ScalarToText(v));
      }
    } else if (!payload.empty() && name == payload) {
      const std::string type = ShapeType(model_, *member);
      if (type == "blob" && value.is_string()) {
        response.body = crypto::Base64Decode(value.get<std::string>()).value_or("");
      } else if (value.is_string()) {
        response.body = value.get<std::string>();
      } else {
        response.body = value.dump(-1, ' ', false, Json::error_handler_t::replace);
      }
    } else if (location.empty()) {
      body[name] = value;
    }
  }
  if (payload.empty() && response.status != 204) {
    response.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  return response;
}

HttpResponse RestJsonProtocolService::AuthError(const AuthFailure& failure,
                                                const std::string& request_id) {
  return ErrorResponse({JsonAuthErrorCode(failure.kind), failure.message, 403, false}, request_id);
}

HttpResponse RestJsonProtocolService::ErrorResponse(const ApiError& e,
                                                    const std::string& request_id) {
  HttpResponse response;
  response.status = e.http_status;
  response.content_type = kRestJsonContentType;
  response.headers.emplace_back("x-amzn-RequestId", request_id);
  response.headers.emplace_back("x-amzn-ErrorType", e.code);
  Json body{{"Type", e.is_server_fault ? "Service" : "User"}, {"message", e.message}};
  response.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return response;
}

}  // namespace tandem::api
