// GetRandomPassword: passwords drawn from the CSPRNG, with the options and
// character sets of AWS Secrets Manager.
#pragma once

#include <cstdint>
#include <string>

#include "api/api_error.h"

namespace tandem::secrets {

// AWS's punctuation set.
inline constexpr const char* kPasswordPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

struct PasswordRules {
  int64_t length = 32;
  std::string exclude_characters;
  bool exclude_numbers = false;
  bool exclude_lowercase = false;
  bool exclude_uppercase = false;
  bool exclude_punctuation = false;
  bool include_space = false;
  // At least one character of each included type (lower case, upper case,
  // digit, punctuation; a space is never required).
  bool require_each_included_type = true;
};

// A password following rules; every character of the allowed set is equally
// likely in each position not reserved for a required type. Errors
// (InvalidParameterException): a length outside 1-4096, no character left to
// draw from, or a length shorter than the number of required types.
api::ApiResult<std::string> GenerateRandomPassword(const PasswordRules& rules);

}  // namespace tandem::secrets
