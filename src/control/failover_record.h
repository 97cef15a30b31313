// FailoverRecord: the stored trace of a failover (or planned switchover)
// that tandemd has started and not finished, so that a tandemd killed in the
// middle resumes it instead of starting another or leaving two writable
// nodes (issue "Multi-AZ": tandemd killed during a failover).
//
// Store key: failovers/<region>/<instance identifier>. Written before the
// first step (fencing), advanced as the phases complete, deleted in the same
// transaction that records the failover's end. The node roles themselves
// change in one transaction with the move to kPromoting: from then on the
// new primary is recorded as primary while still read-only, so the HA rule
// "a writable node that is not the recorded primary is fenced" can never
// fence the node being promoted.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "control/ha_decision.h"

namespace tandem::control {

struct FailoverRecord {
  std::string region;
  std::string instance;
  std::string from_zone;  // the old primary
  std::string to_zone;    // the standby being promoted
  bool planned = false;   // reboot-db-instance --force-failover
  FailoverInProgress::Phase phase = FailoverInProgress::Phase::kFencing;
  int64_t started_ms = 0;
  // Planned switchovers: the old primary's binlog position once it was made
  // read-only, which the standby must reach before it is promoted.
  std::string fenced_gtid;
  std::string reason;  // the decision's sentence that started it

  static std::string StoreKey(const std::string& region, const std::string& instance) {
    return "failovers/" + region + "/" + instance;
  }
  std::string StoreKey() const { return StoreKey(region, instance); }
  FailoverInProgress InProgress() const { return FailoverInProgress{phase, planned}; }
};

std::string EncodeFailoverRecord(const FailoverRecord& record);
StatusOr<FailoverRecord> DecodeFailoverRecord(const std::string& text);

}  // namespace tandem::control
