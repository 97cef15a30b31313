#include "engine/node_files.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/unique_fd.h"

namespace tandem::engine {
namespace {

std::string ErrnoText() { return ::strerror(errno); }

Status FsyncPath(const std::string& path, int flags) {
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) {
    return Status::IOError("fsync " + path + ": " + ErrnoText());
  }
  return Status::Ok();
}

std::string Parent(const std::string& path) {
  return std::filesystem::path(path).parent_path().string();
}

}  // namespace

StatusOr<OsAccount> LookupAccount(const std::string& name) {
  struct passwd pw;
  struct passwd* found = nullptr;
  char buf[4096];
  const int r = name.empty() ? ::getpwuid_r(::geteuid(), &pw, buf, sizeof buf, &found)
                             : ::getpwnam_r(name.c_str(), &pw, buf, sizeof buf, &found);
  if (r != 0 || found == nullptr) {
    return Status::InvalidArgument(name.empty()
                                       ? "this process's account (uid " +
                                             std::to_string(::geteuid()) + ") has no name"
                                       : "os_user '" + name + "' does not exist on this machine");
  }
  return OsAccount{found->pw_name, found->pw_uid, found->pw_gid};
}

Status CheckReachable(const std::string& path, const OsAccount& account) {
  if (account.uid == 0) return Status::Ok();
  std::filesystem::path p(path);
  for (std::filesystem::path dir = p.parent_path(); !dir.empty(); dir = dir.parent_path()) {
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0) {
      const bool ok = (st.st_uid == account.uid && (st.st_mode & S_IXUSR)) ||
                      (st.st_gid == account.gid && (st.st_mode & S_IXGRP)) ||
                      (st.st_mode & S_IXOTH);
      if (!ok) {
        char mode[8];
        ::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
        return Status::InvalidArgument(
            "account '" + account.name + "' cannot reach " + path + ": " + dir.string() +
            " has mode " + mode +
            "; make it searchable for that account (e.g. chmod o+x) or put node directories "
            "elsewhere");
      }
    }
    if (dir == dir.root_path()) break;
  }
  return Status::Ok();
}

Status EnsureOwnedDirectory(const std::string& dir, mode_t mode, const OsAccount& account) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("creating " + dir + ": " + ec.message());
  if (::chmod(dir.c_str(), mode) != 0) return Status::IOError("chmod " + dir + ": " + ErrnoText());
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return Status::IOError("stat " + dir + ": " + ErrnoText());
  if ((st.st_uid != account.uid || st.st_gid != account.gid) &&
      ::chown(dir.c_str(), account.uid, account.gid) != 0) {
    return Status::IOError("chown " + dir + " to " + account.name + ": " + ErrnoText());
  }
  return Status::Ok();
}

Status WriteOwnedFile(const std::string& path, std::string_view contents, mode_t mode,
                      const OsAccount& account) {
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 0600));
  if (!fd.valid()) return Status::IOError("creating " + tmp + ": " + ErrnoText());
  std::string_view rest = contents;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd.get(), rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::IOError("writing " + tmp + ": " + ErrnoText());
    rest.remove_prefix(static_cast<size_t>(n));
  }
  if (::fchown(fd.get(), account.uid, account.gid) != 0 && ::geteuid() == 0) {
    return Status::IOError("chown " + tmp + ": " + ErrnoText());
  }
  if (::fchmod(fd.get(), mode) != 0) return Status::IOError("chmod " + tmp + ": " + ErrnoText());
  if (::fsync(fd.get()) != 0) return Status::IOError("fsync " + tmp + ": " + ErrnoText());
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IOError("renaming " + tmp + ": " + ErrnoText());
  }
  return FsyncPath(Parent(path), O_RDONLY | O_DIRECTORY);
}

Status RemoveDirectoryContents(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return Status::Ok();
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::filesystem::remove_all(entry.path(), ec);
    if (ec) return Status::IOError("removing " + entry.path().string() + ": " + ec.message());
  }
  if (ec) return Status::IOError("listing " + dir + ": " + ec.message());
  return Status::Ok();
}

Status ChownTree(const std::string& dir, const OsAccount& account) {
  auto chown_one = [&](const std::filesystem::path& path) -> Status {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
      return Status::IOError("stat " + path.string() + ": " + ErrnoText());
    }
    if ((st.st_uid != account.uid || st.st_gid != account.gid) &&
        ::lchown(path.c_str(), account.uid, account.gid) != 0) {
      return Status::IOError("chown " + path.string() + " to " + account.name + ": " + ErrnoText());
    }
    return Status::Ok();
  };
  TANDEM_RETURN_IF_ERROR(chown_one(dir));
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    TANDEM_RETURN_IF_ERROR(chown_one(it->path()));
  }
  if (ec) return Status::IOError("listing " + dir + ": " + ec.message());
  return Status::Ok();
}

std::string ReadTail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  const std::streamoff size = in.tellg();
  const std::streamoff start = size > static_cast<std::streamoff>(max_bytes)
                                   ? size - static_cast<std::streamoff>(max_bytes)
                                   : 0;
  in.seekg(start);
  std::string text(static_cast<size_t>(size - start), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (start > 0) {
    const size_t nl = text.find('\n');
    if (nl != std::string::npos) text.erase(0, nl + 1);
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

}  // namespace tandem::engine
