#include "secrets/secret_id.h"

#include <algorithm>
#include <cctype>

#include "crypto/random.h"
#include "secrets/secrets_errors.h"

namespace tandem::secrets {
namespace {

constexpr size_t kMaxNameLength = 512;
constexpr size_t kSuffixLength = 6;
constexpr std::string_view kAlphanumerics =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

bool IsNameCharacter(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '+' ||
         c == '=' || c == '.' || c == '@' || c == '-';
}

// True when resource ends with "-" and six letters or digits: AWS reads such
// an ARN as a full one.
bool HasArnSuffix(std::string_view resource) {
  if (resource.size() < kSuffixLength + 2) return false;
  std::string_view suffix = resource.substr(resource.size() - kSuffixLength);
  return resource[resource.size() - kSuffixLength - 1] == '-' &&
         std::all_of(suffix.begin(), suffix.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
}

}  // namespace

bool IsValidSecretName(std::string_view name, bool service_names) {
  return !name.empty() && name.size() <= kMaxNameLength &&
         std::all_of(name.begin(), name.end(),
                     [&](char c) { return IsNameCharacter(c) || (service_names && c == '!'); });
}

api::ApiError InvalidSecretNameError() {
  return errors::Validation(
      "Invalid name. Must be a valid name containing alphanumeric characters, or any of the "
      "following: -/_+=.@!");
}

std::string SecretArn(std::string_view region, std::string_view account_id, std::string_view name,
                      std::string_view suffix) {
  std::string arn = "arn:aws:secretsmanager:";
  arn.append(region).append(":").append(account_id).append(":secret:");
  arn.append(name).append("-").append(suffix);
  return arn;
}

std::string NewArnSuffix() { return crypto::RandomString(kSuffixLength, kAlphanumerics); }

api::ApiResult<SecretReference> ParseSecretId(std::string_view secret_id, std::string_view region,
                                              std::string_view account_id) {
  if (secret_id.substr(0, 4) != "arn:") {
    if (!IsValidSecretName(secret_id, /*service_names=*/true)) return InvalidSecretNameError();
    return SecretReference{std::string(secret_id), ""};
  }
  std::string prefix = "arn:aws:secretsmanager:";
  prefix.append(region).append(":").append(account_id).append(":secret:");
  if (secret_id.substr(0, prefix.size()) != prefix) return errors::SecretNotFound();
  std::string_view resource = secret_id.substr(prefix.size());
  if (HasArnSuffix(resource)) {
    std::string_view name = resource.substr(0, resource.size() - kSuffixLength - 1);
    return SecretReference{std::string(name), std::string(secret_id)};
  }
  if (!IsValidSecretName(resource, /*service_names=*/true)) return errors::SecretNotFound();
  return SecretReference{std::string(resource), ""};
}

}  // namespace tandem::secrets
