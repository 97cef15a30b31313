// Whole-file reads and crash-safe writes for key material (master key, CA).
// Internal to crypto/.
//
// "Durable" means the bytes and the directory entry have been fsynced: after a
// power loss the file is either absent or complete, never torn.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/status.h"

namespace tandem::crypto {

// The whole contents of path. kNotFound if it does not exist, kIOError on
// other failures. Reads at most max_bytes + 1 bytes so that a caller can tell
// an oversized file without reading it all. If mode is not null it receives
// the permission bits of the file read (from the same open file, so no race).
StatusOr<std::string> ReadWholeFile(const std::string& path, size_t max_bytes,
                                    mode_t* mode = nullptr);

// Replaces path with contents atomically (temporary file, fsync, rename, fsync
// of the directory). The file gets exactly mode.
Status WriteFileAtomically(const std::string& path, std::string_view contents, mode_t mode);

// Creates path with contents and mode, durably, never replacing an existing
// file: kAlreadyExists if path exists (a concurrent creator won).
Status CreateFileExclusively(const std::string& path, std::string_view contents, mode_t mode);

// Creates directory dir with mode (and fsyncs its parent) if it does not exist.
Status EnsureDirectory(const std::string& dir, mode_t mode);

}  // namespace tandem::crypto
