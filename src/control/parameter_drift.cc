#include "control/parameter_drift.h"

#include <optional>
#include <set>

namespace tandem::control {
namespace {

std::optional<std::string> ValueOf(const std::map<std::string, std::string>& values,
                                   const std::string& name) {
  auto it = values.find(name);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

const rds::ParameterDefinition* Find(const std::vector<rds::ParameterDefinition>& catalog,
                                     const std::string& name) {
  for (const rds::ParameterDefinition& definition : catalog) {
    if (definition.name == name) return &definition;
  }
  return nullptr;
}

}  // namespace

ParameterDrift FindParameterDrift(const std::map<std::string, std::string>& desired,
                                  const std::map<std::string, std::string>& running,
                                  const std::vector<rds::ParameterDefinition>& catalog,
                                  const std::map<std::string, std::string>& class_defaults) {
  std::set<std::string> names;
  for (const auto& [name, value] : desired) names.insert(name);
  for (const auto& [name, value] : running) names.insert(name);

  ParameterDrift drift;
  for (const std::string& name : names) {
    const std::optional<std::string> want = ValueOf(desired, name);
    if (want == ValueOf(running, name)) continue;
    const rds::ParameterDefinition* definition = Find(catalog, name);
    if (definition != nullptr && !definition->engine_option) continue;  // tandemd's own
    if (definition != nullptr && definition->dynamic) {
      std::string value;
      if (want) {
        value = *want;
      } else if (auto derived = ValueOf(class_defaults, name)) {
        value = *derived;
      } else {
        value = definition->default_value;
      }
      if (!value.empty()) {
        drift.live[name] = value;
        continue;
      }
    }
    drift.on_restart.push_back(name);
  }
  return drift;
}

std::map<std::string, std::string> AfterLiveChanges(
    const std::map<std::string, std::string>& running,
    const std::map<std::string, std::string>& desired, const ParameterDrift& drift) {
  std::map<std::string, std::string> out = running;
  for (const auto& [name, value] : drift.live) {
    if (auto want = ValueOf(desired, name)) {
      out[name] = *want;
    } else {
      out.erase(name);
    }
  }
  return out;
}

}  // namespace tandem::control
