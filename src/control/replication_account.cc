#include "control/replication_account.h"

#include "crypto/random.h"

namespace tandem::control {
namespace {

constexpr std::string_view kPasswordAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

}  // namespace

std::string ReplicationAccountKey(const rds::DbInstance& instance) {
  return "replication-accounts/" + instance.region + "/" + instance.identifier;
}

StatusOr<std::string> ReplicationPassword(Store& store, const crypto::MasterKey& master,
                                          const rds::DbInstance& instance) {
  const std::string key = ReplicationAccountKey(instance);
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto entry = store.Get(key);
    if (!entry.ok()) return entry.status();
    if (entry->has_value()) return crypto::Open(master, (*entry)->value, key);
    const std::string password = crypto::RandomString(32, kPasswordAlphabet);
    Status stored = store.Commit(
        {StoreWrite::Put(key, crypto::Seal(master, password, key), StoreWrite::kMustNotExist)});
    if (stored.ok()) return password;
    if (stored.code() != Status::Code::kConflict) return stored;
  }
  return Status::Conflict("replication account " + key + " keeps changing");
}

}  // namespace tandem::control
