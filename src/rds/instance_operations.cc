// The life of a DB instance: CreateDBInstance, DescribeDBInstances,
// ModifyDBInstance, RebootDBInstance, StopDBInstance, StartDBInstance,
// DeleteDBInstance. Each validates everything before it writes anything, then
// writes desired state (and the status RDS shows on acceptance) and returns.
#include <algorithm>
#include <initializer_list>
#include <map>

#include "crypto/random.h"
#include "rds/describe_filters.h"
#include "rds/endpoint_port.h"
#include "rds/instance_rules.h"
#include "rds/rds_errors.h"
#include "rds/rds_service_impl.h"
#include "rds/resource_tags.h"
#include "rds/storage_keys.h"

namespace tandem::rds {
namespace {

constexpr char kResourceIdAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

bool Has(const Json& input, const char* name) { return input.contains(name); }

bool InStatus(const DbInstance& instance, std::initializer_list<const char*> allowed) {
  if (instance.desired.lifecycle == "deleted") return false;
  for (const char* s : allowed) {
    if (instance.status == s) return true;
  }
  return false;
}

api::ApiError WrongState(const DbInstance& instance, const std::string& operation,
                         const std::string& needed) {
  if (instance.desired.lifecycle == "deleted") {
    return errors::InvalidDBInstanceState("DB instance " + instance.identifier +
                                          " is being deleted");
  }
  return errors::InvalidDBInstanceState("DB instance " + instance.identifier + " is " +
                                        instance.status + "; " + operation + " needs it " + needed);
}

// The states in which RDS accepts a change of configuration or a reboot.
constexpr std::initializer_list<const char*> kChangeableStates = {
    status::kAvailable, status::kIncompatibleParameters, status::kStorageFull};

// The ARN of the KMS key a request names (an ARN, a key id or the alias),
// or KMSKeyNotAccessibleFault as RDS words it.
api::ApiResult<std::string> ResolveKmsKeyParameter(Store& store, const Clock& clock,
                                                   const std::string& region,
                                                   const std::string& account_id, const char* alias,
                                                   const std::string& key) {
  StatusOr<std::string> arn = ResolveKmsKey(store, clock, region, account_id, alias, key);
  if (arn.ok()) return *arn;
  if (arn.status().code() == Status::Code::kNotFound) {
    return errors::KMSKeyNotAccessible("The specified KMS key [" + key +
                                       "] does not exist, is not enabled or you do not have "
                                       "permissions to access it.");
  }
  return errors::Internal(arn.status());
}

// Moves the modifications waiting for a reboot into desired state, with the
// "applying" events of each.
void ApplyPending(DbInstance& instance, const std::string& account_id,
                  std::vector<Event>& recorded) {
  DesiredInstance& d = instance.desired;
  PendingModifications& p = d.pending;
  if (!p.instance_class.empty()) {
    d.instance_class = p.instance_class;
    recorded.push_back(InstanceEvent(event_type::kApplyingInstanceClass, instance, account_id));
  }
  if (p.allocated_storage_gib != 0) {
    d.allocated_storage_gib = p.allocated_storage_gib;
    recorded.push_back(InstanceEvent(event_type::kApplyingStorage, instance, account_id));
  }
  if (p.has_multi_az) {
    d.multi_az = p.multi_az;
    recorded.push_back(
        InstanceEvent(p.multi_az ? event_type::kApplyingMultiAz : event_type::kApplyingSingleAz,
                      instance, account_id));
  }
  if (!p.ca_certificate_identifier.empty()) {
    d.ca_certificate_identifier = p.ca_certificate_identifier;
  }
  p = PendingModifications{};
}

}  // namespace

// --- CreateDBInstance ---

Result RdsService::Impl::CreateDBInstance(const Call& call, const Json& input) {
  const std::string raw_id = Text(input, "DBInstanceIdentifier");
  if (auto e = CheckInstanceIdentifier("DBInstanceIdentifier", raw_id)) return *e;

  DbInstance instance;
  instance.region = call.region;
  instance.identifier = ToLower(raw_id);
  DesiredInstance& d = instance.desired;

  d.engine = Text(input, "Engine");
  if (auto e = CheckEngine(d.engine)) return *e;
  d.instance_class = Text(input, "DBInstanceClass");
  if (auto e = CheckInstanceClass(d.instance_class, d.engine)) return *e;
  if (Has(input, "EngineVersion")) {
    const std::string wanted = Text(input, "EngineVersion");
    const std::string& running = EngineVersion();
    if (wanted != running && running.rfind(wanted + ".", 0) != 0) {
      return errors::InvalidParameterCombination(
          "Cannot find version " + wanted + " for " + d.engine + ": Tandem runs MariaDB " +
          running + " for both mysql and mariadb; omit EngineVersion or give " + running);
    }
  }
  if (Has(input, "DBClusterIdentifier"))
    return errors::NotSupported("DBClusterIdentifier (DB clusters)");
  if (Has(input, "Iops")) return errors::NotSupported("Iops (provisioned IOPS)");
  if (input.value("EnableIAMDatabaseAuthentication", false)) {
    return errors::NotSupported("IAM database authentication");
  }
  d.storage_type = input.value("StorageType", "gp2");
  if (auto e = CheckStorageType(d.storage_type)) return *e;
  d.allocated_storage_gib = input.value("AllocatedStorage", 0);
  if (auto e = CheckAllocatedStorage(d.allocated_storage_gib, d.engine, d.storage_type)) {
    return *e;
  }

  d.master_username = Text(input, "MasterUsername");
  if (d.master_username.empty()) {
    return errors::InvalidParameterValue(
        "The parameter MasterUsername must be provided and must not be blank.");
  }
  if (auto e = CheckMasterUsername(d.master_username)) return *e;
  d.manage_master_user_password = input.value("ManageMasterUserPassword", false);
  const bool has_password = Has(input, "MasterUserPassword");
  if (d.manage_master_user_password && has_password) {
    return errors::InvalidParameterCombination(
        "Give either MasterUserPassword or ManageMasterUserPassword, not both: with "
        "ManageMasterUserPassword, Secrets Manager holds a generated password");
  }
  if (!d.manage_master_user_password && !has_password) {
    return errors::InvalidParameterValue(
        "The parameter MasterUserPassword must be provided and must not be blank (or set "
        "ManageMasterUserPassword).");
  }
  const std::string password = Text(input, "MasterUserPassword");
  if (has_password) {
    if (auto e = CheckMasterUserPassword(password)) return *e;
  }
  if (Has(input, "MasterUserSecretKmsKeyId")) {
    if (!d.manage_master_user_password) {
      return errors::InvalidParameterCombination(
          "MasterUserSecretKmsKeyId needs ManageMasterUserPassword");
    }
    const std::string key = Text(input, "MasterUserSecretKmsKeyId");
    api::ApiResult<std::string> arn = ResolveKmsKeyParameter(
        store, clock, call.region, options.account_id, kSecretsManagerKeyAlias, key);
    if (!arn.ok()) return arn.error();
  }

  d.db_name = Text(input, "DBName");
  if (Has(input, "DBName")) {
    if (auto e = CheckDbName(d.db_name)) return *e;
  }
  const int port = input.value("Port", 0);
  if (Has(input, "Port")) {
    if (auto e = CheckPort(port)) return *e;
  }
  if (Has(input, "DBParameterGroupName")) {
    api::ApiResult<LoadedParameterGroup> group =
        LoadGroup(call, Text(input, "DBParameterGroupName"));
    if (!group.ok()) return group.error();
    d.parameter_group = group->group.name;
  }
  d.backup_retention_period = input.value("BackupRetentionPeriod", 1);
  if (auto e = CheckBackupRetentionPeriod(d.backup_retention_period)) return *e;
  if (Has(input, "PreferredBackupWindow")) {
    d.preferred_backup_window = Text(input, "PreferredBackupWindow");
    if (auto e = CheckBackupWindow(d.preferred_backup_window)) return *e;
  }
  if (Has(input, "PreferredMaintenanceWindow")) {
    d.preferred_maintenance_window = ToLower(Text(input, "PreferredMaintenanceWindow"));
    if (auto e = CheckMaintenanceWindow(d.preferred_maintenance_window)) return *e;
  }
  d.multi_az = input.value("MultiAZ", false);
  if (Has(input, "AvailabilityZone")) {
    const std::string zone = Text(input, "AvailabilityZone");
    if (d.multi_az) {
      return errors::InvalidParameterCombination(
          "Requesting a specific availability zone is not valid for Multi-AZ instances.");
    }
    if (zone != call.region + "a") {
      return errors::InvalidParameterValue("AvailabilityZone " + zone +
                                           " is not offered: Tandem places instances of " +
                                           call.region + " in " + call.region + "a");
    }
  }
  d.storage_encrypted = input.value("StorageEncrypted", false);
  if (Has(input, "KmsKeyId") && !d.storage_encrypted) {
    return errors::InvalidParameterCombination(
        "KmsKeyId needs StorageEncrypted: add StorageEncrypted=true");
  }
  if (Has(input, "CACertificateIdentifier") &&
      Text(input, "CACertificateIdentifier") != kCaCertificateIdentifier) {
    return errors::CertificateNotFound(Text(input, "CACertificateIdentifier"));
  }
  d.deletion_protection = input.value("DeletionProtection", false);
  d.publicly_accessible = input.value("PubliclyAccessible", false);
  d.auto_minor_version_upgrade = input.value("AutoMinorVersionUpgrade", true);
  if (auto tags = input.find("Tags"); tags != input.end()) {
    if (auto e = AddTags(instance.tags, *tags)) return *e;
  }
  if (d.storage_encrypted) {
    const std::string key = input.value("KmsKeyId", kRdsKeyAlias);
    api::ApiResult<std::string> arn =
        ResolveKmsKeyParameter(store, clock, call.region, options.account_id, kRdsKeyAlias, key);
    if (!arn.ok()) return arn.error();
    d.kms_key_id = *arn;
  }

  // From here on, creations are one at a time: the port and the quota are
  // decided against every instance there is.
  std::lock_guard lock(create_mu);
  api::ApiResult<std::vector<LoadedInstance>> all = LoadInstances("db-instances/");
  if (!all.ok()) return all.error();
  std::map<uint16_t, std::string> used_ports;
  int in_region = 0;
  for (const LoadedInstance& other : *all) {
    const DbInstance& o = other.instance;
    if (o.region == call.region && o.identifier == instance.identifier) {
      return errors::DBInstanceAlreadyExists(instance.identifier);
    }
    if (o.endpoint_port != 0) used_ports[o.endpoint_port] = o.identifier;
    if (o.region == call.region) ++in_region;
  }
  if (in_region >= options.max_instances) {
    return errors::InstanceQuotaExceeded("DB instance quota exceeded: region " + call.region +
                                         " has " + std::to_string(in_region) + " of " +
                                         std::to_string(options.max_instances) + " DB instances");
  }
  api::ApiResult<uint16_t> chosen =
      ChooseEndpointPort(used_ports, options.first_port, port, options.port_probe);
  if (!chosen.ok()) return chosen.error();

  instance.endpoint_port = *chosen;
  instance.resource_id = "db-" + crypto::RandomString(26, kResourceIdAlphabet);
  instance.create_time_ms = clock.NowMillis();
  instance.status = status::kCreating;
  d.lifecycle = "available";
  if (has_password) d.password_generation = 1;

  // The managed secret exists before the record names it; if the record is
  // not written, the secret goes again.
  if (d.manage_master_user_password) {
    if (auto e = CreateMasterUserSecret(call, instance)) return *e;
  }
  for (int attempt = 0; attempt < kMaxWriteAttempts; ++attempt) {
    std::vector<StoreWrite> writes;
    writes.push_back(StoreWrite::Put(instance.StoreKey(), EncodeDbInstance(instance),
                                     StoreWrite::kMustNotExist));
    if (has_password) writes.push_back(PasswordWrite(instance, password));
    // Rewriting the group unchanged under its version makes a concurrent
    // DeleteDBParameterGroup and this creation exclude each other.
    api::ApiResult<LoadedParameterGroup> group = LoadGroup(call, d.parameter_group);
    if (!group.ok()) {
      DeleteMasterUserSecret(call, d.master_user_secret_arn);
      return group.error();
    }
    if (!group->group.is_default()) {
      writes.push_back(StoreWrite::Put(ParameterGroupStoreKey(call.region, group->group.name),
                                       EncodeParameterGroup(group->group), group->store_version));
    }
    Status status = store.Commit(writes);
    if (status.ok()) {
      Changed();
      return Json{{"DBInstance", View(instance)}};
    }
    if (status.code() != Status::Code::kConflict) {
      DeleteMasterUserSecret(call, d.master_user_secret_arn);
      return errors::Internal(status);
    }
    api::ApiResult<LoadedInstance> raced = LoadInstance(call, instance.identifier);
    if (raced.ok()) {
      DeleteMasterUserSecret(call, d.master_user_secret_arn);
      return errors::DBInstanceAlreadyExists(instance.identifier);
    }
  }
  DeleteMasterUserSecret(call, d.master_user_secret_arn);
  return errors::Internal("the parameter group " + d.parameter_group + " kept changing; retry");
}

// --- DescribeDBInstances ---

Result RdsService::Impl::DescribeDBInstances(const Call& call, const Json& input) {
  api::ApiResult<DescribeFilters> filters = DescribeFilters::Parse(
      input, {"db-cluster-id", "db-instance-id", "dbi-resource-id", "domain", "engine"});
  if (!filters.ok()) return filters.error();
  api::ApiResult<PageRequest> page = ParsePageRequest(input, "db-instances");
  if (!page.ok()) return page.error();

  std::vector<DbInstance> matching;
  if (Has(input, "DBInstanceIdentifier")) {
    std::string id = Text(input, "DBInstanceIdentifier");
    // RDS takes an identifier or the instance's ARN here.
    if (id.rfind("arn:", 0) == 0) {
      api::ApiResult<ResourceName> name = ParseResourceArn(id, call.region, options.account_id);
      if (!name.ok() || name->type != ResourceType::kDbInstance) {
        return errors::DBInstanceNotFound(id);
      }
      id = name->name;
    }
    api::ApiResult<LoadedInstance> loaded = LoadInstance(call, id);
    if (!loaded.ok()) return loaded.error();
    matching.push_back(std::move(loaded->instance));
  } else {
    api::ApiResult<std::vector<LoadedInstance>> all =
        LoadInstances("db-instances/" + call.region + "/");
    if (!all.ok()) return all.error();
    for (LoadedInstance& l : *all) matching.push_back(std::move(l.instance));
  }

  std::vector<DbInstance> selected;
  for (DbInstance& instance : matching) {
    const std::string arn = instance.Arn(options.account_id);
    if (filters->Values("db-cluster-id") != nullptr || filters->Values("domain") != nullptr) {
      continue;  // Tandem has no DB clusters and no directory domains
    }
    if (!filters->Matches("db-instance-id", {instance.identifier, arn}) ||
        !filters->Matches("dbi-resource-id", {instance.resource_id}) ||
        !filters->Matches("engine", {instance.desired.engine})) {
      continue;
    }
    selected.push_back(std::move(instance));
  }
  std::string marker;
  std::vector<DbInstance> shown = TakePage(
      std::move(selected), *page, "db-instances", [](const DbInstance& i) { return i.identifier; },
      marker);
  Json out = {{"DBInstances", Json::array()}};
  for (const DbInstance& instance : shown) out["DBInstances"].push_back(View(instance));
  if (!marker.empty()) out["Marker"] = marker;
  return out;
}

// --- ModifyDBInstance ---

Result RdsService::Impl::ModifyDBInstance(const Call& call, const Json& input) {
  const std::string id = Text(input, "DBInstanceIdentifier");
  if (auto e = CheckInstanceIdentifier("DBInstanceIdentifier", id)) return *e;
  if (Has(input, "NewDBInstanceIdentifier")) {
    return errors::NotSupported("Renaming a DB instance (NewDBInstanceIdentifier)");
  }
  if (Has(input, "DBPortNumber")) return errors::NotSupported("Changing the port (DBPortNumber)");
  if (Has(input, "Iops")) return errors::NotSupported("Iops (provisioned IOPS)");
  const bool rotate_password = input.value("RotateMasterUserPassword", false);
  if (rotate_password && !input.value("ApplyImmediately", false)) {
    return errors::InvalidParameterCombination(
        "RotateMasterUserPassword requires ApplyImmediately: the rotation runs now");
  }
  if (input.value("EnableIAMDatabaseAuthentication", false)) {
    return errors::NotSupported("IAM database authentication");
  }
  if (Has(input, "EngineVersion")) {
    const std::string wanted = Text(input, "EngineVersion");
    const std::string& running = EngineVersion();
    if (wanted != running && running.rfind(wanted + ".", 0) != 0) {
      return errors::NotSupported("Changing the engine version (Tandem runs MariaDB " + running +
                                  ")");
    }
  }
  if (Has(input, "StorageType")) {
    if (auto e = CheckStorageType(Text(input, "StorageType"))) return *e;
  }
  const bool has_password = Has(input, "MasterUserPassword");
  const std::string password = Text(input, "MasterUserPassword");
  if (has_password) {
    if (auto e = CheckMasterUserPassword(password)) return *e;
  }
  const bool has_manage = Has(input, "ManageMasterUserPassword");
  const bool manage = input.value("ManageMasterUserPassword", false);
  if (has_manage && manage && has_password) {
    return errors::InvalidParameterCombination(
        "Give either MasterUserPassword or ManageMasterUserPassword, not both");
  }
  if (Has(input, "MasterUserSecretKmsKeyId")) {
    if (!(has_manage && manage)) {
      return errors::InvalidParameterCombination(
          "MasterUserSecretKmsKeyId needs ManageMasterUserPassword=true");
    }
    const std::string key = Text(input, "MasterUserSecretKmsKeyId");
    api::ApiResult<std::string> arn = ResolveKmsKeyParameter(
        store, clock, call.region, options.account_id, kSecretsManagerKeyAlias, key);
    if (!arn.ok()) return arn.error();
  }
  if (Has(input, "AllocatedStorage")) {
    if (auto e = CheckAllocatedStorage(input.value("AllocatedStorage", 0), "mysql",
                                       input.value("StorageType", "gp2"))) {
      return *e;
    }
  }
  if (Has(input, "CACertificateIdentifier") &&
      Text(input, "CACertificateIdentifier") != kCaCertificateIdentifier) {
    return errors::CertificateNotFound(Text(input, "CACertificateIdentifier"));
  }
  if (Has(input, "BackupRetentionPeriod")) {
    if (auto e = CheckBackupRetentionPeriod(input.value("BackupRetentionPeriod", 0))) return *e;
  }
  if (Has(input, "PreferredBackupWindow")) {
    if (auto e = CheckBackupWindow(Text(input, "PreferredBackupWindow"))) return *e;
  }
  if (Has(input, "PreferredMaintenanceWindow")) {
    if (auto e = CheckMaintenanceWindow(ToLower(Text(input, "PreferredMaintenanceWindow")))) {
      return *e;
    }
  }
  if (Has(input, "DBParameterGroupName")) {
    api::ApiResult<LoadedParameterGroup> group =
        LoadGroup(call, Text(input, "DBParameterGroupName"));
    if (!group.ok()) return group.error();
  }

  api::ApiResult<LoadedInstance> before = LoadInstance(call, id);
  if (!before.ok()) return before.error();
  const DbInstance& current = before->instance;
  if (Has(input, "DBInstanceClass")) {
    if (auto e = CheckInstanceClass(Text(input, "DBInstanceClass"), current.desired.engine)) {
      return *e;
    }
  }
  if (!InStatus(current, kChangeableStates)) {
    return WrongState(current, "ModifyDBInstance", "available");
  }
  const bool was_managed = current.desired.manage_master_user_password;
  if (rotate_password && (!was_managed || (has_manage && !manage))) {
    return errors::InvalidParameterCombination(
        "RotateMasterUserPassword needs a master user password managed in Secrets Manager "
        "(ManageMasterUserPassword); DB instance " +
        current.identifier + " does not manage it");
  }
  const bool turn_on = has_manage && manage && !was_managed;
  const bool turn_off = has_manage && !manage && was_managed;
  if (turn_off && !has_password) {
    return errors::InvalidParameterCombination(
        "Turning ManageMasterUserPassword off needs a new MasterUserPassword");
  }
  if (was_managed && !turn_off && has_password) {
    return errors::InvalidParameterCombination(
        "DB instance " + current.identifier +
        " manages its master password in Secrets Manager: give ManageMasterUserPassword=false "
        "with the new MasterUserPassword");
  }

  // A secret to switch to is created before the record names it.
  DbInstance with_secret = current;
  if (turn_on) {
    if (auto e = CreateMasterUserSecret(call, with_secret)) return *e;
  }
  std::string old_secret;
  const bool apply_now = input.value("ApplyImmediately", false);
  const std::string account = options.account_id;
  api::ApiResult<DbInstance> changed = ChangeInstance(
      call, id, [&](DbInstance& instance, InstanceChange& change) -> std::optional<api::ApiError> {
        if (!InStatus(instance, kChangeableStates)) {
          return WrongState(instance, "ModifyDBInstance", "available");
        }
        if (instance.desired.manage_master_user_password != was_managed) {
          return errors::InvalidDBInstanceState("DB instance " + instance.identifier +
                                                " changed its master password mode meanwhile");
        }
        DesiredInstance& d = instance.desired;
        PendingModifications& p = d.pending;
        bool engine_work = false;
        // A change that waits for a reboot unless applied now; naming the
        // current value again cancels a pending change.
        auto schedule = [&](auto& desired_value, auto& pending_slot, const auto& wanted,
                            const auto& none, const EventType* applying) {
          if (wanted == desired_value) {
            pending_slot = none;
          } else if (apply_now) {
            desired_value = wanted;
            pending_slot = none;
            engine_work = true;
            if (applying != nullptr)
              change.events.push_back(InstanceEvent(*applying, instance, account));
          } else {
            pending_slot = wanted;
          }
        };
        if (Has(input, "DBInstanceClass")) {
          schedule(d.instance_class, p.instance_class, Text(input, "DBInstanceClass"),
                   std::string(), &event_type::kApplyingInstanceClass);
        }
        if (Has(input, "AllocatedStorage")) {
          int gib = input.value("AllocatedStorage", 0);
          if (gib < d.allocated_storage_gib) {
            return errors::InvalidParameterValue("AllocatedStorage can only grow: DB instance " +
                                                 instance.identifier + " has " +
                                                 std::to_string(d.allocated_storage_gib) +
                                                 " GiB; give more, not " + std::to_string(gib));
          }
          schedule(d.allocated_storage_gib, p.allocated_storage_gib, gib, 0,
                   &event_type::kApplyingStorage);
        }
        if (Has(input, "MultiAZ")) {
          // The reconciler adds the standby (copied online from the primary)
          // or removes it, and reports the zones each node runs in.
          bool wanted = input.value("MultiAZ", false);
          if (wanted == d.multi_az) {
            p.has_multi_az = false;
          } else if (apply_now) {
            d.multi_az = wanted;
            p.has_multi_az = false;
            engine_work = true;
            change.events.push_back(
                InstanceEvent(wanted ? event_type::kApplyingMultiAz : event_type::kApplyingSingleAz,
                              instance, account));
          } else {
            p.has_multi_az = true;
            p.multi_az = wanted;
          }
        }
        if (Has(input, "CACertificateIdentifier")) {
          schedule(d.ca_certificate_identifier, p.ca_certificate_identifier,
                   Text(input, "CACertificateIdentifier"), std::string(), nullptr);
        }
        if (Has(input, "StorageType")) d.storage_type = Text(input, "StorageType");
        if (Has(input, "DBParameterGroupName")) {
          api::ApiResult<LoadedParameterGroup> group =
              LoadGroup(call, Text(input, "DBParameterGroupName"));
          if (!group.ok()) return group.error();
          if (group->group.name != d.parameter_group) {
            d.parameter_group = group->group.name;
            engine_work = true;
          }
          if (!group->group.is_default()) {
            change.writes.push_back(
                StoreWrite::Put(ParameterGroupStoreKey(call.region, group->group.name),
                                EncodeParameterGroup(group->group), group->store_version));
          }
        }
        if (turn_on) {
          d.manage_master_user_password = true;
          d.master_user_secret_arn = with_secret.desired.master_user_secret_arn;
          d.master_user_secret_kms_key_id = with_secret.desired.master_user_secret_kms_key_id;
          ++d.password_generation;  // the secret's password waits to be applied
          // A password given earlier and not applied yet is superseded.
          change.writes.push_back(StoreWrite::Delete(
              DbInstance::PasswordStoreKey(instance.region, instance.identifier)));
          engine_work = true;
        }
        if (turn_off) {
          old_secret = d.master_user_secret_arn;
          d.manage_master_user_password = false;
          d.master_user_secret_arn.clear();
          d.master_user_secret_kms_key_id.clear();
        }
        if (has_password) {
          change.writes.push_back(PasswordWrite(instance, password));
          ++d.password_generation;
          engine_work = true;
        }
        if (Has(input, "BackupRetentionPeriod")) {
          d.backup_retention_period = input.value("BackupRetentionPeriod", 0);
        }
        if (Has(input, "PreferredBackupWindow")) {
          d.preferred_backup_window = Text(input, "PreferredBackupWindow");
        }
        if (Has(input, "PreferredMaintenanceWindow")) {
          d.preferred_maintenance_window = ToLower(Text(input, "PreferredMaintenanceWindow"));
        }
        if (Has(input, "DeletionProtection")) {
          d.deletion_protection = input.value("DeletionProtection", false);
        }
        if (Has(input, "PubliclyAccessible")) {
          d.publicly_accessible = input.value("PubliclyAccessible", false);
        }
        if (Has(input, "AutoMinorVersionUpgrade")) {
          d.auto_minor_version_upgrade = input.value("AutoMinorVersionUpgrade", true);
        }
        if (engine_work) instance.status = status::kModifying;
        return std::nullopt;
      });
  if (!changed.ok()) {
    if (turn_on) DeleteMasterUserSecret(call, with_secret.desired.master_user_secret_arn);
    return changed.error();
  }
  // The old secret's password is no longer the master password (a new one
  // waits to be applied), so it goes now, as RDS deletes it.
  DeleteMasterUserSecret(call, old_secret);
  if (rotate_password) {
    if (auto e = RotateMasterUserSecret(call, *changed)) return *e;
  }
  return Json{{"DBInstance", View(*changed)}};
}

// --- RebootDBInstance, StopDBInstance, StartDBInstance ---

Result RdsService::Impl::RebootDBInstance(const Call& call, const Json& input) {
  const std::string id = Text(input, "DBInstanceIdentifier");
  if (auto e = CheckInstanceIdentifier("DBInstanceIdentifier", id)) return *e;
  const bool force_failover = input.value("ForceFailover", false);
  const std::string account = options.account_id;
  api::ApiResult<DbInstance> changed = ChangeInstance(
      call, id, [&](DbInstance& instance, InstanceChange& change) -> std::optional<api::ApiError> {
        if (force_failover && !instance.desired.multi_az) {
          return errors::InvalidParameterCombination(
              "ForceFailover needs a Multi-AZ DB instance; " + instance.identifier +
              " is Single-AZ");
        }
        if (!InStatus(instance, kChangeableStates)) {
          return WrongState(instance, "RebootDBInstance", "available");
        }
        // Tandem has no maintenance window: a reboot is when waiting changes apply.
        ApplyPending(instance, account, change.events);
        ++instance.desired.reboot_generation;
        instance.desired.reboot_force_failover = force_failover;
        instance.status = status::kRebooting;
        return std::nullopt;
      });
  if (!changed.ok()) return changed.error();
  return Json{{"DBInstance", View(*changed)}};
}

Result RdsService::Impl::MoveLifecycle(const Call& call, const Json& input, const char* operation,
                                       const char* required_status, const char* lifecycle,
                                       const char* next_status) {
  const std::string id = Text(input, "DBInstanceIdentifier");
  if (auto e = CheckInstanceIdentifier("DBInstanceIdentifier", id)) return *e;
  api::ApiResult<DbInstance> changed = ChangeInstance(
      call, id, [&](DbInstance& instance, InstanceChange&) -> std::optional<api::ApiError> {
        if (!InStatus(instance, {required_status})) {
          return WrongState(instance, operation, required_status);
        }
        instance.desired.lifecycle = lifecycle;
        instance.status = next_status;
        return std::nullopt;
      });
  if (!changed.ok()) return changed.error();
  return Json{{"DBInstance", View(*changed)}};
}

Result RdsService::Impl::StopDBInstance(const Call& call, const Json& input) {
  if (Has(input, "DBSnapshotIdentifier")) {
    return errors::NotSupported("DB snapshots (DBSnapshotIdentifier)");
  }
  return MoveLifecycle(call, input, "StopDBInstance", status::kAvailable, "stopped",
                       status::kStopping);
}

Result RdsService::Impl::StartDBInstance(const Call& call, const Json& input) {
  return MoveLifecycle(call, input, "StartDBInstance", status::kStopped, "available",
                       status::kStarting);
}

// --- DeleteDBInstance ---

Result RdsService::Impl::DeleteDBInstance(const Call& call, const Json& input) {
  const std::string id = Text(input, "DBInstanceIdentifier");
  if (auto e = CheckInstanceIdentifier("DBInstanceIdentifier", id)) return *e;
  const bool skip = input.value("SkipFinalSnapshot", false);
  const bool has_final = Has(input, "FinalDBSnapshotIdentifier");
  if (skip && has_final) {
    return errors::InvalidParameterCombination(
        "Give either SkipFinalSnapshot or FinalDBSnapshotIdentifier, not both");
  }
  if (!skip && !has_final) {
    return errors::InvalidParameterCombination(
        "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.");
  }
  if (has_final) {
    const std::string snapshot = Text(input, "FinalDBSnapshotIdentifier");
    if (auto e = CheckInstanceIdentifier("FinalDBSnapshotIdentifier", snapshot)) return *e;
    return errors::InvalidParameterCombination(
        "Tandem does not take DB snapshots yet, so FinalDBSnapshotIdentifier cannot be "
        "honoured: delete with SkipFinalSnapshot (the data is then gone for good)");
  }
  // DeleteAutomatedBackups is accepted: there are no automated backups to keep.
  api::ApiResult<DbInstance> changed = ChangeInstance(
      call, id, [&](DbInstance& instance, InstanceChange&) -> std::optional<api::ApiError> {
        if (instance.desired.lifecycle == "deleted") {
          return errors::InvalidDBInstanceState("DB instance " + instance.identifier +
                                                " is already being deleted");
        }
        if (instance.desired.deletion_protection) {
          return errors::InvalidParameterCombination(
              "Cannot delete protected DB Instance, please disable deletion protection and try "
              "again.");
        }
        instance.desired.lifecycle = "deleted";
        instance.desired.pending = PendingModifications{};
        instance.status = status::kDeleting;
        return std::nullopt;
      });
  if (!changed.ok()) return changed.error();
  return Json{{"DBInstance", View(*changed)}};
}

}  // namespace tandem::rds
