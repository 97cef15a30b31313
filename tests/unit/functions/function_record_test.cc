#include "functions/function_record.h"

#include <gtest/gtest.h>

namespace tandem::functions {
namespace {

TEST(FunctionReferenceTest, AcceptsNamesPartialAndFullArns) {
  auto plain = ParseFunctionReference("my-rotator_1");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->name, "my-rotator_1");
  EXPECT_EQ(plain->region, "");

  auto arn = ParseFunctionReference("arn:aws:lambda:eu-west-1:123456789012:function:rot:$LATEST");
  ASSERT_TRUE(arn.ok());
  EXPECT_EQ(arn->name, "rot");
  EXPECT_EQ(arn->region, "eu-west-1");
  EXPECT_EQ(arn->account_id, "123456789012");
  EXPECT_EQ(arn->qualifier, "$LATEST");

  auto partial = ParseFunctionReference("123456789012:function:rot");
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(partial->account_id, "123456789012");

  auto qualified = ParseFunctionReference("rot:prod");
  ASSERT_TRUE(qualified.ok());
  EXPECT_EQ(qualified->qualifier, "prod");
}

TEST(FunctionReferenceTest, RefusesNamesThatCouldEscapeADirectory) {
  const std::string bads[] = {"",
                              "../x",
                              "a/b",
                              "a b",
                              "arn:aws:lambda:r:12:function:../x",
                              "arn:aws:s3:::bucket",
                              std::string(65, 'a')};
  for (const std::string& bad : bads) {
    auto r = ParseFunctionReference(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("FunctionName"), std::string::npos);
    }
  }
}

TEST(FunctionRecordTest, RoundTripsAndShowsTheConfiguration) {
  FunctionRecord r;
  r.region = "us-east-1";
  r.account_id = "000000000000";
  r.name = "rot";
  r.runtime = "python3.11";
  r.handler = "lambda_function.lambda_handler";
  r.role = "arn:aws:iam::000000000000:role/x";
  r.environment = {{"A", "1"}};
  r.code_sha256 = "abc=";
  r.code_size = 42;
  r.policy_statements.push_back({{"Sid", "s1"}});
  auto back = FunctionRecord::FromStoreValue(r.ToStoreValue());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->ToStoreValue(), r.ToStoreValue());
  nlohmann::json c = r.Configuration();
  EXPECT_EQ(c["FunctionArn"], "arn:aws:lambda:us-east-1:000000000000:function:rot");
  EXPECT_EQ(c["Timeout"], 3);
  EXPECT_EQ(c["Version"], "$LATEST");
  EXPECT_EQ(c["State"], "Active");
  EXPECT_EQ(c["Environment"]["Variables"]["A"], "1");
  EXPECT_TRUE(r.PolicyDocument().has_value());
  EXPECT_FALSE(FunctionRecord::FromStoreValue("{}").ok());
}

TEST(FunctionRecordTest, ValidationNamesTheParameter) {
  FunctionRecord r;
  r.name = "rot";
  r.runtime = "python3.11";
  r.handler = "a.b";
  EXPECT_TRUE(ValidateConfiguration(r).ok());

  r.runtime = "nodejs18.x";
  Status st = ValidateConfiguration(r);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("Runtime 'nodejs18.x'"), std::string::npos);
  EXPECT_NE(st.message().find("python3.12"), std::string::npos);
  r.runtime = "python2.7";
  EXPECT_FALSE(ValidateConfiguration(r).ok());
  r.runtime = "python3.9";

  r.timeout_seconds = 901;
  EXPECT_NE(ValidateConfiguration(r).message().find("Timeout 901"), std::string::npos);
  r.timeout_seconds = 900;
  EXPECT_TRUE(ValidateConfiguration(r).ok());

  r.environment = {{"AWS_REGION", "x"}};
  EXPECT_NE(
      ValidateConfiguration(r).message().find("Reserved keys used in this request: AWS_REGION"),
      std::string::npos);
}

TEST(FunctionRecordTest, LastModifiedInLambdasFormat) {
  EXPECT_EQ(FormatLastModified(1700000000123), "2023-11-14T22:13:20.123+0000");
}

}  // namespace
}  // namespace tandem::functions
