// The report as a person reads it: db_test_meter's fields, corrected (ids
// without off-by-one, milliseconds on the monotonic clock, recovery only by an
// acknowledged write), plus the node identity before and after each failover,
// how each write of unknown outcome turned out, and the data-loss verdict.
// One block per failover, then the totals.
//
// Pure; thread-safe.
#pragma once

#include <string>

#include "meter/outage_report.h"

namespace tandem::meter {

std::string FormatReportText(const MeterReport& report);

// The verdict line alone: "acknowledged writes: N, lost: 0", or the missing ids.
std::string FormatVerdict(size_t acknowledged, const std::vector<uint64_t>& missing_ids);

// "1.234 s" style seconds with three decimals from milliseconds.
std::string FormatSeconds(int64_t ms);

}  // namespace tandem::meter
