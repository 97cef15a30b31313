// Processes of engine nodes: spawning with the node's key descriptors, its own
// session and UTS namespace; watching and signalling through pidfds;
// recognizing a node's mariadbd from /proc; and clearing away the programs an
// interrupted step left running. Internal to engine/.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/unique_fd.h"
#include "engine/engine_key_file.h"
#include "engine/node_exit.h"

namespace tandem::engine {

// The two descriptors through which mariadbd (or an engine tool) reads the
// key material at startup (node_config.h): the encrypted key file as a sealed
// memfd (the plugin seeks in it; a pipe cannot be used), and the file key in a
// pipe whose write end is already closed, so it can be read exactly once.
// Both are owned by the node's account, mode 0400, and exist only in memory.
struct KeyDescriptors {
  UniqueFd key_file;
  UniqueFd file_key;
};
StatusOr<KeyDescriptors> MakeKeyDescriptors(const EngineKeyFile& file, uid_t uid, gid_t gid);

struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0]: absolute path of the program
  std::vector<std::string> env;   // the whole environment, "NAME=value"
  std::string output_path;        // stdout and stderr are appended here; empty: /dev/null
  bool new_session = false;       // setsid(): the process outlives the driver's session
  // Non-empty: run in a new UTS namespace with this host name, if the system
  // allows it (root); otherwise the host name stays the machine's.
  std::string uts_hostname;
  const KeyDescriptors* keys = nullptr;  // placed at kKeyFileFd and kFileKeyFd
};

// Forks and execs. The child gets stdin from /dev/null, the given output,
// the key descriptors, no other descriptor, default signal handling and an
// empty signal mask. kIOError if fork fails or the program cannot be executed
// (the message says why).
StatusOr<pid_t> SpawnProcess(const SpawnOptions& options);

// A process watched through a pidfd, so a pid reused after its exit can never
// be signalled by mistake. Thread-safe.
class ProcessHandle {
 public:
  // is_child: the process is this process's child, so its exit status can be
  // collected (and must be, to leave no zombie). kNotFound if pid is gone.
  static StatusOr<std::shared_ptr<ProcessHandle>> Open(pid_t pid, bool is_child);

  pid_t pid() const { return pid_; }
  // Readable (POLLIN) once the process has exited.
  int fd() const { return fd_.get(); }

  bool Exited() const { return WaitForExit(std::chrono::milliseconds(0)); }
  // True if the process exited within timeout.
  bool WaitForExit(std::chrono::milliseconds timeout) const;
  // OK also if the process has already exited (nothing to signal).
  Status Signal(int signo) const;
  // How the process ended; reaps it if it is a child. Only after Exited().
  NodeExit Collect();

 private:
  ProcessHandle(pid_t pid, int fd, bool is_child) : pid_(pid), fd_(fd), is_child_(is_child) {}
  const pid_t pid_;
  const UniqueFd fd_;
  const bool is_child_;
  std::mutex mu_;
  std::optional<NodeExit> exit_;  // guarded by mu_
};

// The NUL-separated arguments of /proc/<pid>/cmdline. kNotFound if the
// process does not exist.
StatusOr<std::vector<std::string>> ReadCommandLine(pid_t pid);

// The parent pid of pid, from /proc/<pid>/stat (0 if unknown).
pid_t ParentOf(pid_t pid);

// Pids of every process (this one excepted) one of whose arguments is exactly
// `argument` (e.g. "--defaults-file=<node>/my.cnf").
std::vector<pid_t> ProcessesWithArgument(const std::string& argument);

// SIGKILLs every process ProcessesWithArgument(argument) finds and waits until
// each is gone, reaping those that are this process's children: how the
// programs of a step that tandemd's crash interrupted (an install, a copy;
// they outlive tandemd) are cleared away before the step is done again, so
// the new attempt never races the old one. kUnavailable if a process is
// still there `wait` after SIGKILL.
Status KillProcessesWithArgument(const std::string& argument, std::chrono::milliseconds wait);

}  // namespace tandem::engine
