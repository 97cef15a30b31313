// RestJsonProtocolService::Handle with botocore's lambda model (routing on
// method and URI template, input from path labels, query string, headers and
// the JSON body or raw payload, then the model's validation) and a handler
// that echoes the members of its input shape: whatever the request, the
// answer is a 2xx or a 4xx; an error carries x-amzn-ErrorType and a JSON body
// with a message; a success has a JSON body unless the output is a payload
// (Invoke's payload comes back byte for byte); and the response head stays
// well-formed HTTP whatever the echoed header values hold.
//
// Input: "<METHOD> <request-target>\n" then "<name>: <value>\n" header lines,
// an empty line and the body (the seeds are requests botocore serialized).
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api/embedded_models.h"
#include "api/http_wire.h"
#include "api/rest_json_protocol.h"

namespace {

using tandem::api::ApiResult;
using tandem::api::Json;

// The lambda model's operations, for the handler to know each input shape.
const Json& Model() {
  static const Json* model = [] {
    const tandem::api::EmbeddedModel* embedded = tandem::api::FindEmbeddedModel("lambda");
    if (embedded == nullptr) __builtin_trap();
    return new Json(Json::parse(embedded->model_json));
  }();
  return *model;
}

// input without the members its shape does not name (the protocol passes
// unknown body members through; an echo of, say, a "StatusCode" member would
// set the response status, which no real handler lets a client do).
Json KnownMembers(const std::string& operation, const Json& input) {
  const Json& op = Model()["operations"][operation];
  if (!op.contains("input")) return Json::object();
  const Json& shape = Model()["shapes"][op["input"]["shape"].get<std::string>()];
  Json out = Json::object();
  for (const auto& [name, value] : input.items()) {
    if (shape["members"].contains(name)) out[name] = value;
  }
  return out;
}

tandem::api::RestJsonProtocolService& Service() {
  static tandem::api::RestJsonProtocolService* service = [] {
    auto created = tandem::api::RestJsonProtocolService::LoadEmbedded("lambda", "lambda");
    if (!created.ok()) __builtin_trap();
    tandem::api::RestJsonProtocolService* s = created->release();
    for (const auto& [name, op] : Model()["operations"].items()) {
      s->Register(name, [operation = name](const tandem::api::RequestContext&, const Json& input) {
        if (!input.is_object()) __builtin_trap();
        return ApiResult<Json>(KnownMembers(operation, input));
      });
    }
    return s;
  }();
  return *service;
}

tandem::api::HttpRequest ParseInput(std::string_view input) {
  tandem::api::HttpRequest req;
  size_t line_end = input.find('\n');
  std::string_view line = input.substr(0, line_end);
  size_t space = line.find(' ');
  req.method = std::string(line.substr(0, space));
  req.target = space == std::string_view::npos ? "/" : std::string(line.substr(space + 1));
  size_t pos = line_end == std::string_view::npos ? input.size() : line_end + 1;
  while (pos < input.size()) {
    line_end = input.find('\n', pos);
    line = input.substr(
        pos, line_end == std::string_view::npos ? std::string_view::npos : line_end - pos);
    pos = line_end == std::string_view::npos ? input.size() : line_end + 1;
    if (line.empty()) break;
    size_t colon = line.find(':');
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    req.headers.emplace_back(std::move(name), std::string(value));
  }
  req.body = input.substr(pos);
  return req;
}

const std::string* FindHeader(const tandem::api::HttpResponse& response, std::string_view name) {
  for (const auto& [n, v] : response.headers) {
    if (n == name) return &v;
  }
  return nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tandem::api::HttpRequest req =
      ParseInput(std::string_view(reinterpret_cast<const char*>(data), size));
  tandem::api::RequestContext ctx;
  ctx.request_id = "00000000-0000-4000-8000-000000000000";
  tandem::api::HttpResponse response = Service().Handle(ctx, req);

  if (response.status >= 400 && response.status < 500) {
    if (FindHeader(response, "x-amzn-ErrorType") == nullptr) __builtin_trap();
    Json body = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object() || !body.contains("message")) __builtin_trap();
  } else if (response.status >= 200 && response.status < 300) {
    ApiResult<tandem::api::RestJsonProtocolService::Decoded> decoded = Service().Decode(req);
    if (!decoded.ok()) __builtin_trap();
    const Json& op = Model()["operations"][decoded->operation];
    const bool payload_output =
        op.contains("output") &&
        Model()["shapes"][op["output"]["shape"].get<std::string>()].contains("payload");
    if (decoded->operation == "Invoke" && response.body != req.body) __builtin_trap();
    if (!payload_output && response.status != 204) {
      Json body = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
      if (!body.is_object()) __builtin_trap();
    }
  } else {
    __builtin_trap();
  }

  // Echoed header values never break the response's framing.
  std::string head;
  tandem::api::AppendResponseHead(response, /*keep_alive=*/true, 11, head);
  if (head.size() < 4 || head.find("\r\n\r\n") != head.size() - 4) __builtin_trap();
  for (size_t i = 0; i < head.size(); ++i) {
    if (head[i] == '\n' && (i == 0 || head[i - 1] != '\r')) __builtin_trap();
    if (head[i] == '\r' && (i + 1 == head.size() || head[i + 1] != '\n')) __builtin_trap();
  }
  return 0;
}
