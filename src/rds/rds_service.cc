#include "rds/rds_service.h"

#include <spdlog/spdlog.h>

#include "crypto/random.h"
#include "rds/endpoint_port.h"
#include "rds/engine_version.h"
#include "rds/instance_rules.h"
#include "rds/instance_view.h"
#include "rds/rds_errors.h"
#include "rds/rds_service_impl.h"
#include "rds/storage_keys.h"
#include "secrets/random_password.h"

namespace tandem::rds {
namespace {

// Characters RDS leaves out of generated master passwords (and refuses in
// given ones).
constexpr char kPasswordExcluded[] = "/\"@ ";
constexpr int64_t kGeneratedPasswordLength = 32;
// rotation/builtin_rotators.h's kRdsMasterUserRotator (rds does not depend on rotation/).
constexpr char kManagedSecretRotator[] = "tandem-rds-master-user";
constexpr int kManagedSecretRotationDays = 7;

}  // namespace

RdsService::Impl::Impl(Store& store, const crypto::MasterKey& master, const Clock& clock,
                       secrets::SecretsService& secrets, EventLog& events, RdsOptions options)
    : store(store),
      master(master),
      clock(clock),
      secrets(secrets),
      events(events),
      options(std::move(options)) {
  if (!this->options.port_probe) this->options.port_probe = CanBindLoopback;
}

std::span<const std::pair<const char*, RdsService::Impl::Operation>>
RdsService::Impl::Operations() {
  static const std::pair<const char*, Operation> kOperations[] = {
      {"CreateDBInstance", &Impl::CreateDBInstance},
      {"DescribeDBInstances", &Impl::DescribeDBInstances},
      {"ModifyDBInstance", &Impl::ModifyDBInstance},
      {"RebootDBInstance", &Impl::RebootDBInstance},
      {"DeleteDBInstance", &Impl::DeleteDBInstance},
      {"StopDBInstance", &Impl::StopDBInstance},
      {"StartDBInstance", &Impl::StartDBInstance},
      {"CreateDBParameterGroup", &Impl::CreateDBParameterGroup},
      {"DescribeDBParameterGroups", &Impl::DescribeDBParameterGroups},
      {"ModifyDBParameterGroup", &Impl::ModifyDBParameterGroup},
      {"ResetDBParameterGroup", &Impl::ResetDBParameterGroup},
      {"DeleteDBParameterGroup", &Impl::DeleteDBParameterGroup},
      {"DescribeDBParameters", &Impl::DescribeDBParameters},
      {"AddTagsToResource", &Impl::AddTagsToResource},
      {"RemoveTagsFromResource", &Impl::RemoveTagsFromResource},
      {"ListTagsForResource", &Impl::ListTagsForResource},
      {"DescribeEvents", &Impl::DescribeEvents},
      {"DescribeDBEngineVersions", &Impl::DescribeDBEngineVersions},
  };
  return kOperations;
}

Result RdsService::Impl::Run(Operation op, const Call& call, const Json& input) {
  try {
    return (this->*op)(call, input);
  } catch (const Json::exception& e) {
    // Only input the model refuses gets here (Invoke skips the model).
    return errors::InvalidParameterValue(std::string("The request does not match the model: ") +
                                         e.what());
  }
}

api::ApiResult<LoadedInstance> RdsService::Impl::LoadInstance(const Call& call,
                                                              const std::string& identifier) const {
  const std::string id = ToLower(identifier);
  StatusOr<std::optional<StoreEntry>> entry = store.Get(DbInstance::StoreKey(call.region, id));
  if (!entry.ok()) return errors::Internal(entry.status());
  if (!entry->has_value()) return errors::DBInstanceNotFound(id);
  StatusOr<DbInstance> instance = DecodeDbInstance((*entry)->value);
  if (!instance.ok()) return errors::Internal(instance.status());
  return LoadedInstance{std::move(instance).value(), (*entry)->version};
}

api::ApiResult<std::vector<LoadedInstance>> RdsService::Impl::LoadInstances(
    const std::string& prefix) const {
  StatusOr<std::vector<StoreEntry>> entries = store.List(prefix);
  if (!entries.ok()) return errors::Internal(entries.status());
  std::vector<LoadedInstance> out;
  for (const StoreEntry& entry : *entries) {
    StatusOr<DbInstance> instance = DecodeDbInstance(entry.value);
    if (!instance.ok()) return errors::Internal(instance.status());
    out.push_back({std::move(instance).value(), entry.version});
  }
  return out;
}

api::ApiResult<DbInstance> RdsService::Impl::ChangeInstance(const Call& call,
                                                            const std::string& identifier,
                                                            const ChangeFn& change) {
  for (int attempt = 0; attempt < kMaxWriteAttempts; ++attempt) {
    api::ApiResult<LoadedInstance> loaded = LoadInstance(call, identifier);
    if (!loaded.ok()) return loaded.error();
    DbInstance instance = loaded->instance;
    InstanceChange extra;
    if (std::optional<api::ApiError> error = change(instance, extra)) return *error;
    std::vector<StoreWrite> writes = std::move(extra.writes);
    writes.push_back(
        StoreWrite::Put(instance.StoreKey(), EncodeDbInstance(instance), loaded->store_version));
    Status status = store.Commit(writes);
    if (status.ok()) {
      Record(call, extra.events);
      Changed();
      return instance;
    }
    if (status.code() != Status::Code::kConflict) return errors::Internal(status);
  }
  return errors::Internal("DB instance " + identifier + " kept changing; retry");
}

api::ApiResult<LoadedParameterGroup> RdsService::Impl::LoadGroup(const Call& call,
                                                                 const std::string& name) const {
  const std::string lower = ToLower(name);
  StatusOr<LoadedParameterGroup> loaded = LoadParameterGroup(store, call.region, lower);
  if (loaded.ok()) return std::move(loaded).value();
  if (loaded.status().code() == Status::Code::kNotFound) {
    return errors::DBParameterGroupNotFound(lower);
  }
  return errors::Internal(loaded.status());
}

api::ApiResult<DbParameterGroup> RdsService::Impl::ChangeGroup(const Call& call,
                                                               const std::string& name,
                                                               const GroupChangeFn& change) {
  for (int attempt = 0; attempt < kMaxWriteAttempts; ++attempt) {
    api::ApiResult<LoadedParameterGroup> loaded = LoadGroup(call, name);
    if (!loaded.ok()) return loaded.error();
    DbParameterGroup group = loaded->group;
    std::vector<Event> recorded;
    if (std::optional<api::ApiError> error = change(group, recorded)) return *error;
    Status status =
        store.Commit({StoreWrite::Put(ParameterGroupStoreKey(call.region, group.name),
                                      EncodeParameterGroup(group), loaded->store_version)});
    if (status.ok()) {
      Record(call, recorded);
      Changed();
      return group;
    }
    if (status.code() != Status::Code::kConflict) return errors::Internal(status);
  }
  return errors::Internal("DB parameter group " + name + " kept changing; retry");
}

Json RdsService::Impl::View(const DbInstance& instance) {
  InstanceViewContext context;
  context.account_id = options.account_id;
  context.endpoint_address = options.endpoint_address;
  context.engine_version = EngineVersion();
  StatusOr<LoadedParameterGroup> group =
      LoadParameterGroup(store, instance.region, instance.desired.parameter_group);
  if (group.ok()) context.parameter_group_revision = group->group.revision;
  return RenderDbInstance(instance, context);
}

const std::string& RdsService::Impl::EngineVersion() {
  std::call_once(engine_version_once, [this] {
    if (options.engine_version.empty()) options.engine_version = DetectEngineVersion();
    if (options.engine_version.empty()) {
      spdlog::warn("cannot tell the MariaDB version (mariadbd --version failed); reporting 10.11");
      options.engine_version = "10.11";
    }
  });
  return options.engine_version;
}

void RdsService::Impl::Record(const Call& call, const std::vector<Event>& recorded) {
  for (const Event& event : recorded) {
    Status status = events.Record(call.region, event);
    if (!status.ok()) {
      spdlog::warn("RDS event '{}' for {} was not recorded: {}", event.message,
                   event.source_identifier, status.ToString());
    }
  }
}

void RdsService::Impl::Changed() const {
  if (listener) listener();
}

api::ApiError RdsService::Impl::FromSecrets(const api::ApiError& e) {
  return errors::Internal("Secrets Manager answered " + e.code + ": " + e.message);
}

std::optional<api::ApiError> RdsService::Impl::CreateMasterUserSecret(const Call& call,
                                                                      DbInstance& instance) {
  StatusOr<KmsKey> key =
      AwsManagedKey(store, clock, call.region, options.account_id, kSecretsManagerKeyAlias);
  if (!key.ok()) return errors::Internal(key.status());
  secrets::PasswordRules rules;
  rules.length = kGeneratedPasswordLength;
  rules.exclude_characters = kPasswordExcluded;
  api::ApiResult<std::string> password = secrets::GenerateRandomPassword(rules);
  if (!password.ok()) return FromSecrets(password.error());

  const std::string arn = instance.Arn(options.account_id);
  Json value = {{"username", instance.desired.master_username}, {"password", *password}};
  Json input = {
      {"Name", "rds!db-" + crypto::RandomUuid()},
      {"Description", "Secret associated with primary RDS DB instance: " + arn},
      {"SecretString", value.dump()},
      {"ClientRequestToken", crypto::RandomUuid()},
      {"OwningService", "rds"},
      {"Tags", Json::array({{{"Key", "aws:rds:primaryDBInstanceArn"}, {"Value", arn}}})},
  };
  api::ApiResult<Json> created = secrets.Invoke(call.region, "CreateSecret", input);
  if (!created.ok()) return FromSecrets(created.error());
  instance.desired.master_user_secret_arn = created->value("ARN", "");
  instance.desired.master_user_secret_kms_key_id = key->arn;
  // RDS rotates a managed master password every 7 days; Tandem's rotation
  // engine does it with its built-in rotator for these secrets.
  api::ApiResult<Json> scheduled = secrets.Invoke(
      call.region, "RotateSecret",
      {{"SecretId", instance.desired.master_user_secret_arn},
       {"ClientRequestToken", crypto::RandomUuid()},
       {"RotationLambdaARN", "arn:aws:lambda:" + call.region + ":" + options.account_id +
                                 ":function:" + kManagedSecretRotator},
       {"RotationRules", {{"AutomaticallyAfterDays", kManagedSecretRotationDays}}},
       {"RotateImmediately", false},
       {"SkipRotationTest", true}});
  if (!scheduled.ok()) {
    spdlog::warn("the managed master password secret {} has no rotation schedule: {}: {}",
                 instance.desired.master_user_secret_arn, scheduled.error().code,
                 scheduled.error().message);
  }
  return std::nullopt;
}

std::optional<api::ApiError> RdsService::Impl::RotateMasterUserSecret(const Call& call,
                                                                      const DbInstance& instance) {
  api::ApiResult<Json> started = secrets.Invoke(
      call.region, "RotateSecret",
      {{"SecretId", instance.desired.master_user_secret_arn},
       {"ClientRequestToken", crypto::RandomUuid()},
       {"RotationLambdaARN", "arn:aws:lambda:" + call.region + ":" + options.account_id +
                                 ":function:" + kManagedSecretRotator}});
  if (started.ok()) return std::nullopt;
  if (started.error().code == "InvalidRequestException") {
    return errors::InvalidDBInstanceState("The master user password of DB instance " +
                                          instance.identifier +
                                          " cannot be rotated now: " + started.error().message);
  }
  return FromSecrets(started.error());
}

void RdsService::Impl::DeleteMasterUserSecret(const Call& call, const std::string& secret_arn) {
  if (secret_arn.empty()) return;
  api::ApiResult<Json> deleted =
      secrets.Invoke(call.region, "DeleteSecret",
                     {{"SecretId", secret_arn}, {"ForceDeleteWithoutRecovery", true}});
  if (!deleted.ok() && deleted.error().code != "ResourceNotFoundException") {
    spdlog::warn("the managed master password secret {} was not deleted: {}: {}", secret_arn,
                 deleted.error().code, deleted.error().message);
  }
}

StoreWrite RdsService::Impl::PasswordWrite(const DbInstance& instance,
                                           const std::string& password) const {
  const std::string key = DbInstance::PasswordStoreKey(instance.region, instance.identifier);
  return StoreWrite::Put(key, crypto::Seal(master, password, key));
}

RdsService::RdsService(Store& store, const crypto::MasterKey& master, const Clock& clock,
                       secrets::SecretsService& secrets, EventLog& events, RdsOptions options)
    : impl_(std::make_unique<Impl>(store, master, clock, secrets, events, std::move(options))) {}

RdsService::~RdsService() = default;

void RdsService::RegisterOperations(api::QueryProtocolService& service) {
  for (const auto& [name, op] : Impl::Operations()) {
    Impl::Operation operation = op;
    service.Register(name, [this, operation](const api::RequestContext& ctx, const Json& input) {
      return impl_->Run(operation, Call{ctx.caller.region}, input);
    });
  }
}

void RdsService::SetChangeListener(std::function<void()> listener) {
  impl_->listener = std::move(listener);
}

namespace {

// The store entry of the instance in region whose managed secret is secret_arn.
StatusOr<StoreEntry> InstanceWithSecret(const Store& store, const std::string& region,
                                        const std::string& secret_arn) {
  auto entries = store.List("db-instances/" + region + "/");
  if (!entries.ok()) return entries.status();
  for (StoreEntry& entry : *entries) {
    auto instance = DecodeDbInstance(entry.value);
    if (instance.ok() && instance->desired.manage_master_user_password &&
        instance->desired.master_user_secret_arn == secret_arn) {
      return std::move(entry);
    }
  }
  return Status::NotFound("no DB instance in " + region + " has the master user secret " +
                          secret_arn);
}

}  // namespace

StatusOr<uint16_t> RdsService::ManagedSecretEndpointPort(const std::string& region,
                                                         const std::string& secret_arn) const {
  auto entry = InstanceWithSecret(impl_->store, region, secret_arn);
  if (!entry.ok()) return entry.status();
  auto instance = DecodeDbInstance(entry->value);
  if (!instance.ok()) return instance.status();
  if (instance->endpoint_port == 0) {
    return Status::NotFound("DB instance " + instance->identifier + " has no endpoint yet");
  }
  return instance->endpoint_port;
}

Status RdsService::SetManagedSecretStatus(const std::string& region, const std::string& secret_arn,
                                          const std::string& status) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto entry = InstanceWithSecret(impl_->store, region, secret_arn);
    if (!entry.ok()) return entry.status();
    auto instance = DecodeDbInstance(entry->value);
    if (!instance.ok()) return instance.status();
    if (instance->observed.master_user_secret_status == status) return Status::Ok();
    instance->observed.master_user_secret_status = status;
    Status written = impl_->store.Commit(
        {StoreWrite::Put(entry->key, EncodeDbInstance(*instance), entry->version)});
    if (written.code() != Status::Code::kConflict) return written;
  }
  return Status::Conflict("DB instance record keeps changing");
}

api::ApiResult<api::Json> RdsService::Invoke(const std::string& region,
                                             const std::string& operation, const api::Json& input) {
  for (const auto& [name, op] : Impl::Operations()) {
    if (operation == name) return impl_->Run(op, Call{region}, input);
  }
  return api::ApiError{"InvalidAction",
                       "The action " + operation + " is not valid for this web service.", 400,
                       false};
}

}  // namespace tandem::rds
