#include "secrets/resource_policy.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "secrets/secrets_errors.h"

namespace tandem::secrets {
namespace {

using Json = nlohmann::json;

bool IsStringOrStringList(const Json& value) {
  if (value.is_string()) return true;
  if (!value.is_array() || value.empty()) return false;
  for (const Json& item : value) {
    if (!item.is_string()) return false;
  }
  return true;
}

// "*" or {"AWS": "*"} or {"AWS": [..., "*", ...]}.
bool IsEveryone(const Json& principal) {
  if (principal.is_string()) return principal == "*";
  if (!principal.is_object()) return false;
  auto aws = principal.find("AWS");
  if (aws == principal.end()) return false;
  if (aws->is_string()) return *aws == "*";
  if (aws->is_array()) {
    for (const Json& p : *aws) {
      if (p == "*") return true;
    }
  }
  return false;
}

// Checks that exactly one of a positive element and its Not- form is present
// and well-formed.
void CheckPair(const Json& statement, const char* element, const char* not_element,
               const std::string& where, std::vector<std::string>& problems) {
  bool has = statement.contains(element);
  bool has_not = statement.contains(not_element);
  if (has == has_not) {
    problems.push_back(where + (has ? " has both " : " has neither ") + element + " nor " +
                       not_element + ": give exactly one.");
    return;
  }
  const Json& value = statement.at(has ? element : not_element);
  bool principal = std::string_view(element) == "Principal";
  bool ok = principal ? (value == "*" || (value.is_object() && !value.empty()))
                      : IsStringOrStringList(value);
  if (!ok) {
    problems.push_back(where + ": " + (has ? element : not_element) +
                       (principal ? " must be \"*\" or an object such as {\"AWS\": \"<arn>\"}."
                                  : " must be a string or a non-empty list of strings."));
  }
}

void ReviewStatement(const Json& statement, const std::string& where, PolicyReview& review) {
  if (!statement.is_object()) {
    review.grammar_errors.push_back(where + " is not a JSON object.");
    return;
  }
  static const char* const kElements[] = {"Sid",          "Effect",      "Principal",
                                          "NotPrincipal", "Action",      "NotAction",
                                          "Resource",     "NotResource", "Condition"};
  for (const auto& [key, value] : statement.items()) {
    if (std::find(std::begin(kElements), std::end(kElements), key) == std::end(kElements)) {
      review.grammar_errors.push_back(where + " has an unknown element \"" + key + "\".");
    }
  }
  auto effect = statement.find("Effect");
  if (effect == statement.end()) {
    review.grammar_errors.push_back(where + " has no Effect: use \"Allow\" or \"Deny\".");
  } else if (*effect != "Allow" && *effect != "Deny") {
    review.grammar_errors.push_back(where + ": Effect must be \"Allow\" or \"Deny\".");
  }
  if (auto sid = statement.find("Sid"); sid != statement.end() && !sid->is_string()) {
    review.grammar_errors.push_back(where + ": Sid must be a string.");
  }
  auto condition = statement.find("Condition");
  if (condition != statement.end() && !condition->is_object()) {
    review.grammar_errors.push_back(where + ": Condition must be an object.");
  }
  CheckPair(statement, "Principal", "NotPrincipal", where, review.grammar_errors);
  CheckPair(statement, "Action", "NotAction", where, review.grammar_errors);
  CheckPair(statement, "Resource", "NotResource", where, review.grammar_errors);

  bool allows = effect != statement.end() && *effect == "Allow";
  bool everyone = statement.contains("NotPrincipal") ||
                  (statement.contains("Principal") && IsEveryone(statement["Principal"]));
  if (allows && everyone && condition == statement.end()) {
    review.broad_access.push_back(where +
                                  " allows access to every principal (Principal \"*\" without a "
                                  "Condition); name the accounts or roles that need access.");
  }
}

}  // namespace

api::ApiResult<PolicyReview> ReviewResourcePolicy(std::string_view text) {
  Json policy = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (policy.is_discarded() || !policy.is_object()) {
    return errors::MalformedPolicy(
        "The resource policy is not a JSON object. Pass a policy document such as "
        "{\"Version\":\"2012-10-17\",\"Statement\":[...]}.");
  }
  PolicyReview review;
  for (const auto& [key, value] : policy.items()) {
    if (key != "Version" && key != "Id" && key != "Statement") {
      review.grammar_errors.push_back("The policy has an unknown element \"" + key +
                                      "\": use Version, Id and Statement.");
    }
  }
  if (auto version = policy.find("Version");
      version != policy.end() && *version != "2012-10-17" && *version != "2008-10-17") {
    review.grammar_errors.emplace_back(
        "The policy Version must be \"2012-10-17\" (or the older \"2008-10-17\").");
  }
  auto statements = policy.find("Statement");
  if (statements == policy.end()) {
    review.grammar_errors.emplace_back("The policy has no Statement.");
  } else if (statements->is_array()) {
    if (statements->empty()) {
      review.grammar_errors.emplace_back("The policy Statement list is empty.");
    }
    for (size_t i = 0; i < statements->size(); ++i) {
      ReviewStatement((*statements)[i], "Statement " + std::to_string(i + 1), review);
    }
  } else {
    ReviewStatement(*statements, "The Statement", review);
  }
  return review;
}

}  // namespace tandem::secrets
