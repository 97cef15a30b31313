// DB instance classes: the DBInstanceClass values Tandem offers and what a
// node of each class gets. Used by the RDS API (validation) and by the
// reconciler (engine::NodeSizing).
//
// RDS sizes a class by its virtual machine. Tandem runs every node on one
// shared machine (2 cores, 24 GiB in the reference setup), so a class keeps
// RDS's name, vCPU and memory figures (what users compare) but its node gets
// an eighth of that memory as InnoDB buffer pool and 60 connections per GiB
// of it: a dozen db.t3.large nodes fit beside each other, and the largest
// class still leaves the machine most of its memory.
//
//   class           vCPU  memory (RDS)  innodb_buffer_pool_size  max_connections
//   db.t3.micro       2       1 GiB           128 MiB                  60
//   db.t3.small       2       2 GiB           256 MiB                 120
//   db.t3.medium      2       4 GiB           512 MiB                 240
//   db.t3.large       2       8 GiB             1 GiB                 480
//   db.t4g.micro      2       1 GiB           128 MiB                  60
//   db.t4g.small      2       2 GiB           256 MiB                 120
//   db.t4g.medium     2       4 GiB           512 MiB                 240
//   db.t4g.large      2       8 GiB             1 GiB                 480
//   db.m5.large       2       8 GiB             1 GiB                 480
//   db.m6g.large      2       8 GiB             1 GiB                 480
//   db.r5.large       2      16 GiB             2 GiB                 960
//   db.r6g.large      2      16 GiB             2 GiB                 960
//
// A parameter group's innodb_buffer_pool_size and max_connections override
// these. Immutable tables; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace tandem::rds {

struct InstanceClass {
  std::string_view name;  // "db.t3.micro"
  int vcpus = 0;          // as RDS lists the class
  int memory_gib = 0;     // as RDS lists the class
  uint64_t innodb_buffer_pool_bytes = 0;
  uint32_t max_connections = 0;
};

// Every class offered, in the order of the table above.
std::span<const InstanceClass> InstanceClasses();

// The class called name (exact, lower-case as RDS spells it), or nullptr.
const InstanceClass* FindInstanceClass(std::string_view name);

}  // namespace tandem::rds
