#include "secrets/secrets_service.h"

#include <span>
#include <utility>

#include "crypto/digest.h"
#include "secrets/secret_id.h"
#include "secrets/secrets_errors.h"
#include "secrets/secrets_service_impl.h"
#include "secrets/staging_labels.h"
#include "secrets/store_keys.h"

namespace tandem::secrets {
namespace {

constexpr size_t kMaxValueBytes = 65536;

}  // namespace

// --- Helpers shared by the handler files ---

Json Identity(const Secret& secret) { return {{"ARN", secret.arn}, {"Name", secret.name}}; }

double Seconds(int64_t millis) { return static_cast<double>(millis) / 1000.0; }

Json LabelsToJson(const std::set<std::string>& labels) {
  Json out = Json::array();
  for (const std::string& label : labels) out.push_back(label);
  return out;
}

api::ApiResult<size_t> PageSize(const Json& input, int fallback, int max) {
  int size = input.value("MaxResults", fallback);
  if (size < 1 || size > max) {
    return errors::InvalidParameter("MaxResults must be between 1 and " + std::to_string(max) +
                                    ".");
  }
  return static_cast<size_t>(size);
}

api::ApiResult<std::optional<SecretValue>> ValueFromInput(const Json& input) {
  auto string = input.find("SecretString");
  auto binary = input.find("SecretBinary");
  if (string != input.end() && binary != input.end()) {
    return errors::InvalidParameter(
        "You can't specify both a binary secret value and a string secret value in the same "
        "secret.");
  }
  if (string == input.end() && binary == input.end()) return std::optional<SecretValue>();
  SecretValue value;
  if (string != input.end()) {
    value.kind = SecretValue::Kind::kString;
    value.bytes = string->get<std::string>();
  } else {
    std::optional<std::string> bytes = crypto::Base64Decode(binary->get<std::string>());
    if (!bytes) return errors::InvalidParameter("SecretBinary must be base64-encoded.");
    value.kind = SecretValue::Kind::kBinary;
    value.bytes = std::move(*bytes);
  }
  if (value.bytes.size() > kMaxValueBytes) {
    // The model limits characters; AWS's quota is bytes. Never echo the value.
    return errors::Validation(std::string("1 validation error detected: Value at '") +
                              (string != input.end() ? "secretString" : "secretBinary") +
                              "' failed to satisfy constraint: Member must have length less than "
                              "or equal to 65536 bytes");
  }
  return std::optional<SecretValue>(std::move(value));
}

std::optional<api::ApiError> CheckSecretIdSyntax(const Json& input) {
  std::string id = input.value("SecretId", "");
  if (id.rfind("arn:", 0) != 0 && !IsValidSecretName(id, /*service_names=*/true)) {
    return InvalidSecretNameError();
  }
  return std::nullopt;
}

// --- Impl ---

SecretsService::Impl::Impl(Store& store, const crypto::MasterKey& master, const Clock& clock,
                           SecretsOptions options)
    : store(store), master(master), clock(clock), options(std::move(options)) {}

std::span<const std::pair<const char*, SecretsService::Impl::Operation>>
SecretsService::Impl::Operations() {
  static const std::pair<const char*, Operation> kOperations[] = {
      {"BatchGetSecretValue", &Impl::BatchGetSecretValue},
      {"CancelRotateSecret", &Impl::CancelRotateSecret},
      {"CreateSecret", &Impl::CreateSecret},
      {"DeleteResourcePolicy", &Impl::DeleteResourcePolicy},
      {"DeleteSecret", &Impl::DeleteSecret},
      {"DescribeSecret", &Impl::DescribeSecret},
      {"GetRandomPassword", &Impl::GetRandomPassword},
      {"GetResourcePolicy", &Impl::GetResourcePolicy},
      {"GetSecretValue", &Impl::GetSecretValue},
      {"ListSecretVersionIds", &Impl::ListSecretVersionIds},
      {"ListSecrets", &Impl::ListSecrets},
      {"PutResourcePolicy", &Impl::PutResourcePolicy},
      {"PutSecretValue", &Impl::PutSecretValue},
      {"RemoveRegionsFromReplication", &Impl::RemoveRegionsFromReplication},
      {"ReplicateSecretToRegions", &Impl::ReplicateSecretToRegions},
      {"RestoreSecret", &Impl::RestoreSecret},
      {"RotateSecret", &Impl::RotateSecret},
      {"StopReplicationToReplica", &Impl::StopReplicationToReplica},
      {"TagResource", &Impl::TagResource},
      {"UntagResource", &Impl::UntagResource},
      {"UpdateSecret", &Impl::UpdateSecret},
      {"UpdateSecretVersionStage", &Impl::UpdateSecretVersionStage},
      {"ValidateResourcePolicy", &Impl::ValidateResourcePolicy},
  };
  return kOperations;
}

Result SecretsService::Impl::Run(Operation op, const Call& call, const Json& input) {
  try {
    return (this->*op)(call, input);
  } catch (const Json::exception& e) {
    // Only reachable with input the model validator would have refused (the
    // internal Invoke path skips it): a member of the wrong JSON type.
    return api::ApiError{"SerializationException",
                         std::string("A request member has the wrong type: ") + e.what(), 400,
                         false};
  }
}

std::string SecretsService::Impl::Arn(const Call& call, const std::string& name) const {
  return SecretArn(call.region, options.account_id, name, NewArnSuffix());
}

api::ApiResult<LoadedSecret> SecretsService::Impl::Decode(StoreEntry entry) const {
  LoadedSecret loaded;
  loaded.secret = cache.Find(entry.key, entry.version);
  if (loaded.secret == nullptr) {
    StatusOr<Secret> secret = DecodeSecret(entry.value);
    if (!secret.ok()) return errors::Internal(secret.status());
    loaded.secret = std::make_shared<const Secret>(std::move(*secret));
    cache.Remember(entry.key, entry.version, loaded.secret);
  }
  loaded.key = std::move(entry.key);
  loaded.store_version = entry.version;
  return loaded;
}

api::ApiResult<LoadedSecret> SecretsService::Impl::Load(const Call& call, const Json& input,
                                                        bool allow_deleted) const {
  api::ApiResult<SecretReference> ref =
      ParseSecretId(input.value("SecretId", ""), call.region, options.account_id);
  if (!ref.ok()) return ref.error();
  std::string key = SecretKey(call.region, ref->name);
  StatusOr<std::optional<StoreEntry>> entry = store.Get(key);
  if (!entry.ok()) return errors::Internal(entry.status());
  if (!entry->has_value()) {
    cache.Forget(key);
    return errors::SecretNotFound();
  }
  api::ApiResult<LoadedSecret> loaded = Decode(std::move(**entry));
  if (!loaded.ok()) return loaded;
  const Secret& secret = *loaded->secret;
  if (!ref->full_arn.empty() && ref->full_arn != secret.arn) return errors::SecretNotFound();
  if (secret.scheduled_for_deletion() && !allow_deleted) return errors::MarkedForDeletion();
  return loaded;
}

Result SecretsService::Impl::ChangeSecret(const Call& call, const Json& input, bool allow_deleted,
                                          const ChangeFn& change) {
  for (int attempt = 0; attempt < kMaxWriteAttempts; ++attempt) {
    api::ApiResult<LoadedSecret> loaded = Load(call, input, allow_deleted);
    if (!loaded.ok()) return loaded.error();
    Secret secret = *loaded->secret;
    api::ApiResult<SecretChange> outcome = change(secret);
    if (!outcome.ok()) return outcome.error();
    if (!outcome->changed) return std::move(outcome->response);
    std::vector<StoreWrite> writes = std::move(outcome->writes);
    if (outcome->remove_secret) {
      StatusOr<std::vector<StoreEntry>> values = store.List(ValuesPrefix(call.region, secret.uid));
      if (!values.ok()) return errors::Internal(values.status());
      writes.clear();
      for (const StoreEntry& v : *values) writes.push_back(StoreWrite::Delete(v.key));
      writes.push_back(StoreWrite::Delete(loaded->key, loaded->store_version));
    } else {
      writes.push_back(StoreWrite::Put(loaded->key, EncodeSecret(secret), loaded->store_version));
    }
    Status status = store.Commit(writes);
    if (status.ok()) return std::move(outcome->response);
    if (status.code() != Status::Code::kConflict) return errors::Internal(status);
  }
  return errors::Internal(
      Status::Unavailable("the secret kept changing under concurrent requests; retry the request"));
}

api::ApiResult<SecretValue> SecretsService::Impl::ReadValue(const Call& call, const Secret& secret,
                                                            const std::string& version_id) const {
  std::string key = ValueKey(call.region, secret.uid, version_id);
  StatusOr<std::optional<StoreEntry>> entry = store.Get(key);
  if (!entry.ok()) return errors::Internal(entry.status());
  // Values and metadata change in one transaction, so a missing record means
  // the version was pruned or the secret deleted since the metadata was read.
  if (!entry->has_value()) return errors::ValueNotFoundForVersion(version_id);
  StatusOr<SecretValue> value = OpenSecretValue(master, (*entry)->value, key);
  if (!value.ok()) return errors::DecryptionFailure();
  return std::move(*value);
}

api::ApiResult<SecretsService::Impl::VersionOutcome> SecretsService::Impl::PutVersion(
    const Call& call, Secret& secret, const std::string& version_id, const SecretValue& value,
    const std::set<std::string>& labels, std::vector<StoreWrite>& writes) const {
  SecretVersion* existing = secret.FindVersion(version_id);
  if (existing != nullptr && existing->has_value) {
    api::ApiResult<SecretValue> stored = ReadValue(call, secret, version_id);
    if (!stored.ok()) return stored.error();
    if (*stored == value) return VersionOutcome::kAlreadyThere;
    return errors::ResourceExists(
        "A version with ClientRequestToken " + version_id +
        " already exists with a different value, and versions can't be modified. Use a new "
        "ClientRequestToken to create a new version.");
  }
  int64_t now = Now();
  VersionOutcome outcome = VersionOutcome::kFilledPlaceholder;
  if (existing == nullptr) {
    SecretVersion v;
    v.id = version_id;
    v.created_ms = now;
    v.kms_key_id = secret.kms_key_id;
    secret.versions.push_back(std::move(v));
    existing = &secret.versions.back();
    outcome = VersionOutcome::kCreated;
  }
  existing->has_value = true;
  if (auto error = AttachLabels(secret.versions, version_id, labels)) return *error;
  std::string key = ValueKey(call.region, secret.uid, version_id);
  writes.push_back(
      StoreWrite::Put(key, SealSecretValue(master, value, key), StoreWrite::kMustNotExist));
  for (const std::string& pruned : PruneDeprecatedVersions(secret.versions)) {
    writes.push_back(StoreWrite::Delete(ValueKey(call.region, secret.uid, pruned)));
  }
  secret.last_changed_ms = now;
  return outcome;
}

Result SecretsService::Impl::GetValue(const Call& call, const LoadedSecret& loaded,
                                      const std::string& version_id, const std::string& stage) {
  const Secret& secret = *loaded.secret;
  const SecretVersion* version = nullptr;
  if (!version_id.empty()) {
    version = secret.FindVersion(version_id);
    if (version == nullptr) return errors::ValueNotFoundForVersion(version_id);
    if (!stage.empty() && version->labels.count(stage) == 0) {
      return errors::InvalidRequest(
          "You provided a VersionStage that is not associated to the provided VersionId.");
    }
    if (!version->has_value) return errors::ValueNotFoundForVersion(version_id);
  } else {
    std::string label = stage.empty() ? std::string(kCurrentLabel) : stage;
    version = secret.VersionWithLabel(label);
    if (version == nullptr || !version->has_value) return errors::ValueNotFoundForLabel(label);
  }
  api::ApiResult<SecretValue> value = ReadValue(call, secret, version->id);
  if (!value.ok()) return value.error();

  Json out = Identity(secret);
  out["VersionId"] = version->id;
  if (value->kind == SecretValue::Kind::kString) {
    out["SecretString"] = std::move(value->bytes);
  } else {
    out["SecretBinary"] = crypto::Base64Encode(value->bytes);
  }
  out["VersionStages"] = LabelsToJson(version->labels);
  out["CreatedDate"] = Seconds(version->created_ms);

  // LastAccessedDate has day granularity, so at most one write per version
  // per day. The read has succeeded either way: a lost race with another
  // writer or a failed write only leaves the date for the next read to set.
  int64_t today = Now() / kMillisPerDay * kMillisPerDay;
  if (secret.last_accessed_ms != today || version->last_accessed_ms != today) {
    Secret touched = secret;
    touched.last_accessed_ms = today;
    touched.FindVersion(version->id)->last_accessed_ms = today;
    (void)store.Commit({StoreWrite::Put(loaded.key, EncodeSecret(touched), loaded.store_version)});
  }
  return out;
}

api::ApiResult<std::vector<LoadedSecret>> SecretsService::Impl::LoadAll(const Call& call) const {
  StatusOr<std::vector<StoreEntry>> entries = store.List(SecretsPrefix(call.region));
  if (!entries.ok()) return errors::Internal(entries.status());
  std::vector<LoadedSecret> all;
  all.reserve(entries->size());
  for (StoreEntry& entry : *entries) {
    api::ApiResult<LoadedSecret> loaded = Decode(std::move(entry));
    if (!loaded.ok()) return loaded.error();
    all.push_back(std::move(*loaded));
  }
  return all;
}

// --- SecretsService ---

SecretsService::SecretsService(Store& store, const crypto::MasterKey& master, const Clock& clock,
                               SecretsOptions options)
    : impl_(std::make_unique<Impl>(store, master, clock, std::move(options))) {}

SecretsService::~SecretsService() = default;

void SecretsService::RegisterOperations(api::JsonProtocolService& service) {
  for (const auto& [name, op] : Impl::Operations()) {
    Impl::Operation method = op;
    service.Register(name, [this, method](const api::RequestContext& ctx, const Json& input) {
      return impl_->Run(method, Call{ctx.caller.region, false}, input);
    });
  }
}

api::ApiResult<api::Json> SecretsService::Invoke(const std::string& region,
                                                 const std::string& operation,
                                                 const api::Json& input) {
  for (const auto& [name, op] : Impl::Operations()) {
    if (operation == name) return impl_->Run(op, Call{region, true}, input);
  }
  return api::ApiError{"UnknownOperationException",
                       "Secrets Manager has no operation " + operation + ".", 400, false};
}

api::ApiResult<api::Json> SecretsService::AddPendingVersion(const std::string& region,
                                                            const std::string& secret_id,
                                                            const std::string& version_id) {
  return impl_->Run(&Impl::AddPendingVersion, Call{region, true},
                    {{"SecretId", secret_id}, {"VersionId", version_id}});
}

void SecretsService::SetRotationStarter(
    std::function<void(const RotationRequest&)> starter,
    std::function<bool(const std::string& region, const std::string& function_arn)>
        function_exists) {
  impl_->rotation_starter = std::move(starter);
  impl_->rotation_function_exists = std::move(function_exists);
}

api::ApiResult<api::Json> SecretsService::CompleteRotation(const std::string& region,
                                                           const std::string& secret_id,
                                                           const std::string& token) {
  return impl_->Run(&Impl::CompleteRotation, Call{region, true},
                    {{"SecretId", secret_id}, {"VersionId", token}});
}

api::ApiResult<api::Json> SecretsService::EndRotationTest(const std::string& region,
                                                          const std::string& secret_id,
                                                          const std::string& token) {
  return impl_->Run(&Impl::EndRotationTest, Call{region, true},
                    {{"SecretId", secret_id}, {"VersionId", token}});
}

StatusOr<std::vector<std::pair<std::string, std::string>>> SecretsService::DueRotations() {
  StatusOr<std::vector<StoreEntry>> entries = impl_->store.List("secrets/");
  if (!entries.ok()) return entries.status();
  const int64_t now = impl_->Now();
  std::vector<std::pair<std::string, std::string>> due;
  for (const StoreEntry& entry : *entries) {
    StatusOr<Secret> secret = DecodeSecret(entry.value);
    if (!secret.ok()) return secret.status();
    const std::optional<RotationSettings>& rotation = secret->rotation;
    if (!rotation || !rotation->enabled || rotation->lambda_arn.empty() ||
        rotation->next_rotation_ms == 0 || rotation->next_rotation_ms > now ||
        secret->scheduled_for_deletion()) {
      continue;
    }
    const SecretVersion* pending = secret->VersionWithLabel(kPendingLabel);
    if (pending != nullptr && pending != secret->VersionWithLabel(kCurrentLabel)) continue;
    // The region is the second path element of "secrets/<region>/<name>".
    std::string region = entry.key.substr(8, entry.key.find('/', 8) - 8);
    due.emplace_back(region, secret->arn);
  }
  return due;
}

StatusOr<int> SecretsService::PurgeExpiredSecrets() {
  StatusOr<std::vector<StoreEntry>> entries = impl_->store.List("secrets/");
  if (!entries.ok()) return entries.status();
  int64_t now = impl_->Now();
  int purged = 0;
  for (const StoreEntry& entry : *entries) {
    StatusOr<Secret> secret = DecodeSecret(entry.value);
    if (!secret.ok()) return secret.status();
    if (!secret->scheduled_for_deletion() || secret->deletion_date_ms > now) continue;
    // The region is the second path element of "secrets/<region>/<name>".
    std::string region = entry.key.substr(8, entry.key.find('/', 8) - 8);
    StatusOr<std::vector<StoreEntry>> values = impl_->store.List(ValuesPrefix(region, secret->uid));
    if (!values.ok()) return values.status();
    std::vector<StoreWrite> writes;
    for (const StoreEntry& v : *values) writes.push_back(StoreWrite::Delete(v.key));
    writes.push_back(StoreWrite::Delete(entry.key, entry.version));
    Status status = impl_->store.Commit(writes);
    // A conflict means the secret changed (restored, or deleted for good)
    // since it was read; the next call sees the new state.
    if (status.ok()) {
      ++purged;
    } else if (status.code() != Status::Code::kConflict) {
      return status;
    }
  }
  return purged;
}

}  // namespace tandem::secrets
