// Store: Tandem's control-plane state, a versioned key-value map of JSON
// documents with multi-key compare-and-swap transactions (DESIGN.md "State").
//
// Keys are '/'-separated paths ("secrets/us-west-2/mydb"). Every key carries a
// version, a positive integer that changes on each write; a transaction lists
// puts and deletes, each optionally guarded by the version the caller read
// (kMustNotExist for "create only"). A transaction is all-or-nothing: if any
// guard fails nothing is written and Commit returns kConflict.
//
// Durability: when Commit returns OK the transaction is on stable storage and
// survives SIGKILL of the process or loss of power (for SqliteStore:
// WAL + synchronous=FULL). Reads see every committed transaction.
//
// Thread-safety: all methods may be called concurrently from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace tandem {

struct StoreEntry {
  std::string key;
  std::string value;
  int64_t version = 0;
};

// One write of a transaction.
struct StoreWrite {
  // Guard value meaning "the key must not exist".
  static constexpr int64_t kMustNotExist = 0;
  // Guard value meaning "no guard".
  static constexpr int64_t kAnyVersion = -1;

  enum class Kind { kPut, kDelete };
  Kind kind = Kind::kPut;
  std::string key;
  std::string value;                       // ignored for kDelete
  int64_t expected_version = kAnyVersion;  // kMustNotExist, kAnyVersion, or a version read before

  static StoreWrite Put(std::string key, std::string value,
                        int64_t expected_version = kAnyVersion) {
    return {Kind::kPut, std::move(key), std::move(value), expected_version};
  }
  static StoreWrite Delete(std::string key, int64_t expected_version = kAnyVersion) {
    return {Kind::kDelete, std::move(key), {}, expected_version};
  }
};

class Store {
 public:
  virtual ~Store() = default;

  // The entry at key, or std::nullopt if absent. Errors only on I/O failure.
  virtual StatusOr<std::optional<StoreEntry>> Get(std::string_view key) const = 0;

  // Every entry whose key starts with prefix, in key order.
  virtual StatusOr<std::vector<StoreEntry>> List(std::string_view prefix) const = 0;

  // Applies writes atomically. kConflict if a guard does not hold (nothing
  // written); kInvalidArgument for an empty key or the same key twice;
  // kIOError if the write could not be made durable (nothing visible).
  // A kDelete of an absent key without a guard is not an error.
  virtual Status Commit(const std::vector<StoreWrite>& writes) = 0;
};

// Opens (creating if needed) the SQLite store at path. All entries are also
// held in memory, so reads never touch the disk; writes go to SQLite first and
// become visible to readers only once durable.
StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

// A store held only in memory, for unit tests of code above the store.
std::unique_ptr<Store> NewMemoryStore();

}  // namespace tandem
