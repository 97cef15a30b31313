// HeartbeatWriter: one heartbeat attempt against the database, the way a
// client that reconnects for every write sees the service.
//
// An attempt opens a new connection (so every attempt goes through the
// endpoint's current routing, which is what a failover changes), turns
// autocommit off, reads the node's identity, INSERTs row index_id, COMMITs and
// closes. A new connection per attempt is the honest measure of an endpoint
// switch: a kept connection would only notice the switch when it breaks.
//
// How a failure counts (ClassifyFailure): a failure before COMMIT was sent
// never commits anything (the transaction is rolled back with its
// connection), so it is kFailed; a COMMIT the server refused with an error
// packet is kFailed; a COMMIT whose answer never came (connection lost, no
// answer before the deadline, or the server dying mid-commit: 1053, 1927) is
// kUnknown: the row may be on the server.
//
// Thread-safety: a writer is used by one thread.
#pragma once

#include <cstdint>
#include <string>

#include "meter/heartbeat_log.h"
#include "meter/meter_connection.h"
#include "meter/sync_table.h"

namespace tandem::meter {

// Where an attempt was when it failed.
enum class AttemptPhase { kConnect, kIdentity, kInsert, kCommit };

Outcome ClassifyFailure(AttemptPhase phase, const DbError& error);

class HeartbeatWriter {
 public:
  virtual ~HeartbeatWriter() = default;
  // Writes heartbeat row index_id stamped wall_ms (epoch ms). Fills
  // attempt.outcome, attempt.node (when the attempt got that far) and
  // attempt.error; the caller owns ids and times.
  virtual void Write(uint64_t index_id, int64_t wall_ms, Attempt& attempt) = 0;
};

class DatabaseHeartbeatWriter : public HeartbeatWriter {
 public:
  DatabaseHeartbeatWriter(MeterConnectOptions connection, SyncTable table, std::string test_run_id)
      : connection_(std::move(connection)),
        table_(std::move(table)),
        test_run_id_(std::move(test_run_id)) {}

  void Write(uint64_t index_id, int64_t wall_ms, Attempt& attempt) override;

 private:
  MeterConnectOptions connection_;
  SyncTable table_;
  std::string test_run_id_;
};

}  // namespace tandem::meter
