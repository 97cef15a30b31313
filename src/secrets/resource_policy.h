// ResourcePolicy: the checks Secrets Manager makes of a resource-based policy
// document before storing it (PutResourcePolicy) or when asked to
// (ValidateResourcePolicy).
//
// The grammar checked is the IAM policy grammar for resource policies: a JSON
// object with an optional Version ("2012-10-17" or "2008-10-17"), an optional
// Id, and Statement — one statement object or a non-empty list of them. Each
// statement has Effect "Allow" or "Deny", exactly one of Principal and
// NotPrincipal, exactly one of Action and NotAction, exactly one of Resource
// and NotResource, and optionally Sid and Condition; no other element.
//
// Broad access: a statement that allows everyone — Principal "*" (or an "AWS"
// principal list holding "*") with Effect Allow and no Condition. A Condition
// is taken as narrowing the principals, as AWS's reasoning engine would for
// the usual aws:SourceAccount / aws:PrincipalOrgID conditions; Tandem does not
// evaluate conditions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/api_error.h"

namespace tandem::secrets {

struct PolicyReview {
  // What breaks the grammar, one sentence each ("Statement 2 has no Effect.").
  std::vector<std::string> grammar_errors;
  // One sentence per statement that grants broad access.
  std::vector<std::string> broad_access;
};

// MalformedPolicyDocumentException if text is not a JSON object; otherwise the
// review (which may list problems).
api::ApiResult<PolicyReview> ReviewResourcePolicy(std::string_view text);

}  // namespace tandem::secrets
