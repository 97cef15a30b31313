// SecretsService behind the JSON 1.1 protocol, with botocore's model (and
// Tandem's overlay) validating input first, as tandemd serves it.
#include <gtest/gtest.h>

#include "api/embedded_models.h"
#include "api/json_protocol.h"
#include "crypto/random.h"
#include "secrets/secrets_service.h"

namespace tandem::secrets {
namespace {

using Json = api::Json;

class SecretsProtocolTest : public testing::Test {
 protected:
  void SetUp() override {
    service_.RegisterOperations(protocol_);
    auto model = api::LoadEmbeddedModel("secretsmanager");
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    protocol_.SetModel(*model);
  }

  // The status and JSON body of one request.
  std::pair<int, Json> Send(const std::string& op, const Json& input) {
    api::HttpRequest req;
    req.method = "POST";
    req.target = "/";
    req.headers = {{"x-amz-target", "secretsmanager." + op},
                   {"content-type", "application/x-amz-json-1.1"}};
    req.body = input.dump();
    api::RequestContext ctx;
    ctx.caller.region = "us-west-2";
    ctx.caller.service = "secretsmanager";
    ctx.account_id = "000000000000";
    ctx.request_id = "req-1";
    api::HttpResponse resp = protocol_.Handle(ctx, req);
    return {resp.status, Json::parse(resp.body)};
  }

  std::unique_ptr<Store> store_ = NewMemoryStore();
  ManualClock clock_;
  crypto::MasterKey master_ = crypto::MasterKey::FromBytes(std::string(32, 'k'));
  SecretsService service_{*store_, master_, clock_, SecretsOptions{}};
  api::JsonProtocolService protocol_{"secretsmanager", "secretsmanager"};
};

TEST_F(SecretsProtocolTest, EveryOperationIsServed) {
  for (const char* op : {"BatchGetSecretValue",
                         "CancelRotateSecret",
                         "CreateSecret",
                         "DeleteResourcePolicy",
                         "DeleteSecret",
                         "DescribeSecret",
                         "GetRandomPassword",
                         "GetResourcePolicy",
                         "GetSecretValue",
                         "ListSecretVersionIds",
                         "ListSecrets",
                         "PutResourcePolicy",
                         "PutSecretValue",
                         "RemoveRegionsFromReplication",
                         "ReplicateSecretToRegions",
                         "RestoreSecret",
                         "RotateSecret",
                         "StopReplicationToReplica",
                         "TagResource",
                         "UntagResource",
                         "UpdateSecret",
                         "UpdateSecretVersionStage",
                         "ValidateResourcePolicy"}) {
    auto [status, body] = Send(op, Json::object());
    EXPECT_NE(body.value("__type", ""), "UnknownOperationException") << op;
  }
}

TEST_F(SecretsProtocolTest, RoundTripWithModelValidation) {
  auto [status, created] = Send("CreateSecret", {{"Name", "db"},
                                                 {"SecretString", "pw"},
                                                 {"ClientRequestToken", crypto::RandomUuid()},
                                                 {"OwningService", "rds"}});
  ASSERT_EQ(status, 200) << created.dump();
  auto [s2, described] = Send("DescribeSecret", {{"SecretId", "db"}});
  EXPECT_EQ(s2, 200);
  EXPECT_FALSE(described.contains("OwningService")) << "API callers can't set it";
  auto [s3, value] = Send("GetSecretValue", {{"SecretId", created["ARN"]}});
  EXPECT_EQ(s3, 200);
  EXPECT_EQ(value["SecretString"], "pw");

  auto [s5, reserved] =
      Send("CreateSecret", {{"Name", "tagged"}, {"Tags", {{{"Key", "aws:x"}, {"Value", "y"}}}}});
  EXPECT_EQ(s5, 400);
  EXPECT_EQ(reserved.value("__type", ""), "InvalidParameterException") << "API callers can't";

  auto [s4, error] = Send("GetSecretValue", {{"SecretId", "nope"}});
  EXPECT_EQ(s4, 400);
  EXPECT_EQ(error, (Json{{"__type", "ResourceNotFoundException"},
                         {"Message", "Secrets Manager can't find the specified secret."}}));
}

TEST_F(SecretsProtocolTest, NewerMembersPassTheModel) {
  auto [s1, listed] =
      Send("ListSecrets", {{"IncludePlannedDeletion", true},
                           {"Filters", {{{"Key", "owning-service"}, {"Values", {"!rds"}}}}}});
  EXPECT_EQ(s1, 200) << listed.dump();
  auto [s2, batch] = Send("BatchGetSecretValue", {{"SecretIdList", {"a"}}});
  EXPECT_EQ(s2, 200) << batch.dump();
  EXPECT_EQ(batch["Errors"].size(), 1u);
  auto [s3, too_many] =
      Send("BatchGetSecretValue",
           {{"Filters", {{{"Key", "name"}, {"Values", {"a"}}}}}, {"MaxResults", 21}});
  EXPECT_EQ(s3, 400);
  EXPECT_EQ(too_many["__type"], "ValidationException");
}

}  // namespace
}  // namespace tandem::secrets
