#include "api/router.h"

#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>

#include "api/json_protocol.h"
#include "api/sigv4.h"
#include "crypto/random.h"

namespace tandem::api {
namespace {

constexpr std::string_view kHealthPath = "/_tandem/health";

// A version 4 UUID for x-amzn-RequestId. Request ids must be unique, not
// unpredictable: each thread draws a random 128-bit start once and then
// steps it, which costs far less per request than fresh system randomness.
std::string NewRequestId() {
  struct State {
    uint64_t high = 0;
    uint64_t low = 0;
  };
  thread_local State state = [] {
    State s;
    std::string seed = crypto::RandomBytes(sizeof s.high + sizeof s.low);
    std::memcpy(&s.high, seed.data(), sizeof s.high);
    std::memcpy(&s.low, seed.data() + sizeof s.high, sizeof s.low);
    return s;
  }();
  // A Weyl sequence (full period) through the splitmix64 finaliser (a
  // bijection): no repeat within a thread; the random high half tells threads apart.
  state.low += 0x9E3779B97F4A7C15ULL;
  uint64_t z = state.low;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  uint8_t bytes[16];
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<uint8_t>(state.high >> (56 - 8 * i));
    bytes[8 + i] = static_cast<uint8_t>(z >> (56 - 8 * i));
  }
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id += '-';
    id += kHex[bytes[i] >> 4];
    id += kHex[bytes[i] & 0xF];
  }
  return id;
}

// Renders errors for requests that name no service Tandem serves, in the JSON
// protocol that most of its clients speak.
JsonProtocolService& FallbackProtocol() {
  static JsonProtocolService fallback("", "");
  return fallback;
}

}  // namespace

void Router::AddService(AwsService* service) { services_[service->signing_name()] = service; }

HttpResponse Router::Route(const HttpRequest& req) const {
  if (req.method == "GET" && req.Path() == kHealthPath) {
    nlohmann::json names = nlohmann::json::array();
    for (const auto& [name, service] : services_) names.push_back(name);
    HttpResponse response;
    response.content_type = "application/json";
    response.body = nlohmann::json{{"status", "ready"}, {"services", names}}.dump();
    return response;
  }

  std::string request_id = NewRequestId();
  VerifyResult verified = VerifySigV4(req, credentials_, clock_.NowMillis() / 1000);
  if (!verified.ok) {
    auto it = services_.find(verified.failure.service);
    AwsService& renderer = it != services_.end() ? *it->second : FallbackProtocol();
    return renderer.AuthError(verified.failure, request_id);
  }

  auto it = services_.find(verified.caller.service);
  if (!credentials_.Allows(verified.caller.access_key_id, verified.caller.service)) {
    AwsService& renderer = it != services_.end() ? *it->second : FallbackProtocol();
    return renderer.AuthError(
        {AuthFailure::Kind::kNotAuthorized,
         "The access key " + verified.caller.access_key_id + " is not authorized to call " +
             verified.caller.service + ": its scope is limited to other services",
         verified.caller.service},
        request_id);
  }
  if (it == services_.end()) {
    std::string served;
    for (const auto& [name, service] : services_) {
      served += served.empty() ? "" : ", ";
      served += name;
    }
    return JsonProtocolService::ErrorResponse(
        {"UnknownOperationException",
         "Tandem does not serve the service '" + verified.caller.service +
             "' named in the credential scope; it serves: " + served,
         400, false},
        request_id);
  }
  RequestContext ctx{std::move(verified.caller), account_id_, std::move(request_id)};
  return it->second->Handle(ctx, req);
}

}  // namespace tandem::api
