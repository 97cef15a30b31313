// The run drawn as a timeline (`--timeline FILE.svg`): a self-contained SVG
// (no scripts, fonts or external references) a person reads at a glance.
//
// x is time in milliseconds from the run's start, with ticks at a round step
// (1, 2 or 5 times a power of ten). Each attempt is one mark from its start to
// its end (at least 2 px wide), coloured by outcome: success green, failed
// red, unknown amber, with a tooltip (<title>) giving its id, outcome and
// duration. Each outage is shaded across the lane and labelled with its
// duration ("outage 57 ms", or "outage (not over)"). A legend names the
// colours; the title line names the run and the verdict.
//
// Pure; thread-safe.
#pragma once

#include <string>

#include "meter/heartbeat_log.h"
#include "meter/outage_report.h"

namespace tandem::meter {

std::string RenderTimelineSvg(const HeartbeatLog& log, const MeterReport& report);

// A round tick step (1, 2 or 5 x 10^k ms) giving about `ticks` ticks over span_ms.
int64_t TickStep(int64_t span_ms, int ticks);

}  // namespace tandem::meter
