// JsonProtocolService::Handle with botocore's secretsmanager model and a
// handler that echoes its input: whatever the body, the answer is a JSON
// object with __type on errors, and rendering never throws.
//
// Input: "<Operation>\n<body>".
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api/embedded_models.h"
#include "api/json_protocol.h"

namespace {

using tandem::api::ApiResult;
using tandem::api::Json;

tandem::api::JsonProtocolService& Service() {
  static tandem::api::JsonProtocolService* service = [] {
    auto* s = new tandem::api::JsonProtocolService("secretsmanager", "secretsmanager");
    auto model = tandem::api::LoadEmbeddedModel("secretsmanager");
    if (!model.ok()) __builtin_trap();
    s->SetModel(*model);
    for (const std::string& op : (*model)->OperationNames()) {
      s->Register(op, [](const tandem::api::RequestContext&, const Json& input) {
        return ApiResult<Json>(Json{{"Echo", input}});
      });
    }
    return s;
  }();
  return *service;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string_view operation = input.substr(0, newline);
  tandem::api::HttpRequest req;
  req.method = "POST";
  req.target = "/";
  req.headers = {{"content-type", "application/x-amz-json-1.1"},
                 {"x-amz-target", "secretsmanager." + std::string(operation)}};
  if (newline != std::string_view::npos) req.body = input.substr(newline + 1);

  tandem::api::RequestContext ctx;
  ctx.request_id = "00000000-0000-4000-8000-000000000000";
  tandem::api::HttpResponse response = Service().Handle(ctx, req);

  Json body = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) __builtin_trap();
  if (response.status == 200) {
    if (!body.contains("Echo")) __builtin_trap();
  } else if (!body.contains("__type") || !body.contains("Message")) {
    __builtin_trap();
  }
  return 0;
}
