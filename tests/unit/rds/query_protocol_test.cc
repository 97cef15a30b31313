// QueryProtocolService: dispatch on Action, the checks before a handler runs,
// error statuses from the model, and authentication errors in Query style.
#include "api/query_protocol.h"

#include <gtest/gtest.h>

#include "xml_reader.h"

namespace tandem::api {
namespace {

using testing_xml::Element;
using testing_xml::XmlReader;

class QueryProtocolTest : public testing::Test {
 protected:
  QueryProtocolTest() : service_("rds", QueryModel::LoadEmbedded("rds").value()) {
    service_.Register("DescribeDBInstances", [this](const RequestContext&, const Json& input) {
      last_input_ = input;
      return ApiResult<Json>(Json{{"DBInstances", Json::array()}});
    });
    service_.Register("DescribeEvents", [this](const RequestContext&, const Json& input) {
      last_input_ = input;
      return ApiResult<Json>(Json::object());
    });
    service_.Register("DeleteDBInstance", [](const RequestContext&, const Json&) {
      return ApiResult<Json>(ApiError{"DBInstanceNotFound", "DBInstance x not found.", 400, false});
    });
    service_.Register("RebootDBInstance", [](const RequestContext&, const Json&) {
      return ApiResult<Json>(ApiError{"InternalFailure", "boom", 500, true});
    });
  }

  HttpResponse Post(
      const std::string& body,
      const std::string& content_type = "application/x-www-form-urlencoded; charset=utf-8") {
    HttpRequest req;
    req.method = "POST";
    req.target = "/";
    if (!content_type.empty()) req.headers.emplace_back("content-type", content_type);
    req.body = body;
    return service_.Handle(ctx_, req);
  }

  static Element Xml(const HttpResponse& r) {
    std::optional<Element> root = XmlReader::Parse(r.body);
    EXPECT_TRUE(root) << r.body;
    return root.value_or(Element{});
  }

  QueryProtocolService service_;
  RequestContext ctx_{{"AKID", "us-east-1", "rds"}, "000000000000", "req-9"};
  Json last_input_;
};

TEST_F(QueryProtocolTest, DispatchesAndRendersXml) {
  HttpResponse r = Post("Action=DescribeDBInstances&Version=2014-10-31&MaxRecords=20");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/xml");
  EXPECT_EQ(last_input_, (Json{{"MaxRecords", 20}}));
  Element root = Xml(r);
  EXPECT_EQ(root.name, "DescribeDBInstancesResponse");
  ASSERT_NE(root.Path("DescribeDBInstancesResult/DBInstances"), nullptr);
  EXPECT_EQ(root.Text("ResponseMetadata/RequestId"), "req-9");
}

TEST_F(QueryProtocolTest, GetWithQueryString) {
  HttpRequest req;
  req.method = "GET";
  req.target = "/?Action=DescribeDBInstances&Version=2014-10-31&DBInstanceIdentifier=a";
  HttpResponse r = service_.Handle(ctx_, req);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(last_input_, (Json{{"DBInstanceIdentifier", "a"}}));
}

TEST_F(QueryProtocolTest, RefusalsBeforeTheHandler) {
  struct Case {
    std::string body;
    int status;
    std::string code;
  };
  const Case cases[] = {
      {"Version=2014-10-31", 400, "MissingAction"},
      {"Action=DescribeNothing&Version=2014-10-31", 400, "InvalidAction"},
      {"Action=DescribeDBClusters&Version=2014-10-31", 400, "InvalidAction"},  // not served
      {"Action=DescribeDBInstances", 400, "MissingParameter"},
      {"Action=DescribeDBInstances&Version=2013-01-10", 400, "NoSuchVersion"},
      {"Action=DescribeDBInstances&Version=2014-10-31&MaxRecords=x", 400, "InvalidParameterValue"},
      {"Action=DescribeDBInstances&Version=2014-10-31&Marker=%G0", 400, "MalformedQueryString"},
      {"Action=DeleteDBInstance&Version=2014-10-31", 400, "MissingParameter"},
      // A model constraint (an enum), in the Query protocol's words.
      {"Action=DescribeEvents&Version=2014-10-31&SourceType=db-nothing", 400,
       "InvalidParameterValue"},
  };
  for (const Case& c : cases) {
    last_input_ = nullptr;
    HttpResponse r = Post(c.body);
    EXPECT_EQ(r.status, c.status) << c.body;
    Element root = Xml(r);
    EXPECT_EQ(root.name, "ErrorResponse");
    EXPECT_EQ(root.Text("Error/Code"), c.code) << c.body << ": " << root.Text("Error/Message");
    EXPECT_EQ(root.Text("Error/Type"), "Sender");
    EXPECT_EQ(root.Text("RequestId"), "req-9");
    EXPECT_TRUE(last_input_.is_null()) << "the handler ran for " << c.body;
  }
}

TEST_F(QueryProtocolTest, ModeledErrorsTakeTheModelsStatus) {
  HttpResponse r = Post("Action=DeleteDBInstance&Version=2014-10-31&DBInstanceIdentifier=x");
  EXPECT_EQ(r.status, 404);  // DBInstanceNotFoundFault's httpStatusCode
  EXPECT_EQ(Xml(r).Text("Error/Code"), "DBInstanceNotFound");

  r = Post("Action=RebootDBInstance&Version=2014-10-31&DBInstanceIdentifier=x");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(Xml(r).Text("Error/Type"), "Receiver");
}

TEST_F(QueryProtocolTest, BodiesOfOtherContentTypesAreNotParameters) {
  HttpResponse r = Post("Action=DescribeDBInstances&Version=2014-10-31", "application/json");
  EXPECT_EQ(Xml(r).Text("Error/Code"), "MissingAction");
}

TEST_F(QueryProtocolTest, AuthErrorsInQueryStyle) {
  struct Case {
    AuthFailure::Kind kind;
    int status;
    std::string code;
  };
  const Case cases[] = {
      {AuthFailure::Kind::kMissing, 403, "MissingAuthenticationToken"},
      {AuthFailure::Kind::kIncomplete, 400, "IncompleteSignature"},
      {AuthFailure::Kind::kUnknownKey, 403, "InvalidClientTokenId"},
      {AuthFailure::Kind::kSignatureMismatch, 403, "SignatureDoesNotMatch"},
      {AuthFailure::Kind::kExpired, 403, "SignatureDoesNotMatch"},
  };
  for (const Case& c : cases) {
    HttpResponse r = service_.AuthError({c.kind, "why", "rds"}, "req-1");
    EXPECT_EQ(r.status, c.status);
    Element root = Xml(r);
    EXPECT_EQ(root.Text("Error/Code"), c.code);
    EXPECT_EQ(root.Text("Error/Message"), c.kind == AuthFailure::Kind::kMissing
                                              ? "Request is missing Authentication Token"
                                              : "why");
  }
}

}  // namespace
}  // namespace tandem::api
