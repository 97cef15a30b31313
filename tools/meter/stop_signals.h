// StopSignals: SIGINT and SIGTERM turned into calls, so a run stops cleanly and
// still reports what it measured.
//
// The constructor blocks both signals in the calling thread (and so in every
// thread started after it: construct it first, before other threads) and
// starts a thread that waits for them with sigwait and calls on_signal for
// each, from that thread. The destructor stops the thread and restores the
// signal mask.
//
// Thread-safety: on_signal runs on the watcher thread; received() may be
// read from any thread.
#pragma once

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <functional>
#include <thread>

namespace tandem::meter {

class StopSignals {
 public:
  explicit StopSignals(std::function<void()> on_signal);
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // How many SIGINT/SIGTERM arrived so far.
  int received() const { return received_.load(); }

 private:
  std::function<void()> on_signal_;
  sigset_t set_{};
  sigset_t saved_{};
  std::atomic<int> received_{0};
  std::atomic<bool> closing_{false};
  std::thread thread_;
};

}  // namespace tandem::meter
