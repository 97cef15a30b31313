#include "crypto/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "crypto/digest.h"
#include "crypto/random.h"

namespace tandem::crypto {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

std::string ParentDirectory(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// A rename or link is only durable once the directory holding it is synced.
Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open directory " + dir + ": " + ErrnoText(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Status::IOError("cannot fsync directory " + dir + ": " + ErrnoText(err));
  return Status::Ok();
}

Status WriteAll(int fd, std::string_view contents, const std::string& path) {
  while (!contents.empty()) {
    const ssize_t n = ::write(fd, contents.data(), contents.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError("cannot write " + path + ": " + ErrnoText(errno));
    contents.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// Writes a new, uniquely named file next to path and fsyncs it. Its name is
// returned through temp_path so the caller can publish or remove it.
Status WriteTemporaryFile(const std::string& path, std::string_view contents, mode_t mode,
                          std::string* temp_path) {
  *temp_path = path + ".tmp-" + HexEncode(RandomBytes(6));
  const int fd =
      ::open(temp_path->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return Status::IOError("cannot create " + *temp_path + ": " + ErrnoText(errno));
  Status st = WriteAll(fd, contents, *temp_path);
  // The umask may have narrowed the mode; a wider one is never wanted here.
  if (st.ok() && ::fchmod(fd, mode) != 0) {
    st = Status::IOError("cannot chmod " + *temp_path + ": " + ErrnoText(errno));
  }
  if (st.ok() && ::fsync(fd) != 0) {
    st = Status::IOError("cannot fsync " + *temp_path + ": " + ErrnoText(errno));
  }
  ::close(fd);
  if (!st.ok()) ::unlink(temp_path->c_str());
  return st;
}

}  // namespace

StatusOr<std::string> ReadWholeFile(const std::string& path, size_t max_bytes, mode_t* mode) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path + " does not exist");
    return Status::IOError("cannot open " + path + ": " + ErrnoText(errno));
  }
  if (mode != nullptr) {
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return Status::IOError("cannot stat " + path + ": " + ErrnoText(err));
    }
    *mode = st.st_mode & 07777;
  }
  std::string out;
  char buf[8192];
  while (out.size() <= max_bytes) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return Status::IOError("cannot read " + path + ": " + ErrnoText(err));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (out.size() > max_bytes + 1) out.resize(max_bytes + 1);
  return out;
}

Status WriteFileAtomically(const std::string& path, std::string_view contents, mode_t mode) {
  std::string temp_path;
  TANDEM_RETURN_IF_ERROR(WriteTemporaryFile(path, contents, mode, &temp_path));
  if (::rename(temp_path.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp_path.c_str());
    return Status::IOError("cannot rename " + temp_path + " to " + path + ": " + ErrnoText(err));
  }
  return SyncDirectory(ParentDirectory(path));
}

Status CreateFileExclusively(const std::string& path, std::string_view contents, mode_t mode) {
  // Written under a temporary name and then linked into place, so a crash
  // never leaves a short file at path that a later start would reject.
  std::string temp_path;
  TANDEM_RETURN_IF_ERROR(WriteTemporaryFile(path, contents, mode, &temp_path));
  const int rc = ::link(temp_path.c_str(), path.c_str());
  const int err = errno;
  ::unlink(temp_path.c_str());
  if (rc != 0) {
    if (err == EEXIST) return Status::AlreadyExists(path + " already exists");
    return Status::IOError("cannot create " + path + ": " + ErrnoText(err));
  }
  return SyncDirectory(ParentDirectory(path));
}

Status EnsureDirectory(const std::string& dir, mode_t mode) {
  if (::mkdir(dir.c_str(), mode) != 0) {
    if (errno != EEXIST) {
      return Status::IOError("cannot create directory " + dir + ": " + ErrnoText(errno));
    }
    struct stat st;
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return Status::IOError(dir + " exists and is not a directory");
    }
    return Status::Ok();
  }
  return SyncDirectory(ParentDirectory(dir));
}

}  // namespace tandem::crypto
