// Builds heartbeat logs for the meter's unit tests: one attempt per call, ids
// 1, 2, 3, ..., each starting `spacing` ms after the previous one and lasting
// `duration` ms.
#pragma once

#include <string>

#include "meter/heartbeat_log.h"

namespace tandem::meter::test_support {

inline NodeIdentity Node(const std::string& host, uint64_t server_id, bool read_only = false) {
  return NodeIdentity{host, server_id, read_only};
}

class LogBuilder {
 public:
  explicit LogBuilder(int64_t spacing = 500, int64_t duration = 5,
                      int64_t wall_origin = 1700000000000)
      : log_(wall_origin), spacing_(spacing), duration_(duration) {}

  LogBuilder& Ok(const NodeIdentity& node) { return Add(Outcome::kSuccess, node, ""); }
  LogBuilder& Failed(const std::string& error = "MariaDB error 2013 (HY000): Lost connection") {
    return Add(Outcome::kFailed, std::nullopt, error);
  }
  // A write refused by a read-only node (error 1290): the node answered.
  LogBuilder& ReadOnlyRefusal(const NodeIdentity& node) {
    return Add(Outcome::kFailed, node,
               "MariaDB error 1290 (HY000): The MariaDB server is running with the "
               "--read-only option so it cannot execute this statement");
  }
  LogBuilder& Unknown(const NodeIdentity& node) {
    return Add(Outcome::kUnknown, node, "MariaDB error 2013 (HY000): Lost connection (COMMIT)");
  }
  // The next attempt starts this much later than it would.
  LogBuilder& Pause(int64_t ms) {
    next_start_ += ms;
    return *this;
  }

  const HeartbeatLog& log() const { return log_; }
  int64_t end_ms() const { return next_start_; }

 private:
  LogBuilder& Add(Outcome outcome, std::optional<NodeIdentity> node, const std::string& error) {
    Attempt a;
    a.index_id = log_.attempts().size() + 1;
    a.start_ms = next_start_;
    a.end_ms = next_start_ + duration_;
    a.wall_start_ms = log_.WallAt(a.start_ms);
    a.outcome = outcome;
    a.node = std::move(node);
    a.error = error;
    log_.Append(a);
    next_start_ += spacing_;
    return *this;
  }

  HeartbeatLog log_;
  int64_t spacing_;
  int64_t duration_;
  int64_t next_start_ = 0;
};

}  // namespace tandem::meter::test_support
