// LocalNodeDriver: runs a node as a local mariadbd process (NodeDriver).
//
// Process: mariadbd is started with --defaults-file=<root>/my.cnf (rewritten
// from the spec at every start) in its own session (setsid), so it outlives
// tandemd; it drops to spec.os_user itself. Where the system allows (root),
// it runs in its own UTS namespace whose host name is spec.hostname, so
// @@hostname names the node; otherwise @@hostname is the machine's and only
// report_host carries the node's name (hostname_isolated() tells which).
// The environment is reduced to PATH and LC_ALL; no descriptor of tandemd's
// leaks in.
//
// Watching: the driver holds a pidfd for the process, so an exit (a crash,
// kill -9) is seen the moment it happens (exit_fd() becomes readable,
// WaitForExit returns) and a recycled pid is never signalled.
//
// Adopting: after tandemd restarts, Adopt (or Start) reads the pid file,
// checks in /proc that the pid is a mariadbd started with this node's
// --defaults-file, and opens a pidfd for it. Exit statuses of adopted
// processes are unknown (they are no longer tandemd's children).
//
// Key material (storage encryption): the key file for file_key_management is
// built in memory, encrypted under a file key drawn fresh for each start, and
// handed to mariadbd as two inherited descriptors it opens through
// /proc/self/fd: a sealed memfd for the key file (the plugin seeks in it, so
// a FIFO cannot be used), a pipe for the file key (read once, then empty).
// Neither is ever a file on any file system, and SHOW VARIABLES shows only
// the descriptor paths. The plugin reads both once, at startup. The memfd
// stays open in mariadbd, holding only ciphertext.
//
// Thread-safety: see node_driver.h; WriteConfig, BeginRestore and
// FinishRestore are lifecycle steps too (one caller at a time). Not copyable.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/node_driver.h"
#include "engine/node_layout.h"
#include "engine/node_spec.h"

namespace tandem::engine {

class ProcessHandle;
struct OsAccount;

class LocalNodeDriver final : public NodeDriver {
 public:
  // kInvalidArgument if spec is invalid (ValidateNodeSpec) or spec.os_user
  // does not exist. Touches nothing on disk.
  static StatusOr<std::unique_ptr<LocalNodeDriver>> Create(
      NodeSpec spec, EngineInstallation installation = EngineInstallation());

  // Leaves a running node running.
  ~LocalNodeDriver() override;
  LocalNodeDriver(const LocalNodeDriver&) = delete;
  LocalNodeDriver& operator=(const LocalNodeDriver&) = delete;

  NodeSpec spec() const override;
  Status UpdateSpec(NodeSpec spec) override;
  Status Initialize(std::chrono::milliseconds timeout) override;
  Status Start(std::chrono::milliseconds timeout) override;
  Status Stop(std::chrono::milliseconds timeout) override;
  Status Kill() override;
  Status Destroy(std::chrono::milliseconds timeout) override;
  Status Signal(int signo) override;
  Status Adopt() override;
  bool IsAlive() const override;
  std::optional<NodeExit> WaitForExit(std::chrono::milliseconds timeout) override;
  std::optional<NodeExit> last_exit() const override;
  StatusOr<std::unique_ptr<AdminConnection>> ConnectAdmin(AdminBinlog binlog) const override;
  StatusOr<StorageSpace> Storage() const override;

  const NodeLayout& layout() const { return layout_; }
  // Pid of the attached process (0 if none).
  pid_t pid() const;
  // A pidfd of the attached process, readable (POLLIN) once it has exited;
  // -1 if none. Stays valid until the next Initialize, Start or Adopt.
  int exit_fd() const;
  // Whether the running node reports spec.hostname as @@hostname (checked at
  // its start or adoption).
  bool hostname_isolated() const;

  // Creates the node's directories and writes its config and TLS files from
  // the current spec, as Start does before it launches mariadbd. Starts
  // nothing and touches no data; a running node keeps the config it started
  // with. For engine programs run against a node that is not running (e.g.
  // mariadb-backup --prepare with its --defaults-file).
  Status WriteConfig();

  // Filling the data directory from a physical copy of an initialized node
  // (node_clone.h) instead of Initialize, in two steps around the copy.
  // BeginRestore: kConflict if the node is running (adopted or not: stop it
  // first). Otherwise forgets that the node was initialized (so an
  // interrupted restore is refused by Start and wiped by the next
  // Initialize), empties its data and binlog directories, and writes its
  // config and TLS files (WriteConfig). Its logs and TLS files stay.
  Status BeginRestore();
  // FinishRestore: the data directory now holds a complete copy of a node
  // initialized with the same encryption keys. Gives everything below the
  // root to spec.os_user (if set) and marks the node initialized, so Start
  // starts it (and checks its hardening, as at every start).
  Status FinishRestore();

  // Runs an engine program that reads this node's config (argv, e.g.
  // mariadb-backup --defaults-file=...) with the node's key descriptors, and
  // waits up to timeout (then kills its process group). Output is appended to
  // output_path. Returns how it ended.
  StatusOr<NodeExit> RunWithNodeKeys(const std::vector<std::string>& argv,
                                     std::chrono::milliseconds timeout,
                                     const std::string& output_path);

 private:
  LocalNodeDriver(NodeSpec spec, EngineInstallation installation);

  std::shared_ptr<ProcessHandle> Attached() const;
  void Attach(std::shared_ptr<ProcessHandle> process);
  bool checked() const;
  Status PrepareFiles();
  Status Launch(std::chrono::steady_clock::time_point deadline);
  Status AfterStart();
  Status WaitUntilEncrypted(std::chrono::steady_clock::time_point deadline);
  Status MarkInitialized(const OsAccount& account);
  Status Terminate(int first_signal, std::chrono::milliseconds grace);
  // what, with the error log's tail; kInvalidArgument if the log shows that
  // mariadbd rejected a server option, else code.
  Status StartupFailure(Status::Code code, const std::string& what) const;

  const EngineInstallation installation_;
  const NodeLayout layout_;

  mutable std::mutex mu_;
  NodeSpec spec_;                           // guarded by mu_
  std::shared_ptr<ProcessHandle> process_;  // guarded by mu_
  std::optional<NodeExit> last_exit_;       // guarded by mu_
  bool hostname_isolated_ = false;          // guarded by mu_
  bool checked_ = false;                    // AfterStart succeeded for process_; guarded by mu_
};

}  // namespace tandem::engine
