#include "secrets/rotation_rules.h"

#include <cctype>
#include <sstream>
#include <string>

#include "secrets/cron_schedule.h"
#include "secrets/secret.h"
#include "secrets/secrets_errors.h"

namespace tandem::secrets {
namespace {

constexpr int64_t kHourMs = kMillisPerDay / 24;

// Parses "rate(<n> <unit>)"; returns the interval in milliseconds, or 0.
int64_t RateIntervalMillis(const std::string& expression) {
  if (expression.size() < 6 || expression.rfind("rate(", 0) != 0 || expression.back() != ')') {
    return 0;
  }
  std::istringstream in(expression.substr(5, expression.size() - 6));
  int64_t n = 0;
  std::string unit, rest;
  // Bounded well past the 1000-day maximum, so the product can't overflow.
  if (!(in >> n >> unit) || (in >> rest) || n <= 0 || n > 1000000) return 0;
  if (unit == "hour" || unit == "hours") return n * kHourMs;
  if (unit == "day" || unit == "days") return n * kMillisPerDay;
  return 0;
}

bool IsCron(const std::string& expression) { return expression.rfind("cron(", 0) == 0; }

std::string Expression(const nlohmann::json& rules) {
  return rules.value("ScheduleExpression", "");
}

}  // namespace

std::optional<api::ApiError> CheckRotationRules(const nlohmann::json& rules) {
  bool has_days = rules.contains("AutomaticallyAfterDays");
  std::string expression = Expression(rules);
  if (has_days && !expression.empty()) {
    return errors::InvalidParameter(
        "RotationRules can have AutomaticallyAfterDays or ScheduleExpression, not both.");
  }
  if (has_days) {
    int64_t days = rules["AutomaticallyAfterDays"].get<int64_t>();
    if (days < 1 || days > 1000) {
      return errors::InvalidParameter(
          "RotationRules.AutomaticallyAfterDays must be between 1 and 1000.");
    }
  }
  int64_t interval = has_days ? rules["AutomaticallyAfterDays"].get<int64_t>() * kMillisPerDay : 0;
  if (!expression.empty()) {
    interval = RateIntervalMillis(expression);
    if (interval == 0 && IsCron(expression)) {
      StatusOr<CronSchedule> cron = CronSchedule::Parse(expression);
      if (!cron.ok()) {
        return errors::InvalidParameter("RotationRules.ScheduleExpression " + expression +
                                        " is invalid: " + cron.status().message() + ".");
      }
      if (cron->HasOccurrencesCloserThan(4 * kHourMs)) {
        return errors::InvalidParameter("RotationRules.ScheduleExpression " + expression +
                                        " rotates more often than every 4 hours, the minimum "
                                        "rotation interval: choose hours at least 4 apart.");
      }
    } else if (interval == 0) {
      return errors::InvalidParameter(
          "RotationRules.ScheduleExpression must be rate(<n> hours|days) or a cron(...) "
          "expression with six fields.");
    }
    if (interval != 0 && (interval < 4 * kHourMs || interval > 1000 * kMillisPerDay)) {
      return errors::InvalidParameter(
          "RotationRules.ScheduleExpression must rotate between every 4 hours and every 1000 "
          "days.");
    }
  }
  if (rules.contains("Duration")) {
    std::string duration = rules["Duration"].get<std::string>();
    std::string hours = duration.substr(0, duration.size() - 1);
    bool digits = !hours.empty() && hours.size() <= 2 &&
                  hours.find_first_not_of("0123456789") == std::string::npos;
    if (duration.empty() || duration.back() != 'h' || !digits || std::stoi(hours) < 1 ||
        std::stoi(hours) > 24) {
      return errors::InvalidParameter(
          "RotationRules.Duration must be between 1h and 24h, for example \"3h\".");
    }
    if (interval != 0 && std::stoi(hours) * kHourMs >= interval) {
      return errors::InvalidParameter(
          "RotationRules.Duration must be shorter than the rotation interval.");
    }
  }
  return std::nullopt;
}

bool HasRotationSchedule(const nlohmann::json& rules) {
  return rules.contains("AutomaticallyAfterDays") || !Expression(rules).empty();
}

int64_t NextRotationMillis(const nlohmann::json& rules, int64_t from_ms) {
  if (rules.contains("AutomaticallyAfterDays")) {
    return from_ms + rules["AutomaticallyAfterDays"].get<int64_t>() * kMillisPerDay;
  }
  const std::string expression = Expression(rules);
  if (IsCron(expression)) {
    StatusOr<CronSchedule> cron = CronSchedule::Parse(expression);
    return cron.ok() ? cron->NextAfter(from_ms) : 0;
  }
  int64_t interval = RateIntervalMillis(expression);
  return interval == 0 ? 0 : from_ms + interval;
}

}  // namespace tandem::secrets
