// When a DB instance is "storage-full" (RDS's DBInstanceStatus for an
// instance whose allocated storage is exhausted): a pure judgement from the
// free space of the file system that holds each of its nodes' files
// (engine::StorageSpace, read by the node driver every reconciler pass) and
// whether the instance is storage-full already.
//
// Contract:
// - A node's file system is short of space when its free bytes fall below
//   StorageFullBelow(total) = max(min_free_bytes, min_free_fraction x total):
//   64 MiB or 2% by default, well before MariaDB stops (a binary log write
//   then waits for space, an InnoDB file that cannot grow fails the write
//   with "The table ... is full").
// - The instance enters storage-full when any node's file system is short of
//   space, and leaves it only once every node has more than leave_factor x
//   that threshold free (twice, by default): a file system hovering around
//   the threshold does not flap between available and storage-full.
// - A node whose space could not be read counts as it was: it neither enters
//   nor leaves the state on its own.
// - The reason names the node, its free and total space, and the
//   thresholds, for the log and the event.
//
// Entering is reported with RDS-EVENT-0007 and leaving with
// TANDEM-EVENT-0001 (control/instance_events.h). Acknowledged writes are
// never at stake: the state reports that writes may block or fail.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/storage_space.h"

namespace tandem::control {

inline constexpr uint64_t kStorageFullMinFreeBytes = uint64_t{64} << 20;
inline constexpr double kStorageFullMinFreeFraction = 0.02;
inline constexpr double kStorageFullLeaveFactor = 2.0;

struct StorageThresholds {
  uint64_t min_free_bytes = kStorageFullMinFreeBytes;
  double min_free_fraction = kStorageFullMinFreeFraction;
  double leave_factor = kStorageFullLeaveFactor;
};

// Free bytes below which a file system of total_bytes is short of space.
uint64_t StorageFullBelow(uint64_t total_bytes, const StorageThresholds& thresholds);

// One node's file system as observed this pass (nullopt: it could not be read).
struct NodeStorage {
  std::string zone;
  std::optional<engine::StorageSpace> space;
};

struct StorageVerdict {
  bool full = false;
  // The node that decided it: "node us-east-1a has 3 MiB free of 256 MiB
  // (storage-full below 64 MiB free, available again above 128 MiB)"; when
  // not full, the node with the least free space ("" if none was read).
  std::string reason;
};

StorageVerdict JudgeStorage(bool storage_full_now, const std::vector<NodeStorage>& nodes,
                            const StorageThresholds& thresholds);

}  // namespace tandem::control
