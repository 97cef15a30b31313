#include "secrets/secret_filters.h"

#include <gtest/gtest.h>

namespace tandem::secrets {
namespace {

using Json = nlohmann::json;

Secret Make(const std::string& name, const std::string& description, std::vector<Tag> tags = {},
            const std::string& owner = "") {
  Secret s;
  s.name = name;
  s.description = description;
  if (!tags.empty()) s.tags = std::move(tags);
  s.owning_service = owner;
  return s;
}

// The four secrets of the filtering test recorded against AWS.
const std::vector<Secret> kSecrets = {
    Make("testing1/one-1", "a secret", {{"Env", "prod"}}),
    Make("/testing2/two-1", "an secret", {{"env", "Dev"}}),
    Make("testing3/three-1", "asecret"),
    Make("/testing4/four-1", "thesecret", {}, "rds"),
};

// Names of kSecrets matching filters (given as the JSON of a Filters list).
std::string Matching(const std::string& filters_json) {
  api::ApiResult<std::vector<SecretFilter>> filters = ParseSecretFilters(Json::parse(filters_json));
  EXPECT_TRUE(filters.ok()) << filters_json;
  if (!filters.ok()) return "<error>";
  std::string names;
  for (const Secret& s : kSecrets) {
    if (MatchesFilters(s, "us-west-2", *filters)) names += (names.empty() ? "" : " ") + s.name;
  }
  return names;
}

TEST(SecretFilters, AwsRecordedCases) {
  EXPECT_EQ(Matching(R"([{"Key":"name","Values":["/"]}])"), "/testing2/two-1 /testing4/four-1");
  EXPECT_EQ(Matching(R"([{"Key":"name","Values":["!/"]}])"), "testing1/one-1 testing3/three-1");
  EXPECT_EQ(Matching(R"([{"Key":"name","Values":["testing1 one"]}])"), "");
  EXPECT_EQ(Matching(R"([{"Key":"description","Values":["a"]}])"),
            "testing1/one-1 /testing2/two-1 testing3/three-1");
  EXPECT_EQ(Matching(R"([{"Key":"description","Values":["!a"]}])"), "/testing4/four-1");
  EXPECT_EQ(Matching(R"([{"Key":"description","Values":["a secret"]}])"),
            "testing1/one-1 /testing2/two-1");
  EXPECT_EQ(
      Matching(R"([{"Key":"description","Values":["a"]},{"Key":"name","Values":["secret"]}])"), "");
  EXPECT_EQ(Matching(R"([{"Key":"description","Values":["!c"]}])"),
            "testing1/one-1 /testing2/two-1 testing3/three-1 /testing4/four-1");
}

TEST(SecretFilters, NameIsCaseSensitiveDescriptionIsNot) {
  EXPECT_EQ(Matching(R"([{"Key":"name","Values":["Testing1"]}])"), "");
  EXPECT_EQ(Matching(R"([{"Key":"description","Values":["A SECRET"]}])"),
            "testing1/one-1 /testing2/two-1");
}

TEST(SecretFilters, Tags) {
  EXPECT_EQ(Matching(R"([{"Key":"tag-key","Values":["Env"]}])"), "testing1/one-1");
  EXPECT_EQ(Matching(R"([{"Key":"tag-key","Values":["e"]}])"), "/testing2/two-1");
  EXPECT_EQ(Matching(R"([{"Key":"tag-value","Values":["pr","De"]}])"),
            "testing1/one-1 /testing2/two-1");
  EXPECT_EQ(Matching(R"([{"Key":"tag-key","Values":["!Env"]}])"),
            "/testing2/two-1 testing3/three-1 /testing4/four-1");
}

TEST(SecretFilters, OwningServiceAndRegion) {
  EXPECT_EQ(Matching(R"([{"Key":"owning-service","Values":["rd"]}])"), "/testing4/four-1");
  EXPECT_EQ(Matching(R"([{"Key":"primary-region","Values":["us-west"]}])"),
            "testing1/one-1 /testing2/two-1 testing3/three-1 /testing4/four-1");
  EXPECT_EQ(Matching(R"([{"Key":"primary-region","Values":["eu-"]}])"), "");
}

TEST(SecretFilters, AllSplitsIntoWordsAnyMatches) {
  // "Three" is a word of testing3/three-1 (at a letter/digit change and '/').
  EXPECT_EQ(Matching(R"([{"Key":"all","Values":["THREE"]}])"), "testing3/three-1");
  // Words: prod, four; either matches.
  EXPECT_EQ(Matching(R"([{"Key":"all","Values":["prod#four"]}])"),
            "testing1/one-1 /testing4/four-1");
  // Tag values and the owning service count; case does not.
  EXPECT_EQ(Matching(R"([{"Key":"all","Values":["dev"]}])"), "/testing2/two-1");
  EXPECT_EQ(Matching(R"([{"Key":"all","Values":["RDS"]}])"), "/testing4/four-1");
}

TEST(SecretFilters, UnknownKeyOrNoValues) {
  auto bad_key = ParseSecretFilters(Json::parse(R"([{"Key":"colour","Values":["x"]}])"));
  ASSERT_FALSE(bad_key.ok());
  EXPECT_EQ(bad_key.error().code, "InvalidParameterException");
  auto no_values = ParseSecretFilters(Json::parse(R"([{"Key":"name"}])"));
  ASSERT_FALSE(no_values.ok());
  EXPECT_EQ(no_values.error().code, "InvalidParameterException");
}

TEST(SecretFilters, NoFiltersMatchEverything) {
  EXPECT_EQ(Matching("[]"), "testing1/one-1 /testing2/two-1 testing3/three-1 /testing4/four-1");
}

}  // namespace
}  // namespace tandem::secrets
