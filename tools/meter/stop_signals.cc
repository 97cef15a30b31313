#include "meter/stop_signals.h"

namespace tandem::meter {

StopSignals::StopSignals(std::function<void()> on_signal) : on_signal_(std::move(on_signal)) {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set_, &saved_);
  thread_ = std::thread([this] {
    for (;;) {
      int signo = 0;
      if (sigwait(&set_, &signo) != 0) continue;
      if (closing_.load()) return;
      received_.fetch_add(1);
      if (on_signal_) on_signal_();
    }
  });
}

StopSignals::~StopSignals() {
  closing_.store(true);
  // Wakes the watcher's sigwait: the signal is blocked, so it stays pending
  // for that thread alone.
  pthread_kill(thread_.native_handle(), SIGTERM);  // NOLINT(bugprone-bad-signal-to-kill-thread)
  thread_.join();
  pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
}

}  // namespace tandem::meter
