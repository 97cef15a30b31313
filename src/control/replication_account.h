// The replication account of a Multi-AZ instance: the user its standby
// replicates through (REPLICATION SLAVE only, TLS required), with a random
// password sealed under the master key. Applications never get it: it is
// not the master user, it appears in no API response, and its password
// exists in the clear only in tandemd's memory and in the standby's
// master.info (node_config.h lists that as the one place on disk).
//
// Store key: replication-accounts/<region>/<instance identifier>, an
// envelope bound to that key. Deleted with the instance.
//
// Thread-safety: thread-safe (the store and master key are).
#pragma once

#include <string>

#include "common/status.h"
#include "crypto/envelope.h"
#include "rds/db_instance.h"
#include "store/store.h"

namespace tandem::control {

inline constexpr const char* kReplicationUser = "tandem_replication";

std::string ReplicationAccountKey(const rds::DbInstance& instance);

// The instance's replication password, made (and stored) the first time.
StatusOr<std::string> ReplicationPassword(Store& store, const crypto::MasterKey& master,
                                          const rds::DbInstance& instance);

}  // namespace tandem::control
