#include "meter/outage_report.h"

#include <gtest/gtest.h>

#include "meter/attempt_builder.h"

namespace tandem::meter {
namespace {

using test_support::LogBuilder;
using test_support::Node;

const NodeIdentity kA = Node("ip-10-0-1-11", 1);
const NodeIdentity kB = Node("ip-10-0-2-22", 2);
const NodeIdentity kBReadOnly = Node("ip-10-0-2-22", 2, /*read_only=*/true);

// Every row a heartbeat log would have left if every acknowledged and
// `committed_unknown` write were present.
std::vector<SyncRow> RowsOf(const HeartbeatLog& log, std::vector<uint64_t> committed_unknown = {}) {
  std::vector<SyncRow> rows;
  for (const Attempt& a : log.attempts()) {
    bool present = a.outcome == Outcome::kSuccess;
    for (uint64_t id : committed_unknown) present = present || id == a.index_id;
    if (present) rows.push_back(SyncRow{a.index_id, a.wall_start_ms / 1000, a.wall_start_ms});
  }
  return rows;
}

MeterReport Report(const LogBuilder& b, std::optional<std::vector<SyncRow>> rows) {
  ReportInput input;
  input.test_run_id = "t1";
  input.loop_time_s = 0.5;
  input.run_end_ms = b.end_ms();
  input.rows = std::move(rows);
  if (!input.rows) input.rows_error = "could not read the rows back: refused";
  return BuildReport(b.log(), input);
}

TEST(OutageReportTest, OutageRunsFromLastAcknowledgedWriteBeforeToFirstAfter) {
  LogBuilder b(/*spacing=*/500, /*duration=*/5);
  b.Ok(kA).Ok(kA).Ok(kA);  // ids 1-3, id 3 acknowledged at 1005 ms
  b.Failed().Failed();     // ids 4-5 at 1500, 2000
  b.Ok(kB).Ok(kB);         // id 6 acknowledged at 2505 ms
  MeterReport r = Report(b, RowsOf(b.log()));

  ASSERT_EQ(r.failovers.size(), 1u);
  const FailoverReport& f = r.failovers[0];
  EXPECT_EQ(f.last_acknowledged_id_before, 3u);  // not 4: no off-by-one
  EXPECT_EQ(f.first_acknowledged_id_after, 6u);
  EXPECT_EQ(f.start_ms, 1005);
  EXPECT_EQ(f.end_ms, 2505);
  EXPECT_EQ(f.outage_ms, 1500);
  EXPECT_EQ(f.failure_start_wall_ms, 1700000000000 + 1005);
  EXPECT_EQ(f.failure_end_wall_ms, 1700000000000 + 2505);
  EXPECT_EQ(f.first_failure_wall_ms, 1700000000000 + 1500);
  EXPECT_EQ(f.failed_attempts, 2u);
  EXPECT_NE(f.first_error.find("error 2013"), std::string::npos) << f.first_error;
  EXPECT_FALSE(f.node_change_only);
  ASSERT_TRUE(f.node_before && f.node_after);
  EXPECT_EQ(f.node_before->hostname, "ip-10-0-1-11");
  EXPECT_EQ(f.node_after->hostname, "ip-10-0-2-22");
  EXPECT_EQ(r.attempts.total, 7u);
  EXPECT_EQ(r.attempts.succeeded, 5u);
  EXPECT_EQ(r.attempts.failed, 2u);
  EXPECT_EQ(r.attempts.unknown, 0u);
  EXPECT_TRUE(r.missing_ids.empty());
}

TEST(OutageReportTest, ReadOnlyRefusalIsAFailureNotARecovery) {
  LogBuilder b;
  b.Ok(kA).Ok(kA);                                            // ids 1, 2
  b.Failed();                                                 // 3: connection refused
  b.ReadOnlyRefusal(kBReadOnly).ReadOnlyRefusal(kBReadOnly);  // 4, 5: reached B, still read-only
  b.Ok(kB);                                                   // 6: recovery
  MeterReport r = Report(b, RowsOf(b.log()));

  ASSERT_EQ(r.failovers.size(), 1u);
  EXPECT_EQ(r.failovers[0].last_acknowledged_id_before, 2u);
  EXPECT_EQ(r.failovers[0].first_acknowledged_id_after, 6u);
  EXPECT_EQ(r.failovers[0].failed_attempts, 3u);
  EXPECT_FALSE(r.failovers[0].node_after->read_only);
  EXPECT_TRUE(r.failovers[0].node_after->SameNode(kBReadOnly));
  EXPECT_EQ(r.attempts.failed, 3u);
}

TEST(OutageReportTest, SeveralOutagesEachWithTheirOwnBoundariesAndNodes) {
  LogBuilder b;
  b.Ok(kA).Ok(kA).Failed().Ok(kB);             // 1 2 [3] 4
  b.Ok(kB).Failed().Failed().Failed().Ok(kA);  // 5 [6 7 8] 9
  b.Ok(kA);
  MeterReport r = Report(b, RowsOf(b.log()));

  ASSERT_EQ(r.failovers.size(), 2u);
  EXPECT_EQ(r.failovers[0].last_acknowledged_id_before, 2u);
  EXPECT_EQ(r.failovers[0].first_acknowledged_id_after, 4u);
  EXPECT_EQ(r.failovers[0].outage_ms, 1000);
  EXPECT_EQ(r.failovers[1].last_acknowledged_id_before, 5u);
  EXPECT_EQ(r.failovers[1].first_acknowledged_id_after, 9u);
  EXPECT_EQ(r.failovers[1].outage_ms, 2000);
  EXPECT_EQ(r.failovers[1].node_before->server_id, 2u);
  EXPECT_EQ(r.failovers[1].node_after->server_id, 1u);
}

TEST(OutageReportTest, SwitchoverWithoutFailedAttemptIsSeenAsNodeChange) {
  // The endpoint held the connection of attempt 3 during a switchover: it
  // took 300 ms and landed on the new primary, nothing failed.
  LogBuilder b(500, 5);
  b.Ok(kA).Ok(kA).Ok(kB).Ok(kB);
  MeterReport r = Report(b, RowsOf(b.log()));

  ASSERT_EQ(r.failovers.size(), 1u);
  const FailoverReport& f = r.failovers[0];
  EXPECT_TRUE(f.node_change_only);
  EXPECT_EQ(f.failed_attempts, 0u);
  EXPECT_EQ(f.last_acknowledged_id_before, 2u);
  EXPECT_EQ(f.first_acknowledged_id_after, 3u);
  EXPECT_EQ(f.outage_ms, 500);
  EXPECT_FALSE(f.first_failure_wall_ms.has_value());
}

TEST(OutageReportTest, SameNodeAfterRestartIsAnOutageButNotANodeChange) {
  LogBuilder b;
  b.Ok(kA).Failed().Ok(kA).Ok(kA);
  MeterReport r = Report(b, RowsOf(b.log()));
  ASSERT_EQ(r.failovers.size(), 1u);
  EXPECT_TRUE(r.failovers[0].node_before->SameNode(*r.failovers[0].node_after));
}

TEST(OutageReportTest, OutageNotOverWhenTheRunStoppedIsOpen) {
  LogBuilder b;
  b.Ok(kA).Failed().Failed();
  MeterReport r = Report(b, RowsOf(b.log()));
  ASSERT_EQ(r.failovers.size(), 1u);
  EXPECT_FALSE(r.failovers[0].end_ms.has_value());
  EXPECT_FALSE(r.failovers[0].outage_ms.has_value());
  EXPECT_FALSE(r.failovers[0].first_acknowledged_id_after.has_value());
  EXPECT_EQ(r.failovers[0].last_acknowledged_id_before, 1u);
}

TEST(OutageReportTest, FailuresBeforeAnyAcknowledgedWriteStartAtTheRunsStart) {
  LogBuilder b;
  b.Failed().Ok(kA);
  MeterReport r = Report(b, RowsOf(b.log()));
  ASSERT_EQ(r.failovers.size(), 1u);
  EXPECT_EQ(r.failovers[0].start_ms, 0);
  EXPECT_FALSE(r.failovers[0].last_acknowledged_id_before.has_value());
  EXPECT_FALSE(r.failovers[0].node_before.has_value());
}

TEST(OutageReportTest, UnknownWriteFoundOnTheNewPrimaryIsCommitted) {
  LogBuilder b;
  b.Ok(kA).Unknown(kA).Failed().Ok(kB);  // id 2's COMMIT got no answer
  MeterReport r = Report(b, RowsOf(b.log(), /*committed_unknown=*/{2}));

  ASSERT_EQ(r.failovers.size(), 1u);
  ASSERT_EQ(r.failovers[0].unknown_writes.size(), 1u);
  EXPECT_EQ(r.failovers[0].unknown_writes[0].index_id, 2u);
  EXPECT_EQ(r.failovers[0].unknown_writes[0].resolved, Resolution::kCommitted);
  EXPECT_EQ(r.attempts.unknown, 1u);
  // Committed but never acknowledged: not in the acknowledged ids, no loss.
  EXPECT_EQ(r.acknowledged_ids, (std::vector<uint64_t>{1, 4}));
  EXPECT_TRUE(r.missing_ids.empty());
}

TEST(OutageReportTest, UnknownWriteAbsentFromTheNewPrimaryIsNotCommittedAndNotALoss) {
  LogBuilder b;
  b.Ok(kA).Unknown(kA).Ok(kB);
  MeterReport r = Report(b, RowsOf(b.log()));

  ASSERT_EQ(r.failovers[0].unknown_writes.size(), 1u);
  EXPECT_EQ(r.failovers[0].unknown_writes[0].resolved, Resolution::kNotCommitted);
  EXPECT_TRUE(r.missing_ids.empty());
}

TEST(OutageReportTest, DeletedAcknowledgedRowIsNamedAsLost) {
  LogBuilder b;
  b.Ok(kA).Ok(kA).Ok(kA).Failed().Ok(kB).Ok(kB);
  std::vector<SyncRow> rows = RowsOf(b.log());
  // Deliberately lose acknowledged row 3, the last write before the failure.
  std::erase_if(rows, [](const SyncRow& row) { return row.index_id == 3; });
  MeterReport r = Report(b, rows);

  EXPECT_TRUE(r.verified);
  EXPECT_EQ(r.missing_ids, (std::vector<uint64_t>{3}));
  EXPECT_EQ(r.acknowledged_ids.size(), 5u);
}

TEST(OutageReportTest, RowsThatCouldNotBeReadLeaveUnknownWritesUnresolved) {
  LogBuilder b;
  b.Ok(kA).Unknown(kA).Ok(kB);
  MeterReport r = Report(b, std::nullopt);
  EXPECT_FALSE(r.verified);
  EXPECT_NE(r.verify_error.find("refused"), std::string::npos);
  EXPECT_EQ(r.failovers[0].unknown_writes[0].resolved, Resolution::kUnresolved);
  EXPECT_TRUE(r.missing_ids.empty());
  EXPECT_TRUE(r.newest_rows.empty());
}

TEST(OutageReportTest, NewestRowsAreTheFiveHighestIdsNewestFirst) {
  LogBuilder b;
  for (int i = 0; i < 8; ++i) b.Ok(kA);
  MeterReport r = Report(b, RowsOf(b.log()));
  ASSERT_EQ(r.newest_rows.size(), 5u);
  EXPECT_EQ(r.newest_rows.front().index_id, 8u);
  EXPECT_EQ(r.newest_rows.back().index_id, 4u);
  EXPECT_TRUE(r.failovers.empty());
}

TEST(OutageReportTest, CheckAcknowledgedListsMissingIdsInOrder) {
  std::vector<SyncRow> rows = {{1, 0, 0}, {4, 0, 0}, {9, 0, 0}};
  LossVerdict v = CheckAcknowledged({9, 7, 4, 2, 1}, rows);
  EXPECT_EQ(v.acknowledged, 5u);
  EXPECT_EQ(v.missing_ids, (std::vector<uint64_t>{2, 7}));
}

TEST(OutageTrackerTest, CountsEndedOutagesAndTheLastDuration) {
  LogBuilder b(100, 5);
  b.Ok(kA).Failed().Ok(kB).Failed();
  OutageTracker t;
  const auto& attempts = b.log().attempts();
  t.Add(attempts[0], 0);
  EXPECT_FALSE(t.in_outage());
  t.Add(attempts[1], 1);
  EXPECT_TRUE(t.in_outage());
  EXPECT_EQ(t.ended(), 0u);
  t.Add(attempts[2], 2);
  EXPECT_FALSE(t.in_outage());
  EXPECT_EQ(t.ended(), 1u);
  EXPECT_EQ(t.last_outage_ms(), 200);
  EXPECT_EQ(t.last_recovery_ms(), 205);
  t.Add(attempts[3], 3);
  EXPECT_TRUE(t.in_outage());
  EXPECT_EQ(t.ended(), 1u);
  EXPECT_EQ(t.outages().size(), 2u);
}

}  // namespace
}  // namespace tandem::meter
