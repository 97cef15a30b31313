// SecretId: how callers name a secret — by name, by full ARN, or by partial
// ARN (the ARN without its "-" and six random characters) — and the rules for
// names and ARNs.
//
// A full ARN names one particular secret: after the secret is deleted and a
// new one created under the same name, the old ARN no longer resolves. Like
// AWS, an ARN whose last "-" is followed by exactly six letters or digits is
// taken as a full ARN, so a partial ARN of a name ending that way ("db-a1b2c3")
// does not resolve; AWS documents the same caveat.
#pragma once

#include <string>
#include <string_view>

#include "api/api_error.h"

namespace tandem::secrets {

// 1-512 characters of letters, digits and /_+=.@- ; with service_names also
// '!', which marks the secrets AWS services manage ("rds!db-<uuid>"): anyone
// may name them in a SecretId, only the owning service creates them.
bool IsValidSecretName(std::string_view name, bool service_names = false);

// ValidationException with AWS's wording, for a name (or non-ARN SecretId)
// that breaks the rules above.
api::ApiError InvalidSecretNameError();

// "arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>"
std::string SecretArn(std::string_view region, std::string_view account_id, std::string_view name,
                      std::string_view suffix);
// Six random letters and digits, from the CSPRNG.
std::string NewArnSuffix();

struct SecretReference {
  std::string name;      // the store is keyed by name
  std::string full_arn;  // set when the caller gave a full ARN: it must match exactly
};

// Resolves a SecretId for a secret in region and account. ValidationException
// for a name with characters names can't have; ResourceNotFoundException
// ("can't find the specified secret") for an ARN of another region, account
// or service, or no ARN at all.
api::ApiResult<SecretReference> ParseSecretId(std::string_view secret_id, std::string_view region,
                                              std::string_view account_id);

}  // namespace tandem::secrets
