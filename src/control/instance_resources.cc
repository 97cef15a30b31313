// What the reconciler takes from the RDS side for an instance's nodes: the
// sizing of its instance class (rds/instance_class.h) and its storage
// encryption key (rds/storage_keys.h).
#include <string>

#include "control/reconciler_loop.h"
#include "rds/instance_class.h"
#include "rds/storage_keys.h"

namespace tandem::control {

StatusOr<engine::NodeSizing> InstanceReconciler::Loop::ClassSizing(
    const rds::DbInstance& instance) const {
  const rds::InstanceClass* found = rds::FindInstanceClass(instance.desired.instance_class);
  if (found == nullptr) {
    return Status::InvalidArgument("DB instance class " + instance.desired.instance_class +
                                   " is not one Tandem offers");
  }
  engine::NodeSizing sizing;
  sizing.innodb_buffer_pool_bytes = found->innodb_buffer_pool_bytes;
  sizing.max_connections = found->max_connections;
  return sizing;
}

std::map<std::string, std::string> InstanceReconciler::Loop::ClassDefaults(
    const rds::DbInstance& instance) const {
  auto sizing = ClassSizing(instance);
  if (!sizing.ok()) return {};
  return {{"innodb_buffer_pool_size", std::to_string(sizing->innodb_buffer_pool_bytes)},
          {"max_connections", std::to_string(sizing->max_connections)}};
}

StatusOr<std::map<uint32_t, std::string>> InstanceReconciler::Loop::StorageKeys(
    const rds::DbInstance& instance) {
  auto key = rds::EngineKeyFor(store_, master_, instance.region, instance.desired.kms_key_id,
                               instance.resource_id);
  if (!key.ok()) return key.status();
  return std::map<uint32_t, std::string>{{1, std::move(*key)}};
}

Status InstanceReconciler::Loop::DeleteStorageKeys(const rds::DbInstance& instance) {
  return rds::DeleteEngineKey(store_, instance.region, instance.resource_id);
}

}  // namespace tandem::control
