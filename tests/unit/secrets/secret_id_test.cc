#include "secrets/secret_id.h"

#include <gtest/gtest.h>

#include <cctype>

namespace tandem::secrets {
namespace {

TEST(SecretId, NameRules) {
  for (const char* good : {"s-c64bdc03", "Valid/_+=.@-Name", "Valid/_+=.@-Name-a1b2",
                           "Valid/_+=.@-Name-a1b2c3-", "a"}) {
    EXPECT_TRUE(IsValidSecretName(good)) << good;
  }
  // The names AWS refused in the recorded test_invalid_secret_name.
  for (const char* bad :
       {"Inv Name", " Inv Name", " Inv*Name? ", " Inv *?!]Name\\-", "", "a!b", "caf\xc3\xa9"}) {
    EXPECT_FALSE(IsValidSecretName(bad)) << bad;
  }
  EXPECT_TRUE(IsValidSecretName("rds!db-1", /*service_names=*/true));
  EXPECT_TRUE(IsValidSecretName(std::string(512, 'a')));
  EXPECT_FALSE(IsValidSecretName(std::string(513, 'a')));
}

TEST(SecretId, InvalidNameMessageIsAws) {
  api::ApiError e = InvalidSecretNameError();
  EXPECT_EQ(e.code, "ValidationException");
  EXPECT_EQ(e.message,
            "Invalid name. Must be a valid name containing alphanumeric characters, or any of the "
            "following: -/_+=.@!");
}

TEST(SecretId, ArnShape) {
  std::string suffix = NewArnSuffix();
  ASSERT_EQ(suffix.size(), 6u);
  for (char c : suffix) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)));
  EXPECT_EQ(SecretArn("us-west-2", "000000000000", "db/pw", "AbC123"),
            "arn:aws:secretsmanager:us-west-2:000000000000:secret:db/pw-AbC123");
  EXPECT_NE(NewArnSuffix(), NewArnSuffix());
}

SecretReference Parse(const std::string& id) {
  api::ApiResult<SecretReference> ref = ParseSecretId(id, "us-west-2", "000000000000");
  EXPECT_TRUE(ref.ok()) << id;
  return ref.ok() ? *ref : SecretReference{};
}

std::string ParseError(const std::string& id) {
  api::ApiResult<SecretReference> ref = ParseSecretId(id, "us-west-2", "000000000000");
  return ref.ok() ? "" : ref.error().code;
}

TEST(SecretId, Resolution) {
  const std::string prefix = "arn:aws:secretsmanager:us-west-2:000000000000:secret:";
  SecretReference by_name = Parse("db/pw");
  EXPECT_EQ(by_name.name, "db/pw");
  EXPECT_EQ(by_name.full_arn, "");

  SecretReference full = Parse(prefix + "db/pw-AbC123");
  EXPECT_EQ(full.name, "db/pw");
  EXPECT_EQ(full.full_arn, prefix + "db/pw-AbC123");

  SecretReference partial = Parse(prefix + "db/pw");
  EXPECT_EQ(partial.name, "db/pw");
  EXPECT_EQ(partial.full_arn, "");

  // Partial ARNs of names ending in "-" plus four or eight characters resolve...
  EXPECT_EQ(Parse(prefix + "Valid/_+=.@-Name-a1b2").name, "Valid/_+=.@-Name-a1b2");
  EXPECT_EQ(Parse(prefix + "s-c64bdc03").name, "s-c64bdc03");
  EXPECT_EQ(Parse(prefix + "Valid/_+=.@-Name-a1b2c3-").name, "Valid/_+=.@-Name-a1b2c3-");
  // ...but one ending in "-" plus six reads as a full ARN, as on AWS
  // (recorded: test_create_and_update_secret[Invalid/_+=.@-Name-a1b2c3]).
  SecretReference six = Parse(prefix + "Invalid/_+=.@-Name-a1b2c3");
  EXPECT_EQ(six.name, "Invalid/_+=.@-Name");
  EXPECT_FALSE(six.full_arn.empty());
}

TEST(SecretId, Errors) {
  EXPECT_EQ(ParseError("Inv Name"), "ValidationException");
  EXPECT_EQ(ParseError(""), "ValidationException");
  EXPECT_EQ(ParseError("arn:aws:secretsmanager:eu-west-1:000000000000:secret:x-AbC123"),
            "ResourceNotFoundException");
  EXPECT_EQ(ParseError("arn:aws:secretsmanager:us-west-2:111111111111:secret:x-AbC123"),
            "ResourceNotFoundException");
  EXPECT_EQ(ParseError("arn:aws:s3:::bucket"), "ResourceNotFoundException");
  EXPECT_EQ(ParseError("arn:aws:secretsmanager:us-west-2:000000000000:secret:"),
            "ResourceNotFoundException");
}

}  // namespace
}  // namespace tandem::secrets
