#include "meter/timeline_svg.h"

#include <algorithm>
#include <cstdio>

#include "common/xml_text.h"

namespace tandem::meter {
namespace {

constexpr double kWidth = 1000;
constexpr double kHeight = 240;
constexpr double kLeft = 40;
constexpr double kRight = 30;
constexpr double kLaneTop = 90;
constexpr double kLaneHeight = 70;
constexpr double kAxisY = kLaneTop + kLaneHeight + 10;

const char* ColourOf(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSuccess:
      return "#2e7d32";
    case Outcome::kFailed:
      return "#c62828";
    case Outcome::kUnknown:
      return "#f9a825";
  }
  return "#c62828";
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string TickLabel(int64_t ms, int64_t step) {
  if (step >= 1000) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g s", static_cast<double>(ms) / 1000.0);
    return buf;
  }
  return std::to_string(ms) + " ms";
}

}  // namespace

int64_t TickStep(int64_t span_ms, int ticks) {
  if (span_ms <= 0 || ticks <= 0) return 1;
  const double raw = static_cast<double>(span_ms) / ticks;
  int64_t power = 1;
  while (static_cast<double>(power * 10) <= raw) power *= 10;
  for (int64_t m : {1, 2, 5, 10}) {
    if (static_cast<double>(power * m) >= raw) return power * m;
  }
  return power * 10;
}

std::string RenderTimelineSvg(const HeartbeatLog& log, const MeterReport& report) {
  int64_t span = std::max<int64_t>(report.duration_ms, 1);
  for (const Attempt& a : log.attempts()) span = std::max(span, a.end_ms);
  const double plot = kWidth - kLeft - kRight;
  auto x = [&](int64_t ms) {
    return kLeft + plot * static_cast<double>(ms) / static_cast<double>(span);
  };

  std::string svg;
  svg += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Num(kWidth) + "\" height=\"" +
         Num(kHeight) + "\" viewBox=\"0 0 " + Num(kWidth) + " " + Num(kHeight) +
         "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg += "<rect x=\"0\" y=\"0\" width=\"" + Num(kWidth) + "\" height=\"" + Num(kHeight) +
         "\" fill=\"#ffffff\"/>\n";

  std::string title = "tandem-meter " + report.test_run_id + ": " +
                      std::to_string(report.attempts.total) + " attempts, " +
                      std::to_string(report.failovers.size()) + " outage(s), ";
  title += report.verified ? std::to_string(report.missing_ids.size()) + " acknowledged writes lost"
                           : std::string("loss not checked");
  svg += "<text x=\"" + Num(kLeft) + "\" y=\"22\" font-size=\"14\" font-weight=\"bold\">" +
         XmlEscaped(title) + "</text>\n";

  // Legend.
  double lx = kLeft;
  const std::pair<Outcome, const char*> legend[] = {{Outcome::kSuccess, "success (acknowledged)"},
                                                    {Outcome::kFailed, "failed"},
                                                    {Outcome::kUnknown, "unknown outcome"}};
  svg += "<g class=\"legend\">\n";
  for (const auto& entry : legend) {
    svg += "<rect x=\"" + Num(lx) + "\" y=\"36\" width=\"12\" height=\"12\" fill=\"" +
           ColourOf(entry.first) + "\"/>";
    svg += "<text x=\"" + Num(lx + 16) + "\" y=\"46\">" + entry.second + "</text>\n";
    lx += 190;
  }
  svg += "<rect x=\"" + Num(lx) +
         "\" y=\"36\" width=\"12\" height=\"12\" fill=\"#ef9a9a\" fill-opacity=\"0.5\"/>";
  svg += "<text x=\"" + Num(lx + 16) + "\" y=\"46\">outage</text>\n";
  svg += "</g>\n";

  // Outages, under the marks.
  svg += "<g class=\"outages\">\n";
  for (const FailoverReport& f : report.failovers) {
    const int64_t end = f.end_ms.value_or(span);
    const double x0 = x(f.start_ms);
    const double w = std::max(2.0, x(end) - x0);
    const std::string label =
        f.outage_ms ? "outage " + std::to_string(*f.outage_ms) + " ms" : "outage (not over)";
    svg += "<rect x=\"" + Num(x0) + "\" y=\"" + Num(kLaneTop - 8) + "\" width=\"" + Num(w) +
           "\" height=\"" + Num(kLaneHeight + 16) +
           "\" fill=\"#ef9a9a\" fill-opacity=\"0.5\"><title>" + XmlEscaped(label) +
           "</title></rect>\n";
    svg += "<text x=\"" + Num(x0) + "\" y=\"" + Num(kLaneTop - 14) + "\" fill=\"#b71c1c\">" +
           XmlEscaped(label) + "</text>\n";
  }
  svg += "</g>\n";

  // Attempts.
  svg += "<g class=\"attempts\">\n";
  for (const Attempt& a : log.attempts()) {
    const double x0 = x(a.start_ms);
    const double w = std::max(2.0, x(a.end_ms) - x0);
    svg += "<rect x=\"" + Num(x0) + "\" y=\"" + Num(kLaneTop) + "\" width=\"" + Num(w) +
           "\" height=\"" + Num(kLaneHeight) + "\" fill=\"" + ColourOf(a.outcome) + "\"><title>" +
           XmlEscaped("id " + std::to_string(a.index_id) + " " + OutcomeName(a.outcome) + ", " +
                      std::to_string(a.end_ms - a.start_ms) + " ms at " +
                      std::to_string(a.start_ms) + " ms") +
           "</title></rect>\n";
  }
  svg += "</g>\n";

  // Time axis.
  svg += "<g class=\"axis\" stroke=\"#333333\">\n";
  svg += "<line x1=\"" + Num(kLeft) + "\" y1=\"" + Num(kAxisY) + "\" x2=\"" + Num(x(span)) +
         "\" y2=\"" + Num(kAxisY) + "\"/>\n";
  const int64_t step = TickStep(span, 10);
  for (int64_t t = 0; t <= span; t += step) {
    svg += "<line x1=\"" + Num(x(t)) + "\" y1=\"" + Num(kAxisY) + "\" x2=\"" + Num(x(t)) +
           "\" y2=\"" + Num(kAxisY + 6) + "\"/>";
    svg += "<text x=\"" + Num(x(t)) + "\" y=\"" + Num(kAxisY + 20) +
           "\" stroke=\"none\" fill=\"#333333\" text-anchor=\"middle\">" + TickLabel(t, step) +
           "</text>\n";
  }
  svg += "</g>\n";
  svg += "<text x=\"" + Num(kWidth / 2) + "\" y=\"" + Num(kAxisY + 42) +
         "\" text-anchor=\"middle\" fill=\"#333333\">time since the run started (monotonic "
         "clock)</text>\n";
  svg += "</svg>\n";
  return svg;
}

}  // namespace tandem::meter
