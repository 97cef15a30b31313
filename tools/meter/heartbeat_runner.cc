#include "meter/heartbeat_runner.h"

#include <algorithm>

namespace tandem::meter {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
using std::chrono::system_clock;

bool Settled(const OutageTracker& tracker, int64_t now_ms, const RunLimits& limits) {
  if (limits.failovers == 0 || tracker.ended() < limits.failovers || tracker.in_outage()) {
    return false;
  }
  return now_ms - tracker.last_recovery_ms().value_or(0) >= limits.settle.count();
}

}  // namespace

std::optional<RunEnd> StopDecision(const OutageTracker& tracker, int64_t now_ms,
                                   const RunLimits& limits, bool stop_requested) {
  if (stop_requested) return RunEnd::kStopped;
  if (Settled(tracker, now_ms, limits)) return RunEnd::kFailoversSeen;
  if (limits.max_time && now_ms >= limits.max_time->count()) {
    return tracker.ended() >= limits.failovers ? RunEnd::kFailoversSeen : RunEnd::kTimedOut;
  }
  return std::nullopt;
}

RunState CurrentState(const OutageTracker& tracker, const RunLimits& limits) {
  if (tracker.in_outage()) return RunState::kOutage;
  if (limits.failovers > 0 && tracker.ended() >= limits.failovers) return RunState::kSettling;
  return RunState::kWriting;
}

void HeartbeatRunner::RequestStop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_requested_.store(true);
  }
  wake_.notify_all();
}

bool HeartbeatRunner::WaitUntil(steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  wake_.wait_until(lock, deadline, [this] { return stop_requested_.load(); });
  return stop_requested_.load();
}

RunResult HeartbeatRunner::Run(const ProgressFn& progress) {
  const auto origin = steady_clock::now();
  const int64_t wall_origin =
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  auto since_origin = [origin] {
    return duration_cast<milliseconds>(steady_clock::now() - origin).count();
  };

  RunResult result{HeartbeatLog(wall_origin), RunEnd::kStopped, 0};
  OutageTracker tracker;
  ProgressSnapshot snapshot;
  auto next_start = origin;
  uint64_t next_id = 1;
  for (;;) {
    if (auto end = StopDecision(tracker, since_origin(), limits_, stop_requested_.load())) {
      result.end = *end;
      break;
    }
    // Sleep until the next attempt is due, but not past the time limit.
    auto wake_at = next_start;
    if (limits_.max_time) wake_at = std::min(wake_at, origin + *limits_.max_time);
    if (steady_clock::now() < wake_at) {
      WaitUntil(wake_at);
      continue;  // re-evaluate: a stop, the time limit, or the attempt is due
    }

    const auto started = steady_clock::now();
    next_start = started + limits_.loop_time;
    Attempt attempt;
    attempt.index_id = next_id++;
    attempt.start_ms = duration_cast<milliseconds>(started - origin).count();
    attempt.wall_start_ms = result.log.WallAt(attempt.start_ms);
    writer_.Write(attempt.index_id, attempt.wall_start_ms, attempt);
    attempt.end_ms = since_origin();

    tracker.Add(attempt, result.log.attempts().size());
    ++snapshot.attempts;
    if (attempt.outcome == Outcome::kSuccess) {
      ++snapshot.ok;
    } else {
      ++snapshot.failed;
    }
    result.log.Append(std::move(attempt));
    snapshot.state = CurrentState(tracker, limits_);
    snapshot.outages = tracker.ended();
    snapshot.last_outage_ms = tracker.last_outage_ms();
    if (progress) progress(snapshot);
  }
  result.end_ms = since_origin();
  return result;
}

}  // namespace tandem::meter
