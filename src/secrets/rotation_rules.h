// RotationRules: the schedule part of RotateSecret, checked for what the
// botocore model can't express, and the next due date it implies.
//
//   AutomaticallyAfterDays  1-1000 days after the last rotation;
//   ScheduleExpression      "rate(<n> hours|days)" (4 hours to 1000 days) or
//                           "cron(<6 fields>)" (secrets/cron_schedule.h, UTC,
//                           occurrences at least 4 hours apart) — not both
//                           with the above;
//   Duration                "<n>h", 1-24 hours, the rotation window.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>

#include "api/api_error.h"

namespace tandem::secrets {

// InvalidParameterException naming what is wrong, or nullopt.
std::optional<api::ApiError> CheckRotationRules(const nlohmann::json& rules);

// True when rules name a schedule (so rotation is enabled).
bool HasRotationSchedule(const nlohmann::json& rules);

// The next rotation due after from_ms, or 0 when rules have no schedule.
// AutomaticallyAfterDays and rate() count from from_ms; cron() gives its first
// occurrence strictly after from_ms (the start of the Duration window), or 0
// when it has none within 5 years.
int64_t NextRotationMillis(const nlohmann::json& rules, int64_t from_ms);

}  // namespace tandem::secrets
