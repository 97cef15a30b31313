#include "rds/storage_keys.h"

#include <nlohmann/json.hpp>

#include "crypto/random.h"

namespace tandem::rds {
namespace {

constexpr size_t kEngineKeyBytes = 32;
constexpr int kMaxAttempts = 8;

std::string KeysPrefix(const std::string& region) { return "kms-keys/" + region + "/"; }

std::string KmsKeyStoreKey(const std::string& region, const std::string& alias) {
  constexpr std::string_view kAliasPrefix = "alias/";
  std::string name = alias.rfind(kAliasPrefix, 0) == 0 ? alias.substr(kAliasPrefix.size()) : alias;
  return KeysPrefix(region) + name;
}

std::string EncodeKey(const KmsKey& key) {
  return nlohmann::json{{"key_id", key.key_id},
                        {"arn", key.arn},
                        {"alias", key.alias},
                        {"create_time_ms", key.create_time_ms}}
      .dump();
}

StatusOr<KmsKey> DecodeKey(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j["key_id"].is_string() || !j["arn"].is_string()) {
    return Status::Corruption("KMS key record does not decode");
  }
  return KmsKey{j["key_id"].get<std::string>(), j["arn"].get<std::string>(), j.value("alias", ""),
                j.value("create_time_ms", int64_t{0})};
}

std::string EngineKeyContext(const std::string& store_key, const std::string& key_arn) {
  return store_key + "\n" + key_arn;
}

// Whether key_arn is one of region's keys.
StatusOr<bool> IsRegionKey(const Store& store, const std::string& region,
                           const std::string& key_arn) {
  StatusOr<std::vector<StoreEntry>> entries = store.List(KeysPrefix(region));
  if (!entries.ok()) return entries.status();
  for (const StoreEntry& entry : *entries) {
    StatusOr<KmsKey> key = DecodeKey(entry.value);
    if (key.ok() && key->arn == key_arn) return true;
  }
  return false;
}

}  // namespace

StatusOr<KmsKey> AwsManagedKey(Store& store, const Clock& clock, const std::string& region,
                               const std::string& account_id, const std::string& alias) {
  const std::string store_key = KmsKeyStoreKey(region, alias);
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    StatusOr<std::optional<StoreEntry>> entry = store.Get(store_key);
    if (!entry.ok()) return entry.status();
    if (entry->has_value()) return DecodeKey((*entry)->value);
    KmsKey key;
    key.key_id = crypto::RandomUuid();
    key.arn = "arn:aws:kms:" + region + ":" + account_id + ":key/" + key.key_id;
    key.alias = alias;
    key.create_time_ms = clock.NowMillis();
    Status status =
        store.Commit({StoreWrite::Put(store_key, EncodeKey(key), StoreWrite::kMustNotExist)});
    if (status.ok()) return key;
    if (status.code() != Status::Code::kConflict) return status;
    // Another caller created it first: read theirs.
  }
  return Status::Unavailable("the KMS key " + alias + " keeps changing; retry");
}

StatusOr<std::string> ResolveKmsKey(Store& store, const Clock& clock, const std::string& region,
                                    const std::string& account_id, const std::string& alias,
                                    const std::string& key_reference) {
  const std::string alias_arn = "arn:aws:kms:" + region + ":" + account_id + ":" + alias;
  if (key_reference == alias || key_reference == alias_arn) {
    StatusOr<KmsKey> key = AwsManagedKey(store, clock, region, account_id, alias);
    if (!key.ok()) return key.status();
    return key->arn;
  }
  // A key id or ARN can only name a key that exists already: nothing is
  // created for a reference that turns out to be wrong.
  StatusOr<std::optional<StoreEntry>> entry = store.Get(KmsKeyStoreKey(region, alias));
  if (!entry.ok()) return entry.status();
  if (entry->has_value()) {
    StatusOr<KmsKey> key = DecodeKey((*entry)->value);
    if (!key.ok()) return key.status();
    if (key_reference == key->arn || key_reference == key->key_id) return key->arn;
  }
  return Status::NotFound("KMS key '" + key_reference + "' is not a key of region " + region);
}

std::string EngineKeyStoreKey(const std::string& region, const std::string& resource_id) {
  return "engine-keys/" + region + "/" + resource_id;
}

StatusOr<std::string> EngineKeyFor(Store& store, const crypto::MasterKey& master,
                                   const std::string& region, const std::string& key_arn,
                                   const std::string& resource_id) {
  StatusOr<bool> known = IsRegionKey(store, region, key_arn);
  if (!known.ok()) return known.status();
  if (!*known) return Status::NotFound("KMS key " + key_arn + " is not a key of region " + region);

  const std::string store_key = EngineKeyStoreKey(region, resource_id);
  const std::string context = EngineKeyContext(store_key, key_arn);
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    StatusOr<std::optional<StoreEntry>> entry = store.Get(store_key);
    if (!entry.ok()) return entry.status();
    if (entry->has_value()) return crypto::Open(master, (*entry)->value, context);
    std::string key = crypto::RandomBytes(kEngineKeyBytes);
    Status status = store.Commit({StoreWrite::Put(store_key, crypto::Seal(master, key, context),
                                                  StoreWrite::kMustNotExist)});
    if (status.ok()) return key;
    if (status.code() != Status::Code::kConflict) return status;
  }
  return Status::Unavailable("the engine key of " + resource_id + " keeps changing; retry");
}

Status DeleteEngineKey(Store& store, const std::string& region, const std::string& resource_id) {
  return store.Commit({StoreWrite::Delete(EngineKeyStoreKey(region, resource_id))});
}

}  // namespace tandem::rds
