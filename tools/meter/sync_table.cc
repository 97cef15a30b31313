#include "meter/sync_table.h"

#include "meter/text_number.h"

namespace tandem::meter {
namespace {

// A column's value as a whole number; false (out untouched) for NULL or text.
template <class Int>
bool ParseInt(const std::optional<std::string>& text, Int& out) {
  if (!text) return false;
  auto value = ParseWhole<Int>(*text);
  if (value) out = *value;
  return value.has_value();
}

}  // namespace

std::string ValidTestRunId(const std::string& id) {
  if (id.empty() || id.size() > 50) {
    return "test run id must be 1-50 characters (got " + std::to_string(id.size()) + ")";
  }
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return "test run id '" + id + "' may only hold letters, digits and . _ : -";
  }
  return "";
}

std::string SyncTable::QualifiedName() const {
  return MeterConnection::QuoteIdentifier(database_) + "." +
         MeterConnection::QuoteIdentifier(kSyncTable);
}

StatusOr<bool> SyncTable::Exists(MeterConnection& conn) const {
  auto rows =
      conn.Query("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '" +
                 conn.Escape(database_) + "' AND table_name = '" + std::string(kSyncTable) + "'");
  if (!rows.ok()) return rows.status();
  uint64_t n = 0;
  if (rows->size() != 1 || rows->front().empty() || !ParseInt(rows->front()[0], n)) {
    return Status::Internal("unexpected answer counting tables");
  }
  return n > 0;
}

Status SyncTable::Create(MeterConnection& conn, bool drop_existing) const {
  TANDEM_RETURN_IF_ERROR(
      conn.Execute("CREATE DATABASE IF NOT EXISTS " + MeterConnection::QuoteIdentifier(database_)));
  if (drop_existing)
    TANDEM_RETURN_IF_ERROR(conn.Execute("DROP TABLE IF EXISTS " + QualifiedName()));
  return conn.Execute("CREATE TABLE " + QualifiedName() +
                      " (test_run_id varchar(50) NOT NULL, index_id int unsigned NOT NULL, "
                      "created int, created_ms bigint, PRIMARY KEY (test_run_id, index_id)) "
                      "ENGINE=InnoDB");
}

StatusOr<uint64_t> SyncTable::CountRows(MeterConnection& conn,
                                        const std::string& test_run_id) const {
  auto rows = conn.Query("SELECT COUNT(*) FROM " + QualifiedName() + " WHERE test_run_id = '" +
                         conn.Escape(test_run_id) + "'");
  if (!rows.ok()) return rows.status();
  uint64_t n = 0;
  if (rows->size() != 1 || rows->front().empty() || !ParseInt(rows->front()[0], n)) {
    return Status::Internal("unexpected answer counting the test run's rows");
  }
  return n;
}

StatusOr<std::vector<SyncRow>> SyncTable::ReadRows(MeterConnection& conn,
                                                   const std::string& test_run_id) const {
  auto rows =
      conn.Query("SELECT index_id, created, created_ms FROM " + QualifiedName() +
                 " WHERE test_run_id = '" + conn.Escape(test_run_id) + "' ORDER BY index_id");
  if (!rows.ok()) return rows.status();
  std::vector<SyncRow> out;
  out.reserve(rows->size());
  for (const DbRow& row : *rows) {
    SyncRow r;
    if (row.size() != 3 || !ParseInt(row[0], r.index_id)) {
      return Status::Internal("unexpected row reading " + QualifiedName());
    }
    // created and created_ms may be NULL in rows other tools wrote.
    ParseInt(row[1], r.created);
    ParseInt(row[2], r.created_ms);
    out.push_back(r);
  }
  return out;
}

std::string SyncTable::InsertSql(MeterConnection& conn, const std::string& test_run_id,
                                 uint64_t index_id, int64_t wall_ms) const {
  return "INSERT INTO " + QualifiedName() +
         " (test_run_id, index_id, created, created_ms) VALUES ('" + conn.Escape(test_run_id) +
         "', " + std::to_string(index_id) + ", " + std::to_string(wall_ms / 1000) + ", " +
         std::to_string(wall_ms) + ")";
}

StatusOr<NodeIdentity> ReadNodeIdentity(MeterConnection& conn) {
  auto rows = conn.Query("SELECT @@hostname, @@server_id, @@read_only");
  if (!rows.ok()) return rows.status();
  NodeIdentity node;
  int read_only = 0;
  if (rows->size() != 1 || rows->front().size() != 3 || !rows->front()[0] ||
      !ParseInt(rows->front()[1], node.server_id) || !ParseInt(rows->front()[2], read_only)) {
    return Status::Internal("unexpected answer reading the node's identity");
  }
  node.hostname = *rows->front()[0];
  node.read_only = read_only != 0;
  return node;
}

}  // namespace tandem::meter
