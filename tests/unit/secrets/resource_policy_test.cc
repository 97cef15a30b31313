#include "secrets/resource_policy.h"

#include <gtest/gtest.h>

namespace tandem::secrets {
namespace {

PolicyReview Review(const std::string& text) {
  api::ApiResult<PolicyReview> review = ReviewResourcePolicy(text);
  EXPECT_TRUE(review.ok()) << (review.ok() ? "" : review.error().message);
  return review.ok() ? *review : PolicyReview{};
}

// The policy AWS accepted in the recorded test_resource_policy.
constexpr char kPublicPolicy[] = R"({
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": "*",
                 "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})";

TEST(ResourcePolicy, WellFormedPolicyWithWildcardPrincipalIsBroad) {
  PolicyReview review = Review(kPublicPolicy);
  EXPECT_TRUE(review.grammar_errors.empty());
  ASSERT_EQ(review.broad_access.size(), 1u);
  EXPECT_NE(review.broad_access[0].find("Statement 1"), std::string::npos);
}

TEST(ResourcePolicy, NamedPrincipalIsNotBroad) {
  PolicyReview review = Review(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
      "Principal":{"AWS":"arn:aws:iam::123456789012:root"},
      "Action":"secretsmanager:GetSecretValue","Resource":"*"}]})");
  EXPECT_TRUE(review.grammar_errors.empty());
  EXPECT_TRUE(review.broad_access.empty());
}

TEST(ResourcePolicy, ConditionNarrowsWildcard) {
  PolicyReview review = Review(R"({"Statement":{"Effect":"Allow","Principal":{"AWS":["*"]},
      "Action":["secretsmanager:GetSecretValue"],"Resource":"*",
      "Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-123"}}}})");
  EXPECT_TRUE(review.grammar_errors.empty());
  EXPECT_TRUE(review.broad_access.empty());
}

TEST(ResourcePolicy, DenyWithWildcardIsNotBroad) {
  PolicyReview review =
      Review(R"({"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]})");
  EXPECT_TRUE(review.broad_access.empty());
}

TEST(ResourcePolicy, NotJsonObjectIsMalformed) {
  for (const char* text : {"", "not json", "[]", "\"x\"", "{"}) {
    api::ApiResult<PolicyReview> review = ReviewResourcePolicy(text);
    ASSERT_FALSE(review.ok()) << text;
    EXPECT_EQ(review.error().code, "MalformedPolicyDocumentException");
  }
}

TEST(ResourcePolicy, GrammarErrors) {
  struct Case {
    const char* policy;
    const char* expected_fragment;
  };
  const Case cases[] = {
      {R"({"Version":"2012-10-17"})", "no Statement"},
      {R"({"Statement":[]})", "empty"},
      {R"({"Version":"2020-01-01","Statement":[{"Effect":"Allow","Principal":"*","Action":"a","Resource":"*"}]})",
       "Version"},
      {R"({"Statement":[{"Principal":"*","Action":"a","Resource":"*"}]})", "no Effect"},
      {R"({"Statement":[{"Effect":"Maybe","Principal":"*","Action":"a","Resource":"*"}]})",
       "Effect must be"},
      {R"({"Statement":[{"Effect":"Allow","Action":"a","Resource":"*"}]})", "Principal"},
      {R"({"Statement":[{"Effect":"Allow","Principal":"*","Resource":"*"}]})", "Action"},
      {R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"a"}]})", "Resource"},
      {R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"a","NotAction":"b","Resource":"*"}]})",
       "both Action"},
      {R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":[],"Resource":"*"}]})",
       "non-empty list"},
      {R"({"Statement":[{"Effect":"Allow","Principal":"someone","Action":"a","Resource":"*"}]})",
       "Principal must be"},
      {R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"a","Resource":"*","Extra":1}]})",
       "unknown element \"Extra\""},
      {R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"a","Resource":"*","Condition":"x"}]})",
       "Condition must be"},
      {R"({"Statement":["x"]})", "not a JSON object"},
      {R"({"Statement":[],"Other":1})", "unknown element \"Other\""},
  };
  for (const Case& c : cases) {
    PolicyReview review = Review(c.policy);
    ASSERT_FALSE(review.grammar_errors.empty()) << c.policy;
    std::string all;
    for (const std::string& e : review.grammar_errors) all += e + "\n";
    EXPECT_NE(all.find(c.expected_fragment), std::string::npos) << c.policy << "\n" << all;
  }
}

}  // namespace
}  // namespace tandem::secrets
