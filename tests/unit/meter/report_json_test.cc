#include "meter/report_json.h"

#include <gtest/gtest.h>

#include "meter/attempt_builder.h"

namespace tandem::meter {
namespace {

using test_support::LogBuilder;
using test_support::Node;

MeterReport SampleReport(bool verified) {
  LogBuilder b(500, 5);
  b.Ok(Node("ip-a", 1)).Ok(Node("ip-a", 1)).Unknown(Node("ip-a", 1)).Failed();
  b.Ok(Node("ip-b", 2)).Ok(Node("ip-b", 2));
  ReportInput input;
  input.test_run_id = "run-7";
  input.loop_time_s = 0.5;
  input.run_end_ms = b.end_ms();
  input.stopped_by = "stopped after the failovers asked for";
  if (verified) {
    // Row 2 deliberately absent; unknown row 3 committed.
    input.rows = std::vector<SyncRow>{{1, 1700000000, 1700000000000},
                                      {3, 1700000001, 1700000001000},
                                      {5, 1700000002, 1700000002000},
                                      {6, 1700000002, 1700000002500}};
  } else {
    input.rows_error = "could not read the rows back: timeout";
  }
  return BuildReport(b.log(), input);
}

TEST(ReportJsonTest, HasEveryFieldOfTheSchema) {
  nlohmann::json j = ReportToJson(SampleReport(true));
  EXPECT_EQ(j["test_run_id"], "run-7");
  EXPECT_DOUBLE_EQ(j["loop_time_s"].get<double>(), 0.5);
  EXPECT_EQ(j["attempts"]["total"], 6);
  EXPECT_EQ(j["attempts"]["succeeded"], 4);
  EXPECT_EQ(j["attempts"]["failed"], 1);
  EXPECT_EQ(j["attempts"]["unknown"], 1);
  ASSERT_EQ(j["failovers"].size(), 1u);
  const nlohmann::json& f = j["failovers"][0];
  EXPECT_EQ(f["failure_start"], "2023-11-14T22:13:20.505Z");
  EXPECT_EQ(f["failure_end"], "2023-11-14T22:13:22.005Z");
  EXPECT_EQ(f["outage_ms"], 1500);
  EXPECT_EQ(f["last_acknowledged_id_before"], 2);
  EXPECT_EQ(f["first_acknowledged_id_after"], 5);
  EXPECT_EQ(f["detected_by"], "failed writes");
  EXPECT_EQ(f["failed_attempts"], 2);
  EXPECT_EQ(f["node_before"]["hostname"], "ip-a");
  EXPECT_EQ(f["node_before"]["server_id"], 1);
  EXPECT_EQ(f["node_after"]["hostname"], "ip-b");
  EXPECT_EQ(f["node_after"]["read_only"], false);
  ASSERT_EQ(f["unknown_writes"].size(), 1u);
  EXPECT_EQ(f["unknown_writes"][0]["index_id"], 3);
  EXPECT_EQ(f["unknown_writes"][0]["resolved"], "committed");
  ASSERT_EQ(j["newest_rows"].size(), 4u);
  EXPECT_EQ(j["newest_rows"][0]["index_id"], 6);
  EXPECT_EQ(j["newest_rows"][0]["created"], 1700000002);
  EXPECT_EQ(j["acknowledged_ids_count"], 4);
  EXPECT_EQ(j["acknowledged_ids"], nlohmann::json::array({1, 2, 5, 6}));
  EXPECT_EQ(j["missing_ids"], nlohmann::json::array({2}));
  EXPECT_EQ(j["writes_lost"], 1);
  EXPECT_EQ(j["verified"], true);
  EXPECT_FALSE(j.contains("verify_error"));
}

TEST(ReportJsonTest, UnverifiedRunHasNoLossCountAndSaysWhy) {
  nlohmann::json j = ReportToJson(SampleReport(false));
  EXPECT_TRUE(j["writes_lost"].is_null());
  EXPECT_EQ(j["verified"], false);
  EXPECT_NE(j["verify_error"].get<std::string>().find("timeout"), std::string::npos);
  EXPECT_EQ(j["failovers"][0]["unknown_writes"][0]["resolved"], "unresolved");
}

TEST(ReportJsonTest, OpenOutageHasNullEnd) {
  LogBuilder b;
  b.Ok(Node("a", 1)).Failed();
  ReportInput input;
  input.rows = std::vector<SyncRow>{{1, 0, 0}};
  nlohmann::json j = ReportToJson(BuildReport(b.log(), input));
  EXPECT_TRUE(j["failovers"][0]["failure_end"].is_null());
  EXPECT_TRUE(j["failovers"][0]["outage_ms"].is_null());
  EXPECT_TRUE(j["failovers"][0]["node_after"].is_null());
}

TEST(RecordedRunTest, ReadsBackWhatTheReportWrote) {
  auto run = RecordedRunFromJson(ReportToJson(SampleReport(true)).dump(2));
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->test_run_id, "run-7");
  EXPECT_EQ(run->acknowledged_ids, (std::vector<uint64_t>{1, 2, 5, 6}));
}

TEST(RecordedRunTest, RefusesWhatIsNotAReport) {
  EXPECT_FALSE(RecordedRunFromJson("not json").ok());
  EXPECT_FALSE(RecordedRunFromJson("[]").ok());
  EXPECT_FALSE(RecordedRunFromJson(R"({"test_run_id": "x"})").ok());
  EXPECT_FALSE(RecordedRunFromJson(R"({"test_run_id": "x", "acknowledged_ids": [1, -2]})").ok());
  EXPECT_TRUE(RecordedRunFromJson(R"({"test_run_id": "x", "acknowledged_ids": []})").ok());
}

}  // namespace
}  // namespace tandem::meter
