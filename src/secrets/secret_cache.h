// SecretCache: decoded secrets by store key and store version, so that reads
// of an unchanged secret skip decoding its JSON (GetSecretValue is the hot
// path; the store already serves the document from memory). A changed secret
// has a new version and simply misses.
//
// Holds one decoded copy per secret read; entries of deleted secrets are
// dropped when a read finds them gone. Thread-safe.
#pragma once

#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "secrets/secret.h"

namespace tandem::secrets {

class SecretCache {
 public:
  // The secret decoded from key at store version, or nullptr.
  std::shared_ptr<const Secret> Find(const std::string& key, int64_t version) const;
  void Remember(const std::string& key, int64_t version, std::shared_ptr<const Secret> secret);
  void Forget(const std::string& key);

 private:
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::pair<int64_t, std::shared_ptr<const Secret>>> entries_;
};

}  // namespace tandem::secrets
