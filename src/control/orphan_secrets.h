// Clean-up of managed master user secrets that no DB instance refers to.
//
// CreateDBInstance with ManageMasterUserPassword creates the secret first and
// then the instance record, so a tandemd killed between the two leaves a
// secret owned by RDS for an instance that does not exist. A secret is an
// orphan when its OwningService is "rds", it was created more than grace_ms
// ago (so a creation in flight is never taken for one), and the instance
// named by its aws:rds:primaryDBInstanceArn tag does not exist or names
// another secret. Orphans are deleted without a recovery window, as RDS
// deletes an instance's secret.
//
// Thread-safety: as the store and the secrets service (any thread).
#pragma once

#include <cstdint>

#include "common/clock.h"
#include "common/status.h"
#include "secrets/secrets_service.h"
#include "store/store.h"

namespace tandem::control {

// Deletes the orphans in every region that has secrets; returns how many.
StatusOr<int> DeleteOrphanSecrets(const Store& store, secrets::SecretsService& secrets,
                                  const Clock& clock, int64_t grace_ms);

}  // namespace tandem::control
