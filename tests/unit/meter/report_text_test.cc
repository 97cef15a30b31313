#include "meter/report_text.h"

#include <gtest/gtest.h>

#include "meter/attempt_builder.h"

namespace tandem::meter {
namespace {

using test_support::LogBuilder;
using test_support::Node;

MeterReport TwoFailovers(std::vector<SyncRow> rows) {
  LogBuilder b(500, 5);
  b.Ok(Node("ip-a", 11)).Ok(Node("ip-a", 11)).Failed().Ok(Node("ip-b", 22));
  b.Unknown(Node("ip-b", 22)).Ok(Node("ip-a", 11, /*read_only=*/false));
  ReportInput input;
  input.test_run_id = "demo";
  input.loop_time_s = 0.5;
  input.run_end_ms = b.end_ms();
  input.rows = std::move(rows);
  return BuildReport(b.log(), input);
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ReportTextTest, CarriesDbTestMetersFieldsCorrected) {
  std::vector<SyncRow> rows = {{1, 1700000000, 1700000000000},
                               {2, 1700000000, 1700000000500},
                               {4, 1700000001, 1700000001500},
                               {6, 1700000002, 1700000002500}};
  const std::string text = FormatReportText(TwoFailovers(rows));
  EXPECT_TRUE(Contains(text, "total connection attempts: 6")) << text;
  EXPECT_TRUE(Contains(text, "successful (acknowledged): 4")) << text;
  EXPECT_TRUE(Contains(text, "failed:                    1")) << text;
  EXPECT_TRUE(Contains(text, "unknown outcome:           1")) << text;
  EXPECT_TRUE(Contains(text, "failover 1 of 2")) << text;
  EXPECT_TRUE(Contains(text, "failover 2 of 2")) << text;
  EXPECT_TRUE(Contains(text, "failure start time:  2023-11-14T22:13:20.505Z")) << text;
  EXPECT_TRUE(Contains(text, "failure duration:    1000 ms (1.000 s)")) << text;
  EXPECT_TRUE(Contains(text, "last acknowledged sync record id on the initial primary: 2")) << text;
  EXPECT_TRUE(Contains(text, "first acknowledged sync record id after the failure: 4")) << text;
  EXPECT_TRUE(Contains(text, "pre-failure node:    host ip-a, server id 11, read_only OFF"));
  EXPECT_TRUE(Contains(text, "post-failure node:   host ip-b, server id 22, read_only OFF"));
  EXPECT_TRUE(Contains(text, "id 5: not committed")) << text;
  EXPECT_TRUE(Contains(text, "durations: 1000 ms, 1000 ms; longest 1000 ms")) << text;
  EXPECT_TRUE(Contains(text, "index_id 6, created 2023-11-14T22:13:22.500Z")) << text;
  EXPECT_TRUE(Contains(text, "acknowledged writes: 4, lost: 0")) << text;
}

TEST(ReportTextTest, NamesTheMissingIds) {
  std::vector<SyncRow> rows = {{1, 0, 0}, {6, 0, 0}};
  const std::string text = FormatReportText(TwoFailovers(rows));
  EXPECT_TRUE(Contains(text, "acknowledged writes: 4, lost: 2 (missing ids: 2, 4)")) << text;
}

TEST(ReportTextTest, SaysWhenTheVerdictCouldNotBeReached) {
  LogBuilder b;
  b.Ok(Node("a", 1));
  ReportInput input;
  input.rows_error = "could not read the rows back: no route";
  const std::string text = FormatReportText(BuildReport(b.log(), input));
  EXPECT_TRUE(Contains(text, "no failover seen")) << text;
  EXPECT_TRUE(Contains(text, "lost: not checked (could not read the rows back: no route)")) << text;
}

TEST(ReportTextTest, FormatsSecondsWithThreeDecimals) {
  EXPECT_EQ(FormatSeconds(57), "0.057 s");
  EXPECT_EQ(FormatSeconds(1500), "1.500 s");
  EXPECT_EQ(FormatSeconds(0), "0.000 s");
  EXPECT_EQ(FormatSeconds(-5), "-0.005 s");
  EXPECT_EQ(FormatVerdict(3, {}), "acknowledged writes: 3, lost: 0");
  EXPECT_EQ(FormatVerdict(3, {7}), "acknowledged writes: 3, lost: 1 (missing ids: 7)");
}

}  // namespace
}  // namespace tandem::meter
