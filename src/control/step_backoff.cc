#include "control/step_backoff.h"

#include <algorithm>

namespace tandem::control {

bool StepBackoff::Due(Action action, Clock::time_point now) const {
  return failed_ != action || now >= retry_at_;
}

std::chrono::milliseconds StepBackoff::Failed(Action action, Clock::time_point now) {
  failures_ = failed_ == action ? failures_ + 1 : 1;
  failed_ = action;
  std::chrono::milliseconds wait{0};
  if (failures_ >= 2) {
    wait = options_.first_wait;
    for (int i = 2; i < failures_ && wait < options_.max_wait; ++i) wait *= 2;
    wait = std::min(wait, options_.max_wait);
  }
  retry_at_ = now + wait;
  return wait;
}

void StepBackoff::Succeeded() {
  failed_.reset();
  failures_ = 0;
}

}  // namespace tandem::control
