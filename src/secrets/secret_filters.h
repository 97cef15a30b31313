// SecretFilters: the Filters of ListSecrets and BatchGetSecretValue.
//
// Matching, as AWS documents it:
//   name, tag-key, tag-value, primary-region, owning-service
//                  prefix of the attribute, case-sensitive;
//   description    every word of the value is a prefix of some word of the
//                  description, not case-sensitive ("a secret" matches
//                  "an old secret", not "asecret");
//   all            the value is broken into words (at punctuation, spaces,
//                  lower-to-upper case and letter-digit changes) and a secret
//                  matches when any word is a prefix of a word of its name,
//                  description, tag keys or values, or owning service, not
//                  case-sensitive.
// A value starting with '!' negates. Within one filter a secret must match at
// least one plain value (if there are any) and none of the negated ones; a
// secret must pass every filter. A secret's primary region is the region it
// lives in (Tandem does not replicate).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_error.h"
#include "secrets/secret.h"

namespace tandem::secrets {

struct SecretFilter {
  enum class Key { kDescription, kName, kTagKey, kTagValue, kPrimaryRegion, kOwningService, kAll };
  Key key = Key::kAll;
  std::vector<std::string> values;  // as given; a leading '!' negates
};

// Parses a Filters list. InvalidParameterException for an unknown key or a
// filter without values.
api::ApiResult<std::vector<SecretFilter>> ParseSecretFilters(const nlohmann::json& filters);

bool MatchesFilters(const Secret& secret, std::string_view region,
                    const std::vector<SecretFilter>& filters);

}  // namespace tandem::secrets
