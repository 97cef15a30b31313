// How a DbInstance record looks in RDS's answers (the DBInstance shape of
// CreateDBInstance, DescribeDBInstances, ModifyDBInstance, ...): what RDS
// shows for a MySQL instance, from the desired and observed state.
//
// As RDS: Endpoint and InstanceCreateTime are left out while the instance is
// being created; PendingModifiedValues is always present (empty when nothing
// waits) and shows MasterUserPassword "****" while a new password is not yet
// applied.
//
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "rds/db_instance.h"

namespace tandem::rds {

struct InstanceViewContext {
  std::string account_id;
  std::string endpoint_address;
  // The version instances run, shown until the reconciler reports the
  // instance's own (observed.engine_version).
  std::string engine_version;
  // The current revision of the instance's parameter group.
  int64_t parameter_group_revision = 0;
};

// The DBInstance value (JSON of the model's shape, timestamps in epoch seconds).
nlohmann::json RenderDbInstance(const DbInstance& instance, const InstanceViewContext& context);

// DBParameterGroups[].ParameterApplyStatus: "applying" while the engine runs
// with another group or an older revision of it, "pending-reboot" while
// static changes wait for a reboot, else "in-sync".
std::string ParameterApplyStatus(const DbInstance& instance, int64_t group_revision);

}  // namespace tandem::rds
