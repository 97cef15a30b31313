// HeartbeatLog: the record of every heartbeat attempt of one tandem-meter run,
// the raw material of the report.
//
// An attempt is one try at writing heartbeat row index_id: connect, read the
// node's identity, INSERT, COMMIT, close. Its outcome is
// - kSuccess: COMMIT returned OK (the write is acknowledged);
// - kFailed: the write certainly did not commit (no connection, the server
//   refused the INSERT or the COMMIT, e.g. a read-only node's error 1290, or
//   the connection was lost before COMMIT was sent: the transaction was never
//   committed);
// - kUnknown: COMMIT was sent and its answer never came (connection lost or
//   timed out): the row may or may not be on the server.
// Every attempt gets its own index_id (1, 2, 3, ... in attempt order), so a
// row's id names the attempt that wrote it and ids are never reused.
//
// Times: start_ms and end_ms are milliseconds on the monotonic clock since the
// run started; wall_start_ms is the wall clock (ms since the Unix epoch) at
// the attempt's start, for printing only.
//
// Thread-safety: none; a log belongs to the thread that runs the heartbeats.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tandem::meter {

enum class Outcome { kSuccess, kFailed, kUnknown };

// "success", "failed", "unknown".
const char* OutcomeName(Outcome outcome);

// The node an attempt reached: @@hostname, @@server_id, @@read_only.
struct NodeIdentity {
  std::string hostname;
  uint64_t server_id = 0;
  bool read_only = false;

  // Two identities name the same node when host name and server id agree.
  bool SameNode(const NodeIdentity& other) const {
    return hostname == other.hostname && server_id == other.server_id;
  }
};

struct Attempt {
  uint64_t index_id = 0;
  int64_t start_ms = 0;  // monotonic, since the run started
  int64_t end_ms = 0;    // monotonic, since the run started
  int64_t wall_start_ms = 0;
  Outcome outcome = Outcome::kFailed;
  // The node the attempt was connected to, when it got that far.
  std::optional<NodeIdentity> node;
  // Why it was not acknowledged ("" on success), e.g. "MariaDB error 2013 ...".
  std::string error;
};

class HeartbeatLog {
 public:
  // wall_origin_ms: the wall clock at monotonic 0 of the run.
  explicit HeartbeatLog(int64_t wall_origin_ms = 0) : wall_origin_ms_(wall_origin_ms) {}

  // Appends an attempt; attempts arrive in start order.
  void Append(Attempt attempt) { attempts_.push_back(std::move(attempt)); }

  const std::vector<Attempt>& attempts() const { return attempts_; }
  int64_t wall_origin_ms() const { return wall_origin_ms_; }
  // The wall-clock time of monotonic offset ms of this run.
  int64_t WallAt(int64_t ms) const { return wall_origin_ms_ + ms; }

 private:
  int64_t wall_origin_ms_;
  std::vector<Attempt> attempts_;
};

}  // namespace tandem::meter
