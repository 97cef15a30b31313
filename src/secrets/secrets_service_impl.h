// SecretsService::Impl: the operation handlers and the pieces they share.
// Internal to the secrets component; the contract is secrets_service.h.
//
// Handlers are spread over files by subject: secret_operations.cc (the
// secret's life and metadata), value_operations.cc (versions, values and
// labels), policy_operations.cc, rotation_operations.cc; the shared pieces
// are in secrets_service.cc.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "api/json_protocol.h"
#include "common/clock.h"
#include "crypto/envelope.h"
#include "secrets/secret.h"
#include "secrets/secret_cache.h"
#include "secrets/secret_value.h"
#include "secrets/secrets_service.h"
#include "store/store.h"

namespace tandem::secrets {

using Json = api::Json;
using Result = api::ApiResult<Json>;

// Concurrent writers to one secret retry this many times before giving up
// with InternalServiceError; each retry means another writer succeeded.
inline constexpr int kMaxWriteAttempts = 32;

// Who is calling: the region whose secrets the call sees, and whether the
// caller is one of Tandem's own components (see SecretsService::Invoke).
struct Call {
  std::string region;
  bool internal = false;
};

// A secret as read from the store, with what a compare-and-swap needs. The
// decoded secret is shared with the cache: copy it to change it.
struct LoadedSecret {
  std::shared_ptr<const Secret> secret;
  std::string key;
  int64_t store_version = 0;
};

// What a change to one secret wants done, and the answer to give.
struct SecretChange {
  Json response = Json::object();
  bool changed = true;             // false: answer without writing (e.g. a retried request)
  bool remove_secret = false;      // delete the secret and all its values (writes unused)
  std::vector<StoreWrite> writes;  // besides the secret's metadata
};

struct SecretsService::Impl {
  using Operation = Result (Impl::*)(const Call&, const Json&);
  using ChangeFn = std::function<api::ApiResult<SecretChange>(Secret&)>;

  Impl(Store& store, const crypto::MasterKey& master, const Clock& clock, SecretsOptions options);

  // Every operation by its AWS name.
  static std::span<const std::pair<const char*, Operation>> Operations();

  // Runs an operation, turning a JSON type error (input the model would have
  // refused) into SerializationException rather than an exception.
  Result Run(Operation op, const Call& call, const Json& input);

  // --- Shared pieces (secrets_service.cc) ---

  // Resolves input["SecretId"] and reads the secret. ResourceNotFoundException
  // if absent; InvalidRequestException if scheduled for deletion unless
  // allow_deleted.
  api::ApiResult<LoadedSecret> Load(const Call& call, const Json& input, bool allow_deleted) const;

  // Read-modify-write of one secret under compare-and-swap, retried on
  // conflict: change edits the secret (and may add writes); nothing is written
  // if it fails.
  Result ChangeSecret(const Call& call, const Json& input, bool allow_deleted,
                      const ChangeFn& change);

  enum class VersionOutcome { kCreated, kFilledPlaceholder, kAlreadyThere };
  // Puts value as version version_id carrying labels (a new version, or the
  // value of a placeholder), moving labels and pruning deprecated versions;
  // adds the value record to writes. kAlreadyThere, with nothing changed, when
  // the version exists with this same value (a retried request);
  // ResourceExistsException when it exists with another value.
  api::ApiResult<VersionOutcome> PutVersion(const Call& call, Secret& secret,
                                            const std::string& version_id, const SecretValue& value,
                                            const std::set<std::string>& labels,
                                            std::vector<StoreWrite>& writes) const;

  // The value of one version, opened. ResourceNotFoundException if its record
  // is gone (pruned or deleted meanwhile), DecryptionFailure if it does not
  // open.
  api::ApiResult<SecretValue> ReadValue(const Call& call, const Secret& secret,
                                        const std::string& version_id) const;

  // GetSecretValue's semantics on a loaded secret: the version named by
  // version_id and/or stage (AWSCURRENT when neither), its value, and the
  // once-a-day LastAccessedDate update.
  Result GetValue(const Call& call, const LoadedSecret& loaded, const std::string& version_id,
                  const std::string& stage);

  // Every secret of the region, in key order.
  api::ApiResult<std::vector<LoadedSecret>> LoadAll(const Call& call) const;

  // Decodes a store entry of a secret, through the cache.
  api::ApiResult<LoadedSecret> Decode(StoreEntry entry) const;

  std::string Arn(const Call& call, const std::string& name) const;
  int64_t Now() const { return clock.NowMillis(); }

  // --- Operations ---
  // secret_operations.cc
  Result CreateSecret(const Call& call, const Json& input);
  Result DescribeSecret(const Call& call, const Json& input);
  Result ListSecrets(const Call& call, const Json& input);
  Result UpdateSecret(const Call& call, const Json& input);
  Result DeleteSecret(const Call& call, const Json& input);
  Result RestoreSecret(const Call& call, const Json& input);
  Result TagResource(const Call& call, const Json& input);
  Result UntagResource(const Call& call, const Json& input);
  Result ReplicateSecretToRegions(const Call& call, const Json& input);
  Result RemoveRegionsFromReplication(const Call& call, const Json& input);
  Result StopReplicationToReplica(const Call& call, const Json& input);
  Result GetRandomPassword(const Call& call, const Json& input);
  // value_operations.cc
  Result GetSecretValue(const Call& call, const Json& input);
  Result BatchGetSecretValue(const Call& call, const Json& input);
  Result PutSecretValue(const Call& call, const Json& input);
  Result UpdateSecretVersionStage(const Call& call, const Json& input);
  Result ListSecretVersionIds(const Call& call, const Json& input);
  Result AddPendingVersion(const Call& call, const Json& input);
  // policy_operations.cc
  Result GetResourcePolicy(const Call& call, const Json& input);
  Result PutResourcePolicy(const Call& call, const Json& input);
  Result DeleteResourcePolicy(const Call& call, const Json& input);
  Result ValidateResourcePolicy(const Call& call, const Json& input);
  // rotation_operations.cc
  Result RotateSecret(const Call& call, const Json& input);
  Result CancelRotateSecret(const Call& call, const Json& input);

  Result CompleteRotation(const Call& call, const Json& input);
  Result EndRotationTest(const Call& call, const Json& input);

  // RotateImmediately=false's test: version token, a copy of the AWSCURRENT
  // value, with AWSPENDING; its value record goes to writes.
  // InvalidRequestException when there is no current value to copy.
  std::optional<api::ApiError> StageTestCopy(const Call& call, Secret& secret,
                                             const std::string& token,
                                             std::vector<StoreWrite>& writes) const;

  // Adds to secret a version version_id with AWSPENDING and no value (or
  // moves AWSPENDING to that placeholder), pruning what the move deprecates.
  // ResourceExistsException if version_id names a version with a value.
  std::optional<api::ApiError> AddPlaceholder(const Call& call, Secret& secret,
                                              const std::string& version_id,
                                              SecretChange& change) const;

  Store& store;
  const crypto::MasterKey& master;
  const Clock& clock;
  SecretsOptions options;
  mutable SecretCache cache;
  std::function<void(const RotationRequest&)> rotation_starter;  // set before serving
  std::function<bool(const std::string&, const std::string&)> rotation_function_exists;
};

// --- Small helpers shared by the handler files ---

// {"ARN": ..., "Name": ...}, the start of most answers.
Json Identity(const Secret& secret);
// Epoch seconds as AWS's JSON timestamps carry them.
double Seconds(int64_t millis);
// The SecretString or SecretBinary of input; nullopt when neither is given.
// InvalidParameterException when both are, or SecretBinary is not base64;
// ValidationException when the value exceeds 65536 bytes.
api::ApiResult<std::optional<SecretValue>> ValueFromInput(const Json& input);
// MaxResults of input, or fallback when absent. InvalidParameterException
// outside 1..max (input the model would have refused, from internal callers).
api::ApiResult<size_t> PageSize(const Json& input, int fallback, int max);
// The labels as a JSON list (sorted).
Json LabelsToJson(const std::set<std::string>& labels);
// ValidationException for an invalid name given as a SecretId: checked before
// anything else, as AWS does.
std::optional<api::ApiError> CheckSecretIdSyntax(const Json& input);

}  // namespace tandem::secrets
