#include "rds/db_instance.h"

namespace tandem::rds {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PendingModifications, instance_class,
                                                allocated_storage_gib, has_multi_az, multi_az,
                                                ca_certificate_identifier)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(
    DesiredInstance, engine, instance_class, allocated_storage_gib, master_username,
    manage_master_user_password, master_user_secret_arn, master_user_secret_kms_key_id, db_name,
    multi_az, storage_encrypted, kms_key_id, parameter_group, ca_certificate_identifier,
    backup_retention_period, preferred_backup_window, preferred_maintenance_window, storage_type,
    auto_minor_version_upgrade, deletion_protection, publicly_accessible, lifecycle,
    reboot_generation, reboot_force_failover, password_generation, pending)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(
    ObservedInstance, engine_version, availability_zone, secondary_availability_zone, reboots_done,
    password_generation_applied, parameters_pending_reboot, master_user_secret_status, last_error,
    parameter_group_applied, parameter_group_revision_applied, certificate_valid_till_ms,
    replication_status, replication_message)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DbInstance, region, identifier, resource_id,
                                                create_time_ms, endpoint_port, status, desired,
                                                observed, tags)

std::string EncodeDbInstance(const DbInstance& instance) { return nlohmann::json(instance).dump(); }

StatusOr<DbInstance> DecodeDbInstance(const std::string& text) {
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Status::Corruption("DB instance record is not a JSON object");
  }
  try {
    return json.get<DbInstance>();
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("DB instance record does not decode: ") + e.what());
  }
}

}  // namespace tandem::rds
