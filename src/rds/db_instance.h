// DbInstance: the stored record of one RDS DB instance, the contract between
// the RDS API (src/rds, which writes what the user asked for) and the
// instance reconciler (src/control, which makes the world match and reports
// what it observed). DESIGN.md "Control path": API handlers write desired
// state and return; reconcilers do the engine work.
//
// Store keys:
//   db-instances/<region>/<identifier>        this record (JSON)
//   db-instance-passwords/<region>/<identifier>  the master password to apply,
//                                              an envelope bound to that key;
//                                              present only until the
//                                              reconciler has applied it
// Who writes which fields:
//   API         everything under "desired" (desired.pending only for itself),
//               tags, identity (endpoint_port included), and status when it
//               accepts an operation (available -> modifying/rebooting/
//               stopping/starting/deleting)
//   reconciler  status (when the engine work is done), observed, pending
//               clean-up, engine_version
// Both write with compare-and-swap on the record's store version, so neither
// overwrites the other's change.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace tandem::rds {

// DBInstanceStatus values Tandem uses (RDS's words).
namespace status {
inline constexpr const char* kCreating = "creating";
inline constexpr const char* kAvailable = "available";
inline constexpr const char* kModifying = "modifying";
inline constexpr const char* kRebooting = "rebooting";
inline constexpr const char* kStopping = "stopping";
inline constexpr const char* kStopped = "stopped";
inline constexpr const char* kStarting = "starting";
inline constexpr const char* kDeleting = "deleting";
inline constexpr const char* kFailed = "failed";
inline constexpr const char* kIncompatibleParameters = "incompatible-parameters";
inline constexpr const char* kStorageFull = "storage-full";

// The statuses of an instance that failed (to start, or with the parameters
// it was given); tandemd acts on them only when asked (reboot, modify).
inline bool IsFailure(std::string_view s) { return s == kFailed || s == kIncompatibleParameters; }
}  // namespace status

// The CACertificateIdentifier of Tandem's CA, the only one instances use.
inline constexpr const char* kCaCertificateIdentifier = "tandem-ca";

struct Tag {
  std::string key;
  std::string value;
};
// JSON encoding of a tag for stored records ({"key":..,"value":..}).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Tag, key, value)

// Modifications accepted with ApplyImmediately=false (RDS's
// PendingModifiedValues). RDS applies them in the next maintenance window;
// Tandem has none and applies them at the next RebootDBInstance: the API then
// moves them into DesiredInstance, so the reconciler only ever reads desired.
struct PendingModifications {
  std::string instance_class;     // "" when none
  int allocated_storage_gib = 0;  // 0 when none
  bool has_multi_az = false;
  bool multi_az = false;
  std::string ca_certificate_identifier;  // "" when none

  bool empty() const {
    return instance_class.empty() && allocated_storage_gib == 0 && !has_multi_az &&
           ca_certificate_identifier.empty();
  }
};

// What the user asked for. Changed only by the API.
struct DesiredInstance {
  std::string engine = "mysql";  // "mysql" or "mariadb"; both run MariaDB
  std::string instance_class = "db.t3.micro";
  int allocated_storage_gib = 20;
  std::string master_username;
  bool manage_master_user_password = false;
  // The managed password's secret (rds!db-<uuid>, OwningService rds), created
  // by the API before the record so CreateDBInstance can show its ARN; the
  // reconciler reads the password from it. Empty when not managed.
  std::string master_user_secret_arn;
  // The KMS key ARN reported as MasterUserSecret.KmsKeyId (Tandem's
  // alias/aws/secretsmanager key; the secret itself is sealed by Secrets Manager).
  std::string master_user_secret_kms_key_id;
  std::string db_name;  // initial database, may be empty
  // Multi-AZ: a synchronous standby in a second zone. The reconciler builds
  // it (or removes it) and reports where each node runs (observed zones).
  bool multi_az = false;
  bool storage_encrypted = false;
  std::string kms_key_id;  // key ARN when storage_encrypted
  std::string parameter_group = "default.mysql10.11";
  std::string ca_certificate_identifier = kCaCertificateIdentifier;
  int backup_retention_period = 1;
  std::string preferred_backup_window = "03:00-03:30";
  std::string preferred_maintenance_window = "sun:05:00-sun:05:30";
  std::string storage_type = "gp2";  // "gp2", "gp3" or "standard": all the same local disk
  bool auto_minor_version_upgrade = true;
  bool deletion_protection = false;
  bool publicly_accessible = false;
  // The lifecycle target: "available", "stopped" or "deleted".
  std::string lifecycle = "available";
  // Incremented by RebootDBInstance; the reconciler reboots until
  // observed.reboots_done catches up.
  int64_t reboot_generation = 0;
  bool reboot_force_failover = false;
  // Incremented whenever a new master password waits to be applied: 1 after
  // CreateDBInstance with MasterUserPassword, +1 for each ModifyDBInstance
  // that sets one or switches ManageMasterUserPassword. The password is the
  // managed secret's current value when manage_master_user_password, else the
  // one in db-instance-passwords/ (which the API rewrites for each new one).
  int64_t password_generation = 0;
  // Accepted with ApplyImmediately=false; not for the reconciler (see above).
  PendingModifications pending;
};

// What the reconciler observed and did. Changed only by the reconciler.
struct ObservedInstance {
  std::string engine_version;               // the real server version, e.g. "10.11.19"
  std::string availability_zone;            // where the primary runs, "<region>a"
  std::string secondary_availability_zone;  // Multi-AZ standby's zone
  int64_t reboots_done = 0;
  int64_t password_generation_applied = 0;
  // Parameters changed in the parameter group that need a reboot to apply.
  bool parameters_pending_reboot = false;
  std::string master_user_secret_status;  // "creating", "active", "rotating", "impaired"
  std::string last_error;                 // why the instance is failed, for events and logs
  // The parameter group (name and DbParameterGroup::revision) whose values
  // the engine runs with; while they differ from desired.parameter_group and
  // the group's current revision, DBParameterGroups shows "applying".
  std::string parameter_group_applied;
  int64_t parameter_group_revision_applied = 0;
  // Expiry of the instance's server certificate (CertificateDetails.ValidTill);
  // 0 until one is issued.
  int64_t certificate_valid_till_ms = 0;
  // Multi-AZ replication as DescribeDBInstances' StatusInfos reports it
  // (StatusType "read replication"): "replicating" when the standby holds
  // every acknowledged write, "error" when it does not (degraded), "" for a
  // single-AZ instance. The message says why, in the HA monitor's words.
  std::string replication_status;
  std::string replication_message;
};

struct DbInstance {
  // Identity, fixed at creation.
  std::string region;
  std::string identifier;   // DBInstanceIdentifier, lower-case
  std::string resource_id;  // DbiResourceId, "db-" + 26 upper-case alphanumerics
  int64_t create_time_ms = 0;
  uint16_t endpoint_port = 0;  // Endpoint.Port; Endpoint.Address comes from tandemd's config

  std::string status = status::kCreating;
  DesiredInstance desired;
  ObservedInstance observed;
  std::vector<Tag> tags;

  std::string Arn(const std::string& account_id) const {
    return "arn:aws:rds:" + region + ":" + account_id + ":db:" + identifier;
  }
  static std::string StoreKey(const std::string& region, const std::string& identifier) {
    return "db-instances/" + region + "/" + identifier;
  }
  std::string StoreKey() const { return StoreKey(region, identifier); }
  static std::string PasswordStoreKey(const std::string& region, const std::string& identifier) {
    return "db-instance-passwords/" + region + "/" + identifier;
  }
};

// JSON encoding for the store. Unknown fields are ignored and missing ones
// take their defaults, so records written by an older tandemd still load.
std::string EncodeDbInstance(const DbInstance& instance);
StatusOr<DbInstance> DecodeDbInstance(const std::string& text);

}  // namespace tandem::rds
