#include "meter/outage_report.h"

#include <algorithm>
#include <unordered_set>

namespace tandem::meter {

void OutageTracker::Add(const Attempt& attempt, size_t index) {
  if (attempt.outcome != Outcome::kSuccess) {
    if (!in_outage()) {
      OutageSpan span;
      span.last_ack_before = last_ack_;
      span.first_failure = index;
      outages_.push_back(span);
    }
    OutageSpan& open = outages_.back();
    ++open.failed_attempts;
    if (attempt.outcome == Outcome::kUnknown) ++open.unknown_attempts;
    return;
  }

  const int64_t before_ms = last_ack_end_ms_.value_or(0);
  if (in_outage()) {
    outages_.back().first_ack_after = index;
    last_recovery_ms_ = attempt.end_ms;
    last_outage_ms_ = attempt.end_ms - before_ms;
  } else if (attempt.node && last_ack_node_ && !attempt.node->SameNode(*last_ack_node_)) {
    // The previous acknowledged write was on another node and nothing failed
    // in between: a switchover the client only saw as a slower write.
    OutageSpan span;
    span.last_ack_before = last_ack_;
    span.first_ack_after = index;
    outages_.push_back(span);
    last_recovery_ms_ = attempt.end_ms;
    last_outage_ms_ = attempt.end_ms - before_ms;
  }
  last_ack_ = index;
  last_ack_end_ms_ = attempt.end_ms;
  if (attempt.node) last_ack_node_ = attempt.node;
}

const char* ResolutionName(Resolution resolution) {
  switch (resolution) {
    case Resolution::kCommitted:
      return "committed";
    case Resolution::kNotCommitted:
      return "not committed";
    case Resolution::kUnresolved:
      return "unresolved";
  }
  return "unresolved";
}

LossVerdict CheckAcknowledged(const std::vector<uint64_t>& acknowledged_ids,
                              const std::vector<SyncRow>& rows) {
  std::unordered_set<uint64_t> present;
  present.reserve(rows.size());
  for (const SyncRow& row : rows) present.insert(row.index_id);
  LossVerdict verdict;
  verdict.acknowledged = acknowledged_ids.size();
  for (uint64_t id : acknowledged_ids) {
    if (!present.count(id)) verdict.missing_ids.push_back(id);
  }
  std::sort(verdict.missing_ids.begin(), verdict.missing_ids.end());
  return verdict;
}

namespace {

FailoverReport DescribeOutage(const HeartbeatLog& log, const OutageSpan& span,
                              const std::unordered_set<uint64_t>* present) {
  const std::vector<Attempt>& attempts = log.attempts();
  FailoverReport out;
  if (span.last_ack_before) {
    const Attempt& before = attempts[*span.last_ack_before];
    out.start_ms = before.end_ms;
    out.last_acknowledged_id_before = before.index_id;
    out.node_before = before.node;
  }
  out.failure_start_wall_ms = log.WallAt(out.start_ms);
  if (span.first_failure) {
    out.first_failure_wall_ms = attempts[*span.first_failure].wall_start_ms;
    out.first_error = attempts[*span.first_failure].error;
  }
  size_t scan_end = attempts.size();
  if (span.first_ack_after) {
    const Attempt& after = attempts[*span.first_ack_after];
    out.end_ms = after.end_ms;
    out.failure_end_wall_ms = log.WallAt(after.end_ms);
    out.outage_ms = after.end_ms - out.start_ms;
    out.first_acknowledged_id_after = after.index_id;
    out.node_after = after.node;
    scan_end = *span.first_ack_after;
  }
  out.failed_attempts = span.failed_attempts;
  out.node_change_only = !span.first_failure.has_value();
  if (span.first_failure) {
    for (size_t i = *span.first_failure; i < scan_end; ++i) {
      if (attempts[i].outcome != Outcome::kUnknown) continue;
      UnknownWrite unknown;
      unknown.index_id = attempts[i].index_id;
      if (present != nullptr) {
        unknown.resolved =
            present->count(unknown.index_id) ? Resolution::kCommitted : Resolution::kNotCommitted;
      }
      out.unknown_writes.push_back(unknown);
    }
  }
  return out;
}

}  // namespace

MeterReport BuildReport(const HeartbeatLog& log, const ReportInput& input) {
  MeterReport report;
  report.test_run_id = input.test_run_id;
  report.loop_time_s = input.loop_time_s;
  report.stopped_by = input.stopped_by;
  report.started_wall_ms = log.wall_origin_ms();
  report.ended_wall_ms = log.WallAt(input.run_end_ms);
  report.duration_ms = input.run_end_ms;

  OutageTracker tracker;
  const std::vector<Attempt>& attempts = log.attempts();
  for (size_t i = 0; i < attempts.size(); ++i) {
    const Attempt& a = attempts[i];
    tracker.Add(a, i);
    ++report.attempts.total;
    switch (a.outcome) {
      case Outcome::kSuccess:
        ++report.attempts.succeeded;
        report.acknowledged_ids.push_back(a.index_id);
        break;
      case Outcome::kFailed:
        ++report.attempts.failed;
        break;
      case Outcome::kUnknown:
        ++report.attempts.unknown;
        break;
    }
  }
  std::sort(report.acknowledged_ids.begin(), report.acknowledged_ids.end());

  std::unordered_set<uint64_t> present;
  if (input.rows) {
    report.verified = true;
    for (const SyncRow& row : *input.rows) present.insert(row.index_id);
    report.missing_ids = CheckAcknowledged(report.acknowledged_ids, *input.rows).missing_ids;
    std::vector<SyncRow> newest = *input.rows;
    std::sort(newest.begin(), newest.end(),
              [](const SyncRow& a, const SyncRow& b) { return a.index_id > b.index_id; });
    if (newest.size() > 5) newest.resize(5);
    report.newest_rows = std::move(newest);
  } else {
    report.verify_error = input.rows_error;
  }
  for (const OutageSpan& span : tracker.outages()) {
    report.failovers.push_back(DescribeOutage(log, span, input.rows ? &present : nullptr));
  }
  return report;
}

}  // namespace tandem::meter
