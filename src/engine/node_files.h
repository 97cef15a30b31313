// File-system work for a node's directory: ownership by the node's account,
// crash-safe writes, log tails. Internal to engine/.
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>

#include "common/status.h"

namespace tandem::engine {

struct OsAccount {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

// The account called name, or this process's own account if name is empty.
// kInvalidArgument if no such account exists.
StatusOr<OsAccount> LookupAccount(const std::string& name);

// OK if account can reach path: every existing ancestor directory grants it
// search (x) permission. Otherwise kInvalidArgument naming the directory that
// blocks it, since mariadbd would fail later with a less helpful message.
Status CheckReachable(const std::string& path, const OsAccount& account);

// Creates dir (and missing parents, owned by this process) if needed; dir
// itself is owned by account with mode.
Status EnsureOwnedDirectory(const std::string& dir, mode_t mode, const OsAccount& account);

// Replaces path with contents atomically and durably (temporary file, fsync,
// rename, directory fsync), owned by account with mode.
Status WriteOwnedFile(const std::string& path, std::string_view contents, mode_t mode,
                      const OsAccount& account);

// Removes everything inside dir (not dir itself). OK if dir does not exist.
Status RemoveDirectoryContents(const std::string& dir);

// Gives dir and everything below it to account (symbolic links themselves,
// never their targets).
Status ChownTree(const std::string& dir, const OsAccount& account);

// The last max_bytes of path, starting at a line boundary; "" if unreadable.
std::string ReadTail(const std::string& path, size_t max_bytes);

// How much of a log an error message quotes.
inline constexpr size_t kLogTailBytes = 2000;

// The time from now until deadline, or zero once it has passed.
inline std::chrono::milliseconds TimeLeft(std::chrono::steady_clock::time_point deadline) {
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now()));
}

}  // namespace tandem::engine
