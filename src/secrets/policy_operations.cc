// The handlers for a secret's resource policy: GetResourcePolicy,
// PutResourcePolicy, DeleteResourcePolicy and ValidateResourcePolicy.
//
// Tandem stores the policy and checks it; it does not yet evaluate policies
// when authorising requests (every access key is the account's root).

#include "secrets/resource_policy.h"
#include "secrets/secrets_errors.h"
#include "secrets/secrets_service_impl.h"

namespace tandem::secrets {
namespace {

std::string Sentences(const std::vector<std::string>& sentences) {
  std::string out;
  for (const std::string& s : sentences) out += (out.empty() ? "" : " ") + s;
  return out;
}

}  // namespace

Result SecretsService::Impl::GetResourcePolicy(const Call& call, const Json& input) {
  api::ApiResult<LoadedSecret> loaded = Load(call, input, false);
  if (!loaded.ok()) return loaded.error();
  Json out = Identity(*loaded->secret);
  if (!loaded->secret->policy.empty()) out["ResourcePolicy"] = loaded->secret->policy;
  return out;
}

Result SecretsService::Impl::PutResourcePolicy(const Call& call, const Json& input) {
  std::string text = input.value("ResourcePolicy", "");
  api::ApiResult<PolicyReview> review = ReviewResourcePolicy(text);
  if (!review.ok()) return review.error();
  if (!review->grammar_errors.empty()) {
    return errors::MalformedPolicy("The resource policy is not valid. " +
                                   Sentences(review->grammar_errors));
  }
  if (input.value("BlockPublicPolicy", false) && !review->broad_access.empty()) {
    return api::ApiError{"PublicPolicyException",
                         "BlockPublicPolicy is set and the resource policy grants broad access "
                         "to the secret. " +
                             Sentences(review->broad_access),
                         400, false};
  }
  return ChangeSecret(call, input, false, [&](Secret& secret) -> api::ApiResult<SecretChange> {
    secret.policy = text;
    secret.last_changed_ms = Now();
    SecretChange change;
    change.response = Identity(secret);
    return change;
  });
}

Result SecretsService::Impl::DeleteResourcePolicy(const Call& call, const Json& input) {
  return ChangeSecret(call, input, false, [&](Secret& secret) -> api::ApiResult<SecretChange> {
    SecretChange change;
    change.response = Identity(secret);
    change.changed = !secret.policy.empty();
    secret.policy.clear();
    secret.last_changed_ms = Now();
    return change;
  });
}

Result SecretsService::Impl::ValidateResourcePolicy(const Call& call, const Json& input) {
  if (input.contains("SecretId")) {
    api::ApiResult<LoadedSecret> loaded = Load(call, input, false);
    if (!loaded.ok()) return loaded.error();
  }
  api::ApiResult<PolicyReview> review = ReviewResourcePolicy(input.value("ResourcePolicy", ""));
  if (!review.ok()) return review.error();
  Json problems = Json::array();
  for (const std::string& e : review->grammar_errors) {
    problems.push_back({{"CheckName", "POLICY_SYNTAX"}, {"ErrorMessage", e}});
  }
  for (const std::string& e : review->broad_access) {
    problems.push_back({{"CheckName", "BROAD_ACCESS"}, {"ErrorMessage", e}});
  }
  return Json{{"PolicyValidationPassed", problems.empty()}, {"ValidationErrors", problems}};
}

}  // namespace tandem::secrets
