#include "meter/progress_line.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>

namespace tandem::meter {
namespace {

std::string Contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  int c;
  while ((c = std::fgetc(f)) != EOF) out += static_cast<char>(c);
  return out;
}

TEST(ProgressLineTest, FormatIsTheOneLineOfTheBrief) {
  ProgressSnapshot s;
  s.attempts = 123;
  s.ok = 120;
  s.failed = 3;
  s.outages = 1;
  s.last_outage_ms = 57;
  EXPECT_EQ(FormatProgress(s),
            " attempts 123 ok 120 failed 3 | state: writing | outages 1 (last 57 ms)");
  s.state = RunState::kOutage;
  s.outages = 0;
  s.last_outage_ms.reset();
  EXPECT_EQ(FormatProgress(s), " attempts 123 ok 120 failed 3 | state: outage | outages 0");
}

TEST(ProgressLineTest, RewritesInPlaceOnATerminal) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressLine line(f, /*enabled=*/true);
  ProgressSnapshot s;
  s.attempts = 10;
  s.ok = 10;
  s.last_outage_ms = 1234;
  s.outages = 1;
  line.Update(s);
  s.last_outage_ms.reset();
  line.Update(s);
  line.Finish();
  const std::string text = Contents(f);
  std::fclose(f);
  EXPECT_EQ(text.front(), '\r');
  EXPECT_EQ(std::count(text.begin(), text.end(), '\r'), 2);
  EXPECT_EQ(text.back(), '\n');
  // The shorter second line blanks out the end of the first.
  const size_t second_cr = text.find('\r', 1);
  const std::string first = text.substr(1, second_cr - 1);
  const std::string second = text.substr(second_cr + 1, text.size() - second_cr - 2);
  EXPECT_EQ(second.size(), first.size());
  EXPECT_EQ(second.back(), ' ');
  EXPECT_NE(second.find("outages 1 "), std::string::npos);
}

TEST(ProgressLineTest, WritesNothingWhenNotATerminal) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressLine line(f, /*enabled=*/false);
  line.Update(ProgressSnapshot{});
  line.Finish();
  EXPECT_EQ(Contents(f), "");
  std::fclose(f);
}

}  // namespace
}  // namespace tandem::meter
