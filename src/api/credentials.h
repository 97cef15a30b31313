// The access keys tandemd accepts.
//
// At first start a root access key pair is generated (or taken from
// TANDEM_ACCESS_KEY_ID / TANDEM_SECRET_ACCESS_KEY), its secret key stored only
// as an envelope under the master key in the store (key "access-keys/<id>"),
// and an AWS credentials file written to <data-dir>/credentials (mode 0600)
// for the user's aws CLI and SDKs. The secret key is never logged.
//
// Later components (rotation functions) mint scoped keys through Add().
//
// Thread-safety: Lookup may be called concurrently with Add.
#pragma once

#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "common/status.h"
#include "crypto/envelope.h"
#include "store/store.h"

namespace tandem::api {

struct AccessKey {
  std::string access_key_id;      // "AKIA" + 16 upper-case alphanumerics
  std::string secret_access_key;  // 40 characters
};

class CredentialLookup {
 public:
  virtual ~CredentialLookup() = default;
  // The secret access key for access_key_id, or nullopt if unknown.
  virtual std::optional<std::string> SecretKeyFor(const std::string& access_key_id) const = 0;
};

class AccessKeyRegistry : public CredentialLookup {
 public:
  AccessKeyRegistry(Store& store, const crypto::MasterKey& master)
      : store_(store), master_(master) {}

  // Loads every stored key; ensures a root key exists (from the environment
  // variables above if set, else random) and returns it.
  StatusOr<AccessKey> LoadAndEnsureRoot();
  // Stores and enables a new key pair.
  Status Add(const AccessKey& key);

  std::optional<std::string> SecretKeyFor(const std::string& access_key_id) const override;

 private:
  Store& store_;
  const crypto::MasterKey& master_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::string> secrets_;
};

// Writes an AWS shared credentials file ([default] profile) at path, mode 0600,
// atomically (write to a temporary file, then rename).
Status WriteCredentialsFile(const std::string& path, const AccessKey& key,
                            const std::string& region);

}  // namespace tandem::api
