#include "rds/instance_view.h"

#include "rds/resource_tags.h"

namespace tandem::rds {
namespace {

using Json = nlohmann::json;

// Route 53 hosted zone ids name a DNS zone; Tandem's endpoints live in none,
// so every endpoint reports this one.
constexpr char kHostedZoneId[] = "ZTANDEMLOCALRDS";

double Seconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

Json PendingModifiedValues(const DbInstance& instance) {
  const PendingModifications& p = instance.desired.pending;
  Json out = Json::object();
  if (!p.instance_class.empty()) out["DBInstanceClass"] = p.instance_class;
  if (p.allocated_storage_gib != 0) out["AllocatedStorage"] = p.allocated_storage_gib;
  if (p.has_multi_az) out["MultiAZ"] = p.multi_az;
  if (!p.ca_certificate_identifier.empty()) {
    out["CACertificateIdentifier"] = p.ca_certificate_identifier;
  }
  if (instance.desired.password_generation > instance.observed.password_generation_applied) {
    out["MasterUserPassword"] = "****";  // RDS shows that a new one waits, never what it is
  }
  return out;
}

}  // namespace

std::string ParameterApplyStatus(const DbInstance& instance, int64_t group_revision) {
  const ObservedInstance& o = instance.observed;
  if (o.parameter_group_applied != instance.desired.parameter_group ||
      o.parameter_group_revision_applied < group_revision) {
    return "applying";
  }
  return o.parameters_pending_reboot ? "pending-reboot" : "in-sync";
}

Json RenderDbInstance(const DbInstance& instance, const InstanceViewContext& context) {
  const DesiredInstance& d = instance.desired;
  const ObservedInstance& o = instance.observed;
  const bool creating = instance.status == status::kCreating;
  const std::string zone =
      o.availability_zone.empty() ? instance.region + "a" : o.availability_zone;

  Json out = {
      {"DBInstanceIdentifier", instance.identifier},
      {"DBInstanceClass", d.instance_class},
      {"Engine", d.engine},
      {"DBInstanceStatus", instance.status},
      {"MasterUsername", d.master_username},
      {"AllocatedStorage", d.allocated_storage_gib},
      {"PreferredBackupWindow", d.preferred_backup_window},
      {"BackupRetentionPeriod", d.backup_retention_period},
      {"DBSecurityGroups", Json::array()},
      {"VpcSecurityGroups", Json::array()},
      {"DBParameterGroups",
       Json::array({{{"DBParameterGroupName", d.parameter_group},
                     {"ParameterApplyStatus",
                      ParameterApplyStatus(instance, context.parameter_group_revision)}}})},
      {"AvailabilityZone", zone},
      {"PreferredMaintenanceWindow", d.preferred_maintenance_window},
      {"PendingModifiedValues", PendingModifiedValues(instance)},
      {"MultiAZ", d.multi_az},
      {"EngineVersion", o.engine_version.empty() ? context.engine_version : o.engine_version},
      {"AutoMinorVersionUpgrade", d.auto_minor_version_upgrade},
      {"ReadReplicaDBInstanceIdentifiers", Json::array()},
      {"LicenseModel", "general-public-license"},
      {"PubliclyAccessible", d.publicly_accessible},
      {"StorageType", d.storage_type},
      {"DbInstancePort", 0},
      {"StorageEncrypted", d.storage_encrypted},
      {"DbiResourceId", instance.resource_id},
      {"CACertificateIdentifier", d.ca_certificate_identifier},
      {"DomainMemberships", Json::array()},
      {"CopyTagsToSnapshot", false},
      {"MonitoringInterval", 0},
      {"DBInstanceArn", instance.Arn(context.account_id)},
      {"IAMDatabaseAuthenticationEnabled", false},
      {"PerformanceInsightsEnabled", false},
      {"DeletionProtection", d.deletion_protection},
      {"AssociatedRoles", Json::array()},
      {"TagList", TagsToJson(instance.tags)},
      {"CustomerOwnedIpEnabled", false},
      {"BackupTarget", "region"},
      {"NetworkType", "IPV4"},
  };
  if (!d.db_name.empty()) out["DBName"] = d.db_name;
  if (!creating && instance.endpoint_port != 0) {
    out["Endpoint"] = {{"Address", context.endpoint_address},
                       {"Port", instance.endpoint_port},
                       {"HostedZoneId", kHostedZoneId}};
    out["InstanceCreateTime"] = Seconds(instance.create_time_ms);
  }
  if (d.multi_az) {
    out["SecondaryAvailabilityZone"] = o.secondary_availability_zone.empty()
                                           ? instance.region + "b"
                                           : o.secondary_availability_zone;
  }
  // Tandem's Multi-AZ sync state, in the read-replica status shape RDS has
  // for it: Normal false while the standby lacks acknowledged writes.
  if (d.multi_az && !o.replication_status.empty()) {
    Json info = {{"StatusType", "read replication"},
                 {"Normal", o.replication_status == "replicating"},
                 {"Status", o.replication_status}};
    if (!o.replication_message.empty()) info["Message"] = o.replication_message;
    out["StatusInfos"] = Json::array({info});
  }
  if (d.storage_encrypted) out["KmsKeyId"] = d.kms_key_id;
  Json certificate = {{"CAIdentifier", d.ca_certificate_identifier}};
  if (o.certificate_valid_till_ms > 0) {
    certificate["ValidTill"] = Seconds(o.certificate_valid_till_ms);
  }
  out["CertificateDetails"] = certificate;
  if (d.manage_master_user_password && !d.master_user_secret_arn.empty()) {
    Json secret = {
        {"SecretArn", d.master_user_secret_arn},
        {"SecretStatus",
         o.master_user_secret_status.empty() ? "creating" : o.master_user_secret_status}};
    if (!d.master_user_secret_kms_key_id.empty()) {
      secret["KmsKeyId"] = d.master_user_secret_kms_key_id;
    }
    out["MasterUserSecret"] = secret;
  }
  return out;
}

}  // namespace tandem::rds
