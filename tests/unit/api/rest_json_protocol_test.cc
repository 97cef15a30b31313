#include "api/rest_json_protocol.h"

#include <gtest/gtest.h>

#include "crypto/digest.h"

namespace tandem::api {
namespace {

// Requests as botocore 1.29's rest-json serializer builds them for the lambda
// model (generated offline with botocore.serialize.create_serializer).
HttpRequest Request(std::string method, std::string target, std::string body = "",
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpRequest req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.body = std::move(body);
  req.headers = std::move(headers);
  return req;
}

std::string HeaderOf(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

class RestJsonProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = RestJsonProtocolService::LoadEmbedded("lambda", "lambda");
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    service_ = std::move(*loaded);
    ctx_.caller = {"AKIAEXAMPLE", "us-east-1", "lambda"};
    ctx_.account_id = "000000000000";
    ctx_.request_id = "5f0c3c1e-0000-4000-8000-000000000001";
  }

  Json DecodeOk(const HttpRequest& req, const std::string& operation) {
    auto decoded = service_->Decode(req);
    EXPECT_TRUE(decoded.ok()) << (decoded.ok() ? "" : decoded.error().message);
    if (!decoded.ok()) return Json();
    EXPECT_EQ(decoded->operation, operation);
    return decoded->input;
  }

  std::unique_ptr<RestJsonProtocolService> service_;
  RequestContext ctx_;
};

TEST_F(RestJsonProtocolTest, CreateFunctionBodyWithBase64Zip) {
  Json in = DecodeOk(
      Request("POST", "/2015-03-31/functions",
              R"({"FunctionName": "rot", "Runtime": "python3.9", "Role": )"
              R"("arn:aws:iam::000000000000:role/r", "Handler": "lambda_function.lambda_handler", )"
              R"("Code": {"ZipFile": "UEsDBGFiYw=="}, "Timeout": 30, "Environment": )"
              R"({"Variables": {"A": "1"}}})",
              {{"content-type", "application/json"}}),
      "CreateFunction");
  EXPECT_EQ(in["FunctionName"], "rot");
  EXPECT_EQ(in["Code"]["ZipFile"], "UEsDBGFiYw==");
  EXPECT_EQ(in["Timeout"], 30);
  EXPECT_EQ(in["Environment"]["Variables"]["A"], "1");
}

TEST_F(RestJsonProtocolTest, InvokeTakesLabelHeaderAndRawPayload) {
  Json in =
      DecodeOk(Request("POST",
                       "/2015-03-31/functions/"
                       "arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Arot/invocations",
                       R"({"a":1})", {{"x-amz-log-type", "Tail"}}),
               "Invoke");
  EXPECT_EQ(in["FunctionName"], "arn:aws:lambda:us-east-1:000000000000:function:rot");
  EXPECT_EQ(in["LogType"], "Tail");
  EXPECT_EQ(crypto::Base64Decode(in["Payload"].get<std::string>()).value(), R"({"a":1})");
}

TEST_F(RestJsonProtocolTest, ListFunctionsQueryTypedAndTrailingSlash) {
  Json in =
      DecodeOk(Request("GET", "/2015-03-31/functions/?MaxItems=5&Marker=x%20y"), "ListFunctions");
  EXPECT_EQ(in["MaxItems"], 5);
  EXPECT_EQ(in["Marker"], "x y");
  DecodeOk(Request("GET", "/2015-03-31/functions"), "ListFunctions");
}

TEST_F(RestJsonProtocolTest, MethodAndLiteralsChooseTheOperation) {
  EXPECT_EQ(DecodeOk(Request("DELETE", "/2015-03-31/functions/rot"), "DeleteFunction"),
            (Json{{"FunctionName", "rot"}}));
  EXPECT_EQ(DecodeOk(Request("GET", "/2015-03-31/functions/rot"), "GetFunction"),
            (Json{{"FunctionName", "rot"}}));
  EXPECT_EQ(DecodeOk(Request("DELETE", "/2015-03-31/functions/rot/policy/s1"), "RemovePermission"),
            (Json{{"FunctionName", "rot"}, {"StatementId", "s1"}}));
  DecodeOk(Request("GET", "/2015-03-31/functions/rot/configuration"), "GetFunctionConfiguration");
  DecodeOk(Request("PUT", "/2015-03-31/functions/rot/code", R"({"ZipFile":"UEsDBA=="})"),
           "UpdateFunctionCode");
}

TEST_F(RestJsonProtocolTest, UnknownPathIs404AndBadQueryIntegerIsRefused) {
  auto r = service_->Decode(Request("GET", "/2015-03-31/nothing/here"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 404);
  auto bad = service_->Decode(Request("GET", "/2015-03-31/functions/?MaxItems=five"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("MaxItems"), std::string::npos);
}

TEST_F(RestJsonProtocolTest, HandleValidatesAgainstTheModel) {
  int calls = 0;
  service_->Register("CreateFunction", [&](const RequestContext&, const Json&) {
    ++calls;
    return ApiResult<Json>(Json{{"FunctionName", "rot"}});
  });
  HttpResponse r = service_->Handle(
      ctx_, Request("POST", "/2015-03-31/functions",
                    R"({"FunctionName":"rot","Role":"arn:aws:iam::000000000000:role/r",)"
                    R"("Runtime":"cobol","Code":{"ZipFile":"UEsDBA=="}})"));
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(HeaderOf(r, "x-amzn-ErrorType"), "ValidationException");
  Json body = Json::parse(r.body);
  EXPECT_EQ(body["Type"], "User");
  EXPECT_NE(body["message"].get<std::string>().find("'runtime'"), std::string::npos);
  EXPECT_NE(body["message"].get<std::string>().find("python3.12"), std::string::npos)
      << "the overlay's runtimes are in the enum";

  HttpResponse ok = service_->Handle(
      ctx_, Request("POST", "/2015-03-31/functions",
                    R"({"FunctionName":"rot","Role":"arn:aws:iam::000000000000:role/r",)"
                    R"("Runtime":"python3.12","Code":{"ZipFile":"UEsDBA=="}})"));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(ok.status, 201) << "CreateFunction's responseCode";
  EXPECT_EQ(Json::parse(ok.body), (Json{{"FunctionName", "rot"}}));
}

TEST_F(RestJsonProtocolTest, RendersInvokeOutputAsRawPayloadAndHeaders) {
  HttpResponse r = service_->Render("Invoke",
                                    Json{{"StatusCode", 200},
                                         {"Payload", crypto::Base64Encode(R"({"ok":true})")},
                                         {"FunctionError", "Unhandled"},
                                         {"ExecutedVersion", "$LATEST"},
                                         {"LogResult", "bG9n"}},
                                    "req-1");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"ok":true})");
  EXPECT_EQ(HeaderOf(r, "X-Amz-Function-Error"), "Unhandled");
  EXPECT_EQ(HeaderOf(r, "X-Amz-Executed-Version"), "$LATEST");
  EXPECT_EQ(HeaderOf(r, "X-Amz-Log-Result"), "bG9n");
  EXPECT_EQ(HeaderOf(r, "x-amzn-RequestId"), "req-1");

  HttpResponse deleted = service_->Render("DeleteFunction", Json::object(), "req-2");
  EXPECT_EQ(deleted.status, 204);
  EXPECT_EQ(deleted.body, "");
}

TEST_F(RestJsonProtocolTest, ErrorsCarryTheTypeHeaderAndMessage) {
  service_->Register("GetFunction", [](const RequestContext&, const Json&) {
    return ApiResult<Json>(ApiError{"ResourceNotFoundException",
                                    "Function not found: arn:aws:lambda:us-east-1:0:function:x",
                                    404, false});
  });
  HttpResponse r = service_->Handle(ctx_, Request("GET", "/2015-03-31/functions/x"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(HeaderOf(r, "x-amzn-ErrorType"), "ResourceNotFoundException");
  EXPECT_EQ(Json::parse(r.body)["message"],
            "Function not found: arn:aws:lambda:us-east-1:0:function:x");

  HttpResponse unregistered =
      service_->Handle(ctx_, Request("GET", "/2015-03-31/functions/x/configuration"));
  EXPECT_EQ(HeaderOf(unregistered, "x-amzn-ErrorType"), "UnknownOperationException");
}

}  // namespace
}  // namespace tandem::api
