#include "meter/timeline_svg.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "meter/attempt_builder.h"

namespace tandem::meter {
namespace {

using test_support::LogBuilder;
using test_support::Node;

// Checks that every element is closed in order and attributes are quoted:
// enough XML to catch a broken writer (the integration test parses the real
// file with an XML parser). Returns "" or what is wrong.
std::string CheckWellFormed(const std::string& xml) {
  std::vector<std::string> open;
  size_t i = 0;
  while ((i = xml.find('<', i)) != std::string::npos) {
    const size_t end = xml.find('>', i);
    if (end == std::string::npos) return "unterminated tag at " + std::to_string(i);
    std::string tag = xml.substr(i + 1, end - i - 1);
    i = end + 1;
    if (tag.front() == '?') continue;
    if (std::count(tag.begin(), tag.end(), '"') % 2 != 0) return "odd quotes in <" + tag + ">";
    if (tag.front() == '/') {
      const std::string name = tag.substr(1);
      if (open.empty() || open.back() != name) return "</" + name + "> closes nothing open";
      open.pop_back();
      continue;
    }
    if (tag.back() == '/') continue;
    open.push_back(tag.substr(0, tag.find_first_of(" \n")));
  }
  if (!open.empty()) return "<" + open.back() + "> never closed";
  return "";
}

size_t Count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t i = text.find(part); i != std::string::npos; i = text.find(part, i + 1)) ++n;
  return n;
}

TEST(TimelineSvgTest, DrawsEveryAttemptByOutcomeAndEachOutageWithItsDuration) {
  LogBuilder b(500, 5);
  b.Ok(Node("a", 1)).Ok(Node("a", 1)).Failed().Unknown(Node("a", 1)).Ok(Node("b", 2));
  ReportInput input;
  input.test_run_id = "run <&> 'x'";
  input.run_end_ms = b.end_ms();
  input.rows = std::vector<SyncRow>{{1, 0, 0}, {2, 0, 0}, {5, 0, 0}};
  const MeterReport report = BuildReport(b.log(), input);
  const std::string svg = RenderTimelineSvg(b.log(), report);

  EXPECT_EQ(CheckWellFormed(svg), "");
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  // One mark per attempt (+1 for each colour's legend swatch).
  EXPECT_EQ(Count(svg, "fill=\"#2e7d32\""), 3u + 1);
  EXPECT_EQ(Count(svg, "fill=\"#c62828\""), 1u + 1);
  EXPECT_EQ(Count(svg, "fill=\"#f9a825\""), 1u + 1);
  EXPECT_NE(svg.find("outage 1500 ms"), std::string::npos);  // ack 2 at 505 ms to ack 5 at 2005 ms
  EXPECT_NE(svg.find("success (acknowledged)"), std::string::npos);
  EXPECT_NE(svg.find("unknown outcome"), std::string::npos);
  EXPECT_NE(svg.find("run &lt;&amp;&gt; &apos;x&apos;"), std::string::npos);
  EXPECT_EQ(svg.find("run <&>"), std::string::npos);
  EXPECT_NE(svg.find(">0 ms</text>"), std::string::npos);  // axis ticks
  EXPECT_NE(svg.find(">2000 ms</text>"), std::string::npos);
}

TEST(TimelineSvgTest, OutageNotOverIsLabelledSo) {
  LogBuilder b;
  b.Ok(Node("a", 1)).Failed();
  ReportInput input;
  input.run_end_ms = b.end_ms();
  const MeterReport report = BuildReport(b.log(), input);
  const std::string svg = RenderTimelineSvg(b.log(), report);
  EXPECT_EQ(CheckWellFormed(svg), "");
  EXPECT_NE(svg.find("outage (not over)"), std::string::npos);
}

TEST(TimelineSvgTest, TickStepIsRound) {
  EXPECT_EQ(TickStep(10000, 10), 1000);
  EXPECT_EQ(TickStep(2500, 10), 500);
  EXPECT_EQ(TickStep(1800, 10), 200);
  EXPECT_EQ(TickStep(130, 10), 20);
  EXPECT_EQ(TickStep(7, 10), 1);
  EXPECT_EQ(TickStep(0, 10), 1);
}

}  // namespace
}  // namespace tandem::meter
