#include "control/storage_full.h"

#include <algorithm>
#include <cstdint>

namespace tandem::control {
namespace {

std::string Mib(uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

std::string Describe(const NodeStorage& node, uint64_t enter_below, uint64_t leave_above) {
  return "node " + node.zone + " has " + Mib(node.space->free_bytes) + " free of " +
         Mib(node.space->total_bytes) + " (storage-full below " + Mib(enter_below) +
         " free, available again above " + Mib(leave_above) + ")";
}

}  // namespace

uint64_t StorageFullBelow(uint64_t total_bytes, const StorageThresholds& thresholds) {
  const auto fraction =
      static_cast<uint64_t>(static_cast<double>(total_bytes) * thresholds.min_free_fraction);
  return std::max(thresholds.min_free_bytes, fraction);
}

StorageVerdict JudgeStorage(bool storage_full_now, const std::vector<NodeStorage>& nodes,
                            const StorageThresholds& thresholds) {
  StorageVerdict verdict;
  verdict.full = storage_full_now;
  bool any_short = false;
  bool all_known_roomy = true;
  std::string short_reason;
  std::string keeping_reason;
  std::string tightest_reason;
  uint64_t tightest_free = UINT64_MAX;
  for (const NodeStorage& node : nodes) {
    if (!node.space) {
      all_known_roomy = false;  // unknown: the state stays as it is
      continue;
    }
    const uint64_t enter_below = StorageFullBelow(node.space->total_bytes, thresholds);
    const auto leave_above =
        static_cast<uint64_t>(static_cast<double>(enter_below) * thresholds.leave_factor);
    const uint64_t free = node.space->free_bytes;
    if (free < tightest_free) {
      tightest_free = free;
      tightest_reason = Describe(node, enter_below, leave_above);
    }
    if (free < enter_below && !any_short) {
      any_short = true;
      short_reason = Describe(node, enter_below, leave_above);
    }
    if (free <= leave_above) {
      all_known_roomy = false;
      if (keeping_reason.empty()) keeping_reason = Describe(node, enter_below, leave_above);
    }
  }
  if (any_short) {
    verdict.full = true;
    verdict.reason = short_reason;
  } else if (storage_full_now && !all_known_roomy) {
    verdict.full = true;
    verdict.reason =
        keeping_reason.empty() ? "the free space of a node could not be read" : keeping_reason;
  } else {
    verdict.full = false;
    verdict.reason = tightest_reason;
  }
  return verdict;
}

}  // namespace tandem::control
