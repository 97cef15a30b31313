#include "secrets/cron_schedule.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <chrono>
#include <climits>
#include <optional>
#include <sstream>
#include <string_view>
#include <vector>

namespace tandem::secrets {
namespace {

constexpr int64_t kMillisPerMinute = 60 * 1000;
constexpr int kMinutesPerDay = 24 * 60;
constexpr int64_t kDayMillis = kMinutesPerDay * kMillisPerMinute;
constexpr int64_t kSearchHorizonDays = 5 * 366;
constexpr int kSaturday = 7;
constexpr int kSunday = 1;

// What one field accepts, for parsing and for error messages.
struct FieldSpec {
  const char* name;
  int min;
  int max;
  const char* allowed;
  const char* const* names;  // names of min..max, or nullptr
  bool wraps;                // a range may run past max back to min
};

constexpr const char* kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr const char* kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

constexpr FieldSpec kMinutesField{"minutes", 0, 59, "0-59 or *", nullptr, true};
constexpr FieldSpec kHoursField{"hours", 0, 23, "0-23 or *", nullptr, true};
constexpr FieldSpec kDayOfMonthField{"day-of-month", 1, 31, "1-31, ?, *, L or W", nullptr, true};
constexpr FieldSpec kMonthField{"month", 1, 12, "1-12, JAN-DEC or *", kMonthNames, true};
constexpr FieldSpec kDayOfWeekField{"day-of-week", 1,   7, "1-7, SUN-SAT, ?, *, L or #",
                                    kDayNames,     true};
constexpr FieldSpec kYearField{"year", 1970, 2199, "1970-2199 or *", nullptr, false};

Status FieldError(const FieldSpec& spec, const std::string& text) {
  return Status::InvalidArgument("the " + std::string(spec.name) + " field '" + text + "' is not " +
                                 spec.allowed);
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;  // b is always positive here
}

int64_t DayNumber(std::chrono::year_month_day date) {
  return std::chrono::sys_days{date}.time_since_epoch().count();
}

int DaysInMonth(int year, int month) {
  using std::chrono::last, std::chrono::year_month_day_last;
  return static_cast<int>(
      static_cast<unsigned>(year_month_day_last{std::chrono::year{year} / month / last}.day()));
}

// 1 (Sunday) to 7 (Saturday).
int DayOfWeek(int64_t day_number) {
  using std::chrono::days, std::chrono::sys_days, std::chrono::weekday;
  return static_cast<int>(weekday{sys_days{days{day_number}}}.c_encoding()) + 1;
}

// The weekday nearest day n of the month without leaving it, or 0 when the
// month is shorter than n.
int NearestWeekday(int year, int month, int n) {
  const int length = DaysInMonth(year, month);
  if (n > length) return 0;
  const int day_of_week = DayOfWeek(DayNumber(std::chrono::year{year} / month / n));
  if (day_of_week == kSaturday) return n == 1 ? 3 : n - 1;
  if (day_of_week == kSunday) return n == length ? n - 2 : n + 1;
  return n;
}

// The first minute of the day at or after minute_of_day whose hour and minute
// are in the sets, or -1.
int FirstTimeOfDay(uint32_t hours, uint64_t minutes, int minute_of_day) {
  for (int hour = minute_of_day / 60; hour < 24; ++hour) {
    if (!(hours >> hour & 1)) continue;
    const int from = hour == minute_of_day / 60 ? minute_of_day % 60 : 0;
    const uint64_t left = minutes >> from << from;
    if (left != 0) return hour * 60 + std::countr_zero(left);
  }
  return -1;
}

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// A number or (upper-case) name within spec's range.
std::optional<int> ParseValue(std::string_view text, const FieldSpec& spec) {
  if (text.empty()) return std::nullopt;
  if (text.find_first_not_of("0123456789") == std::string_view::npos) {
    if (text.size() > 4) return std::nullopt;
    int value = 0;
    for (char c : text) value = value * 10 + (c - '0');
    if (value < spec.min || value > spec.max) return std::nullopt;
    return value;
  }
  if (spec.names == nullptr) return std::nullopt;
  for (int i = 0; i <= spec.max - spec.min; ++i) {
    if (text == spec.names[i]) return spec.min + i;
  }
  return std::nullopt;
}

// One list item: "*", "a" or "a-b", optionally followed by "/n". Appends its
// values; false when the item is malformed.
bool ParseItem(std::string_view item, const FieldSpec& spec, std::vector<int>& values) {
  const int span = spec.max - spec.min + 1;
  std::string_view range = item;
  int step = 1;
  const size_t slash = item.find('/');
  if (slash != std::string_view::npos) {
    const FieldSpec step_spec{spec.name, 1, span, spec.allowed, nullptr, false};
    std::optional<int> parsed = ParseValue(item.substr(slash + 1), step_spec);
    if (!parsed) return false;
    step = *parsed;
    range = item.substr(0, slash);
  }
  int first = spec.min;
  int last = spec.max;
  if (range != "*") {
    const size_t dash = range.find('-');
    std::optional<int> from = ParseValue(range.substr(0, dash), spec);
    if (!from) return false;
    first = *from;
    last = slash != std::string_view::npos ? spec.max : first;
    if (dash != std::string_view::npos) {
      std::optional<int> to = ParseValue(range.substr(dash + 1), spec);
      if (!to || (*to < first && !spec.wraps)) return false;
      last = *to;
    }
  }
  const int count = (last - first + span) % span + 1;
  for (int i = 0; i < count; i += step) values.push_back(spec.min + (first - spec.min + i) % span);
  return true;
}

// A comma-separated list of items; its values, or nullopt when malformed.
std::optional<std::vector<int>> ParseList(const std::string& upper, const FieldSpec& spec) {
  std::vector<int> values;
  size_t start = 0;
  while (true) {
    const size_t comma = upper.find(',', start);
    std::string_view item = std::string_view(upper).substr(start, comma - start);
    if (!ParseItem(item, spec, values)) return std::nullopt;
    if (comma == std::string::npos) return values;
    start = comma + 1;
  }
}

template <class Bits>
StatusOr<Bits> ParseBits(const std::string& text, const FieldSpec& spec) {
  std::optional<std::vector<int>> values = ParseList(Upper(text), spec);
  if (!values) return FieldError(spec, text);
  Bits bits = 0;
  for (int value : *values) bits |= static_cast<Bits>(Bits{1} << value);
  return bits;
}

}  // namespace

StatusOr<CronSchedule> CronSchedule::Parse(const std::string& expression) {
  const std::string kForm = "cron(Minutes Hours Day-of-month Month Day-of-week Year)";
  if (expression.size() < 6 || expression.rfind("cron(", 0) != 0 || expression.back() != ')') {
    return Status::InvalidArgument("'" + expression + "' is not of the form " + kForm);
  }
  std::istringstream in(expression.substr(5, expression.size() - 6));
  std::vector<std::string> fields;
  for (std::string field; in >> field;) fields.push_back(field);
  if (fields.size() != 6) {
    return Status::InvalidArgument("a cron expression has 6 fields, " + kForm + ", not " +
                                   std::to_string(fields.size()));
  }
  CronSchedule schedule;

  StatusOr<uint64_t> minutes = ParseBits<uint64_t>(fields[0], kMinutesField);
  if (!minutes.ok()) return minutes.status();
  schedule.minutes_ = *minutes;
  StatusOr<uint32_t> hours = ParseBits<uint32_t>(fields[1], kHoursField);
  if (!hours.ok()) return hours.status();
  schedule.hours_ = *hours;
  StatusOr<uint16_t> months = ParseBits<uint16_t>(fields[3], kMonthField);
  if (!months.ok()) return months.status();
  schedule.months_ = *months;

  std::optional<std::vector<int>> years = ParseList(fields[5], kYearField);
  if (!years) return FieldError(kYearField, fields[5]);
  for (int year : *years) schedule.years_.set(year - kFirstYear);

  const std::string day_of_month = Upper(fields[2]);
  const std::string day_of_week = Upper(fields[4]);
  if ((day_of_month == "?") == (day_of_week == "?")) {
    return Status::InvalidArgument(
        "exactly one of the day-of-month and day-of-week fields must be ?, not '" + fields[2] +
        "' and '" + fields[4] + "'");
  }
  if (day_of_month != "?") {
    if (day_of_month == "L") {
      schedule.day_rule_ = DayRule::kLastDayOfMonth;
    } else if (day_of_month.size() > 1 && day_of_month.back() == 'W') {
      std::optional<int> day = ParseValue(
          std::string_view(day_of_month).substr(0, day_of_month.size() - 1), kDayOfMonthField);
      if (!day) return FieldError(kDayOfMonthField, fields[2]);
      schedule.day_rule_ = DayRule::kNearestWeekday;
      schedule.day_arg_ = *day;
    } else {
      StatusOr<uint32_t> days = ParseBits<uint32_t>(fields[2], kDayOfMonthField);
      if (!days.ok()) return days.status();
      schedule.day_rule_ = DayRule::kDaysOfMonth;
      schedule.days_of_month_ = *days;
    }
    return schedule;
  }
  const size_t hash = day_of_week.find('#');
  if (day_of_week == "L") {
    schedule.day_rule_ = DayRule::kDaysOfWeek;
    schedule.days_of_week_ = 1 << kSaturday;
  } else if (day_of_week.size() > 1 && day_of_week.back() == 'L') {
    std::optional<int> day = ParseValue(
        std::string_view(day_of_week).substr(0, day_of_week.size() - 1), kDayOfWeekField);
    if (!day) return FieldError(kDayOfWeekField, fields[4]);
    schedule.day_rule_ = DayRule::kLastWeekdayOfMonth;
    schedule.day_arg_ = *day;
  } else if (hash != std::string::npos) {
    const FieldSpec nth_spec{"day-of-week", 1, 5, "", nullptr, false};
    std::optional<int> day =
        ParseValue(std::string_view(day_of_week).substr(0, hash), kDayOfWeekField);
    std::optional<int> nth = ParseValue(std::string_view(day_of_week).substr(hash + 1), nth_spec);
    if (!day || !nth) return FieldError(kDayOfWeekField, fields[4]);
    schedule.day_rule_ = DayRule::kNthWeekdayOfMonth;
    schedule.day_arg_ = *day;
    schedule.nth_ = *nth;
  } else {
    StatusOr<uint8_t> days = ParseBits<uint8_t>(fields[4], kDayOfWeekField);
    if (!days.ok()) return days.status();
    schedule.day_rule_ = DayRule::kDaysOfWeek;
    schedule.days_of_week_ = *days;
  }
  return schedule;
}

bool CronSchedule::DayMatches(int year, int month, int day, int day_of_week) const {
  switch (day_rule_) {
    case DayRule::kDaysOfMonth:
      return days_of_month_ >> day & 1;
    case DayRule::kLastDayOfMonth:
      return day == DaysInMonth(year, month);
    case DayRule::kNearestWeekday:
      return day == NearestWeekday(year, month, day_arg_);
    case DayRule::kDaysOfWeek:
      return days_of_week_ >> day_of_week & 1;
    case DayRule::kLastWeekdayOfMonth:
      return day_of_week == day_arg_ && day + 7 > DaysInMonth(year, month);
    case DayRule::kNthWeekdayOfMonth:
      return day_of_week == day_arg_ && (day - 1) / 7 + 1 == nth_;
  }
  return false;
}

int64_t CronSchedule::NextAfter(int64_t from_ms) const {
  using std::chrono::days, std::chrono::months, std::chrono::sys_days, std::chrono::year_month_day;
  const int64_t end_ms = DayNumber(std::chrono::year{kLastYear + 1} / 1 / 1) * kDayMillis;
  const int64_t horizon_ms = kSearchHorizonDays * kDayMillis;
  if (from_ms < -horizon_ms || from_ms >= end_ms) return 0;  // also keeps the sums below in range
  const int64_t limit_ms = from_ms + horizon_ms;

  const int64_t first_minute = FloorDiv(from_ms, kMillisPerMinute) + 1;
  int64_t day = FloorDiv(first_minute, kMinutesPerDay);
  int minute_of_day = static_cast<int>(first_minute - day * kMinutesPerDay);
  // Whole years and months that can't match are skipped, then days.
  while (day * kDayMillis <= limit_ms) {
    const year_month_day date{sys_days{days{day}}};
    const int y = static_cast<int>(date.year());
    const int m = static_cast<int>(static_cast<unsigned>(date.month()));
    const int d = static_cast<int>(static_cast<unsigned>(date.day()));
    int64_t next_day = day + 1;
    if (y < kFirstYear) {
      next_day = DayNumber(std::chrono::year{kFirstYear} / 1 / 1);
    } else if (y > kLastYear) {
      return 0;
    } else if (!years_[y - kFirstYear]) {
      next_day = DayNumber(std::chrono::year{y + 1} / 1 / 1);
    } else if (!(months_ >> m & 1)) {
      next_day = DayNumber(year_month_day{(date.year() / date.month() + months{1}) / 1});
    } else if (DayMatches(y, m, d, DayOfWeek(day))) {
      const int time = FirstTimeOfDay(hours_, minutes_, minute_of_day);
      if (time >= 0) {
        const int64_t at_ms = (day * kMinutesPerDay + time) * kMillisPerMinute;
        return at_ms <= limit_ms ? at_ms : 0;
      }
    }
    day = next_day;
    minute_of_day = 0;
  }
  return 0;
}

bool CronSchedule::HasOccurrencesCloserThan(int64_t interval_ms) const {
  using std::chrono::days, std::chrono::sys_days, std::chrono::year_month_day;
  // The gaps between times of day, and across midnight.
  int first = -1;
  int last = -1;
  int shortest_gap = INT_MAX;
  for (int hour = 0; hour < 24; ++hour) {
    if (!(hours_ >> hour & 1)) continue;
    for (int minute = 0; minute < 60; ++minute) {
      if (!(minutes_ >> minute & 1)) continue;
      const int time = hour * 60 + minute;
      if (first < 0) first = time;
      if (last >= 0) shortest_gap = std::min(shortest_gap, time - last);
      last = time;
    }
  }
  if (first < 0) return false;
  const bool within_a_day = shortest_gap * kMillisPerMinute < interval_ms;
  const bool across_midnight = (kMinutesPerDay - last + first) * kMillisPerMinute < interval_ms;
  if (!within_a_day && !across_midnight) return false;
  // Close pairs need a day that occurs, or (across midnight) two in a row.
  bool previous_matched = false;
  const int64_t end = DayNumber(std::chrono::year{kLastYear + 1} / 1 / 1);
  for (int64_t day = DayNumber(std::chrono::year{kFirstYear} / 1 / 1); day < end; ++day) {
    const year_month_day date{sys_days{days{day}}};
    const int y = static_cast<int>(date.year());
    const int m = static_cast<int>(static_cast<unsigned>(date.month()));
    const int d = static_cast<int>(static_cast<unsigned>(date.day()));
    const bool matched =
        years_[y - kFirstYear] && (months_ >> m & 1) && DayMatches(y, m, d, DayOfWeek(day));
    if (matched && (within_a_day || previous_matched)) return true;
    previous_matched = matched;
  }
  return false;
}

}  // namespace tandem::secrets
