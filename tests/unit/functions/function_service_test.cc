#include "functions/function_service.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "crypto/digest.h"
#include "functions/function_test_env.h"
#include "testing/test_dir.h"

namespace tandem::functions {
namespace {

using Json = nlohmann::json;

class FunctionServiceTest : public ::testing::Test {
 protected:
  FunctionServiceTest() : store_(NewMemoryStore()) {
    std::ofstream(dir_.File("ca.pem")) << "TANDEM CA\n";
    FunctionServiceOptions o;
    o.account_id = "000000000000";
    o.functions_root = dir_.File("functions");
    o.api_endpoint = "http://127.0.0.1:1";
    o.ca_bundle_path = dir_.File("ca.pem");
    o.credentials = {"AKIAFUNCTIONTEST0000", "secret"};
    service_ = std::make_unique<FunctionService>(*store_, clock_, o);
    ctx_.caller = {"AKIAFUNCTIONTEST0000", "us-east-1", "lambda"};
    ctx_.account_id = "000000000000";
    ctx_.request_id = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
  }

  std::string ZipBase64(const std::string& code) {
    const std::string zip = dir_.File("f" + std::to_string(zips_++) + ".zip");
    MakeZip(dir_.path(), zip, {{"lambda_function.py", code}});
    return crypto::Base64Encode(ReadFileText(zip));
  }

  api::ApiResult<Json> Create(const std::string& name, const std::string& code,
                              const std::string& runtime = "python3.11", int timeout = 10) {
    return service_->CreateFunction(ctx_,
                                    Json{{"FunctionName", name},
                                         {"Runtime", runtime},
                                         {"Role", "arn:aws:iam::000000000000:role/lambda"},
                                         {"Handler", "lambda_function.lambda_handler"},
                                         {"Timeout", timeout},
                                         {"Environment", {{"Variables", {{"STAGE", "test"}}}}},
                                         {"Code", {{"ZipFile", ZipBase64(code)}}}});
  }

  Json InvokeOk(const std::string& name, const std::string& payload) {
    auto r = service_->Invoke(ctx_, Json{{"FunctionName", name},
                                         {"Payload", crypto::Base64Encode(payload)},
                                         {"LogType", "Tail"}});
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : Json();
  }

  TestDir dir_;
  ManualClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<FunctionService> service_;
  api::RequestContext ctx_;
  int zips_ = 0;
};

constexpr char kEcho[] = R"(
import os
def lambda_handler(event, context):
    print("invoked with", event)
    return {"event": event, "stage": os.environ["STAGE"],
            "endpoint": os.environ["SECRETS_MANAGER_ENDPOINT"],
            "key": os.environ["AWS_ACCESS_KEY_ID"], "region": os.environ["AWS_REGION"]}
)";

TEST_F(FunctionServiceTest, CreateGetListInvokeUpdateDelete) {
  auto created = Create("echo", kEcho);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ((*created)["FunctionArn"], "arn:aws:lambda:us-east-1:000000000000:function:echo");
  EXPECT_EQ((*created)["Runtime"], "python3.11");
  EXPECT_EQ((*created)["Timeout"], 10);
  EXPECT_GT((*created)["CodeSize"].get<int>(), 0);
  const std::string sha = (*created)["CodeSha256"];

  auto got = service_->GetFunction(ctx_, Json{{"FunctionName", "echo"}});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)["Configuration"]["CodeSha256"], sha);
  auto by_arn = service_->GetFunctionConfiguration(
      ctx_, Json{{"FunctionName", "arn:aws:lambda:us-east-1:000000000000:function:echo"}});
  ASSERT_TRUE(by_arn.ok());

  auto listed = service_->ListFunctions(ctx_, Json::object());
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ((*listed)["Functions"].size(), 1u);

  Json out = InvokeOk("echo", R"({"n": 1})");
  EXPECT_EQ(out["StatusCode"], 200);
  EXPECT_FALSE(out.contains("FunctionError"));
  Json payload = Json::parse(crypto::Base64Decode(out["Payload"].get<std::string>()).value());
  EXPECT_EQ(payload["event"], (Json{{"n", 1}}));
  EXPECT_EQ(payload["stage"], "test");
  EXPECT_EQ(payload["endpoint"], "http://127.0.0.1:1");
  EXPECT_EQ(payload["key"], "AKIAFUNCTIONTEST0000");
  EXPECT_EQ(payload["region"], "us-east-1");
  std::string tail = crypto::Base64Decode(out["LogResult"].get<std::string>()).value();
  EXPECT_NE(tail.find("START RequestId: " + ctx_.request_id), std::string::npos);
  EXPECT_NE(tail.find("invoked with {'n': 1}"), std::string::npos);
  EXPECT_NE(tail.find("REPORT RequestId:"), std::string::npos);
  EXPECT_NE(ReadFileText(service_->LogPath("us-east-1", "echo")).find("invoked with"),
            std::string::npos);

  auto updated = service_->UpdateFunctionCode(
      ctx_, Json{{"FunctionName", "echo"},
                 {"ZipFile", ZipBase64("def lambda_handler(e, c):\n    return 'v2'\n")}});
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_NE((*updated)["CodeSha256"], sha);
  EXPECT_EQ(crypto::Base64Decode(InvokeOk("echo", "{}")["Payload"].get<std::string>()).value(),
            "\"v2\"");
  size_t zips = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_.File("functions/us-east-1/echo"))) {
    zips += e.path().extension() == ".zip";
  }
  EXPECT_EQ(zips, 1u) << "the old code is removed";

  ASSERT_TRUE(service_->DeleteFunction(ctx_, Json{{"FunctionName", "echo"}}).ok());
  auto gone = service_->GetFunction(ctx_, Json{{"FunctionName", "echo"}});
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, "ResourceNotFoundException");
  EXPECT_EQ(gone.error().http_status, 404);
}

TEST_F(FunctionServiceTest, ErrorsAsLambdaGivesThem) {
  ASSERT_TRUE(Create("dup", kEcho).ok());
  auto again = Create("dup", kEcho);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "ResourceConflictException");
  EXPECT_EQ(again.error().message, "Function already exist: dup");

  auto node = Create("node", kEcho, "nodejs18.x");
  ASSERT_FALSE(node.ok());
  EXPECT_EQ(node.error().code, "InvalidParameterValueException");
  EXPECT_NE(node.error().message.find("Runtime"), std::string::npos);

  auto not_zip = service_->CreateFunction(
      ctx_, Json{{"FunctionName", "x"},
                 {"Runtime", "python3.11"},
                 {"Role", "r"},
                 {"Handler", "a.b"},
                 {"Code", {{"ZipFile", crypto::Base64Encode("not a zip")}}}});
  ASSERT_FALSE(not_zip.ok());
  EXPECT_EQ(not_zip.error().code, "InvalidParameterValueException");

  auto bad_payload = service_->Invoke(
      ctx_, Json{{"FunctionName", "dup"}, {"Payload", crypto::Base64Encode("{nope")}});
  ASSERT_FALSE(bad_payload.ok());
  EXPECT_EQ(bad_payload.error().code, "InvalidRequestContentException");

  auto other_version = service_->Invoke(ctx_, Json{{"FunctionName", "dup"}, {"Qualifier", "3"}});
  ASSERT_FALSE(other_version.ok());
  EXPECT_EQ(other_version.error().code, "ResourceNotFoundException");
}

TEST_F(FunctionServiceTest, PermissionsAreStored) {
  ASSERT_TRUE(Create("p", kEcho).ok());
  auto added = service_->AddPermission(ctx_, Json{{"FunctionName", "p"},
                                                  {"StatementId", "SecretsManagerAccess"},
                                                  {"Action", "lambda:InvokeFunction"},
                                                  {"Principal", "secretsmanager.amazonaws.com"}});
  ASSERT_TRUE(added.ok()) << added.error().message;
  Json statement = Json::parse((*added)["Statement"].get<std::string>());
  EXPECT_EQ(statement["Principal"]["Service"], "secretsmanager.amazonaws.com");
  EXPECT_EQ(statement["Resource"], "arn:aws:lambda:us-east-1:000000000000:function:p");
  auto dup = service_->AddPermission(ctx_, Json{{"FunctionName", "p"},
                                                {"StatementId", "SecretsManagerAccess"},
                                                {"Action", "lambda:InvokeFunction"},
                                                {"Principal", "secretsmanager.amazonaws.com"}});
  EXPECT_EQ(dup.error().code, "ResourceConflictException");
  auto policy = service_->GetPolicy(ctx_, Json{{"FunctionName", "p"}});
  ASSERT_TRUE(policy.ok());
  EXPECT_EQ(Json::parse((*policy)["Policy"].get<std::string>())["Statement"].size(), 1u);
  ASSERT_TRUE(service_
                  ->RemovePermission(
                      ctx_, Json{{"FunctionName", "p"}, {"StatementId", "SecretsManagerAccess"}})
                  .ok());
  auto removed_again = service_->RemovePermission(
      ctx_, Json{{"FunctionName", "p"}, {"StatementId", "SecretsManagerAccess"}});
  EXPECT_EQ(removed_again.error().code, "ResourceNotFoundException");
  EXPECT_EQ(service_->GetPolicy(ctx_, Json{{"FunctionName", "p"}}).error().code,
            "ResourceNotFoundException");
}

TEST_F(FunctionServiceTest, FunctionErrorsAreUnhandledWithTheErrorPayload) {
  ASSERT_TRUE(Create("boom", "def lambda_handler(e, c):\n    raise KeyError('x')\n").ok());
  Json out = InvokeOk("boom", "{}");
  EXPECT_EQ(out["StatusCode"], 200);
  EXPECT_EQ(out["FunctionError"], "Unhandled");
  Json payload = Json::parse(crypto::Base64Decode(out["Payload"].get<std::string>()).value());
  EXPECT_EQ(payload["errorType"], "KeyError");
}

TEST_F(FunctionServiceTest, InvokeStepRunsTheRotationEvent) {
  ASSERT_TRUE(Create("rotator", R"(
def lambda_handler(event, context):
    assert set(event) == {"SecretId", "ClientRequestToken", "Step"}, event
    if event["Step"] == "testSecret":
        raise RuntimeError("cannot log in with the pending secret")
    if event["Step"] == "finishSecret":
        import time
        time.sleep(30)
    print(event["Step"], event["SecretId"], event["ClientRequestToken"])
)",
                     "python3.11", 1)
                  .ok());
  rotation::StepRequest req;
  req.region = "us-east-1";
  req.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:rotator";
  req.secret_arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:db-AbCdEf";
  req.token = "tok-1";
  req.step = rotation::Step::kCreateSecret;
  EXPECT_TRUE(service_->InvokeStep(req).ok());
  EXPECT_NE(ReadFileText(service_->LogPath("us-east-1", "rotator"))
                .find("createSecret arn:aws:secretsmanager:us-east-1:000000000000:secret:db-AbCdEf "
                      "tok-1"),
            std::string::npos);

  req.step = rotation::Step::kTestSecret;
  Status raised = service_->InvokeStep(req);
  EXPECT_EQ(raised.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(raised.message(), "RuntimeError: cannot log in with the pending secret");

  req.step = rotation::Step::kFinishSecret;
  Status timed_out = service_->InvokeStep(req);
  EXPECT_EQ(timed_out.code(), Status::Code::kUnavailable);
  EXPECT_NE(timed_out.message().find("Task timed out after 1.00 seconds"), std::string::npos);

  req.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:absent";
  EXPECT_EQ(service_->InvokeStep(req).code(), Status::Code::kNotFound);
  req.function_arn = "arn:aws:lambda:us-east-1:999999999999:function:rotator";
  EXPECT_EQ(service_->InvokeStep(req).code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace tandem::functions
