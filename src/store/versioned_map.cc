#include "store/versioned_map.h"

#include <algorithm>
#include <unordered_set>

namespace tandem::store_internal {

std::optional<StoreEntry> VersionedMap::Get(std::string_view key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

std::vector<StoreEntry> VersionedMap::List(std::string_view prefix) const {
  std::vector<StoreEntry> out;
  for (auto it = entries_.lower_bound(prefix);
       it != entries_.end() && std::string_view(it->first).substr(0, prefix.size()) == prefix;
       ++it) {
    out.push_back(it->second);
  }
  return out;
}

Status VersionedMap::Check(const std::vector<StoreWrite>& writes) const {
  // Argument errors first, for every write: they are bugs in the caller and
  // must not be hidden behind a conflict that a retry loop would swallow.
  std::unordered_set<std::string_view> seen;
  for (const StoreWrite& w : writes) {
    if (w.key.empty()) return Status::InvalidArgument("a store key must not be empty");
    if (!seen.insert(w.key).second) {
      return Status::InvalidArgument("key '" + w.key +
                                     "' is written twice in one transaction; merge the writes");
    }
    if (w.expected_version < StoreWrite::kAnyVersion) {
      return Status::InvalidArgument("key '" + w.key + "' has invalid expected version " +
                                     std::to_string(w.expected_version));
    }
  }
  for (const StoreWrite& w : writes) {
    if (w.expected_version == StoreWrite::kAnyVersion) continue;
    auto it = entries_.find(w.key);
    if (w.expected_version == StoreWrite::kMustNotExist) {
      if (it != entries_.end()) {
        return Status::Conflict("key '" + w.key + "' already exists (version " +
                                std::to_string(it->second.version) + ")");
      }
    } else if (it == entries_.end()) {
      return Status::Conflict("key '" + w.key + "' does not exist; expected version " +
                              std::to_string(w.expected_version));
    } else if (it->second.version != w.expected_version) {
      return Status::Conflict("key '" + w.key + "' is at version " +
                              std::to_string(it->second.version) + ", expected " +
                              std::to_string(w.expected_version));
    }
  }
  return Status::Ok();
}

void VersionedMap::Apply(const std::vector<StoreWrite>& writes) {
  const int64_t version = next_version();
  for (const StoreWrite& w : writes) {
    if (w.kind == StoreWrite::Kind::kDelete) {
      entries_.erase(w.key);
    } else {
      entries_.insert_or_assign(w.key, StoreEntry{w.key, w.value, version});
    }
  }
  last_version_ = version;
}

void VersionedMap::Load(StoreEntry entry) {
  RaiseLastVersion(entry.version);
  std::string key = entry.key;
  entries_.insert_or_assign(std::move(key), std::move(entry));
}

void VersionedMap::RaiseLastVersion(int64_t last_version) {
  last_version_ = std::max(last_version_, last_version);
}

}  // namespace tandem::store_internal
