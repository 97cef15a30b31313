// DB parameter groups: CreateDBParameterGroup, DescribeDBParameterGroups,
// ModifyDBParameterGroup, ResetDBParameterGroup, DeleteDBParameterGroup and
// DescribeDBParameters. Values are checked against the catalog
// (parameter_catalog.cc); the reconciler applies a changed group to the
// instances that use it (parameter_group.h: revision).
#include <set>

#include "rds/describe_filters.h"
#include "rds/instance_rules.h"
#include "rds/rds_errors.h"
#include "rds/rds_service_impl.h"
#include "rds/resource_tags.h"

namespace tandem::rds {
namespace {

// RDS takes at most 20 parameters per Modify/Reset call.
constexpr size_t kMaxParametersPerCall = 20;
constexpr char kImmediate[] = "immediate";
constexpr char kPendingReboot[] = "pending-reboot";

Json GroupJson(const DbParameterGroup& group, const std::string& region,
               const std::string& account_id) {
  return {{"DBParameterGroupName", group.name},
          {"DBParameterGroupFamily", group.family},
          {"Description", group.description},
          {"DBParameterGroupArn", group.Arn(region, account_id)}};
}

api::ApiError DefaultGroupError(const std::string& name, const std::string& what) {
  return errors::InvalidParameterValue(
      "Default parameter groups cannot be " + what + " (" + name +
      "): create your own with CreateDBParameterGroup and use that instead");
}

// One entry of a Modify/Reset Parameters list, checked against the catalog.
struct ParameterChange {
  const ParameterDefinition* definition = nullptr;
  std::string value;  // Modify only
  std::string apply_method;
};

// Reads Parameters. with_values: Modify (every entry needs a valid
// ParameterValue) rather than Reset.
api::ApiResult<std::vector<ParameterChange>> ReadParameterChanges(const Json& parameters,
                                                                  bool with_values) {
  if (parameters.size() > kMaxParametersPerCall) {
    return errors::InvalidParameterValue(
        "A request can change at most 20 parameters; this one "
        "names " +
        std::to_string(parameters.size()));
  }
  std::vector<ParameterChange> changes;
  std::set<std::string> seen;
  for (size_t i = 0; i < parameters.size(); ++i) {
    const Json& p = parameters[i];
    const std::string where = "Parameters.Parameter." + std::to_string(i + 1);
    if (!p.contains("ParameterName")) return errors::MissingParameter(where + ".ParameterName");
    const std::string name = p["ParameterName"].get<std::string>();
    ParameterChange change;
    change.definition = FindParameter(name);
    if (change.definition == nullptr) {
      return errors::InvalidParameterValue("Could not find parameter with name: " + name +
                                           " (DescribeDBParameters lists the parameters Tandem "
                                           "offers)");
    }
    if (!change.definition->modifiable) {
      return errors::InvalidParameterValue("The parameter " + name +
                                           " cannot be modified: Tandem sets it for every node");
    }
    if (!seen.insert(name).second) {
      return errors::InvalidParameterCombination("The parameter " + name +
                                                 " appears more than once in the request");
    }
    if (with_values) {
      if (!p.contains("ParameterValue")) {
        return errors::MissingParameter(where + ".ParameterValue");
      }
      change.value = p["ParameterValue"].get<std::string>();
      Status valid = ValidateParameterValue(*change.definition, change.value);
      if (!valid.ok()) return errors::InvalidParameterValue(valid.message());
    }
    change.apply_method =
        p.value("ApplyMethod", change.definition->dynamic ? kImmediate : kPendingReboot);
    if (change.apply_method == kImmediate && !change.definition->dynamic) {
      return errors::InvalidParameterCombination(
          "cannot use immediate apply method for static parameter " + name +
          ": use ApplyMethod pending-reboot (it applies at the next reboot)");
    }
    changes.push_back(std::move(change));
  }
  return changes;
}

Event GroupEvent(const DbParameterGroup& group, const std::string& region,
                 const std::string& account_id, const std::string& message) {
  Event e;
  e.source_identifier = group.name;
  e.source_type = "db-parameter-group";
  e.source_arn = group.Arn(region, account_id);
  e.event_id = event_type::kParameterUpdated.id;
  e.categories = {event_type::kParameterUpdated.category};
  e.message = message;
  return e;
}

}  // namespace

Result RdsService::Impl::CreateDBParameterGroup(const Call& call, const Json& input) {
  const std::string raw_name = Text(input, "DBParameterGroupName");
  if (auto e = CheckParameterGroupName("DBParameterGroupName", raw_name)) return *e;
  DbParameterGroup group;
  group.name = ToLower(raw_name);
  group.family = Text(input, "DBParameterGroupFamily");
  if (group.family != kParameterGroupFamily) {
    return errors::InvalidParameterValue("DBParameterGroupFamily " + group.family +
                                         " is not offered: Tandem's family is " +
                                         kParameterGroupFamily + " (for mysql and mariadb)");
  }
  group.description = Text(input, "Description");
  group.create_time_ms = clock.NowMillis();
  if (auto tags = input.find("Tags"); tags != input.end()) {
    if (auto e = AddTags(group.tags, *tags)) return *e;
  }
  StatusOr<std::vector<StoreEntry>> existing = store.List(ParameterGroupStoreKey(call.region, ""));
  if (!existing.ok()) return errors::Internal(existing.status());
  if (static_cast<int>(existing->size()) >= options.max_parameter_groups) {
    return errors::DBParameterGroupQuotaExceeded(
        "DB parameter group quota exceeded: region " + call.region + " has " +
        std::to_string(existing->size()) + " of " + std::to_string(options.max_parameter_groups));
  }
  Status status =
      store.Commit({StoreWrite::Put(ParameterGroupStoreKey(call.region, group.name),
                                    EncodeParameterGroup(group), StoreWrite::kMustNotExist)});
  if (status.code() == Status::Code::kConflict) {
    return errors::DBParameterGroupAlreadyExists(group.name);
  }
  if (!status.ok()) return errors::Internal(status);
  Changed();
  return Json{{"DBParameterGroup", GroupJson(group, call.region, options.account_id)}};
}

Result RdsService::Impl::DescribeDBParameterGroups(const Call& call, const Json& input) {
  api::ApiResult<DescribeFilters> filters = DescribeFilters::Parse(input, {});
  if (!filters.ok()) return filters.error();
  api::ApiResult<PageRequest> page = ParsePageRequest(input, "db-parameter-groups");
  if (!page.ok()) return page.error();

  std::vector<DbParameterGroup> groups;
  if (input.contains("DBParameterGroupName")) {
    api::ApiResult<LoadedParameterGroup> loaded =
        LoadGroup(call, Text(input, "DBParameterGroupName"));
    if (!loaded.ok()) return loaded.error();
    groups.push_back(std::move(loaded->group));
  } else {
    groups.push_back(DefaultParameterGroup());
    StatusOr<std::vector<StoreEntry>> entries = store.List(ParameterGroupStoreKey(call.region, ""));
    if (!entries.ok()) return errors::Internal(entries.status());
    for (const StoreEntry& entry : *entries) {
      StatusOr<DbParameterGroup> group = DecodeParameterGroup(entry.value);
      if (!group.ok()) return errors::Internal(group.status());
      groups.push_back(std::move(group).value());
    }
    std::sort(groups.begin(), groups.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
  }
  std::string marker;
  std::vector<DbParameterGroup> shown = TakePage(
      std::move(groups), *page, "db-parameter-groups",
      [](const DbParameterGroup& g) { return g.name; }, marker);
  Json out = {{"DBParameterGroups", Json::array()}};
  for (const DbParameterGroup& g : shown) {
    out["DBParameterGroups"].push_back(GroupJson(g, call.region, options.account_id));
  }
  if (!marker.empty()) out["Marker"] = marker;
  return out;
}

Result RdsService::Impl::ModifyDBParameterGroup(const Call& call, const Json& input) {
  const std::string name = ToLower(Text(input, "DBParameterGroupName"));
  if (name == kDefaultParameterGroup) return DefaultGroupError(name, "modified");
  api::ApiResult<std::vector<ParameterChange>> changes =
      ReadParameterChanges(input.value("Parameters", Json::array()), /*with_values=*/true);
  if (!changes.ok()) return changes.error();
  if (changes->empty()) return errors::MissingParameter("Parameters");
  const std::string account = options.account_id;
  api::ApiResult<DbParameterGroup> changed =
      ChangeGroup(call, name, [&](DbParameterGroup& group, std::vector<Event>& recorded) {
        for (const ParameterChange& c : *changes) {
          group.values[c.definition->name] = c.value;
          group.apply_methods[c.definition->name] = c.apply_method;
          recorded.push_back(GroupEvent(group, call.region, account,
                                        "Updated parameter " + c.definition->name + " to " +
                                            c.value + " with apply method " + c.apply_method));
        }
        ++group.revision;
        return std::optional<api::ApiError>();
      });
  if (!changed.ok()) return changed.error();
  return Json{{"DBParameterGroupName", changed->name}};
}

Result RdsService::Impl::ResetDBParameterGroup(const Call& call, const Json& input) {
  const std::string name = ToLower(Text(input, "DBParameterGroupName"));
  if (name == kDefaultParameterGroup) return DefaultGroupError(name, "modified");
  const bool reset_all = input.value("ResetAllParameters", false);
  const Json parameters = input.value("Parameters", Json::array());
  if (reset_all && !parameters.empty()) {
    return errors::InvalidParameterCombination(
        "Give either ResetAllParameters or Parameters, not both");
  }
  if (!reset_all && parameters.empty()) {
    return errors::InvalidParameterCombination(
        "Give ResetAllParameters=true or the Parameters to reset");
  }
  api::ApiResult<std::vector<ParameterChange>> changes =
      ReadParameterChanges(parameters, /*with_values=*/false);
  if (!changes.ok()) return changes.error();
  const std::string account = options.account_id;
  api::ApiResult<DbParameterGroup> changed =
      ChangeGroup(call, name, [&](DbParameterGroup& group, std::vector<Event>& recorded) {
        std::vector<std::string> names;
        if (reset_all) {
          for (const auto& [n, v] : group.values) names.push_back(n);
        } else {
          for (const ParameterChange& c : *changes) names.push_back(c.definition->name);
        }
        for (const std::string& n : names) {
          if (group.values.erase(n) == 0) continue;
          group.apply_methods.erase(n);
          const ParameterDefinition* d = FindParameter(n);
          std::string to =
              d != nullptr && !d->default_value.empty() ? d->default_value : "engine-default";
          recorded.push_back(
              GroupEvent(group, call.region, account,
                         "Updated parameter " + n + " to " + to + " with apply method " +
                             (d != nullptr && d->dynamic ? kImmediate : kPendingReboot)));
        }
        if (!recorded.empty()) ++group.revision;
        return std::optional<api::ApiError>();
      });
  if (!changed.ok()) return changed.error();
  return Json{{"DBParameterGroupName", changed->name}};
}

Result RdsService::Impl::DeleteDBParameterGroup(const Call& call, const Json& input) {
  const std::string name = ToLower(Text(input, "DBParameterGroupName"));
  if (name == kDefaultParameterGroup) return DefaultGroupError(name, "deleted");
  for (int attempt = 0; attempt < kMaxWriteAttempts; ++attempt) {
    api::ApiResult<LoadedParameterGroup> loaded = LoadGroup(call, name);
    if (!loaded.ok()) return loaded.error();
    api::ApiResult<std::vector<LoadedInstance>> instances =
        LoadInstances("db-instances/" + call.region + "/");
    if (!instances.ok()) return instances.error();
    for (const LoadedInstance& l : *instances) {
      if (l.instance.desired.parameter_group == name) {
        return errors::InvalidDBParameterGroupState(
            "One or more database instances are still members of this parameter group " + name +
            ", so the group cannot be deleted (" + l.instance.identifier + " uses it)");
      }
    }
    // Instance creations rewrite the group under its version, so one that
    // raced this check makes the delete conflict and look again.
    Status status = store.Commit(
        {StoreWrite::Delete(ParameterGroupStoreKey(call.region, name), loaded->store_version)});
    if (status.ok()) {
      Changed();
      return Json::object();
    }
    if (status.code() != Status::Code::kConflict) return errors::Internal(status);
  }
  return errors::Internal("DB parameter group " + name + " kept changing; retry");
}

Result RdsService::Impl::DescribeDBParameters(const Call& call, const Json& input) {
  api::ApiResult<LoadedParameterGroup> loaded =
      LoadGroup(call, Text(input, "DBParameterGroupName"));
  if (!loaded.ok()) return loaded.error();
  const std::string source = Text(input, "Source");
  if (input.contains("Source") && source != "user" && source != "engine-default" &&
      source != "system") {
    return errors::InvalidParameterValue("Invalid Source: " + source +
                                         ". Use user, engine-default or system");
  }
  api::ApiResult<DescribeFilters> filters = DescribeFilters::Parse(input, {});
  if (!filters.ok()) return filters.error();
  api::ApiResult<PageRequest> page = ParsePageRequest(input, "db-parameters");
  if (!page.ok()) return page.error();

  const DbParameterGroup& group = loaded->group;
  std::vector<Json> parameters;
  for (const ParameterDefinition& d : ParameterCatalog()) {
    auto user = group.values.find(d.name);
    std::string from = !d.modifiable                ? "system"
                       : user != group.values.end() ? "user"
                                                    : "engine-default";
    if (!source.empty() && source != from) continue;
    Json p = {{"ParameterName", d.name},
              {"Description", d.description},
              {"Source", from},
              {"ApplyType", d.dynamic ? "dynamic" : "static"},
              {"DataType", d.data_type},
              {"AllowedValues", d.allowed_values},
              {"IsModifiable", d.modifiable},
              {"ApplyMethod", kPendingReboot}};
    std::string value = user != group.values.end() ? user->second : d.default_value;
    if (!value.empty()) p["ParameterValue"] = value;
    if (auto method = group.apply_methods.find(d.name); method != group.apply_methods.end()) {
      p["ApplyMethod"] = method->second;
    }
    parameters.push_back(std::move(p));
  }
  std::string marker;
  std::vector<Json> shown = TakePage(
      std::move(parameters), *page, "db-parameters",
      [](const Json& p) { return p["ParameterName"].get<std::string>(); }, marker);
  Json out = {{"Parameters", shown}};
  if (!marker.empty()) out["Marker"] = marker;
  return out;
}

}  // namespace tandem::rds
