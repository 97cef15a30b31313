#include "secrets/random_password.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <string>

namespace tandem::secrets {
namespace {

const std::string kPunctuation = kPasswordPunctuation;

bool HasAny(const std::string& s, int (*is)(int)) {
  return std::any_of(s.begin(), s.end(), [&](char c) { return is(static_cast<unsigned char>(c)); });
}
bool HasPunctuation(const std::string& s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return kPunctuation.find(c) != std::string::npos; });
}

std::string Generate(const PasswordRules& rules) {
  api::ApiResult<std::string> password = GenerateRandomPassword(rules);
  EXPECT_TRUE(password.ok()) << (password.ok() ? "" : password.error().message);
  return password.ok() ? *password : "";
}

std::string ErrorCode(const PasswordRules& rules) {
  api::ApiResult<std::string> password = GenerateRandomPassword(rules);
  return password.ok() ? "" : password.error().code;
}

TEST(RandomPassword, PunctuationIsAwsSet) {
  EXPECT_EQ(kPunctuation, "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");
}

TEST(RandomPassword, DefaultIs32CharactersWithEveryType) {
  for (int i = 0; i < 200; ++i) {
    std::string p = Generate({});
    ASSERT_EQ(p.size(), 32u);
    EXPECT_TRUE(HasAny(p, islower));
    EXPECT_TRUE(HasAny(p, isupper));
    EXPECT_TRUE(HasAny(p, isdigit));
    EXPECT_TRUE(HasPunctuation(p));
    EXPECT_EQ(p.find(' '), std::string::npos);
  }
}

TEST(RandomPassword, RequireEachIncludedTypeHoldsAtMinimumLength) {
  PasswordRules rules;
  rules.length = 4;
  for (int i = 0; i < 2000; ++i) {
    std::string p = Generate(rules);
    ASSERT_TRUE(HasAny(p, islower) && HasAny(p, isupper) && HasAny(p, isdigit) && HasPunctuation(p))
        << p;
  }
}

TEST(RandomPassword, EachExclusion) {
  PasswordRules rules;
  rules.length = 200;
  rules.exclude_numbers = true;
  EXPECT_FALSE(HasAny(Generate(rules), isdigit));
  rules = {};
  rules.length = 200;
  rules.exclude_lowercase = true;
  EXPECT_FALSE(HasAny(Generate(rules), islower));
  rules = {};
  rules.length = 200;
  rules.exclude_uppercase = true;
  EXPECT_FALSE(HasAny(Generate(rules), isupper));
  rules = {};
  rules.length = 200;
  rules.exclude_punctuation = true;
  EXPECT_FALSE(HasPunctuation(Generate(rules)));
}

TEST(RandomPassword, ExcludeCharacters) {
  PasswordRules rules;
  rules.length = 120;
  rules.exclude_characters = "xyzDje@?!.";
  for (int i = 0; i < 50; ++i) {
    std::string p = Generate(rules);
    ASSERT_EQ(p.size(), 120u);
    EXPECT_EQ(p.find_first_of(rules.exclude_characters), std::string::npos) << p;
  }
}

TEST(RandomPassword, ExcludingAllOfATypeDropsItsRequirement) {
  PasswordRules rules;
  rules.length = 3;
  rules.exclude_characters = "0123456789";
  std::string p = Generate(rules);
  EXPECT_FALSE(HasAny(p, isdigit));
}

TEST(RandomPassword, IncludeSpace) {
  PasswordRules rules;
  rules.length = 4096;
  rules.include_space = true;
  EXPECT_NE(Generate(rules).find(' '), std::string::npos);
  rules.exclude_characters = " ";
  EXPECT_EQ(Generate(rules).find(' '), std::string::npos);
}

TEST(RandomPassword, WithoutRequirementOneCharacterIsEnough) {
  PasswordRules rules;
  rules.length = 1;
  rules.require_each_included_type = false;
  EXPECT_EQ(Generate(rules).size(), 1u);
}

TEST(RandomPassword, Errors) {
  PasswordRules rules;
  rules.length = 3;  // four types required
  EXPECT_EQ(ErrorCode(rules), "InvalidParameterException");
  rules = {};
  rules.length = 0;
  EXPECT_EQ(ErrorCode(rules), "InvalidParameterException");
  rules.length = 4097;
  EXPECT_EQ(ErrorCode(rules), "InvalidParameterException");
  rules.length = 4096;
  EXPECT_EQ(ErrorCode(rules), "");
  rules = {};
  rules.exclude_lowercase = rules.exclude_uppercase = rules.exclude_numbers =
      rules.exclude_punctuation = true;
  EXPECT_EQ(ErrorCode(rules), "InvalidParameterException");
  rules.include_space = true;  // only spaces left: allowed, and no type is required
  EXPECT_EQ(Generate(rules), std::string(32, ' '));
}

// Each digit should come up about a tenth of the time; with 100,000 draws a
// frequency outside 9-11% would be a broken generator, not bad luck.
TEST(RandomPassword, UniformOverTheAllowedCharacters) {
  PasswordRules rules;
  rules.length = 4096;
  rules.exclude_lowercase = rules.exclude_uppercase = rules.exclude_punctuation = true;
  rules.require_each_included_type = false;
  std::map<char, int> counts;
  int total = 0;
  for (int i = 0; i < 25; ++i) {
    for (char c : Generate(rules)) {
      ++counts[c];
      ++total;
    }
  }
  ASSERT_EQ(counts.size(), 10u);
  for (const auto& [c, n] : counts) {
    double share = static_cast<double>(n) / total;
    EXPECT_GT(share, 0.09) << c;
    EXPECT_LT(share, 0.11) << c;
  }
}

TEST(RandomPassword, PasswordsDiffer) { EXPECT_NE(Generate({}), Generate({})); }

}  // namespace
}  // namespace tandem::secrets
