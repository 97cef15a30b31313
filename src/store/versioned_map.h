// VersionedMap: the in-memory state behind every Store implementation, and
// the one place where a transaction's rules (valid keys, guards, versions) are
// decided. Internal to store/.
//
// Versions come from one counter for the whole map, advanced once per
// committed transaction, so a key that is deleted and created again never
// gets a version it had before and a stale compare-and-swap cannot succeed.
//
// Thread-safety: none; the owning store locks around every call.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/store.h"

namespace tandem::store_internal {

class VersionedMap {
 public:
  std::optional<StoreEntry> Get(std::string_view key) const;
  std::vector<StoreEntry> List(std::string_view prefix) const;

  // OK if writes may be applied now. kInvalidArgument for an empty key, a key
  // written twice or a malformed guard; kConflict, naming the key, for a
  // guard that does not hold. Changes nothing.
  Status Check(const std::vector<StoreWrite>& writes) const;

  // The version the next transaction's writes will carry.
  int64_t next_version() const { return last_version_ + 1; }

  // Applies writes that passed Check, each put stamped with next_version().
  void Apply(const std::vector<StoreWrite>& writes);

  // For rebuilding the map from storage at open: inserts an entry and makes
  // sure the counter is at least last_version (and at least entry.version).
  void Load(StoreEntry entry);
  void RaiseLastVersion(int64_t last_version);
  int64_t last_version() const { return last_version_; }

 private:
  // std::less<> allows lookups by string_view without copying the key.
  std::map<std::string, StoreEntry, std::less<>> entries_;
  int64_t last_version_ = 0;
};

}  // namespace tandem::store_internal
