// The access keys tandemd accepts.
//
// At first start a root access key pair is generated (or taken from
// TANDEM_ACCESS_KEY_ID / TANDEM_SECRET_ACCESS_KEY), its secret key stored only
// as an envelope under the master key in the store (key "access-keys/<id>"),
// and an AWS credentials file written to <data-dir>/credentials (mode 0600)
// for the user's aws CLI and SDKs. The secret key is never logged.
//
// Rotation functions get an ephemeral key scoped to the services they need
// (AddEphemeral): it lives only in this process's memory, so it dies with
// tandemd, and the router refuses it for any other service.
//
// Thread-safety: Lookup may be called concurrently with Add.
#pragma once

#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

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
  // Whether the key may call service (a SigV4 signing name). Keys are
  // unrestricted unless an implementation scopes them.
  virtual bool Allows(const std::string& /*access_key_id*/, const std::string& /*service*/) const {
    return true;
  }
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
  // A new random key pair, enabled in memory only (never stored), allowed
  // only the given services (SigV4 signing names).
  AccessKey AddEphemeral(std::vector<std::string> services);

  std::optional<std::string> SecretKeyFor(const std::string& access_key_id) const override;
  bool Allows(const std::string& access_key_id, const std::string& service) const override;

 private:
  Store& store_;
  const crypto::MasterKey& master_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::string> secrets_;
  // Keys limited to some services; keys absent here are unrestricted.
  std::unordered_map<std::string, std::vector<std::string>> scopes_;
};

// Writes an AWS shared credentials file ([default] profile) at path, mode 0600,
// atomically (write to a temporary file, then rename).
Status WriteCredentialsFile(const std::string& path, const AccessKey& key,
                            const std::string& region);

}  // namespace tandem::api
