// SqliteStore: the map lives in memory for reads; SQLite makes it durable.
//
// On disk, one table:
//   entries(key TEXT PRIMARY KEY, value BLOB NOT NULL, version INTEGER NOT NULL)
// plus one bookkeeping row under the empty key (never a valid store key) whose
// version is the last version handed out. The highest version among live rows
// would not do: after the newest key is deleted it would go back, and a
// recreated key could get a version a client saw before the delete.
//
// Commit order: check guards against memory, write one SQLite transaction
// (WAL, synchronous=FULL: durable when COMMIT returns), then apply to memory.
// Commits are serialized by write_mu_; readers take read_mu_ shared and wait
// only for the in-memory apply, never for the disk.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <memory>
#include <mutex>
#include <shared_mutex>

#include "store/store.h"
#include "store/versioned_map.h"

namespace tandem {
namespace {

constexpr int kBusyTimeoutMillis = 5000;
constexpr char kCounterKey[] = "";

struct StatementDeleter {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

struct DatabaseDeleter {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Database = std::unique_ptr<sqlite3, DatabaseDeleter>;

// SQLite syncs the directory for the journal files it creates but not for a
// newly created database file itself.
void SyncParentDirectory(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

class SqliteStore : public Store {
 public:
  static StatusOr<std::unique_ptr<Store>> Open(const std::string& path);

  StatusOr<std::optional<StoreEntry>> Get(std::string_view key) const override {
    std::shared_lock lock(read_mu_);
    return map_.Get(key);
  }

  StatusOr<std::vector<StoreEntry>> List(std::string_view prefix) const override {
    std::shared_lock lock(read_mu_);
    return map_.List(prefix);
  }

  Status Commit(const std::vector<StoreWrite>& writes) override {
    std::lock_guard writer(write_mu_);
    // map_ changes only under write_mu_, so it can be read here unlocked.
    TANDEM_RETURN_IF_ERROR(map_.Check(writes));
    if (writes.empty()) return Status::Ok();
    TANDEM_RETURN_IF_ERROR(WriteDurably(writes, map_.next_version()));
    std::unique_lock lock(read_mu_);
    map_.Apply(writes);
    return Status::Ok();
  }

 private:
  explicit SqliteStore(std::string path) : path_(std::move(path)) {}

  Status Error(const std::string& what) const {
    return Status::IOError("store " + path_ + ": " + what + ": " + sqlite3_errmsg(db_.get()));
  }

  Status Exec(const char* sql) {
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return Error(std::string("cannot run ") + sql);
    }
    return Status::Ok();
  }

  Status Prepare(const char* sql, Statement* out) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) !=
        SQLITE_OK) {
      return Error(std::string("cannot prepare ") + sql);
    }
    out->reset(stmt);
    return Status::Ok();
  }

  // Runs a prepared statement that returns no rows, then resets it.
  Status Run(sqlite3_stmt* stmt, const char* what) {
    const int rc = sqlite3_step(stmt);
    Status st = rc == SQLITE_DONE ? Status::Ok() : Error(what);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return st;
  }

  Status Put(std::string_view key, std::string_view value, int64_t version) {
    sqlite3_stmt* stmt = put_.get();
    // Non-null even when empty, so an empty value is stored as an empty blob.
    static const char kEmpty = 0;
    sqlite3_bind_text(stmt, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    sqlite3_bind_blob(stmt, 2, value.empty() ? &kEmpty : value.data(),
                      static_cast<int>(value.size()), SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 3, version);
    return Run(stmt, "cannot write");
  }

  Status Load() {
    Statement select;
    TANDEM_RETURN_IF_ERROR(Prepare("SELECT key, value, version FROM entries", &select));
    int rc;
    while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) {
      StoreEntry entry;
      const auto* key = reinterpret_cast<const char*>(sqlite3_column_text(select.get(), 0));
      entry.key.assign(key ? key : "", static_cast<size_t>(sqlite3_column_bytes(select.get(), 0)));
      const auto* value = static_cast<const char*>(sqlite3_column_blob(select.get(), 1));
      entry.value.assign(value ? value : "",
                         static_cast<size_t>(sqlite3_column_bytes(select.get(), 1)));
      entry.version = sqlite3_column_int64(select.get(), 2);
      if (entry.key == kCounterKey) {
        map_.RaiseLastVersion(entry.version);
      } else {
        map_.Load(std::move(entry));
      }
    }
    if (rc != SQLITE_DONE) return Error("cannot read entries");
    return Status::Ok();
  }

  // One SQLite transaction holding the writes and the new version counter.
  Status WriteDurably(const std::vector<StoreWrite>& writes, int64_t version) {
    Status st = Run(begin_.get(), "cannot begin transaction");
    for (size_t i = 0; st.ok() && i < writes.size(); ++i) {
      const StoreWrite& w = writes[i];
      if (w.kind == StoreWrite::Kind::kDelete) {
        sqlite3_bind_text(delete_.get(), 1, w.key.data(), static_cast<int>(w.key.size()),
                          SQLITE_STATIC);
        st = Run(delete_.get(), "cannot delete");
      } else {
        st = Put(w.key, w.value, version);
      }
    }
    if (st.ok()) st = Put(kCounterKey, {}, version);
    if (st.ok()) st = Run(commit_.get(), "cannot commit");
    // After a failed COMMIT SQLite may have already rolled back; only an open
    // transaction needs (and accepts) a ROLLBACK.
    if (!st.ok() && !sqlite3_get_autocommit(db_.get())) Run(rollback_.get(), "cannot roll back");
    return st;
  }

  const std::string path_;
  Database db_;
  Statement begin_, commit_, rollback_, put_, delete_;
  std::mutex write_mu_;
  mutable std::shared_mutex read_mu_;
  store_internal::VersionedMap map_;
};

StatusOr<std::unique_ptr<Store>> SqliteStore::Open(const std::string& path) {
  std::unique_ptr<SqliteStore> store(new SqliteStore(path));
  sqlite3* db = nullptr;
  // Every use of the connection is serialized by write_mu_ (or happens here,
  // before the store is shared), so SQLite's own mutex is not needed.
  const int rc = sqlite3_open_v2(
      path.c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
      nullptr);
  store->db_.reset(db);
  if (rc != SQLITE_OK) {
    return Status::IOError("cannot open store " + path + ": " +
                           (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMillis);

  // journal_mode answers with the mode in effect; WAL can be refused (for
  // example on file systems without shared memory), and then durability and
  // reader behaviour would silently differ from what the contract says.
  Statement mode;
  TANDEM_RETURN_IF_ERROR(store->Prepare("PRAGMA journal_mode=WAL", &mode));
  if (sqlite3_step(mode.get()) != SQLITE_ROW || std::string_view(reinterpret_cast<const char*>(
                                                    sqlite3_column_text(mode.get(), 0))) != "wal") {
    return store->Error("cannot switch to write-ahead logging");
  }
  mode.reset();
  TANDEM_RETURN_IF_ERROR(store->Exec("PRAGMA synchronous=FULL"));
  TANDEM_RETURN_IF_ERROR(
      store->Exec("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value BLOB NOT NULL, "
                  "version INTEGER NOT NULL) WITHOUT ROWID"));
  SyncParentDirectory(path);
  TANDEM_RETURN_IF_ERROR(store->Prepare("BEGIN IMMEDIATE", &store->begin_));
  TANDEM_RETURN_IF_ERROR(store->Prepare("COMMIT", &store->commit_));
  TANDEM_RETURN_IF_ERROR(store->Prepare("ROLLBACK", &store->rollback_));
  TANDEM_RETURN_IF_ERROR(store->Prepare(
      "INSERT OR REPLACE INTO entries (key, value, version) VALUES (?1, ?2, ?3)", &store->put_));
  TANDEM_RETURN_IF_ERROR(store->Prepare("DELETE FROM entries WHERE key = ?1", &store->delete_));
  TANDEM_RETURN_IF_ERROR(store->Load());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace

StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  return SqliteStore::Open(path);
}

}  // namespace tandem
