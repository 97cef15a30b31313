// Tandem's encryption keys in KMS's terms, and the per-instance engine keys
// derived from them.
//
// AWS-managed keys: each region has one key per alias Tandem uses
// ("alias/aws/rds" for storage encryption, "alias/aws/secretsmanager" shown
// as a managed master password's key), created on first use and reported as
// arn:aws:kms:<region>:<account>:key/<uuid>. They are names only: the key
// material protecting data is the master key's envelopes (crypto/envelope.h).
//   kms-keys/<region>/<alias without "alias/">   {"key_id", "arn", "alias", "create_time_ms"}
//
// Engine keys: the 32-byte data-at-rest key of one DB instance's MariaDB
// nodes (key id 1 of file_key_management), random, created on first use and
// stored only as an envelope bound to its store key and the instance's KMS
// key ARN.
//   engine-keys/<region>/<DbiResourceId>
//
// Thread-safety: all functions may be called concurrently; a key created by
// two callers at once is created once (compare-and-swap), both get it.
#pragma once

#include <cstdint>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "crypto/envelope.h"
#include "store/store.h"

namespace tandem::rds {

inline constexpr const char* kRdsKeyAlias = "alias/aws/rds";
inline constexpr const char* kSecretsManagerKeyAlias = "alias/aws/secretsmanager";

struct KmsKey {
  std::string key_id;  // a UUID
  std::string arn;     // arn:aws:kms:<region>:<account>:key/<key_id>
  std::string alias;   // "alias/aws/rds"
  int64_t create_time_ms = 0;
};

// The AWS-managed key of alias in region, created if it does not exist yet.
StatusOr<KmsKey> AwsManagedKey(Store& store, const Clock& clock, const std::string& region,
                               const std::string& account_id, const std::string& alias);

// The ARN of the key of alias that key_reference names, as a KmsKeyId
// parameter may: the key's ARN, its key id, the alias ("alias/aws/rds") or
// the alias's ARN (arn:aws:kms:<region>:<account>:alias/aws/rds). Naming the
// alias creates the key on first use; nothing else creates it. kNotFound for
// anything else (the API answers KMSKeyNotAccessibleFault).
StatusOr<std::string> ResolveKmsKey(Store& store, const Clock& clock, const std::string& region,
                                    const std::string& account_id, const std::string& alias,
                                    const std::string& key_reference);

std::string EngineKeyStoreKey(const std::string& region, const std::string& resource_id);

// The engine key of the instance with DbiResourceId resource_id, encrypted
// under key_arn (the instance's desired.kms_key_id): created on first call,
// the same 32 bytes on every later one. kNotFound if key_arn is not a key of
// region; kCorruption if the stored key does not open (another master key,
// or the instance's key ARN changed).
StatusOr<std::string> EngineKeyFor(Store& store, const crypto::MasterKey& master,
                                   const std::string& region, const std::string& key_arn,
                                   const std::string& resource_id);

// Deletes the engine key of an instance for good (its data becomes
// unreadable); for the reconciler, once the instance's nodes are gone. OK if
// there is none.
Status DeleteEngineKey(Store& store, const std::string& region, const std::string& resource_id);

}  // namespace tandem::rds
