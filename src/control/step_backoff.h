// When the instance reconciler may retry a lifecycle step that failed: a
// pure record of consecutive failures of one step, for one instance.
//
// Contract:
// - A step is always due unless it is the step that failed last and its
//   retry time has not come. Another step (the situation changed) is due at
//   once, and so is every step after a success of any step (Succeeded).
// - The first failure of a step retries it at once, on the loop's next pass
//   (every poll_interval, 1 s, at most; most failures are a race with a node
//   still starting or stopping). From the second consecutive failure on, the
//   wait doubles from first_wait up to max_wait: 2 s, 4 s, 8 s ... 60 s by
//   default. A step
//   that keeps failing (a standby copy on a full disk, a node that cannot
//   start) then neither floods the log nor takes the loop's time from other
//   instances.
// - High availability never waits on it: the reconciler consults it only for
//   lifecycle steps, after failure handling has had its turn.
//
// Thread-safety: none; each instance's record is used by the reconciler
// thread alone.
#pragma once

#include <chrono>
#include <optional>

#include "control/instance_decision.h"

namespace tandem::control {

class StepBackoff {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    std::chrono::milliseconds first_wait{2000};
    std::chrono::milliseconds max_wait{60000};
  };

  StepBackoff() = default;
  explicit StepBackoff(Options options) : options_(options) {}

  // Whether action may run at now.
  bool Due(Action action, Clock::time_point now) const;
  // Records a failure of action at now; returns how long until it is due.
  std::chrono::milliseconds Failed(Action action, Clock::time_point now);
  // Records a success: every step is due again.
  void Succeeded();

  // Consecutive failures of the step that failed last (0 after a success).
  int failures() const { return failures_; }

 private:
  Options options_;
  std::optional<Action> failed_;
  int failures_ = 0;
  Clock::time_point retry_at_{};
};

}  // namespace tandem::control
