// RdsService::Impl: the operation handlers and the pieces they share.
// Internal to the rds component; the contract is rds_service.h.
//
// Handlers are spread over files by subject: instance_operations.cc (a DB
// instance's life), parameter_group_operations.cc, tag_operations.cc,
// event_operations.cc (DescribeEvents), engine_version_operations.cc
// (DescribeDBEngineVersions); the shared pieces are in rds_service.cc.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "api/api_error.h"
#include "common/clock.h"
#include "crypto/envelope.h"
#include "rds/db_instance.h"
#include "rds/events.h"
#include "rds/parameter_group.h"
#include "rds/rds_service.h"
#include "secrets/secrets_service.h"
#include "store/store.h"

namespace tandem::rds {

using Json = api::Json;
using Result = api::ApiResult<Json>;

// Concurrent writers to one record retry this many times before giving up
// with InternalFailure; each retry means another writer succeeded.
inline constexpr int kMaxWriteAttempts = 32;

// A string member of a request's input, "" when absent.
inline std::string Text(const Json& input, const char* name) { return input.value(name, ""); }

struct Call {
  std::string region;
};

// An instance as read from the store, with what a compare-and-swap needs.
struct LoadedInstance {
  DbInstance instance;
  int64_t store_version = 0;
};

// What a change to one instance writes besides its record, and records after.
struct InstanceChange {
  std::vector<StoreWrite> writes;
  std::vector<Event> events;
};

struct RdsService::Impl {
  using Operation = Result (Impl::*)(const Call&, const Json&);
  // Edits the instance (a copy of the stored one) and may add writes and
  // events; an error leaves everything unchanged.
  using ChangeFn = std::function<std::optional<api::ApiError>(DbInstance&, InstanceChange&)>;

  Impl(Store& store, const crypto::MasterKey& master, const Clock& clock,
       secrets::SecretsService& secrets, EventLog& events, RdsOptions options);

  // Every operation by its AWS name.
  static std::span<const std::pair<const char*, Operation>> Operations();

  // Runs an operation, turning a JSON type error (input the model would have
  // refused) into InvalidParameterValue rather than an exception.
  Result Run(Operation op, const Call& call, const Json& input);

  // --- Shared pieces (rds_service.cc) ---

  // The instance called identifier (any case). DBInstanceNotFound if absent.
  api::ApiResult<LoadedInstance> LoadInstance(const Call& call,
                                              const std::string& identifier) const;
  // Every instance whose store key starts with prefix (a region's, or all).
  api::ApiResult<std::vector<LoadedInstance>> LoadInstances(const std::string& prefix) const;
  // Read-modify-write of one instance under compare-and-swap, retried on
  // conflict; records the change's events and wakes the listener after the
  // commit. Answers the instance as written.
  api::ApiResult<DbInstance> ChangeInstance(const Call& call, const std::string& identifier,
                                            const ChangeFn& change);
  // The parameter group called name (any case). DBParameterGroupNotFound if absent.
  api::ApiResult<LoadedParameterGroup> LoadGroup(const Call& call, const std::string& name) const;
  // Read-modify-write of one stored parameter group (not the default one),
  // like ChangeInstance.
  using GroupChangeFn =
      std::function<std::optional<api::ApiError>(DbParameterGroup&, std::vector<Event>&)>;
  api::ApiResult<DbParameterGroup> ChangeGroup(const Call& call, const std::string& name,
                                               const GroupChangeFn& change);

  // The DBInstance shape of instance, as RDS answers it.
  Json View(const DbInstance& instance);
  // The MariaDB version instances run (detected once if not configured).
  const std::string& EngineVersion();

  // Records events after a commit; a failure is logged, not returned: the
  // change itself happened.
  void Record(const Call& call, const std::vector<Event>& recorded);
  // Wakes the reconciler.
  void Changed() const;

  // Secrets Manager's answer as an RDS error.
  static api::ApiError FromSecrets(const api::ApiError& e);
  // Creates the managed master password secret of instance (rds!db-<uuid>);
  // sets desired.master_user_secret_arn and _kms_key_id.
  // Also schedules its rotation (every kManagedSecretRotationDays, by the
  // built-in rotator kManagedSecretRotator).
  std::optional<api::ApiError> CreateMasterUserSecret(const Call& call, DbInstance& instance);
  // Rotates instance's managed master password now (ModifyDBInstance
  // RotateMasterUserPassword). InvalidDBInstanceState while a rotation runs.
  std::optional<api::ApiError> RotateMasterUserSecret(const Call& call, const DbInstance& instance);
  // Deletes a managed master password secret at once (no recovery window);
  // failures are logged.
  void DeleteMasterUserSecret(const Call& call, const std::string& secret_arn);
  // The write that stores a new master password, sealed, for the reconciler.
  StoreWrite PasswordWrite(const DbInstance& instance, const std::string& password) const;

  // --- Operations ---
  // instance_operations.cc
  Result CreateDBInstance(const Call& call, const Json& input);
  Result DescribeDBInstances(const Call& call, const Json& input);
  Result ModifyDBInstance(const Call& call, const Json& input);
  Result RebootDBInstance(const Call& call, const Json& input);
  Result DeleteDBInstance(const Call& call, const Json& input);
  // Stop and Start: moves desired.lifecycle, accepted only in required_status.
  Result MoveLifecycle(const Call& call, const Json& input, const char* operation,
                       const char* required_status, const char* lifecycle, const char* next_status);
  Result StopDBInstance(const Call& call, const Json& input);
  Result StartDBInstance(const Call& call, const Json& input);
  // parameter_group_operations.cc
  Result CreateDBParameterGroup(const Call& call, const Json& input);
  Result DescribeDBParameterGroups(const Call& call, const Json& input);
  Result ModifyDBParameterGroup(const Call& call, const Json& input);
  Result ResetDBParameterGroup(const Call& call, const Json& input);
  Result DeleteDBParameterGroup(const Call& call, const Json& input);
  Result DescribeDBParameters(const Call& call, const Json& input);
  // tag_operations.cc
  using TagEdit = std::function<std::optional<api::ApiError>(std::vector<Tag>&)>;
  // Applies edit to the tags of the resource input["ResourceName"] names.
  Result EditTags(const Call& call, const Json& input, const TagEdit& edit);
  Result AddTagsToResource(const Call& call, const Json& input);
  Result RemoveTagsFromResource(const Call& call, const Json& input);
  Result ListTagsForResource(const Call& call, const Json& input);
  // event_operations.cc
  Result DescribeEvents(const Call& call, const Json& input);
  // engine_version_operations.cc
  Result DescribeDBEngineVersions(const Call& call, const Json& input);

  Store& store;
  const crypto::MasterKey& master;
  const Clock& clock;
  secrets::SecretsService& secrets;
  EventLog& events;
  RdsOptions options;
  std::function<void()> listener;
  // Held while a creation picks its endpoint port and writes its record.
  std::mutex create_mu;
  std::once_flag engine_version_once;
};

}  // namespace tandem::rds
