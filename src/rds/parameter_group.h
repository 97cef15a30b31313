// DB parameter groups: the documented subset of MariaDB server parameters a
// user may set through the RDS API, and how a group's values become engine
// options.
//
// Store key: db-parameter-groups/<region>/<name> (JSON). The default group
// "default.<family>" exists implicitly in every region and cannot be
// modified, as in RDS.
//
// The catalog (parameter_catalog.cc) is the one table of truth: name, type,
// allowed values, default, and apply type ("dynamic": applied live with SET
// GLOBAL; "static": takes effect at the next reboot, the instance's
// parameter group shows "pending-reboot" until then). It also lists a few
// "system" parameters Tandem fixes for every node (durability and
// replication safety); they are shown, never modifiable.
//
// For the reconciler: a group's values become engine options through
// EngineSettings (option-file name for NodeSpec::parameters, variable name
// for SET GLOBAL). A group's revision grows with every change of its values,
// so an instance that applied revision r knows whether it is behind.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "rds/db_instance.h"
#include "store/store.h"

namespace tandem::rds {

inline constexpr const char* kParameterGroupFamily = "mysql10.11";  // see parameter_catalog.cc
inline constexpr const char* kDefaultParameterGroup = "default.mysql10.11";

struct ParameterDefinition {
  std::string name{};  // RDS/MariaDB name, e.g. "max_connections"
  std::string description{};
  std::string data_type{};       // "integer", "boolean", "float", "string", "list"
  std::string allowed_values{};  // RDS's AllowedValues text, e.g. "1-100000" or "0,1"
  std::string default_value{};   // "" means engine default / derived from the instance class
  bool dynamic = false;          // ApplyType dynamic vs static
  // The option-file name (NodeSpec::parameters) and the SET GLOBAL variable
  // name; each is name when empty (time_zone is default_time_zone in files).
  std::string option_name{};
  std::string variable_name{};
  // false for the "system" parameters Tandem sets itself (shown with their
  // fixed value in default_value, Source "system", IsModifiable false).
  bool modifiable = true;
  // Checks beyond allowed_values (time zones, collations); nullptr if none.
  // kInvalidArgument with a message naming the parameter. A string
  // parameter's allowed_values is its comma-separated set of values, unless
  // it has a check: then it only describes them.
  Status (*check)(const ParameterDefinition& definition, const std::string& value) = nullptr;
  // false for Tandem's own parameters (tandem_*): they steer tandemd, never
  // reach the engine's options or SET GLOBAL.
  bool engine_option = true;

  const std::string& OptionName() const { return option_name.empty() ? name : option_name; }
  const std::string& VariableName() const { return variable_name.empty() ? name : variable_name; }
};

// Every parameter DescribeDBParameters shows (the modifiable ones and the
// system ones), in name order.
const std::vector<ParameterDefinition>& ParameterCatalog();
const ParameterDefinition* FindParameter(const std::string& name);

struct DbParameterGroup {
  std::string name;
  std::string family = kParameterGroupFamily;
  std::string description;
  // User-set values (name -> value); parameters not here take their default.
  std::map<std::string, std::string> values;
  // The ApplyMethod each user-set value was given ("immediate" or "pending-reboot").
  std::map<std::string, std::string> apply_methods;
  // Grows by one with every change of values (Modify/Reset).
  int64_t revision = 0;
  int64_t create_time_ms = 0;
  std::vector<Tag> tags;

  bool is_default() const { return name == kDefaultParameterGroup; }
  std::string Arn(const std::string& region, const std::string& account_id) const {
    return "arn:aws:rds:" + region + ":" + account_id + ":pg:" + name;
  }
};

// Checks value against the definition: kInvalidArgument with a message
// naming the parameter and what is allowed.
Status ValidateParameterValue(const ParameterDefinition& definition, const std::string& value);

std::string EncodeParameterGroup(const DbParameterGroup& group);
StatusOr<DbParameterGroup> DecodeParameterGroup(const std::string& text);
std::string ParameterGroupStoreKey(const std::string& region, const std::string& name);

// The implicit default group of the family.
DbParameterGroup DefaultParameterGroup();

// A group as stored, with the store version a compare-and-swap needs (0 for
// the implicit default group, which has no record).
struct LoadedParameterGroup {
  DbParameterGroup group;
  int64_t store_version = 0;
};

// The group name (lower-case, as stored) of region: the default group or a
// stored one. kNotFound if there is none; kCorruption if it does not decode.
StatusOr<LoadedParameterGroup> LoadParameterGroup(const Store& store, const std::string& region,
                                                  const std::string& name);

// One user-set value of a group as the engine takes it.
struct EngineSetting {
  std::string option_name;    // for the option file
  std::string variable_name;  // for SET GLOBAL
  std::string value;
  bool dynamic = false;  // may be applied live; static ones wait for a restart
};

// The user-set values of group (values of parameters the catalog no longer
// has are skipped), in parameter name order.
std::vector<EngineSetting> EngineSettings(const DbParameterGroup& group);

}  // namespace tandem::rds
