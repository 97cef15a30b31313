#include "rds/parameter_group.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tandem::rds {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DbParameterGroup, name, family, description, values,
                                                apply_methods, revision, create_time_ms, tags)

namespace {

// "lo-hi" of an AllowedValues text.
bool ParseRange(const std::string& text, long double& lo, long double& hi) {
  size_t dash = text.find('-', 1);  // a leading '-' would be a sign
  if (dash == std::string::npos) return false;
  char* end = nullptr;
  std::string a = text.substr(0, dash);
  std::string b = text.substr(dash + 1);
  lo = std::strtold(a.c_str(), &end);
  if (end != a.c_str() + a.size()) return false;
  hi = std::strtold(b.c_str(), &end);
  return end == b.c_str() + b.size();
}

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) parts.push_back(part);
  if (!text.empty() && text.back() == ',') parts.emplace_back();
  return parts;
}

bool Contains(const std::vector<std::string>& set, const std::string& value) {
  for (const std::string& s : set) {
    if (s == value) return true;
  }
  return false;
}

Status Invalid(const ParameterDefinition& d, const std::string& value, const std::string& rule) {
  return Status::InvalidArgument("Value '" + value + "' is not valid for parameter " + d.name +
                                 ": " + rule);
}

Status CheckNumber(const ParameterDefinition& d, const std::string& value, bool integer) {
  long double lo = 0;
  long double hi = 0;
  if (!ParseRange(d.allowed_values, lo, hi)) return Status::Ok();
  const std::string kind = integer ? "an integer" : "a number";
  const std::string rule = "use " + kind + " from " + d.allowed_values;
  if (value.empty() || value.size() > 40) return Invalid(d, value, rule);
  const char* digits = integer ? "0123456789" : "0123456789.";
  size_t start = value[0] == '-' ? 1 : 0;
  if (start == value.size() || value.find_first_not_of(digits, start) != std::string::npos ||
      std::count(value.begin(), value.end(), '.') > 1) {
    return Invalid(d, value, rule);
  }
  errno = 0;
  char* end = nullptr;
  long double v = std::strtold(value.c_str(), &end);
  if (errno != 0 || end != value.c_str() + value.size() || v < lo || v > hi) {
    return Invalid(d, value, rule);
  }
  return Status::Ok();
}

}  // namespace

Status ValidateParameterValue(const ParameterDefinition& d, const std::string& value) {
  // Every value must survive an option file, whatever its type.
  bool printable = std::all_of(value.begin(), value.end(), [](char c) {
    return c >= 0x20 && c < 0x7f && c != '#' && c != ';' && c != '\'' && c != '"' && c != '\\';
  });
  if (value.empty() || value.size() > 1024 || !printable || value.front() == ' ' ||
      value.back() == ' ') {
    return Status::InvalidArgument(
        "The value of parameter " + d.name +
        " must be 1-1024 printable characters without quotes, backslashes, '#' or ';' (to "
        "return to the default, use ResetDBParameterGroup)");
  }
  if (d.data_type == "integer" || d.data_type == "float") {
    TANDEM_RETURN_IF_ERROR(CheckNumber(d, value, d.data_type == "integer"));
  } else if (d.data_type == "boolean" ||
             (d.data_type == "string" && !d.allowed_values.empty() && d.check == nullptr)) {
    if (!Contains(SplitCommas(d.allowed_values), value)) {
      return Invalid(d, value, "use one of " + d.allowed_values);
    }
  } else if (d.data_type == "list") {
    // Comma-separated elements of the allowed set; empty means none.
    if (!value.empty()) {
      std::vector<std::string> allowed = SplitCommas(d.allowed_values);
      for (const std::string& element : SplitCommas(value)) {
        if (!Contains(allowed, element)) {
          return Status::InvalidArgument("Value '" + value + "' is not valid for parameter " +
                                         d.name + ": '" + element + "' is not one of " +
                                         d.allowed_values);
        }
      }
    }
  }
  if (d.check != nullptr) return d.check(d, value);
  return Status::Ok();
}

std::string EncodeParameterGroup(const DbParameterGroup& group) {
  return nlohmann::json(group).dump();
}

StatusOr<DbParameterGroup> DecodeParameterGroup(const std::string& text) {
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Status::Corruption("DB parameter group record is not a JSON object");
  }
  try {
    return json.get<DbParameterGroup>();
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("DB parameter group record does not decode: ") +
                              e.what());
  }
}

std::string ParameterGroupStoreKey(const std::string& region, const std::string& name) {
  return "db-parameter-groups/" + region + "/" + name;
}

DbParameterGroup DefaultParameterGroup() {
  DbParameterGroup group;
  group.name = kDefaultParameterGroup;
  group.description = std::string("Default parameter group for ") + kParameterGroupFamily;
  return group;
}

StatusOr<LoadedParameterGroup> LoadParameterGroup(const Store& store, const std::string& region,
                                                  const std::string& name) {
  if (name == kDefaultParameterGroup) return LoadedParameterGroup{DefaultParameterGroup(), 0};
  StatusOr<std::optional<StoreEntry>> entry = store.Get(ParameterGroupStoreKey(region, name));
  if (!entry.ok()) return entry.status();
  if (!entry->has_value()) return Status::NotFound("DBParameterGroup not found: " + name);
  StatusOr<DbParameterGroup> group = DecodeParameterGroup((*entry)->value);
  if (!group.ok()) return group.status();
  return LoadedParameterGroup{std::move(group).value(), (*entry)->version};
}

std::vector<EngineSetting> EngineSettings(const DbParameterGroup& group) {
  std::vector<EngineSetting> out;
  for (const auto& [name, value] : group.values) {
    const ParameterDefinition* d = FindParameter(name);
    if (d == nullptr || !d->modifiable || !d->engine_option) continue;
    out.push_back({d->OptionName(), d->VariableName(), value, d->dynamic});
  }
  return out;
}

}  // namespace tandem::rds
