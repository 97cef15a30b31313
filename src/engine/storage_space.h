// StorageSpace: how much room the file system holding a node's files has
// left, the observation behind the "storage-full" instance status
// (control/storage_full.h).
//
// Free space is what an unprivileged account may still use (statvfs
// f_bavail): mariadbd runs as the node's account, so blocks a file system
// reserves for root are not its to fill.
//
// Thread-safety: FileSystemSpace is a pure read of the kernel's counters and
// may be called from any thread.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace tandem::engine {

struct StorageSpace {
  uint64_t free_bytes = 0;   // available to an unprivileged account
  uint64_t total_bytes = 0;  // the file system's size
};

// The space of the file system that holds path. kIOError (with errno's
// text) if statvfs fails, e.g. path does not exist.
StatusOr<StorageSpace> FileSystemSpace(const std::string& path);

}  // namespace tandem::engine
