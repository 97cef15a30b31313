#include "meter/progress_line.h"

namespace tandem::meter {

const char* RunStateName(RunState state) {
  switch (state) {
    case RunState::kWriting:
      return "writing";
    case RunState::kOutage:
      return "outage";
    case RunState::kSettling:
      return "settling";
    case RunState::kVerifying:
      return "verifying";
  }
  return "writing";
}

std::string FormatProgress(const ProgressSnapshot& s) {
  std::string line = " attempts " + std::to_string(s.attempts) + " ok " + std::to_string(s.ok) +
                     " failed " + std::to_string(s.failed) + " | state: " + RunStateName(s.state) +
                     " | outages " + std::to_string(s.outages);
  if (s.last_outage_ms) line += " (last " + std::to_string(*s.last_outage_ms) + " ms)";
  return line;
}

void ProgressLine::Update(const ProgressSnapshot& snapshot) {
  if (!enabled_) return;
  std::string line = FormatProgress(snapshot);
  const size_t width = line.size();
  // Blank out what a longer previous line left behind.
  if (width < last_width_) line.append(last_width_ - width, ' ');
  last_width_ = width;
  std::fprintf(out_, "\r%s", line.c_str());
  std::fflush(out_);
}

void ProgressLine::Finish() {
  if (!enabled_ || last_width_ == 0) return;
  std::fputc('\n', out_);
  std::fflush(out_);
  last_width_ = 0;
}

}  // namespace tandem::meter
