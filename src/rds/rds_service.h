// RdsService: the Amazon RDS API (Query protocol, "Action=<Operation>") for
// DB instances, DB parameter groups, tags, events and engine versions.
//
// The API side of DESIGN.md's control path: each call validates its input,
// writes the desired state to the store (db_instance.h, parameter_group.h)
// and returns; the instance reconciler (src/control) does the engine work and
// moves DBInstanceStatus on. Operations:
//   CreateDBInstance, DescribeDBInstances, ModifyDBInstance, RebootDBInstance,
//   DeleteDBInstance, StopDBInstance, StartDBInstance, DescribeEvents,
//   AddTagsToResource, RemoveTagsFromResource, ListTagsForResource,
//   DescribeDBEngineVersions, CreateDBParameterGroup,
//   DescribeDBParameterGroups, ModifyDBParameterGroup, ResetDBParameterGroup,
//   DeleteDBParameterGroup, DescribeDBParameters.
//
// What the API itself does, beyond storing desired state:
// - CreateDBInstance picks the endpoint port (endpoint_port.h), and with
//   ManageMasterUserPassword creates the Secrets Manager secret
//   "rds!db-<uuid>" ({"username","password"}, tagged
//   aws:rds:primaryDBInstanceArn, OwningService rds) before it writes the
//   record, so the answer can show MasterUserSecret. With MasterUserPassword
//   it stores the password sealed at DbInstance::PasswordStoreKey for the
//   reconciler to apply (and delete).
// - ModifyDBInstance switches ManageMasterUserPassword either way: on, it
//   creates the secret; off (which needs a MasterUserPassword), it deletes the
//   secret once the record is written.
// - Storage encryption keys: KmsKeyId may name Tandem's alias/aws/rds key
//   (storage_keys.h) by ARN, key id, alias or alias ARN; anything else is
//   KMSKeyNotAccessibleFault.
// - Events it records are the "accepted" ones of events.h.
//
// Deviations from RDS, each for want of the feature (answered with a clear
// error or documented here): no snapshots (FinalDBSnapshotIdentifier and
// StopDBInstance's DBSnapshotIdentifier are refused), no renames, no port or
// engine version changes, no DB clusters, no provisioned IOPS, no master
// password rotation through RDS. There is no maintenance window: changes
// accepted with ApplyImmediately=false wait in PendingModifiedValues until
// the next RebootDBInstance. A stopped instance is not started again after
// seven days. One parameter group family (mysql10.11) serves both engines.
// Accepted and ignored, having no meaning on one machine: VPC, subnet and
// security groups, option groups, MaxAllocatedStorage, monitoring,
// Performance Insights, log exports, CopyTagsToSnapshot,
// DeleteAutomatedBackups. Instances of a region are placed in <region>a.
//
// Errors are RDS's (rds_errors.h); a failed call changes nothing.
//
// Thread-safety: every method may be called concurrently once
// SetChangeListener (if used) has been called. Writers to one instance are
// serialised by compare-and-swap with retry; creations are serialised so two
// never pick the same port.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/query_protocol.h"
#include "common/clock.h"
#include "crypto/envelope.h"
#include "rds/events.h"
#include "secrets/secrets_service.h"
#include "store/store.h"

namespace tandem::rds {

struct RdsOptions {
  std::string account_id = "000000000000";
  // Endpoint.Address of every instance (what clients connect to).
  std::string endpoint_address = "127.0.0.1";
  // The lowest endpoint port handed out when CreateDBInstance names none.
  uint16_t first_port = 3306;
  // The MariaDB version instances run (EngineVersion); "" means "ask
  // mariadbd --version on first use" (engine_version.h).
  std::string engine_version;
  // At most this many DB instances per region (RDS's default quota is 40).
  int max_instances = 40;
  // At most this many DB parameter groups per region (RDS's default is 50).
  int max_parameter_groups = 50;
  // Whether a port may be bound on 127.0.0.1 now; tests replace it.
  std::function<bool(uint16_t)> port_probe;
};

class RdsService {
 public:
  RdsService(Store& store, const crypto::MasterKey& master, const Clock& clock,
             secrets::SecretsService& secrets, EventLog& events, RdsOptions options);
  ~RdsService();

  // Registers every operation's handler on service (which must hold the rds
  // model). The handlers refer to this RdsService, which must outlive them.
  void RegisterOperations(api::QueryProtocolService& service);

  // Called after each committed change of an instance or a parameter group,
  // on the calling request's thread, so the reconciler wakes at once. Must be
  // cheap and must not call back into RdsService. Set before serving.
  void SetChangeListener(std::function<void()> listener);

  // For the rotator of managed master user secrets: the endpoint port of the
  // DB instance whose MasterUserSecret is secret_arn (clients reach it at
  // RdsOptions::endpoint_address), kNotFound if none; and setting its
  // MasterUserSecret.SecretStatus ("rotating", "active" or "impaired").
  StatusOr<uint16_t> ManagedSecretEndpointPort(const std::string& region,
                                               const std::string& secret_arn) const;
  Status SetManagedSecretStatus(const std::string& region, const std::string& secret_arn,
                                const std::string& status);

  // Runs operation as an API caller in region would, without HTTP, SigV4 or
  // model validation (pass well-formed input). For tests and Tandem's own
  // components. InvalidAction for an operation RdsService does not have.
  api::ApiResult<api::Json> Invoke(const std::string& region, const std::string& operation,
                                   const api::Json& input);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tandem::rds
