// AwsProfile: the credentials, region and HTTPS settings the aws CLI would use,
// read the way it reads them, so `tandem-meter --secret-id` works wherever
// `aws secretsmanager get-secret-value` does.
//
// Credentials, first that applies:
//   1. --profile P: profile P of the credentials file, else of the config file;
//   2. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
//   3. profile AWS_PROFILE (else "default") of the credentials file, else of
//      the config file.
// Files: AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials), sections
// "[name]"; AWS_CONFIG_FILE (default ~/.aws/config), sections "[default]" and
// "[profile name]". Keys aws_access_key_id, aws_secret_access_key,
// aws_session_token, region, ca_bundle, endpoint_url.
// Region: --region, AWS_DEFAULT_REGION, AWS_REGION, the profile's region in
// the config file, then in the credentials file (where tandemd writes it).
// CA bundle for HTTPS: AWS_CA_BUNDLE, then the profile's ca_bundle.
// Endpoint: --endpoint-url, AWS_ENDPOINT_URL_SECRETS_MANAGER,
// AWS_ENDPOINT_URL, the profile's endpoint_url, then AWS's regional endpoint.
//
// Errors: kInvalidArgument naming what is missing and where it was looked
// for; never a secret key in a message. Pure given its environment and file
// reader; thread-safe.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace tandem::meter {

// section -> key -> value; names as written, values trimmed. Lines starting
// with # or ; are comments; keys before any section are ignored.
using IniFile = std::map<std::string, std::map<std::string, std::string>>;
IniFile ParseIni(std::string_view text);

struct AwsSettings {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty if none
  std::string region;
  std::string ca_bundle;           // empty: the system's trust store
  std::string endpoint_url;        // always set
  std::string credentials_source;  // for messages: "environment", "profile default (<file>)"
};

struct AwsRequest {
  std::optional<std::string> profile;
  std::optional<std::string> region;
  std::optional<std::string> endpoint_url;
};

// An environment variable, or nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
// A file's contents, or nullopt when it cannot be read.
using FileReader = std::function<std::optional<std::string>(const std::string&)>;

StatusOr<AwsSettings> ResolveAwsSettings(const AwsRequest& request, const EnvLookup& env,
                                         const FileReader& read_file);

// The process's environment and file system.
EnvLookup ProcessEnvironment();
FileReader FileSystemReader();

}  // namespace tandem::meter
