// The live one-line display of a run, on a terminal only:
//
//   "\r attempts 123 ok 120 failed 3 | state: writing | outages 1 (last 57 ms)"
//
// rewritten in place after every attempt. When the output is not a terminal
// (a pipe, a file, a test), nothing of it is written.
//
// Thread-safety: one thread updates a ProgressLine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace tandem::meter {

enum class RunState { kWriting, kOutage, kSettling, kVerifying };
// "writing", "outage", "settling", "verifying".
const char* RunStateName(RunState state);

struct ProgressSnapshot {
  size_t attempts = 0;
  size_t ok = 0;
  size_t failed = 0;  // not acknowledged: failed and unknown
  RunState state = RunState::kWriting;
  size_t outages = 0;  // ended
  std::optional<int64_t> last_outage_ms;
};

// The line's text, without the leading "\r".
std::string FormatProgress(const ProgressSnapshot& snapshot);

class ProgressLine {
 public:
  // Writes to out only if enabled (the caller passes isatty of out).
  ProgressLine(std::FILE* out, bool enabled) : out_(out), enabled_(enabled) {}

  void Update(const ProgressSnapshot& snapshot);
  // Ends the line (a newline) if anything was written, so what follows starts clean.
  void Finish();

 private:
  std::FILE* out_;
  bool enabled_;
  size_t last_width_ = 0;
};

}  // namespace tandem::meter
