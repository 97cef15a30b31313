// AWS Signature Version 4 verification (header form), exactly as botocore and
// the AWS SDKs sign: canonical request over the signed headers as sent, the
// payload hash (X-Amz-Content-Sha256 when present, else SHA-256 of the body),
// a credential scope <date>/<region>/<service>/aws4_request, and a ±15 minute
// window around X-Amz-Date. Any region name is accepted (each is its own
// namespace), but a scope whose region is not one (up to 32 lower-case letters,
// digits and hyphens, starting with a letter) is refused as a signature
// mismatch: "Credential should be scoped to a valid region, not '...'", as AWS
// words it.
//
// Pure function of its inputs plus a per-day signing-key cache; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "api/credentials.h"
#include "api/http.h"

namespace tandem::api {

// Who signed a request, from its verified credential scope.
struct Caller {
  std::string access_key_id;
  std::string region;   // from the scope: resources live in this region
  std::string service;  // from the scope: routes the request ("secretsmanager", "rds", "lambda")
};

// Why a request was refused. Each protocol maps a kind to its own AWS code
// (JSON services: MissingAuthenticationTokenException, IncompleteSignatureException,
// UnrecognizedClientException, InvalidSignatureException; Query services:
// MissingAuthenticationToken, IncompleteSignature, InvalidClientTokenId,
// SignatureDoesNotMatch).
struct AuthFailure {
  // kNotAuthorized: a valid signature by a key whose scope excludes the
  // service (AccessDeniedException / AccessDenied).
  enum class Kind {
    kMissing,
    kIncomplete,
    kUnknownKey,
    kSignatureMismatch,
    kExpired,
    kNotAuthorized
  };
  Kind kind;
  std::string message;  // AWS's wording; never contains the expected signature
  std::string service;  // the service named in the scope, if it could be parsed ("" otherwise)
};

struct VerifyResult {
  bool ok = false;
  Caller caller;        // valid when ok
  AuthFailure failure;  // valid when !ok
};

// Verifies req's Authorization header against the keys in credentials, at
// wall-clock time now_seconds.
VerifyResult VerifySigV4(const HttpRequest& req, const CredentialLookup& credentials,
                         int64_t now_seconds);

// The canonical request and string to sign, exposed for unit tests and for the
// clients Tandem itself signs requests with (tandem-meter, rotation functions).
std::string CanonicalRequest(const HttpRequest& req, const std::string& signed_headers,
                             const std::string& payload_hash);

// Signs req in place (adds x-amz-date, authorization; host must already be
// set) as botocore does. For Tandem's own clients and tests.
void SignSigV4(HttpRequest& req, const AccessKey& key, const std::string& region,
               const std::string& service, int64_t now_seconds);

}  // namespace tandem::api
