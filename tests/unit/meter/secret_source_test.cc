#include "meter/secret_source.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/sigv4.h"

namespace tandem::meter {
namespace {

class OneKey : public api::CredentialLookup {
 public:
  std::optional<std::string> SecretKeyFor(const std::string& id) const override {
    if (id == "AKIAMETERTEST0000001")
      return std::string("meter/secret/key/0123456789abcdefghijklm");
    return std::nullopt;
  }
};

AwsSettings Settings() {
  AwsSettings aws;
  aws.access_key_id = "AKIAMETERTEST0000001";
  aws.secret_access_key = "meter/secret/key/0123456789abcdefghijklm";
  aws.region = "us-east-1";
  aws.endpoint_url = "http://127.0.0.1:4566";
  return aws;
}

TEST(DbSecretTest, ReadsAnApplicationSecret) {
  auto s = ParseDbSecret(
      R"({"engine":"mysql","host":"db.internal","username":"app","password":"p\"w","port":3307,"dbname":"shop"})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->host, "db.internal");
  EXPECT_EQ(s->port, 3307);
  EXPECT_EQ(s->username, "app");
  EXPECT_EQ(s->password, "p\"w");
  EXPECT_EQ(s->dbname, "shop");
}

TEST(DbSecretTest, ReadsAManagedMasterSecretWithoutHost) {
  auto s = ParseDbSecret(R"({"username":"admin","password":"x"})");
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->host.has_value());
  EXPECT_FALSE(s->port.has_value());
  EXPECT_EQ(s->username, "admin");
}

TEST(DbSecretTest, PortMayBeANumericString) {
  auto s = ParseDbSecret(R"({"port":"3306"})");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->port, 3306);
}

TEST(DbSecretTest, RefusesMalformedValuesWithoutEchoingThem) {
  auto not_json = ParseDbSecret("hunter2");
  ASSERT_FALSE(not_json.ok());
  EXPECT_EQ(not_json.status().message().find("hunter2"), std::string::npos);
  EXPECT_FALSE(ParseDbSecret(R"({"port":"33x"})").ok());
  EXPECT_FALSE(ParseDbSecret(R"({"port":70000})").ok());
  EXPECT_FALSE(ParseDbSecret(R"({"password":12})").ok());
}

TEST(GetSecretValueRequestTest, IsSignedAsTandemVerifiesIt) {
  const int64_t now = 1700000000;
  api::HttpRequest req = GetSecretValueRequest("app/db", "127.0.0.1:4566", "/", Settings(), now);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(nlohmann::json::parse(req.body)["SecretId"], "app/db");
  ASSERT_NE(req.Header("x-amz-target"), nullptr);
  EXPECT_EQ(*req.Header("x-amz-target"), "secretsmanager.GetSecretValue");
  EXPECT_EQ(*req.Header("content-type"), "application/x-amz-json-1.1");
  api::VerifyResult verified = api::VerifySigV4(req, OneKey(), now);
  ASSERT_TRUE(verified.ok) << verified.failure.message;
  EXPECT_EQ(verified.caller.service, "secretsmanager");
  EXPECT_EQ(verified.caller.region, "us-east-1");

  req.body = R"({"SecretId":"other"})";
  EXPECT_FALSE(api::VerifySigV4(req, OneKey(), now).ok);
}

TEST(GetSecretValueRequestTest, CarriesTheSessionTokenWhenThereIsOne) {
  AwsSettings aws = Settings();
  aws.session_token = "token-1";
  api::HttpRequest req = GetSecretValueRequest("s", "h", "/", aws, 1700000000);
  ASSERT_NE(req.Header("x-amz-security-token"), nullptr);
  EXPECT_NE(req.Header("authorization")->find("x-amz-security-token"), std::string::npos);
}

TEST(SecretStringFromResponseTest, ReturnsTheValueOrTheServicesError) {
  api::HttpResponse ok;
  ok.body = R"({"ARN":"arn:x","Name":"n","SecretString":"{\"username\":\"u\"}"})";
  auto value = SecretStringFromResponse(ok);
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, R"({"username":"u"})");

  api::HttpResponse missing;
  missing.status = 400;
  missing.body =
      R"({"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."})";
  auto refused = SecretStringFromResponse(missing);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(),
            "ResourceNotFoundException: Secrets Manager can't find the specified secret.");

  api::HttpResponse binary;
  binary.body = R"({"SecretBinary":"AAEC"})";
  EXPECT_FALSE(SecretStringFromResponse(binary).ok());
  api::HttpResponse garbage;
  garbage.status = 502;
  garbage.body = "<html>bad gateway</html>";
  EXPECT_NE(SecretStringFromResponse(garbage).status().message().find("502"), std::string::npos);
}

}  // namespace
}  // namespace tandem::meter
