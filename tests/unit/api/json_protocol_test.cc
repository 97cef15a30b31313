#include "api/json_protocol.h"

#include <gtest/gtest.h>

#include "api/embedded_models.h"

namespace tandem::api {
namespace {

class JsonProtocolTest : public ::testing::Test {
 protected:
  JsonProtocolTest() : service_("secretsmanager", "secretsmanager") {
    service_.Register("GetSecretValue", [this](const RequestContext& ctx, const Json& input) {
      ++calls_;
      last_input_ = input;
      last_ctx_ = ctx;
      return ApiResult<Json>(
          Json{{"Name", input.value("SecretId", "")}, {"VersionStages", {"AWSCURRENT"}}});
    });
    service_.Register("DeleteSecret", [this](const RequestContext&, const Json&) {
      ++calls_;
      return ApiResult<Json>(ApiError{"ResourceNotFoundException",
                                      "Secrets Manager can't find the specified secret.", 400});
    });
    ctx_.caller = {"AKIAEXAMPLE", "us-west-2", "secretsmanager"};
    ctx_.account_id = "000000000000";
    ctx_.request_id = "5f0c3c1e-0000-4000-8000-000000000001";
  }

  HttpResponse Call(const std::string& target, const std::string& body) {
    HttpRequest req;
    req.method = "POST";
    req.target = "/";
    req.headers = {{"content-type", "application/x-amz-json-1.1"}};
    if (!target.empty()) req.headers.emplace_back("x-amz-target", target);
    req.body = body;
    return service_.Handle(ctx_, req);
  }

  static Json BodyOf(const HttpResponse& r) { return Json::parse(r.body); }
  static std::string RequestIdOf(const HttpResponse& r) {
    for (const auto& [name, value] : r.headers) {
      if (name == "x-amzn-RequestId") return value;
    }
    return "";
  }

  JsonProtocolService service_;
  RequestContext ctx_;
  int calls_ = 0;
  Json last_input_;
  RequestContext last_ctx_;
};

TEST_F(JsonProtocolTest, DispatchesOnTarget) {
  HttpResponse r = Call("secretsmanager.GetSecretValue", R"({"SecretId":"prod/db"})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/x-amz-json-1.1");
  EXPECT_EQ(RequestIdOf(r), ctx_.request_id);
  EXPECT_EQ(BodyOf(r), (Json{{"Name", "prod/db"}, {"VersionStages", {"AWSCURRENT"}}}));
  EXPECT_EQ(calls_, 1);
  EXPECT_EQ(last_ctx_.caller.region, "us-west-2");
  EXPECT_EQ(last_ctx_.account_id, "000000000000");
}

TEST_F(JsonProtocolTest, EmptyBodyIsAnEmptyObject) {
  Call("secretsmanager.GetSecretValue", "");
  EXPECT_EQ(last_input_, Json::object());
  Call("secretsmanager.GetSecretValue", " \r\n");
  EXPECT_EQ(last_input_, Json::object());
}

TEST_F(JsonProtocolTest, UnknownOperations) {
  for (const char* target :
       {"", "secretsmanager.NoSuchThing", "kms.GetSecretValue", "secretsmanager.", "secretsmanager",
        "secretsmanagerGetSecretValue", "xsecretsmanager.GetSecretValue"}) {
    SCOPED_TRACE(target);
    HttpResponse r = Call(target, "{}");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(BodyOf(r)["__type"], "UnknownOperationException");
    EXPECT_FALSE(BodyOf(r)["Message"].get<std::string>().empty());
    EXPECT_EQ(RequestIdOf(r), ctx_.request_id);
  }
  EXPECT_EQ(calls_, 0);
}

TEST_F(JsonProtocolTest, BodyMustBeAJsonObject) {
  for (const char* body : {"[]", "\"x\"", "42", "null", "{", "{\"a\":}", "{} {}", "{'a':1}",
                           "{\"a\":1,}", "{\"a\":1}x",
                           // A number beyond a double: the parser's out_of_range, not parse_error.
                           "{\"MaxResults\":4443778793E714}"}) {
    SCOPED_TRACE(body);
    HttpResponse r = Call("secretsmanager.GetSecretValue", body);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(BodyOf(r)["__type"], "SerializationException");
  }
  EXPECT_EQ(calls_, 0);
}

TEST_F(JsonProtocolTest, InvalidUtf8IsRefusedWithoutEchoingTheBody) {
  for (std::string body :
       {std::string("{\"SecretString\":\"pa\xC3\x28ss\"}"),
        std::string("{\"SecretString\":\"\xFF\"}"), std::string("{\"SecretString\":\"\\ud800\"}"),
        std::string("{\"SecretString\":\"\\udc00x\"}"),
        std::string("{\"SecretString\":\"\xED\xA0\x80\"}")}) {
    SCOPED_TRACE(body);
    HttpResponse r = Call("secretsmanager.GetSecretValue", body);
    EXPECT_EQ(r.status, 400);
    Json error = BodyOf(r);
    EXPECT_EQ(error["__type"], "SerializationException");
    EXPECT_EQ(error["Message"].get<std::string>().find("pa"), std::string::npos);
  }
  EXPECT_EQ(calls_, 0);
  HttpResponse r = Call("secretsmanager.GetSecretValue", "{\"SecretString\":\"\xFF\"}");
  EXPECT_NE(BodyOf(r)["Message"].get<std::string>().find("UTF-8"), std::string::npos);
}

TEST_F(JsonProtocolTest, ValidUnicodeReachesTheHandler) {
  Call("secretsmanager.GetSecretValue", "{\"SecretId\":\"caf\xC3\xA9 \\u20ac \\ud83d\\ude00\"}");
  EXPECT_EQ(last_input_["SecretId"], "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
}

TEST_F(JsonProtocolTest, DeepNestingIsRefused) {
  std::string body = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  HttpResponse r = Call("secretsmanager.GetSecretValue", body);
  EXPECT_EQ(BodyOf(r)["__type"], "SerializationException");
  // Brackets inside strings are not nesting.
  Call("secretsmanager.GetSecretValue",
       "{\"SecretId\":\"" + std::string(1000, '[') + "\\\"" + std::string(1000, '{') + "\"}");
  EXPECT_EQ(calls_, 1);
}

TEST_F(JsonProtocolTest, HandlerErrorsAreRendered) {
  HttpResponse r = Call("secretsmanager.DeleteSecret", "{}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/x-amz-json-1.1");
  EXPECT_EQ(BodyOf(r), (Json{{"__type", "ResourceNotFoundException"},
                             {"Message", "Secrets Manager can't find the specified secret."}}));
  EXPECT_EQ(RequestIdOf(r), ctx_.request_id);
}

TEST_F(JsonProtocolTest, OutputWithInvalidUtf8NeverThrows) {
  service_.Register("ListSecrets", [](const RequestContext&, const Json&) {
    return ApiResult<Json>(Json{{"Name", std::string("bad \xFF byte")}});
  });
  HttpResponse r;
  ASSERT_NO_THROW(r = Call("secretsmanager.ListSecrets", "{}"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(BodyOf(r)["Name"], "bad \xEF\xBF\xBD byte");
}

TEST_F(JsonProtocolTest, ModelValidationRunsBeforeTheHandler) {
  auto model = LoadEmbeddedModel("secretsmanager");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  service_.SetModel(*model);

  HttpResponse r = Call("secretsmanager.GetSecretValue", "{}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(BodyOf(r), (Json{{"__type", "ValidationException"},
                             {"Message",
                              "1 validation error detected: Value null at 'secretId' failed to "
                              "satisfy constraint: Member must not be null"}}));
  r = Call("secretsmanager.GetSecretValue", R"({"SecretId": 7})");
  EXPECT_EQ(BodyOf(r)["__type"], "SerializationException");
  EXPECT_EQ(calls_, 0);

  r = Call("secretsmanager.GetSecretValue", R"({"SecretId": "ok", "Unmodelled": [1]})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(calls_, 1);
}

TEST_F(JsonProtocolTest, AuthFailuresMapToJsonCodes) {
  struct Case {
    AuthFailure::Kind kind;
    const char* code;
  };
  for (Case c : {Case{AuthFailure::Kind::kMissing, "MissingAuthenticationTokenException"},
                 Case{AuthFailure::Kind::kIncomplete, "IncompleteSignatureException"},
                 Case{AuthFailure::Kind::kUnknownKey, "UnrecognizedClientException"},
                 Case{AuthFailure::Kind::kSignatureMismatch, "InvalidSignatureException"},
                 Case{AuthFailure::Kind::kExpired, "InvalidSignatureException"}}) {
    SCOPED_TRACE(c.code);
    HttpResponse r = service_.AuthError({c.kind, "why", "secretsmanager"}, "rid");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.content_type, "application/x-amz-json-1.1");
    EXPECT_EQ(BodyOf(r), (Json{{"__type", c.code}, {"Message", "why"}}));
    EXPECT_EQ(RequestIdOf(r), "rid");
  }
}

}  // namespace
}  // namespace tandem::api
