#include "secrets/secret_cache.h"

#include <mutex>

namespace tandem::secrets {

std::shared_ptr<const Secret> SecretCache::Find(const std::string& key, int64_t version) const {
  std::shared_lock lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.first != version) return nullptr;
  return it->second.second;
}

void SecretCache::Remember(const std::string& key, int64_t version,
                           std::shared_ptr<const Secret> secret) {
  std::unique_lock lock(mu_);
  // Two readers racing with a writer may remember an older version last; the
  // next read of the newer version then misses and decodes again. Harmless.
  entries_[key] = {version, std::move(secret)};
}

void SecretCache::Forget(const std::string& key) {
  std::unique_lock lock(mu_);
  entries_.erase(key);
}

}  // namespace tandem::secrets
