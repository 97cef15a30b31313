// The meter's table, db_sync, as db_test_meter defines it (plus a primary key
// and a millisecond column), and every statement the meter runs on it:
//
//   CREATE TABLE <database>.db_sync (test_run_id varchar(50), index_id int unsigned,
//     created int, created_ms bigint, PRIMARY KEY (test_run_id, index_id))
//
// A test run id is 1-50 characters of letters, digits and . _ : - (checked by
// ValidTestRunId before any SQL is built); values are escaped by the
// connection and identifiers quoted all the same.
//
// Errors: the connection's Status, with its DbError in conn.last_error().
// Thread-safety: as the connection.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "meter/heartbeat_log.h"
#include "meter/meter_connection.h"
#include "meter/outage_report.h"

namespace tandem::meter {

inline constexpr const char* kDefaultDatabase = "db_test_meter";
inline constexpr const char* kSyncTable = "db_sync";

// Empty when id is acceptable, else why not.
std::string ValidTestRunId(const std::string& id);

class SyncTable {
 public:
  explicit SyncTable(std::string database) : database_(std::move(database)) {}

  const std::string& database() const { return database_; }
  // `database`.`db_sync`
  std::string QualifiedName() const;

  // Whether the table exists.
  StatusOr<bool> Exists(MeterConnection& conn) const;
  // CREATE DATABASE IF NOT EXISTS; then, if drop_existing, DROP TABLE IF
  // EXISTS; then CREATE TABLE.
  Status Create(MeterConnection& conn, bool drop_existing) const;
  // Rows of the test run.
  StatusOr<uint64_t> CountRows(MeterConnection& conn, const std::string& test_run_id) const;
  // Every row of the test run.
  StatusOr<std::vector<SyncRow>> ReadRows(MeterConnection& conn,
                                          const std::string& test_run_id) const;
  // INSERT of heartbeat index_id, created at wall_ms (epoch milliseconds).
  std::string InsertSql(MeterConnection& conn, const std::string& test_run_id, uint64_t index_id,
                        int64_t wall_ms) const;

 private:
  std::string database_;
};

// @@hostname, @@server_id, @@read_only of the node behind conn.
StatusOr<NodeIdentity> ReadNodeIdentity(MeterConnection& conn);

}  // namespace tandem::meter
