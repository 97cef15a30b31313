// HeartbeatRunner: the run loop of `tandem-meter run`. Starts an attempt every
// loop time, counted from the previous attempt's start (the next one at once
// if an attempt took longer than that), records each in a
// HeartbeatLog, follows outages with an OutageTracker and stops when
// StopDecision says so:
// - the wanted number of outages has ended, none is in progress, and the
//   settle time has passed since the last recovery (kFailoversSeen);
// - RequestStop() was called, e.g. on SIGINT/SIGTERM (kStopped);
// - the time limit passed (kTimedOut, or kFailoversSeen if enough had ended).
// With failovers == 0 only a stop request or the time limit ends the run, and
// the time limit then counts as kFailoversSeen (nothing was asked for).
//
// Time: steady_clock, milliseconds since Run started; the log's wall origin
// is the system clock read at the same moment.
//
// Thread-safety: Run on one thread; RequestStop from any thread (or a signal
// thread), and it wakes the wait between attempts at once. An attempt in
// flight is finished first (its own deadlines bound it).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>

#include "meter/heartbeat_log.h"
#include "meter/heartbeat_writer.h"
#include "meter/outage_report.h"
#include "meter/progress_line.h"

namespace tandem::meter {

struct RunLimits {
  std::chrono::milliseconds loop_time{500};
  size_t failovers = 1;
  std::chrono::milliseconds settle{2000};
  std::optional<std::chrono::milliseconds> max_time;
};

enum class RunEnd { kFailoversSeen, kStopped, kTimedOut };

// Whether to stop now, and why (pure).
std::optional<RunEnd> StopDecision(const OutageTracker& tracker, int64_t now_ms,
                                   const RunLimits& limits, bool stop_requested);
// What the progress line calls the run's state now (pure).
RunState CurrentState(const OutageTracker& tracker, const RunLimits& limits);

struct RunResult {
  HeartbeatLog log;
  RunEnd end = RunEnd::kStopped;
  int64_t end_ms = 0;  // monotonic, since the run started
};

class HeartbeatRunner {
 public:
  using ProgressFn = std::function<void(const ProgressSnapshot&)>;

  HeartbeatRunner(HeartbeatWriter& writer, RunLimits limits) : writer_(writer), limits_(limits) {}

  // Runs until StopDecision; progress (optional) is called after every attempt.
  RunResult Run(const ProgressFn& progress = nullptr);
  void RequestStop();

 private:
  // Waits until deadline or a stop request; true if a stop was requested.
  bool WaitUntil(std::chrono::steady_clock::time_point deadline);

  HeartbeatWriter& writer_;
  RunLimits limits_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::atomic<bool> stop_requested_{false};
};

}  // namespace tandem::meter
