// Clock: the one source of "now" for everything that stores or compares times.
//
// Services take a Clock& so tests (and the --test-clock-offset flag of tandemd)
// can move time forward to check deletion windows and schedules without
// sleeping. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace tandem {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time as milliseconds since the Unix epoch.
  virtual int64_t NowMillis() const = 0;
  double NowSeconds() const { return static_cast<double>(NowMillis()) / 1000.0; }
};

// The system clock, optionally shifted by an offset that can be advanced at run
// time (used by tests through an authenticated admin endpoint).
class SystemClock : public Clock {
 public:
  int64_t NowMillis() const override;
  void Advance(int64_t millis) { offset_ms_.fetch_add(millis); }
  int64_t offset_millis() const { return offset_ms_.load(); }

 private:
  std::atomic<int64_t> offset_ms_{0};
};

// A clock that only moves when told to. For unit tests.
class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t now_ms = 1700000000000) : now_ms_(now_ms) {}
  int64_t NowMillis() const override { return now_ms_.load(); }
  void Set(int64_t ms) { now_ms_.store(ms); }
  void Advance(int64_t ms) { now_ms_.fetch_add(ms); }

 private:
  std::atomic<int64_t> now_ms_;
};

// "20231114T221320Z" <-> epoch seconds (the x-amz-date format). Returns -1 on a
// malformed string.
int64_t ParseAmzDate(const std::string& s);
std::string FormatAmzDate(int64_t epoch_seconds);
// ISO 8601 UTC with milliseconds, "2023-11-14T22:13:20.000Z" (RDS XML timestamps).
std::string FormatIso8601(int64_t epoch_millis);

}  // namespace tandem
