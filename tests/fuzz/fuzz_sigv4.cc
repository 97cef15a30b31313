// VerifySigV4 on arbitrary requests with a fixed credential. Inputs that
// parse as an HTTP request (the seeds are requests signed by botocore) are
// verified as such; anything else becomes the Authorization header of an
// otherwise plausible request, to reach the header's own parser.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/http_wire.h"
#include "api/sigv4.h"

namespace {

using tandem::api::HttpRequest;

class FixedKeys : public tandem::api::CredentialLookup {
 public:
  std::optional<std::string> SecretKeyFor(const std::string& id) const override {
    if (id == "AKIAIOSFODNN7EXAMPLE") return "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    return std::nullopt;
  }
};

// The time the seed requests were signed at.
constexpr int64_t kNow = 1700000000;

bool ParseRequest(std::string_view input, HttpRequest& req) {
  tandem::api::HttpRequestParser parser(req, 16 * 1024, 1 << 20);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(input.data(), input.size()), ec);
  return !ec && parser.is_done();
}

void Verify(const HttpRequest& req) {
  static const FixedKeys keys;
  tandem::api::VerifyResult result = tandem::api::VerifySigV4(req, keys, kNow);
  if (result.ok && result.caller.access_key_id != "AKIAIOSFODNN7EXAMPLE") __builtin_trap();
  if (!result.ok && result.failure.message.empty()) __builtin_trap();
  if (const std::string* auth = req.Header("authorization")) {
    // Whatever the header claims to sign, building the canonical request is safe.
    tandem::api::CanonicalRequest(req, *auth, "UNSIGNED-PAYLOAD");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  HttpRequest req;
  if (ParseRequest(input, req)) {
    Verify(req);
    return 0;
  }
  HttpRequest made;
  made.method = "POST";
  made.target = "/";
  made.headers = {{"host", "localhost:4566"},
                  {"x-amz-date", "20231114T221320Z"},
                  {"x-amz-target", "secretsmanager.ListSecrets"},
                  {"authorization", std::string(input)}};
  made.body = "{}";
  Verify(made);
  return 0;
}
