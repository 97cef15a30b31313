// Timestamps in Query requests (RDS's DescribeEvents StartTime/EndTime,
// RestoreDBInstanceToPointInTime RestoreTime): whatever a client sends, the
// decoded value is a time handlers can turn into milliseconds without
// overflow, or the request is refused.
#include <gtest/gtest.h>

#include "api/query_input.h"

namespace tandem::api {
namespace {

ApiResult<Json> DescribeEvents(const std::string& form) {
  static const std::shared_ptr<const QueryModel> model = QueryModel::LoadEmbedded("rds").value();
  QueryParameters params;
  EXPECT_FALSE(ParseFormEncoded(form, params)) << form;
  return DecodeQueryInput(*model, "DescribeEvents", params);
}

TEST(QueryTimestamp, EpochSecondsAndIsoWithinYearsZeroTo9999AreDecoded) {
  struct Case {
    const char* form;
    double seconds;
  };
  for (const Case& c :
       {Case{"StartTime=1700000000", 1700000000.0}, Case{"StartTime=1700000000.5", 1700000000.5},
        Case{"StartTime=253402300799", 253402300799.0},
        Case{"StartTime=9999-12-31T23:59:59Z", 253402300799.0},
        Case{"StartTime=0000-01-01T00:00:00Z", -62167219200.0}}) {
    ApiResult<Json> input = DescribeEvents(c.form);
    ASSERT_TRUE(input.ok()) << c.form << ": " << input.error().message;
    EXPECT_DOUBLE_EQ((*input)["StartTime"].get<double>(), c.seconds) << c.form;
  }
}

// 1e20 seconds used to be decoded as such; DescribeEvents then rounded it to
// milliseconds beyond int64_t and subtracted from that (undefined behaviour).
TEST(QueryTimestamp, EpochSecondsBeyondYear9999AreInvalidParameterValue) {
  for (const char* form :
       {"EndTime=99999999999999999999", "StartTime=253402300800", "EndTime=9223372036854775807",
        "StartTime=1"
        "000000000000000"}) {
    ApiResult<Json> input = DescribeEvents(form);
    ASSERT_FALSE(input.ok()) << form;
    EXPECT_EQ(input.error().code, "InvalidParameterValue") << form;
    EXPECT_NE(input.error().message.find("9999-12-31T23:59:59Z"), std::string::npos)
        << input.error().message;
  }
}

}  // namespace
}  // namespace tandem::api
