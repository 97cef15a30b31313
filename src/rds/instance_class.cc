#include "rds/instance_class.h"

namespace tandem::rds {
namespace {

constexpr uint64_t kMiB = 1ULL << 20;

// A class of RDS's vCPU and memory figures, sized as instance_class.h says.
constexpr InstanceClass Sized(std::string_view name, int vcpus, int memory_gib) {
  return {name, vcpus, memory_gib, static_cast<uint64_t>(memory_gib) * 1024 * kMiB / 8,
          static_cast<uint32_t>(memory_gib * 60)};
}

constexpr InstanceClass kClasses[] = {
    Sized("db.t3.micro", 2, 1),   Sized("db.t3.small", 2, 2),  Sized("db.t3.medium", 2, 4),
    Sized("db.t3.large", 2, 8),   Sized("db.t4g.micro", 2, 1), Sized("db.t4g.small", 2, 2),
    Sized("db.t4g.medium", 2, 4), Sized("db.t4g.large", 2, 8), Sized("db.m5.large", 2, 8),
    Sized("db.m6g.large", 2, 8),  Sized("db.r5.large", 2, 16), Sized("db.r6g.large", 2, 16),
};

}  // namespace

std::span<const InstanceClass> InstanceClasses() { return kClasses; }

const InstanceClass* FindInstanceClass(std::string_view name) {
  for (const InstanceClass& c : kClasses) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace tandem::rds
