// Rotation cron() schedules as tables: an expression, a starting time and the
// next occurrence (all UTC), then expressions the parser refuses and why, then
// how RotationRules uses the schedule.
#include "secrets/cron_schedule.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "secrets/rotation_rules.h"

namespace tandem::secrets {
namespace {

constexpr int64_t kHourMs = 3600 * 1000;

// "2024-02-29 16:05" (UTC) as milliseconds since the epoch.
int64_t At(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  EXPECT_EQ(std::sscanf(text.c_str(), "%d-%d-%d %d:%d", &y, &mo, &d, &h, &mi), 5) << text;
  using namespace std::chrono;
  const sys_days day{year{y} / mo / d};
  return (day.time_since_epoch().count() * 24 * 60 + h * 60 + mi) * 60 * 1000;
}

// Milliseconds since the epoch as "2024-02-29 16:05", or "none" for 0.
std::string Format(int64_t ms) {
  if (ms == 0) return "none";
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds{ms}};
  const sys_days day = floor<days>(t);
  const year_month_day date{day};
  const int64_t minute_of_day = duration_cast<minutes>(t - day).count();
  char out[32];
  std::snprintf(out, sizeof(out), "%04d-%02u-%02u %02d:%02d", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(minute_of_day / 60), static_cast<int>(minute_of_day % 60));
  return out;
}

int64_t Next(const std::string& expression, int64_t from_ms) {
  StatusOr<CronSchedule> schedule = CronSchedule::Parse(expression);
  EXPECT_TRUE(schedule.ok()) << expression << ": " << schedule.status().message();
  return schedule.ok() ? schedule->NextAfter(from_ms) : -1;
}

TEST(CronSchedule, NextOccurrence) {
  struct Case {
    const char* expression;
    const char* from;
    const char* next;  // "none": nothing within 5 years
  };
  const Case cases[] = {
      // Plain values, lists, and strictly after the starting minute.
      {"cron(0 16 1,15 * ? *)", "2024-01-01 00:00", "2024-01-01 16:00"},
      {"cron(0 16 1,15 * ? *)", "2024-01-01 16:00", "2024-01-15 16:00"},
      {"cron(0 16 1,15 * ? *)", "2024-01-15 16:01", "2024-02-01 16:00"},
      // *, increments and ranges.
      {"cron(* * * * ? *)", "2024-03-10 10:07", "2024-03-10 10:08"},
      {"cron(*/15 * * * ? *)", "2024-03-10 10:07", "2024-03-10 10:15"},
      {"cron(5/20 * * * ? *)", "2024-03-10 10:26", "2024-03-10 10:45"},
      {"cron(5/20 * * * ? *)", "2024-03-10 10:45", "2024-03-10 11:05"},
      {"cron(10-20 9 * * ? *)", "2024-03-10 09:20", "2024-03-11 09:10"},
      {"cron(0 10-14/2 * * ? *)", "2024-03-10 11:00", "2024-03-10 12:00"},
      {"cron(0 10-14/2 * * ? *)", "2024-03-10 14:00", "2024-03-11 10:00"},
      {"cron(0 */6 * * ? *)", "2024-03-10 18:00", "2024-03-11 00:00"},
      // A range past the end of a field wraps around.
      {"cron(0 22-2/4 * * ? *)", "2024-03-10 23:00", "2024-03-11 02:00"},
      {"cron(0 0 28-2 * ? *)", "2024-02-29 00:00", "2024-03-01 00:00"},
      // Month names, any case.
      {"cron(0 0 1 JUN,DEC ? *)", "2024-06-01 00:00", "2024-12-01 00:00"},
      {"cron(0 0 1 jun ? *)", "2024-07-01 00:00", "2025-06-01 00:00"},
      {"cron(0 0 1 3-5 ? *)", "2024-05-01 00:00", "2025-03-01 00:00"},
      {"cron(0 0 1 NOV-FEB ? *)", "2024-03-01 00:00", "2024-11-01 00:00"},
      // Day-of-week: SUN is 1; names, ranges, wrapping ranges.
      {"cron(30 9 ? * MON-FRI *)", "2024-03-08 10:00", "2024-03-11 09:30"},
      {"cron(30 9 ? * 2-6 *)", "2024-03-08 09:00", "2024-03-08 09:30"},
      {"cron(0 12 ? * 1 *)", "2024-03-08 00:00", "2024-03-10 12:00"},
      {"cron(0 12 ? * sun *)", "2024-03-08 00:00", "2024-03-10 12:00"},
      {"cron(0 12 ? * FRI-MON *)", "2024-03-05 00:00", "2024-03-08 12:00"},
      {"cron(0 12 ? * FRI-MON *)", "2024-03-10 13:00", "2024-03-11 12:00"},
      {"cron(0 12 ? * */3 *)", "2024-03-11 00:00", "2024-03-13 12:00"},  // SUN, WED, SAT
      {"cron(0 12 ? * * *)", "2024-03-11 12:00", "2024-03-12 12:00"},
      // L: the last day of the month, leap years, the last Saturday / weekday.
      {"cron(0 0 L * ? *)", "2024-02-01 00:00", "2024-02-29 00:00"},
      {"cron(0 0 L * ? *)", "2023-02-01 00:00", "2023-02-28 00:00"},
      {"cron(0 0 L * ? *)", "2024-04-30 00:00", "2024-05-31 00:00"},
      {"cron(0 0 L 2 ? *)", "2100-01-01 00:00", "2100-02-28 00:00"},
      {"cron(0 0 ? * L *)", "2024-06-03 00:00", "2024-06-08 00:00"},
      {"cron(0 0 ? * 6L *)", "2024-06-01 00:00", "2024-06-28 00:00"},
      {"cron(0 0 ? * FRIL *)", "2024-06-28 00:00", "2024-07-26 00:00"},
      {"cron(0 0 ? * 5L *)", "2024-02-01 00:00", "2024-02-29 00:00"},
      // W: the nearest weekday, never leaving the month.
      {"cron(0 0 15W * ? *)", "2024-06-01 00:00", "2024-06-14 00:00"},  // Saturday
      {"cron(0 0 16W * ? *)", "2024-06-01 00:00", "2024-06-17 00:00"},  // Sunday
      {"cron(0 0 12W * ? *)", "2024-06-01 00:00", "2024-06-12 00:00"},  // Wednesday
      {"cron(0 0 1W * ? *)", "2024-05-31 01:00", "2024-06-03 00:00"},   // Saturday the 1st
      {"cron(0 0 30W * ? *)", "2024-06-01 00:00", "2024-06-28 00:00"},  // Sunday the last
      {"cron(0 0 31W * ? *)", "2024-06-01 00:00", "2024-07-31 00:00"},  // June has 30
      // #: the nth weekday of the month.
      {"cron(0 0 ? * 3#2 *)", "2024-06-01 00:00", "2024-06-11 00:00"},
      {"cron(0 0 ? * TUE#1 *)", "2024-06-04 00:00", "2024-07-02 00:00"},
      {"cron(0 0 ? * MON#5 *)", "2024-06-01 00:00", "2024-07-29 00:00"},
      // Feb 29, month ends, wrapping into the next year.
      {"cron(0 0 29 2 ? *)", "2024-03-01 00:00", "2028-02-29 00:00"},
      {"cron(0 0 29 2 ? *)", "2099-03-01 00:00", "2104-02-29 00:00"},  // 2100 isn't leap
      {"cron(0 0 29 2 ? *)", "2098-01-01 00:00", "none"},
      {"cron(0 0 30 2 ? *)", "2024-01-01 00:00", "none"},
      {"cron(0 0 31 * ? *)", "2024-04-01 00:00", "2024-05-31 00:00"},
      {"cron(0 0 * * ? *)", "2024-02-28 01:00", "2024-02-29 00:00"},
      {"cron(0 0 * * ? *)", "2023-02-28 01:00", "2023-03-01 00:00"},
      {"cron(0 8 1 1 ? *)", "2024-12-31 23:59", "2025-01-01 08:00"},
      {"cron(59 23 31 12 ? *)", "2024-12-31 23:59", "2025-12-31 23:59"},
      {"cron(0 0 ? DEC 7L *)", "2024-12-28 00:00", "2025-12-27 00:00"},
      // Year.
      {"cron(0 0 1 1 ? 2027)", "2024-06-01 00:00", "2027-01-01 00:00"},
      {"cron(0 0 1 1 ? 2025-2029/2)", "2025-01-01 00:00", "2027-01-01 00:00"},
      {"cron(0 0 1 1 ? 2026,2025)", "2024-01-01 00:00", "2025-01-01 00:00"},
      {"cron(0 0 1 1 ? 2020)", "2024-01-01 00:00", "none"},
      {"cron(0 0 1 1 ? 2030)", "2024-01-01 00:00", "none"},  // beyond 5 years
      {"cron(0 0 * * ? *)", "2199-12-31 00:00", "none"},
      {"cron(0 1 * * ? *)", "1969-12-31 12:00", "1970-01-01 01:00"},
      // Extra spaces between fields.
      {"cron( 0  16 1,15 * ? * )", "2024-01-01 00:00", "2024-01-01 16:00"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Format(Next(c.expression, At(c.from))), c.next)
        << c.expression << " after " << c.from;
  }
}

TEST(CronSchedule, StrictlyAfterAtMinuteResolution) {
  const std::string daily = "cron(0 16 * * ? *)";
  EXPECT_EQ(Next(daily, At("2024-01-01 16:00") - 1), At("2024-01-01 16:00"));
  EXPECT_EQ(Next(daily, At("2024-01-01 16:00")), At("2024-01-02 16:00"));
  EXPECT_EQ(Next(daily, At("2024-01-01 16:00") + 59999), At("2024-01-02 16:00"));
  EXPECT_EQ(Next("cron(* * * * ? *)", At("2024-01-01 16:00") + 1), At("2024-01-01 16:01"));
}

TEST(CronSchedule, RefusesWithTheFieldNamed) {
  struct Case {
    const char* expression;
    const char* message;  // a part of Parse's message
  };
  const Case cases[] = {
      {"cron(0 0 ? * FOO *)", "the day-of-week field 'FOO' is not 1-7, SUN-SAT, ?, *, L or #"},
      {"cron(0 0 * * * *)", "exactly one of the day-of-month and day-of-week fields must be ?"},
      {"cron(0 0 ? * ? *)", "exactly one of the day-of-month and day-of-week fields must be ?"},
      {"cron(60 0 * * ? *)", "the minutes field '60' is not 0-59"},
      {"cron(*/0 0 * * ? *)", "the minutes field '*/0'"},
      {"cron(*/61 0 * * ? *)", "the minutes field '*/61'"},
      {"cron(1,,2 0 * * ? *)", "the minutes field '1,,2'"},
      {"cron(1- 0 * * ? *)", "the minutes field '1-'"},
      {"cron(-1 0 * * ? *)", "the minutes field '-1'"},
      {"cron(1-2-3 0 * * ? *)", "the minutes field '1-2-3'"},
      {"cron(0 24 * * ? *)", "the hours field '24' is not 0-23"},
      {"cron(0 x * * ? *)", "the hours field 'x'"},
      {"cron(0 0 32 * ? *)", "the day-of-month field '32' is not 1-31, ?, *, L or W"},
      {"cron(0 0 0 * ? *)", "the day-of-month field '0'"},
      {"cron(0 0 32W * ? *)", "the day-of-month field '32W'"},
      {"cron(0 0 LW * ? *)", "the day-of-month field 'LW'"},
      {"cron(0 0 L-2 * ? *)", "the day-of-month field 'L-2'"},
      {"cron(0 0 1,L * ? *)", "the day-of-month field '1,L'"},
      {"cron(0 0 MON * ? *)", "the day-of-month field 'MON'"},
      {"cron(0 0 1 13 ? *)", "the month field '13' is not 1-12, JAN-DEC or *"},
      {"cron(0 0 1 JANUARY ? *)", "the month field 'JANUARY'"},
      {"cron(0 0 ? * 8 *)", "the day-of-week field '8'"},
      {"cron(0 0 ? * 0 *)", "the day-of-week field '0'"},
      {"cron(0 0 ? * 3#6 *)", "the day-of-week field '3#6'"},
      {"cron(0 0 ? * 3#0 *)", "the day-of-week field '3#0'"},
      {"cron(0 0 ? * 9#1 *)", "the day-of-week field '9#1'"},
      {"cron(0 0 ? * 8L *)", "the day-of-week field '8L'"},
      {"cron(0 0 ? * JAN *)", "the day-of-week field 'JAN'"},
      {"cron(0 0 1 * ? 1969)", "the year field '1969' is not 1970-2199 or *"},
      {"cron(0 0 1 * ? 2200)", "the year field '2200'"},
      {"cron(0 0 1 * ? 2030-2025)", "the year field '2030-2025'"},
      {"cron(0 0 1 * ?)", "a cron expression has 6 fields"},
      {"cron(0 0 1 * ? * *)", "a cron expression has 6 fields"},
      {"cron()", "a cron expression has 6 fields"},
      {"cron(0 0 1 * ? *", "is not of the form cron(Minutes Hours"},
      {"rate(1 day)", "is not of the form cron(Minutes Hours"},
  };
  for (const Case& c : cases) {
    StatusOr<CronSchedule> schedule = CronSchedule::Parse(c.expression);
    ASSERT_FALSE(schedule.ok()) << c.expression;
    EXPECT_EQ(schedule.status().code(), Status::Code::kInvalidArgument) << c.expression;
    EXPECT_NE(schedule.status().message().find(c.message), std::string::npos)
        << c.expression << ": " << schedule.status().message();
  }
}

TEST(CronSchedule, ShortestInterval) {
  struct Case {
    const char* expression;
    bool closer_than_4_hours;
  };
  const Case cases[] = {
      {"cron(0 * * * ? *)", true},
      {"cron(* 0 * * ? *)", true},
      {"cron(0 0,3 * * ? *)", true},
      {"cron(0 0,3 ? * MON#2 *)", true},
      {"cron(0 23,1 * * ? *)", true},        // 23:00 then 01:00 the next day
      {"cron(0 23,1 ? * MON,TUE *)", true},  // Monday 23:00, Tuesday 01:00
      {"cron(0 23,1 ? * SAT,SUN *)", true},  // across the week's end
      {"cron(0 23,1 1,31 * ? *)", true},     // January 31st, February 1st
      {"cron(0 23,1 1,31 12,1 ? *)", true},  // across the year's end
      {"cron(0 0,4,8,12,16,20 * * ? *)", false},
      {"cron(0 */4 * * ? *)", false},
      {"cron(30 21,1 * * ? *)", false},   // exactly 4 hours apart
      {"cron(0 23,1 ? * MON *)", false},  // 01:00 and 23:00 the same day
      {"cron(0 23,1 ? * MON,WED *)", false},
      {"cron(0 23,1 L * ? *)", false},
      {"cron(0 23,1 1,31 1,3 ? *)", false},  // never the 31st then the 1st
      {"cron(0 0,3 30 2 ? *)", false},       // never occurs
      {"cron(0 16 1,15 * ? *)", false},
  };
  for (const Case& c : cases) {
    StatusOr<CronSchedule> schedule = CronSchedule::Parse(c.expression);
    ASSERT_TRUE(schedule.ok()) << c.expression << ": " << schedule.status().message();
    EXPECT_EQ(schedule->HasOccurrencesCloserThan(4 * kHourMs), c.closer_than_4_hours)
        << c.expression;
  }
}

TEST(CronSchedule, NextAfterIsFast) {
  StatusOr<CronSchedule> yearly = CronSchedule::Parse("cron(0 0 1 1 ? *)");
  StatusOr<CronSchedule> leap_day = CronSchedule::Parse("cron(0 0 29 2 ? *)");
  ASSERT_TRUE(yearly.ok() && leap_day.ok());
  const int64_t from = At("2024-01-01 00:00");
  const auto start = std::chrono::steady_clock::now();
  int64_t sum = 0;
  for (int i = 0; i < 10000; ++i) {
    sum += yearly->NextAfter(from + i * 37 * kHourMs);
    sum += leap_day->NextAfter(from + i * 17 * kHourMs);
  }
  const int64_t elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - start)
                                 .count();
  EXPECT_NE(sum, 0);
  // Typically a few milliseconds; minute-by-minute search would take minutes.
  EXPECT_LT(elapsed_ms, 500);
}

TEST(RotationRules, CronChecks) {
  struct Case {
    const char* expression;
    const char* message;  // a part of the InvalidParameterException message, or "" when valid
  };
  const Case cases[] = {
      {"cron(0 16 1,15 * ? *)", ""},
      {"cron(0 */4 * * ? *)", ""},
      {"cron(0 8 ? * MON#1 *)", ""},
      {"cron(0 * * * ? *)", "more often than every 4 hours"},
      {"cron(0 23,1 * * ? *)", "more often than every 4 hours"},
      {"cron(0 0 ? * FOO *)",
       "ScheduleExpression cron(0 0 ? * FOO *) is invalid: the day-of-week field 'FOO' is not "
       "1-7, SUN-SAT, ?, *, L or #."},
      {"cron(0 16 *)", "a cron expression has 6 fields"},
      {"cron(0 0 * * * *)", "exactly one of the day-of-month and day-of-week fields must be ?"},
  };
  for (const Case& c : cases) {
    std::optional<api::ApiError> error = CheckRotationRules({{"ScheduleExpression", c.expression}});
    if (std::string(c.message).empty()) {
      EXPECT_FALSE(error.has_value()) << c.expression << ": " << error->message;
      continue;
    }
    ASSERT_TRUE(error.has_value()) << c.expression;
    EXPECT_EQ(error->code, "InvalidParameterException") << c.expression;
    EXPECT_NE(error->message.find(c.message), std::string::npos)
        << c.expression << ": " << error->message;
    EXPECT_NE(error->message.find("ScheduleExpression"), std::string::npos) << error->message;
  }
}

TEST(RotationRules, NextCronRotation) {
  using Json = nlohmann::json;
  const Json rules = {{"ScheduleExpression", "cron(0 16 1,15 * ? *)"}};
  EXPECT_EQ(NextRotationMillis(rules, At("2024-01-01 00:00")), At("2024-01-01 16:00"));
  EXPECT_EQ(NextRotationMillis(rules, At("2024-01-01 16:00")), At("2024-01-15 16:00"));
  EXPECT_EQ(NextRotationMillis(rules, 0), 16 * kHourMs);
  // With a window, the rotation is due at the window's start: the cron time.
  const Json windowed = {{"ScheduleExpression", "cron(0 16 1,15 * ? *)"}, {"Duration", "2h"}};
  EXPECT_FALSE(CheckRotationRules(windowed).has_value());
  EXPECT_EQ(NextRotationMillis(windowed, At("2024-01-15 17:00")), At("2024-02-01 16:00"));
  EXPECT_EQ(NextRotationMillis({{"ScheduleExpression", "cron(0 0 30 2 ? *)"}}, 0), 0);
  // rate() and AutomaticallyAfterDays still count from from_ms.
  EXPECT_EQ(NextRotationMillis({{"ScheduleExpression", "rate(6 hours)"}}, 1000),
            1000 + 6 * kHourMs);
  EXPECT_EQ(NextRotationMillis({{"AutomaticallyAfterDays", 2}}, 1000), 1000 + 48 * kHourMs);
}

}  // namespace
}  // namespace tandem::secrets
