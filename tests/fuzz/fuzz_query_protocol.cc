// QueryProtocolService::Handle with botocore's rds model (the Query protocol's
// form decoding into the operation's input, query_input.h, then the model's
// validation) and a handler that echoes its input: whatever the bytes, the
// answer is a 200 or a 4xx, and its body is well-formed enough for botocore's
// XML parser (valid UTF-8, only characters XML allows, one root element that
// is the operation's response or an ErrorResponse).
//
// Input: "<query string>\n<form body>", as a POST of
// application/x-www-form-urlencoded (the seeds are what botocore sends).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api/query_model.h"
#include "api/query_protocol.h"

namespace {

using tandem::api::ApiResult;
using tandem::api::Json;

tandem::api::QueryProtocolService& Service() {
  static tandem::api::QueryProtocolService* service = [] {
    auto model = tandem::api::QueryModel::LoadEmbedded("rds");
    if (!model.ok()) __builtin_trap();
    auto* s = new tandem::api::QueryProtocolService("rds", *model);
    for (const std::string& op : (*model)->validation().OperationNames()) {
      s->Register(op, [](const tandem::api::RequestContext&, const Json& input) {
        if (!input.is_object()) __builtin_trap();
        // Decoded text is UTF-8 (query_input.h refuses anything else).
        (void)input.dump();
        return ApiResult<Json>(input);
      });
    }
    return s;
  }();
  return *service;
}

// The length of the UTF-8 sequence at s[i] if it encodes a character XML 1.0
// allows, else 0.
size_t XmlCharLength(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') ? 1 : 0;
  size_t n = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  uint32_t cp = c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE ||
      cp == 0xFFFF) {
    return 0;
  }
  return n;
}

void CheckXml(std::string_view body, std::string_view root) {
  for (size_t i = 0; i < body.size();) {
    size_t n = XmlCharLength(body, i);
    if (n == 0) __builtin_trap();
    i += n;
  }
  const std::string open = "<" + std::string(root);
  const std::string close = "</" + std::string(root) + ">";
  if (body.find(open) == std::string_view::npos) __builtin_trap();
  if (body.size() < close.size() || body.substr(body.size() - close.size()) != close) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string_view query = input.substr(0, newline);
  tandem::api::HttpRequest req;
  req.method = "POST";
  req.target = "/";
  if (!query.empty()) req.target += "?" + std::string(query);
  req.headers = {{"content-type", "application/x-www-form-urlencoded; charset=utf-8"}};
  if (newline != std::string_view::npos) req.body = input.substr(newline + 1);

  tandem::api::RequestContext ctx;
  ctx.request_id = "00000000-0000-4000-8000-000000000000";
  tandem::api::HttpResponse response = Service().Handle(ctx, req);

  if (response.status == 200) {
    // Only a registered operation reaches the handler: Action names it.
    size_t start = response.body.find('<', response.body.find("?>") + 1);
    size_t end = response.body.find_first_of(" >", start);
    if (start == std::string::npos || end == std::string::npos) __builtin_trap();
    std::string root = response.body.substr(start + 1, end - start - 1);
    if (root.size() <= 8 || root.substr(root.size() - 8) != "Response") __builtin_trap();
    CheckXml(response.body, root);
  } else if (response.status >= 400 && response.status < 500) {
    CheckXml(response.body, "ErrorResponse");
  } else {
    __builtin_trap();
  }
  return 0;
}
