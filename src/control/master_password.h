// Where the reconciler finds the master user's password to set:
// - a managed password (ManageMasterUserPassword): the "password" field of the
//   AWSCURRENT value of the instance's secret (rds!db-<uuid>), read through
//   Secrets Manager like any caller in the instance's region would;
// - otherwise the password the API sealed under the master key at
//   DbInstance::PasswordStoreKey (bound to that key), present only until the
//   reconciler has applied it and deleted it.
//
// Passwords never appear in messages or logs.
//
// Thread-safety: as the store and the secrets service (any thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "crypto/envelope.h"
#include "rds/db_instance.h"
#include "secrets/secrets_service.h"
#include "store/store.h"

namespace tandem::control {

struct SealedPassword {
  std::string password;
  int64_t version = 0;  // store version of the sealed copy (guards its deletion)
};

// The managed secret's password. kNotFound if the secret or its value is gone;
// kCorruption if the value is not the JSON RDS writes.
StatusOr<std::string> ManagedMasterPassword(secrets::SecretsService& secrets,
                                            const rds::DbInstance& instance);

// The sealed password waiting for instance, or nullopt if none waits.
// kCorruption if it does not open under master.
StatusOr<std::optional<SealedPassword>> WaitingMasterPassword(const Store& store,
                                                              const crypto::MasterKey& master,
                                                              const rds::DbInstance& instance);

}  // namespace tandem::control
