// DataDirectory: tandemd's data directory, held exclusively by one process.
//
// Open creates the directory (mode 0711: engine nodes run as their own OS
// account and must traverse it; nothing in it is listable) if needed and takes an exclusive
// flock on <dir>/tandemd.lock, written with the holder's pid. The lock is
// released by the kernel when the process exits, however it exits, so a
// SIGKILLed tandemd never leaves a stale lock behind.
#pragma once

#include <string>

#include "common/status.h"

namespace tandem {

class DataDirectory {
 public:
  // kUnavailable, naming the holder's pid, if another process holds the lock;
  // kIOError if the directory cannot be created or locked.
  static StatusOr<DataDirectory> Open(const std::string& path);

  DataDirectory(DataDirectory&& other) noexcept;
  DataDirectory& operator=(DataDirectory&&) = delete;
  DataDirectory(const DataDirectory&) = delete;
  ~DataDirectory();

  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  DataDirectory(std::string path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}
  std::string path_;
  int lock_fd_ = -1;
};

}  // namespace tandem
