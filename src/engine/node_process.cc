#include "engine/node_process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/node_config.h"

namespace tandem::engine {
namespace {

std::string ErrnoText(int err) { return ::strerror(err); }

// Direct system calls: this glibc's <sys/pidfd.h> lacks C++ linkage.
int PidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0u)); }
int PidfdSendSignal(int pidfd, int signo) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signo, nullptr, 0u));
}

Status WriteAll(int fd, std::string_view data, const char* what) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::IOError(std::string("writing ") + what + ": " + ErrnoText(errno));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// A descriptor numbered at least 10, so that placing descriptors at 0-4 in a
// child never overwrites one still to be placed.
StatusOr<UniqueFd> DupHigh(int fd) {
  const int high = ::fcntl(fd, F_DUPFD_CLOEXEC, 10);
  if (high < 0) return Status::IOError("fcntl(F_DUPFD): " + ErrnoText(errno));
  return UniqueFd(high);
}

}  // namespace

StatusOr<KeyDescriptors> MakeKeyDescriptors(const EngineKeyFile& file, uid_t uid, gid_t gid) {
  KeyDescriptors keys;
  keys.key_file.reset(::memfd_create("tandem-engine-key-file", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!keys.key_file.valid()) return Status::IOError("memfd_create: " + ErrnoText(errno));
  TANDEM_RETURN_IF_ERROR(WriteAll(keys.key_file.get(), file.encrypted, "the engine key file"));
  // Read-only from here on, for everyone holding it.
  if (::fcntl(keys.key_file.get(), F_ADD_SEALS,
              F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0) {
    return Status::IOError("sealing the engine key file: " + ErrnoText(errno));
  }

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return Status::IOError("pipe2: " + ErrnoText(errno));
  keys.file_key.reset(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);
  // One write below PIPE_BUF is atomic, so the plugin's single read gets it all.
  if (file.file_key.size() >= PIPE_BUF) return Status::Internal("engine file key too long");
  TANDEM_RETURN_IF_ERROR(WriteAll(write_end.get(), file.file_key, "the engine file key"));
  write_end.reset();

  // mariadbd reopens both through /proc/self/fd after switching to the node's
  // account, so that account must be allowed to open them.
  for (int fd : {keys.key_file.get(), keys.file_key.get()}) {
    if (::fchown(fd, uid, gid) != 0 && ::geteuid() == 0) {
      return Status::IOError("fchown of a key descriptor: " + ErrnoText(errno));
    }
    if (::fchmod(fd, 0400) != 0) {
      return Status::IOError("fchmod of a key descriptor: " + ErrnoText(errno));
    }
  }
  return keys;
}

StatusOr<pid_t> SpawnProcess(const SpawnOptions& options) {
  if (options.argv.empty()) return Status::InvalidArgument("SpawnProcess: empty argv");

  // Everything the child needs is prepared before fork: between fork and exec
  // a multithreaded parent's child may only make async-signal-safe calls.
  std::vector<char*> argv;
  for (const std::string& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const std::string& e : options.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  UniqueFd dev_null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!dev_null.valid()) return Status::IOError("open /dev/null: " + ErrnoText(errno));
  auto stdin_fd = DupHigh(dev_null.get());
  if (!stdin_fd.ok()) return stdin_fd.status();
  UniqueFd output;
  if (options.output_path.empty()) {
    output.reset(::fcntl(dev_null.get(), F_DUPFD_CLOEXEC, 10));
  } else {
    UniqueFd opened(
        ::open(options.output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
    if (!opened.valid()) {
      return Status::IOError("open " + options.output_path + ": " + ErrnoText(errno));
    }
    output.reset(::fcntl(opened.get(), F_DUPFD_CLOEXEC, 10));
  }
  if (!output.valid()) return Status::IOError("fcntl(F_DUPFD): " + ErrnoText(errno));
  UniqueFd key_file;
  UniqueFd file_key;
  if (options.keys != nullptr) {
    auto k = DupHigh(options.keys->key_file.get());
    if (!k.ok()) return k.status();
    auto f = DupHigh(options.keys->file_key.get());
    if (!f.ok()) return f.status();
    key_file = std::move(*k);
    file_key = std::move(*f);
  }
  // The child reports a failed exec through this pipe; a successful exec
  // closes it (O_CLOEXEC), which the parent reads as EOF.
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return Status::IOError("pipe2: " + ErrnoText(errno));
  UniqueFd report_read(report[0]);
  UniqueFd report_write(report[1]);

  const char* hostname = options.uts_hostname.empty() ? nullptr : options.uts_hostname.c_str();
  const size_t hostname_len = options.uts_hostname.size();

  const pid_t pid = ::fork();
  if (pid < 0) return Status::IOError("fork: " + ErrnoText(errno));
  if (pid == 0) {
    if (options.new_session) ::setsid();
    if (hostname != nullptr && ::unshare(CLONE_NEWUTS) == 0) ::sethostname(hostname, hostname_len);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl = {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
    ::dup2(stdin_fd->get(), 0);
    ::dup2(output.get(), 1);
    ::dup2(output.get(), 2);
    int first_free = 3;
    if (key_file.valid()) {
      ::dup2(key_file.get(), kKeyFileFd);
      ::dup2(file_key.get(), kFileKeyFd);
      first_free = kFileKeyFd + 1;
    }
    // Nothing else of the driver's (sockets, store, other nodes' files)
    // reaches the node; the report pipe stays open until exec succeeds.
    ::close_range(static_cast<unsigned>(first_free), ~0U, CLOSE_RANGE_CLOEXEC);
    ::execve(argv[0], argv.data(), envp.data());
    const int err = errno;
    (void)!::write(report_write.get(), &err, sizeof err);
    ::_exit(127);
  }
  report_write.reset();
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(report_read.get(), &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    ::waitpid(pid, nullptr, 0);
    return Status::IOError("cannot run " + options.argv[0] + ": " + ErrnoText(child_errno));
  }
  return pid;
}

StatusOr<std::shared_ptr<ProcessHandle>> ProcessHandle::Open(pid_t pid, bool is_child) {
  const int fd = PidfdOpen(pid);
  if (fd < 0) {
    if (errno == ESRCH) return Status::NotFound("process " + std::to_string(pid) + " is gone");
    return Status::IOError("pidfd_open(" + std::to_string(pid) + "): " + ErrnoText(errno));
  }
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  return std::shared_ptr<ProcessHandle>(new ProcessHandle(pid, fd, is_child));
}

bool ProcessHandle::WaitForExit(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    pollfd p = {fd_.get(), POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const int r = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, left.count())));
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return false;
  }
}

Status ProcessHandle::Signal(int signo) const {
  if (PidfdSendSignal(fd_.get(), signo) == 0 || errno == ESRCH) {
    return Status::Ok();
  }
  return Status::IOError("signalling process " + std::to_string(pid_) + ": " + ErrnoText(errno));
}

NodeExit ProcessHandle::Collect() {
  std::lock_guard<std::mutex> lock(mu_);
  if (exit_) return *exit_;
  NodeExit result;
  if (is_child_) {
    siginfo_t info = {};
    int r;
    do {
      r = ::waitid(P_PIDFD, static_cast<id_t>(fd_.get()), &info, WEXITED);
    } while (r < 0 && errno == EINTR);
    // ECHILD: someone else reaped it (SIGCHLD ignored); the status is lost.
    if (r == 0 && info.si_code == CLD_EXITED) {
      result = {NodeExit::How::kExited, info.si_status};
    } else if (r == 0 && (info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED)) {
      result = {NodeExit::How::kSignaled, info.si_status};
    }
  }
  exit_ = result;
  return result;
}

pid_t ParentOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  // "pid (comm) state ppid ...": comm may contain spaces and parentheses.
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(line.substr(close + 1));
  std::string state;
  pid_t ppid = 0;
  rest >> state >> ppid;
  return ppid;
}

std::vector<pid_t> ProcessesWithArgument(const std::string& argument) {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    pid_t pid = 0;
    auto [ptr, err] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (err != std::errc() || ptr != name.data() + name.size() || pid == ::getpid()) continue;
    auto args = ReadCommandLine(pid);
    if (args.ok() && std::find(args->begin(), args->end(), argument) != args->end()) {
      pids.push_back(pid);
    }
  }
  return pids;
}

Status KillProcessesWithArgument(const std::string& argument, std::chrono::milliseconds wait) {
  for (pid_t pid : ProcessesWithArgument(argument)) {
    auto process = ProcessHandle::Open(pid, ParentOf(pid) == ::getpid());
    if (!process.ok()) continue;  // gone already
    TANDEM_RETURN_IF_ERROR((*process)->Signal(SIGKILL));
    if (!(*process)->WaitForExit(wait)) {
      return Status::Unavailable("pid " + std::to_string(pid) + " (" + argument +
                                 ") survived SIGKILL for " + std::to_string(wait.count()) + " ms");
    }
    (*process)->Collect();
  }
  return Status::Ok();
}

StatusOr<std::vector<std::string>> ReadCommandLine(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  if (!in) return Status::NotFound("process " + std::to_string(pid) + " does not exist");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string raw = ss.str();
  std::vector<std::string> args;
  size_t start = 0;
  while (start < raw.size()) {
    size_t end = raw.find('\0', start);
    if (end == std::string::npos) end = raw.size();
    args.push_back(raw.substr(start, end - start));
    start = end + 1;
  }
  return args;
}

}  // namespace tandem::engine
