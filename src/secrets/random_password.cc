#include "secrets/random_password.h"

#include <utility>
#include <vector>

#include "crypto/random.h"
#include "secrets/secrets_errors.h"

namespace tandem::secrets {
namespace {

constexpr int64_t kMaxLength = 4096;

std::string Without(std::string_view characters, std::string_view excluded) {
  std::string kept;
  for (char c : characters) {
    if (excluded.find(c) == std::string_view::npos) kept.push_back(c);
  }
  return kept;
}

char Pick(const std::string& characters) {
  return characters[crypto::RandomBelow(static_cast<uint32_t>(characters.size()))];
}

}  // namespace

api::ApiResult<std::string> GenerateRandomPassword(const PasswordRules& rules) {
  if (rules.length < 1 || rules.length > kMaxLength) {
    return errors::InvalidParameter("PasswordLength must be between 1 and 4096.");
  }
  const std::pair<bool, std::string_view> kTypes[] = {
      {rules.exclude_lowercase, "abcdefghijklmnopqrstuvwxyz"},
      {rules.exclude_uppercase, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
      {rules.exclude_numbers, "0123456789"},
      {rules.exclude_punctuation, kPasswordPunctuation},
  };
  // A type whose every character is in ExcludeCharacters is not included, so
  // it is not required either.
  std::vector<std::string> included;
  std::string pool;
  for (const auto& [excluded, characters] : kTypes) {
    if (excluded) continue;
    std::string kept = Without(characters, rules.exclude_characters);
    if (kept.empty()) continue;
    pool += kept;
    included.push_back(std::move(kept));
  }
  if (rules.include_space) pool += Without(" ", rules.exclude_characters);
  if (pool.empty()) {
    return errors::InvalidParameter(
        "No characters are left to build the password from: every character type is excluded. "
        "Include at least one type, or exclude fewer characters.");
  }
  size_t length = static_cast<size_t>(rules.length);
  std::string password;
  password.reserve(length);
  if (rules.require_each_included_type) {
    if (length < included.size()) {
      return errors::InvalidParameter("Password length is too short based on the required types.");
    }
    for (const std::string& characters : included) password.push_back(Pick(characters));
  }
  while (password.size() < length) password.push_back(Pick(pool));
  // The required characters sit at the front until shuffled into random places.
  for (size_t i = password.size() - 1; i > 0; --i) {
    std::swap(password[i], password[crypto::RandomBelow(static_cast<uint32_t>(i + 1))]);
  }
  return password;
}

}  // namespace tandem::secrets
