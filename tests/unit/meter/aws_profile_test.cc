#include "meter/aws_profile.h"

#include <gtest/gtest.h>

#include <map>

namespace tandem::meter {
namespace {

struct FakeWorld {
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> files;

  StatusOr<AwsSettings> Resolve(AwsRequest request = {}) const {
    return ResolveAwsSettings(
        request,
        [this](const std::string& n) -> std::optional<std::string> {
          auto it = env.find(n);
          return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
        },
        [this](const std::string& p) -> std::optional<std::string> {
          auto it = files.find(p);
          return it == files.end() ? std::nullopt : std::optional<std::string>(it->second);
        });
  }
};

// What tandemd writes to <data-dir>/credentials.
const char* kTandemCredentials =
    "[default]\naws_access_key_id = AKIADEFAULT000000001\n"
    "aws_secret_access_key = default-secret\nregion = us-west-2\n";

TEST(IniTest, ParsesSectionsKeysAndComments) {
  IniFile ini = ParseIni(
      "top = ignored\n# comment\n[default]\n  aws_access_key_id=AK \r\n; note\n"
      "[profile ops]\nregion = eu-west-1\nbroken line\n");
  EXPECT_EQ(ini["default"]["aws_access_key_id"], "AK");
  EXPECT_EQ(ini["profile ops"]["region"], "eu-west-1");
  EXPECT_EQ(ini.count("top"), 0u);
  EXPECT_EQ(ini["profile ops"].size(), 1u);
}

TEST(AwsProfileTest, ReadsTheCredentialsFileTandemWrites) {
  FakeWorld w;
  w.env["AWS_SHARED_CREDENTIALS_FILE"] = "/data/credentials";
  w.files["/data/credentials"] = kTandemCredentials;
  auto s = w.Resolve();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->access_key_id, "AKIADEFAULT000000001");
  EXPECT_EQ(s->secret_access_key, "default-secret");
  EXPECT_EQ(s->region, "us-west-2");  // the credentials file's, nothing better given
  EXPECT_EQ(s->endpoint_url, "https://secretsmanager.us-west-2.amazonaws.com");
}

TEST(AwsProfileTest, DefaultFilesAreUnderHome) {
  FakeWorld w;
  w.env["HOME"] = "/home/u";
  w.files["/home/u/.aws/credentials"] = kTandemCredentials;
  w.files["/home/u/.aws/config"] = "[default]\nregion = ap-south-1\nca_bundle = /ca.pem\n";
  auto s = w.Resolve();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->region, "ap-south-1");  // config file before credentials file
  EXPECT_EQ(s->ca_bundle, "/ca.pem");
}

TEST(AwsProfileTest, EnvironmentKeysWinOverTheDefaultProfile) {
  FakeWorld w;
  w.env["HOME"] = "/home/u";
  w.files["/home/u/.aws/credentials"] = kTandemCredentials;
  w.env["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  w.env["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  w.env["AWS_SESSION_TOKEN"] = "tok";
  auto s = w.Resolve();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->access_key_id, "AKIAENV");
  EXPECT_EQ(s->session_token, "tok");
  EXPECT_EQ(s->credentials_source, "environment");
}

TEST(AwsProfileTest, ExplicitProfileWinsOverEnvironmentKeys) {
  FakeWorld w;
  w.env["HOME"] = "/h";
  w.env["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  w.env["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  w.files["/h/.aws/credentials"] =
      std::string(kTandemCredentials) +
      "[ops]\naws_access_key_id = AKIAOPS\naws_secret_access_key = o\n";
  w.files["/h/.aws/config"] = "[profile ops]\nregion = eu-central-1\n";
  AwsRequest request;
  request.profile = "ops";
  auto s = w.Resolve(request);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->access_key_id, "AKIAOPS");
  EXPECT_EQ(s->region, "eu-central-1");
}

TEST(AwsProfileTest, AwsProfileVariableChoosesTheProfile) {
  FakeWorld w;
  w.env["HOME"] = "/h";
  w.env["AWS_PROFILE"] = "ops";
  w.files["/h/.aws/config"] =
      "[profile ops]\naws_access_key_id = AKIACFG\naws_secret_access_key = c\nregion = sa-east-1\n";
  auto s = w.Resolve();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->access_key_id, "AKIACFG");  // keys may live in the config file too
}

TEST(AwsProfileTest, RegionAndEndpointPrecedence) {
  FakeWorld w;
  w.env["AWS_SHARED_CREDENTIALS_FILE"] = "/c";
  w.files["/c"] = kTandemCredentials;
  w.env["AWS_REGION"] = "from-aws-region";
  EXPECT_EQ(w.Resolve()->region, "from-aws-region");
  w.env["AWS_DEFAULT_REGION"] = "from-default-region";
  EXPECT_EQ(w.Resolve()->region, "from-default-region");
  AwsRequest request;
  request.region = "from-flag";
  EXPECT_EQ(w.Resolve(request)->region, "from-flag");

  w.env["AWS_ENDPOINT_URL"] = "http://general:1";
  EXPECT_EQ(w.Resolve()->endpoint_url, "http://general:1");
  w.env["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = "http://sm:2";
  EXPECT_EQ(w.Resolve()->endpoint_url, "http://sm:2");
  request.endpoint_url = "http://flag:3";
  EXPECT_EQ(w.Resolve(request)->endpoint_url, "http://flag:3");
}

TEST(AwsProfileTest, MissingCredentialsOrRegionSayWhereItLooked) {
  FakeWorld w;
  w.env["AWS_SHARED_CREDENTIALS_FILE"] = "/nowhere";
  auto none = w.Resolve();
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("/nowhere"), std::string::npos);
  EXPECT_NE(none.status().message().find("AWS_ACCESS_KEY_ID"), std::string::npos);

  w.files["/nowhere"] = "[default]\naws_access_key_id = A\naws_secret_access_key = s3cr3t\n";
  auto no_region = w.Resolve();
  ASSERT_FALSE(no_region.ok());
  EXPECT_NE(no_region.status().message().find("--region"), std::string::npos);
  EXPECT_EQ(no_region.status().message().find("s3cr3t"), std::string::npos);
}

}  // namespace
}  // namespace tandem::meter
