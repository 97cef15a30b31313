// CronSchedule: a rotation ScheduleExpression "cron(...)" in EventBridge's
// syntax, parsed once and asked for its next occurrence.
//
//   cron(Minutes Hours Day-of-month Month Day-of-week Year), all in UTC:
//
//   Minutes       0-59
//   Hours         0-23
//   Day-of-month  1-31, ?, L (last day of the month), nW (the weekday, Monday
//                 to Friday, nearest day n without leaving the month; none
//                 in months shorter than n)
//   Month         1-12 or JAN-DEC
//   Day-of-week   1-7 or SUN-SAT (SUN is 1), ?, L (Saturday), dL (the last
//                 weekday d of the month), d#n (the nth weekday d, n 1-5)
//   Year          1970-2199
//
// Every field takes *, lists "a,b", ranges "a-b" (a range whose end is below
// its start wraps around, e.g. FRI-MON; not in Year) and increments "*/n",
// "a/n", "a-b/n". Exactly one of Day-of-month and Day-of-week is ?. The
// special forms L, W and # stand alone in their field. Names are
// case-insensitive.
//
// A CronSchedule is an immutable value: safe to copy and to share between
// threads.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace tandem::secrets {

class CronSchedule {
 public:
  // Parses "cron(<6 fields>)". On failure, kInvalidArgument with a message
  // naming the field and what it allows, e.g. "the day-of-week field 'FOO' is
  // not 1-7, SUN-SAT, ?, *, L or #".
  static StatusOr<CronSchedule> Parse(const std::string& expression);

  // The first occurrence strictly after from_ms (milliseconds since the Unix
  // epoch), at a whole UTC minute; 0 when there is none within 5 years (1830
  // days) after from_ms (so 1970-01-01 00:00 itself reads as none). Searches by year, month, day,
  // hour and minute, so a call costs at most a few thousand day checks, typically far fewer.
  int64_t NextAfter(int64_t from_ms) const;

  // True when two consecutive occurrences, anywhere in 1970-2199, can be less
  // than interval_ms apart. interval_ms must be at most one day.
  bool HasOccurrencesCloserThan(int64_t interval_ms) const;

 private:
  // How a day is chosen: by Day-of-month or by Day-of-week (the other is ?).
  enum class DayRule {
    kDaysOfMonth,         // days_of_month_
    kLastDayOfMonth,      // L
    kNearestWeekday,      // day_arg_ W
    kDaysOfWeek,          // days_of_week_
    kLastWeekdayOfMonth,  // day_arg_ L
    kNthWeekdayOfMonth,   // day_arg_ # nth_
  };
  static constexpr int kFirstYear = 1970;
  static constexpr int kLastYear = 2199;

  CronSchedule() = default;
  // day_of_week: 1 (Sunday) to 7 (Saturday).
  bool DayMatches(int year, int month, int day, int day_of_week) const;

  uint64_t minutes_ = 0;                           // bit m: minute m
  uint32_t hours_ = 0;                             // bit h: hour h
  uint32_t days_of_month_ = 0;                     // bit d: day d (1-31)
  uint16_t months_ = 0;                            // bit m: month m (1-12)
  uint8_t days_of_week_ = 0;                       // bit d: weekday d (1-7)
  std::bitset<kLastYear - kFirstYear + 1> years_;  // bit y - kFirstYear
  DayRule day_rule_ = DayRule::kDaysOfMonth;
  int day_arg_ = 0;
  int nth_ = 0;
};

}  // namespace tandem::secrets
