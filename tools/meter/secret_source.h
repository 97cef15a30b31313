// SecretSource: the database's host, port, user name and password from a
// Secrets Manager secret (`--secret-id`), read with GetSecretValue over
// HTTP(S), signed with SigV4 (tandem::api::SignSigV4) as the aws CLI signs it,
// with the credentials and region AwsSettings resolved.
//
// The secret's value is JSON as RDS's managed master secrets and AWS's
// rotation templates hold it: {"username", "password"} and, in secrets made
// for an application, "host", "port" (a number or a numeric string),
// "dbname", "engine". Every field is optional here; the caller decides what it
// still needs from elsewhere.
//
// Errors: kInvalidArgument for a secret that is not such JSON or a refusal by
// the service (the message carries AWS's error code and message, e.g.
// "ResourceNotFoundException: Secrets Manager can't find the specified
// secret."); kUnavailable for network failures. No secret value ever appears
// in a message.
//
// Thread-safety: free functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "api/http.h"
#include "common/status.h"
#include "meter/aws_profile.h"

namespace tandem::meter {

struct DbSecret {
  std::optional<std::string> host;
  std::optional<uint16_t> port;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::optional<std::string> dbname;
};

// Parses a SecretString.
StatusOr<DbSecret> ParseDbSecret(const std::string& secret_string);

// The signed GetSecretValue request for secret_id, to host_header and path,
// at now_seconds (epoch).
api::HttpRequest GetSecretValueRequest(const std::string& secret_id, const std::string& host_header,
                                       const std::string& path, const AwsSettings& aws,
                                       int64_t now_seconds);

// The SecretString of a GetSecretValue response, or the service's error.
StatusOr<std::string> SecretStringFromResponse(const api::HttpResponse& response);

// GetSecretValue of secret_id at aws.endpoint_url, parsed as a DbSecret.
StatusOr<DbSecret> FetchDbSecret(const std::string& secret_id, const AwsSettings& aws);

}  // namespace tandem::meter
