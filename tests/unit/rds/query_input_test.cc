// Decoding of Query protocol requests: the inverse of botocore's
// QuerySerializer, checked against requests botocore encoded
// (data/query_vectors.json, made by data/make_query_vectors.py), and the
// errors for what botocore never sends.
#include "api/query_input.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

namespace tandem::api {
namespace {

const Json& Vectors() {
  static const Json vectors = [] {
    std::ifstream in(std::string(TANDEM_TEST_DATA_DIR) + "/query_vectors.json");
    std::stringstream text;
    text << in.rdbuf();
    return Json::parse(text.str());
  }();
  return vectors;
}

std::shared_ptr<const QueryModel> RdsModel() {
  static const std::shared_ptr<const QueryModel> model = QueryModel::LoadEmbedded("rds").value();
  return model;
}

std::shared_ptr<const QueryModel> PatternsModel() {
  static const std::shared_ptr<const QueryModel> model =
      QueryModel::Parse(Vectors()["patterns_model"].dump()).value();
  return model;
}

// Equal, with numbers compared to a microsecond (timestamps with fractions).
::testing::AssertionResult SameJson(const Json& got, const Json& want, const std::string& where) {
  if (want.is_number_float() || (want.is_number() && got.is_number_float())) {
    if (got.is_number() && std::fabs(got.get<double>() - want.get<double>()) < 1e-6) {
      return ::testing::AssertionSuccess();
    }
  } else if (want.is_object() && got.is_object()) {
    if (want.size() != got.size()) {
      return ::testing::AssertionFailure() << where << ": " << got.dump() << " != " << want.dump();
    }
    for (const auto& [k, v] : want.items()) {
      if (!got.contains(k)) return ::testing::AssertionFailure() << where << ": no " << k;
      auto r = SameJson(got[k], v, where + "." + k);
      if (!r) return r;
    }
    return ::testing::AssertionSuccess();
  } else if (want.is_array() && got.is_array() && want.size() == got.size()) {
    for (size_t i = 0; i < want.size(); ++i) {
      auto r = SameJson(got[i], want[i], where + "[" + std::to_string(i) + "]");
      if (!r) return r;
    }
    return ::testing::AssertionSuccess();
  } else if (got == want) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << where << ": " << got.dump() << " != " << want.dump();
}

ApiResult<Json> Decode(const QueryModel& model, const std::string& operation,
                       std::string_view body) {
  QueryParameters params;
  if (auto error = ParseFormEncoded(body, params)) return *error;
  return DecodeQueryInput(model, operation, params);
}

TEST(QueryInput, DecodesWhatBotocoreEncodes) {
  ASSERT_GT(Vectors()["vectors"].size(), 10u);
  for (const Json& v : Vectors()["vectors"]) {
    const QueryModel& model = v["model"] == "rds" ? *RdsModel() : *PatternsModel();
    ApiResult<Json> input = Decode(model, v["operation"], v["body"].get<std::string>());
    ASSERT_TRUE(input.ok()) << v["name"] << ": " << input.error().code << " "
                            << input.error().message;
    EXPECT_TRUE(SameJson(*input, v["input"], v["name"].get<std::string>()));
    // What decodes must also pass the model's own checks.
    EXPECT_FALSE(model.validation().ValidateInput(v["operation"], *input)) << v["name"];
  }
}

TEST(QueryInput, ActionAndVersionAreNotInput) {
  ApiResult<Json> input =
      Decode(*RdsModel(), "DescribeDBInstances", "Action=DescribeDBInstances&Version=2014-10-31");
  ASSERT_TRUE(input.ok());
  EXPECT_EQ(*input, Json::object());
}

TEST(QueryInput, GapsInListPositionsCloseUp) {
  ApiResult<Json> input = Decode(*RdsModel(), "RemoveTagsFromResource",
                                 "ResourceName=x&TagKeys.member.3=c&TagKeys.member.1=a");
  ASSERT_TRUE(input.ok());
  EXPECT_EQ((*input)["TagKeys"], Json::array({"a", "c"}));
}

TEST(QueryInput, UnknownParametersAreIgnored) {
  ApiResult<Json> input =
      Decode(*RdsModel(), "DescribeDBInstances", "Bogus=1&Filters.Filter.01.Name=x&MaxRecords=20");
  ASSERT_TRUE(input.ok());
  EXPECT_EQ(*input, (Json{{"MaxRecords", 20}}));
}

TEST(QueryInput, MissingRequiredParameterIsMissingParameter) {
  ApiResult<Json> input = Decode(*RdsModel(), "DeleteDBInstance", "SkipFinalSnapshot=true");
  ASSERT_FALSE(input.ok());
  EXPECT_EQ(input.error().code, "MissingParameter");
  EXPECT_EQ(input.error().message, "The request must contain the parameter DBInstanceIdentifier");

  // Inside a list element, the parameter is named as it would be sent.
  input = Decode(*RdsModel(), "DescribeDBInstances", "Filters.Filter.1.Values.Value.1=x");
  ASSERT_FALSE(input.ok());
  EXPECT_EQ(input.error().code, "MissingParameter");
  EXPECT_EQ(input.error().message, "The request must contain the parameter Filters.Filter.1.Name");
}

TEST(QueryInput, WrongTypesAreInvalidParameterValue) {
  struct Case {
    const char* operation;
    const char* body;
    const char* message;
  };
  const Case cases[] = {
      {"DescribeDBInstances", "MaxRecords=lots",
       "Invalid value 'lots' for parameter MaxRecords: expected an integer"},
      {"DescribeDBInstances", "MaxRecords=99999999999",
       "Invalid value '99999999999' for parameter MaxRecords: expected an integer"},
      {"RebootDBInstance", "DBInstanceIdentifier=a&ForceFailover=yes",
       "Invalid value 'yes' for parameter ForceFailover: expected true or false"},
      {"DescribeEvents", "StartTime=yesterday",
       "Invalid value 'yesterday' for parameter StartTime: expected an ISO 8601 timestamp such "
       "as 2023-11-14T22:13:20Z"},
      {"RemoveTagsFromResource", "ResourceName=x&TagKeys=a",
       "The parameter TagKeys is a list: send its elements as TagKeys.member.1, "
       "TagKeys.member.2, ..."},
      {"DescribeDBInstances", "DBInstanceIdentifier=%FF",
       "The value of parameter DBInstanceIdentifier is not valid UTF-8"},
  };
  for (const Case& c : cases) {
    ApiResult<Json> input = Decode(*RdsModel(), c.operation, c.body);
    ASSERT_FALSE(input.ok()) << c.body;
    EXPECT_EQ(input.error().code, "InvalidParameterValue") << c.body;
    EXPECT_EQ(input.error().message, c.message);
  }
}

TEST(QueryInput, BooleansIgnoreCase) {
  ApiResult<Json> input =
      Decode(*RdsModel(), "RebootDBInstance", "DBInstanceIdentifier=a&ForceFailover=TRUE");
  ASSERT_TRUE(input.ok());
  EXPECT_EQ((*input)["ForceFailover"], true);
}

TEST(QueryInput, MalformedFormEncoding) {
  QueryParameters params;
  for (const char* bad : {"a=%4", "a=%zz", "=x", "a=1&a=2"}) {
    params.clear();
    std::optional<ApiError> error = ParseFormEncoded(bad, params);
    ASSERT_TRUE(error) << bad;
    EXPECT_EQ(error->code, "MalformedQueryString") << bad;
  }
  params.clear();
  EXPECT_FALSE(ParseFormEncoded("a=b+c%2B%26&&flag&e=", params));
  EXPECT_EQ(params, (QueryParameters{{"a", "b c+&"}, {"e", ""}, {"flag", ""}}));
}

TEST(QueryInput, Iso8601) {
  EXPECT_EQ(ParseIso8601("2023-11-14T22:13:20Z"), 1700000000.0);
  EXPECT_EQ(ParseIso8601("2023-11-14T22:13:20"), 1700000000.0);
  EXPECT_EQ(ParseIso8601("2023-11-14T23:13:20+01:00"), 1700000000.0);
  EXPECT_EQ(ParseIso8601("2023-11-14T21:43:20-0030"), 1700000000.0);
  EXPECT_NEAR(*ParseIso8601("2023-11-14T22:13:20.250Z"), 1700000000.25, 1e-9);
  for (const char* bad : {"", "2023-11-14", "2023-13-14T22:13:20Z", "2023-11-14T22:13:20.Z",
                          "2023-11-14T22:13:20Zjunk", "2023-11-14T25:00:00Z"}) {
    EXPECT_FALSE(ParseIso8601(bad)) << bad;
  }
}

}  // namespace
}  // namespace tandem::api
