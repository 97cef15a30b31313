#include "engine/storage_space.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

namespace tandem::engine {

StatusOr<StorageSpace> FileSystemSpace(const std::string& path) {
  struct statvfs fs {};
  if (::statvfs(path.c_str(), &fs) != 0) {
    return Status::IOError("cannot read the free space of " + path + ": " + std::strerror(errno));
  }
  StorageSpace space;
  space.free_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  space.total_bytes = static_cast<uint64_t>(fs.f_blocks) * fs.f_frsize;
  return space;
}

}  // namespace tandem::engine
