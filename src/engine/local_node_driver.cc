#include "engine/local_node_driver.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/engine_key_file.h"
#include "engine/node_config.h"
#include "engine/node_files.h"
#include "engine/node_process.h"
#include "engine/system_table_hardening.h"

namespace tandem::engine {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// mariadbd and the engine tools get this environment and nothing of tandemd's.
const std::vector<std::string> kEngineEnvironment = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                                                     "LC_ALL=C"};

constexpr milliseconds kPollInterval(10);
constexpr milliseconds kKillWait(30000);

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// Identifies the UTS namespace of pid ("uts:[4026531838]"); "" if unknown.
std::string UtsNamespaceOf(pid_t pid) {
  std::error_code ec;
  auto target = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/ns/uts", ec);
  return ec ? std::string() : target.string();
}

// Key descriptors for one run of an engine program (none without
// encryption): a new file key each time, so it is never reused.
StatusOr<std::optional<KeyDescriptors>> KeysForOneRun(const NodeSpec& spec,
                                                      const OsAccount& account) {
  if (!spec.encryption.enabled) return std::optional<KeyDescriptors>();
  auto file = SealEngineKeyFile(spec.encryption.keys);
  if (!file.ok()) return file.status();
  auto keys = MakeKeyDescriptors(*file, account.uid, account.gid);
  OPENSSL_cleanse(file->file_key.data(), file->file_key.size());
  if (!keys.ok()) return keys.status();
  return std::optional<KeyDescriptors>(std::move(*keys));
}

// The spec as rendered for this process: a root driver with no os_user must
// tell mariadbd explicitly that running as root is intended.
NodeSpec EffectiveSpec(NodeSpec spec) {
  if (spec.os_user.empty() && ::geteuid() == 0) spec.os_user = "root";
  return spec;
}

}  // namespace

StatusOr<std::unique_ptr<LocalNodeDriver>> LocalNodeDriver::Create(
    NodeSpec spec, EngineInstallation installation) {
  TANDEM_RETURN_IF_ERROR(ValidateNodeSpec(spec));
  auto account = LookupAccount(spec.os_user);
  if (!account.ok()) return account.status();
  return std::unique_ptr<LocalNodeDriver>(
      new LocalNodeDriver(std::move(spec), std::move(installation)));
}

LocalNodeDriver::LocalNodeDriver(NodeSpec spec, EngineInstallation installation)
    : installation_(std::move(installation)), layout_(spec.data_root), spec_(std::move(spec)) {}

LocalNodeDriver::~LocalNodeDriver() {
  // A child that already exited is reaped, so it does not linger as a zombie;
  // a running one is left running.
  auto p = Attached();
  if (p && p->Exited()) p->Collect();
}

NodeSpec LocalNodeDriver::spec() const {
  std::lock_guard<std::mutex> lock(mu_);
  return spec_;
}

Status LocalNodeDriver::UpdateSpec(NodeSpec spec) {
  TANDEM_RETURN_IF_ERROR(ValidateNodeSpec(spec));
  std::lock_guard<std::mutex> lock(mu_);
  if (spec.node_name != spec_.node_name || spec.data_root != spec_.data_root ||
      spec.os_user != spec_.os_user) {
    return Status::InvalidArgument(
        "UpdateSpec cannot change a node's identity (node_name, data_root, os_user)");
  }
  spec_ = std::move(spec);
  return Status::Ok();
}

std::shared_ptr<ProcessHandle> LocalNodeDriver::Attached() const {
  std::lock_guard<std::mutex> lock(mu_);
  return process_;
}

void LocalNodeDriver::Attach(std::shared_ptr<ProcessHandle> process) {
  std::lock_guard<std::mutex> lock(mu_);
  process_ = std::move(process);
  hostname_isolated_ = false;
  checked_ = false;
}

bool LocalNodeDriver::checked() const {
  std::lock_guard<std::mutex> lock(mu_);
  return checked_;
}

pid_t LocalNodeDriver::pid() const {
  auto p = Attached();
  return p ? p->pid() : 0;
}

int LocalNodeDriver::exit_fd() const {
  auto p = Attached();
  return p ? p->fd() : -1;
}

bool LocalNodeDriver::hostname_isolated() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hostname_isolated_;
}

bool LocalNodeDriver::IsAlive() const {
  auto p = Attached();
  return p && !p->Exited();
}

std::optional<NodeExit> LocalNodeDriver::WaitForExit(milliseconds timeout) {
  auto p = Attached();
  if (!p) {
    std::lock_guard<std::mutex> lock(mu_);
    return last_exit_.value_or(NodeExit());
  }
  if (!p->WaitForExit(timeout)) return std::nullopt;
  NodeExit exit = p->Collect();
  std::lock_guard<std::mutex> lock(mu_);
  if (process_ == p) last_exit_ = exit;
  return exit;
}

std::optional<NodeExit> LocalNodeDriver::last_exit() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_exit_;
}

StatusOr<std::unique_ptr<AdminConnection>> LocalNodeDriver::ConnectAdmin(AdminBinlog binlog) const {
  ConnectOptions options;
  options.unix_socket = layout_.socket();
  options.binlog = binlog;
  return AdminConnection::Connect(options);
}

// Everything of the node (data, logs, binary and relay logs) lives below its
// root: the root's file system is the one that fills up.
StatusOr<StorageSpace> LocalNodeDriver::Storage() const { return FileSystemSpace(layout_.root); }

Status LocalNodeDriver::Adopt() {
  std::ifstream in(layout_.pid_file());
  std::string text;
  if (!in || !std::getline(in, text)) {
    return Status::NotFound("node " + layout_.root + " is not running (no pid file)");
  }
  pid_t pid = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (ec != std::errc() || pid <= 0) {
    return Status::NotFound("node " + layout_.root + " has an unreadable pid file");
  }
  // The pidfd first, then the identity check: if the check passes, the pidfd
  // refers to the process checked (a pid is only reused after its exit, and
  // the exit check below covers that window).
  auto handle = ProcessHandle::Open(pid, ParentOf(pid) == ::getpid());
  if (!handle.ok()) {
    if (handle.status().code() == Status::Code::kNotFound) {
      return Status::NotFound("node " + layout_.root + " is not running (stale pid file, pid " +
                              std::to_string(pid) + ")");
    }
    return handle.status();
  }
  auto args = ReadCommandLine(pid);
  const std::string defaults = "--defaults-file=" + layout_.config_file();
  const bool ours = args.ok() && !args->empty() &&
                    (std::filesystem::path((*args)[0]).filename() == "mariadbd" ||
                     (*args)[0] == installation_.mariadbd) &&
                    std::find(args->begin(), args->end(), defaults) != args->end();
  if (!ours || (*handle)->Exited()) {
    return Status::NotFound("node " + layout_.root + " is not running (pid " + std::to_string(pid) +
                            " is not its mariadbd)");
  }
  Attach(std::move(*handle));
  // No SQL here: adopting must not wait on a node that is hung. The driver
  // that started it gave it spec.hostname if it gave it a namespace at all.
  const bool isolated = UtsNamespaceOf(pid) != UtsNamespaceOf(::getpid());
  std::lock_guard<std::mutex> lock(mu_);
  hostname_isolated_ = isolated;
  return Status::Ok();
}

Status LocalNodeDriver::PrepareFiles() {
  const NodeSpec spec = EffectiveSpec(this->spec());
  auto account = LookupAccount(spec.os_user);
  if (!account.ok()) return account.status();
  TANDEM_RETURN_IF_ERROR(CheckReachable(layout_.root, *account));
  TANDEM_RETURN_IF_ERROR(EnsureOwnedDirectory(layout_.root, 0700, *account));
  for (const std::string& dir : {layout_.data_dir(), layout_.binlog_dir(), layout_.log_dir(),
                                 layout_.run_dir(), layout_.tmp_dir(), layout_.tls_dir()}) {
    TANDEM_RETURN_IF_ERROR(EnsureOwnedDirectory(dir, 0700, *account));
  }
  auto config = RenderNodeConfig(spec, installation_);
  if (!config.ok()) return config.status();
  TANDEM_RETURN_IF_ERROR(WriteOwnedFile(layout_.config_file(), *config, 0640, *account));
  if (spec.tls.enabled()) {
    TANDEM_RETURN_IF_ERROR(
        WriteOwnedFile(layout_.tls_certificate(), spec.tls.certificate_pem, 0644, *account));
    TANDEM_RETURN_IF_ERROR(
        WriteOwnedFile(layout_.tls_private_key(), spec.tls.private_key_pem, 0600, *account));
    if (!spec.tls.ca_pem.empty()) {
      TANDEM_RETURN_IF_ERROR(WriteOwnedFile(layout_.tls_ca(), spec.tls.ca_pem, 0644, *account));
    }
  }
  return Status::Ok();
}

StatusOr<NodeExit> LocalNodeDriver::RunWithNodeKeys(const std::vector<std::string>& argv,
                                                    milliseconds timeout,
                                                    const std::string& output_path) {
  const NodeSpec spec = EffectiveSpec(this->spec());
  auto account = LookupAccount(spec.os_user);
  if (!account.ok()) return account.status();
  auto keys = KeysForOneRun(spec, *account);
  if (!keys.ok()) return keys.status();
  SpawnOptions options;
  options.argv = argv;
  options.env = kEngineEnvironment;
  options.output_path = output_path;
  options.new_session = true;  // its own process group, killed as a whole on timeout
  options.keys = keys->has_value() ? &keys->value() : nullptr;
  auto pid = SpawnProcess(options);
  if (!pid.ok()) return pid.status();
  auto handle = ProcessHandle::Open(*pid, true);
  if (!handle.ok()) return handle.status();
  if (!(*handle)->WaitForExit(timeout)) {
    ::kill(-*pid, SIGKILL);
    (*handle)->WaitForExit(kKillWait);
    (*handle)->Collect();
    return Status::Unavailable(argv[0] + " did not finish within " +
                               std::to_string(timeout.count()) + " ms");
  }
  return (*handle)->Collect();
}

Status LocalNodeDriver::StartupFailure(Status::Code code, const std::string& what) const {
  const std::string tail = ReadTail(layout_.error_log(), kLogTailBytes);
  std::string msg = "node " + layout_.root + ": " + what +
                    (tail.empty() ? "" : "; error log ends with:\n" + tail);
  // A server option mariadbd rejects (from a parameter group) is the caller's
  // input, not a transient failure: retrying cannot help.
  for (const char* bad_option :
       {"unknown variable", "unknown option", "Error while setting value", "Incorrect value"}) {
    if (tail.find(bad_option) != std::string::npos) return Status::InvalidArgument(msg);
  }
  return code == Status::Code::kIOError ? Status::IOError(msg) : Status::Unavailable(msg);
}

Status LocalNodeDriver::Launch(Clock::time_point deadline) {
  const NodeSpec spec = EffectiveSpec(this->spec());
  auto account = LookupAccount(spec.os_user);
  if (!account.ok()) return account.status();
  auto keys = KeysForOneRun(spec, *account);
  if (!keys.ok()) return keys.status();
  SpawnOptions options;
  options.argv = {installation_.mariadbd, "--defaults-file=" + layout_.config_file()};
  options.env = kEngineEnvironment;
  options.output_path = layout_.stdout_log();
  options.new_session = true;
  options.uts_hostname = spec.hostname;
  options.keys = keys->has_value() ? &keys->value() : nullptr;
  auto pid = SpawnProcess(options);
  if (!pid.ok()) return pid.status();
  // Our copies go now; mariadbd holds its own until it has read them.
  keys->reset();
  auto opened = ProcessHandle::Open(*pid, true);
  if (!opened.ok()) return opened.status();
  std::shared_ptr<ProcessHandle> handle = *opened;
  Attach(handle);

  ConnectOptions probe;
  probe.unix_socket = layout_.socket();
  probe.connect_timeout = milliseconds(1000);
  probe.read_timeout = milliseconds(1000);
  while (true) {
    if (handle->Exited()) {
      NodeExit exit = handle->Collect();
      {
        std::lock_guard<std::mutex> lock(mu_);
        last_exit_ = exit;
      }
      return StartupFailure(Status::Code::kUnavailable,
                            "mariadbd " + exit.ToString() + " while starting");
    }
    if (FileExists(layout_.socket())) {
      auto conn = AdminConnection::Connect(probe);
      if (conn.ok() && (*conn)->Execute("SELECT 1").ok()) return Status::Ok();
    }
    if (Clock::now() >= deadline) {
      handle->Signal(SIGKILL);
      handle->WaitForExit(kKillWait);
      NodeExit exit = handle->Collect();
      {
        std::lock_guard<std::mutex> lock(mu_);
        last_exit_ = exit;
      }
      return StartupFailure(Status::Code::kUnavailable,
                            "mariadbd did not answer on its socket in time and was killed");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

Status LocalNodeDriver::AfterStart() {
  auto conn = ConnectAdmin(AdminBinlog::kSkip);
  if (!conn.ok()) return conn.status();
  TANDEM_RETURN_IF_ERROR(HardenSystemTables(**conn));
  auto rs = (*conn)->Query("SELECT @@hostname");
  if (!rs.ok()) return rs.status();
  std::lock_guard<std::mutex> lock(mu_);
  hostname_isolated_ = rs->rows.size() == 1 && rs->rows[0][0] == spec_.hostname;
  checked_ = true;
  return Status::Ok();
}

Status LocalNodeDriver::WaitUntilEncrypted(Clock::time_point deadline) {
  auto conn = ConnectAdmin(AdminBinlog::kSkip);
  if (!conn.ok()) return conn.status();
  // The system tablespace (undo log, doublewrite buffer) is encrypted by the
  // background threads after creation; everything else is created encrypted.
  while (true) {
    auto rs = (*conn)->Query(
        "SELECT SUM(ENCRYPTION_SCHEME = 0 OR KEY_ROTATION_PAGE_NUMBER IS NOT NULL), "
        "SUM(SPACE = 0) FROM information_schema.INNODB_TABLESPACES_ENCRYPTION");
    if (!rs.ok()) return rs.status();
    if (rs->rows.size() == 1 && rs->rows[0][0] == "0" && rs->rows[0][1] == "1") {
      return Status::Ok();
    }
    if (Clock::now() >= deadline) {
      return StartupFailure(Status::Code::kUnavailable,
                            "InnoDB did not finish encrypting its tablespaces in time");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

Status LocalNodeDriver::Initialize(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  if (FileExists(layout_.initialized_marker())) return Start(timeout);

  // No marker: nothing here was ever handed to a user. A mariadbd left by an
  // interrupted attempt goes first (and any install still writing here, so
  // it cannot race the new one), then every file they made.
  if (IsAlive() || Adopt().ok()) TANDEM_RETURN_IF_ERROR(Kill());
  // mariadb-install-db and the mariadbd --bootstrap it feeds, left running in
  // their own session, name the node's config.
  TANDEM_RETURN_IF_ERROR(
      KillProcessesWithArgument("--defaults-file=" + layout_.config_file(), kKillWait));
  for (const std::string& dir : {layout_.data_dir(), layout_.binlog_dir(), layout_.log_dir(),
                                 layout_.run_dir(), layout_.tmp_dir()}) {
    TANDEM_RETURN_IF_ERROR(RemoveDirectoryContents(dir));
  }
  TANDEM_RETURN_IF_ERROR(PrepareFiles());

  const NodeSpec spec = EffectiveSpec(this->spec());
  auto own = LookupAccount("");
  if (!own.ok()) return own.status();
  std::vector<std::string> install = {installation_.install_db,
                                      "--defaults-file=" + layout_.config_file(),
                                      "--skip-test-db",
                                      "--skip-name-resolve",
                                      "--auth-root-authentication-method=socket",
                                      "--auth-root-socket-user=" + own->name};
  if (::geteuid() == 0) install.push_back("--user=" + spec.os_user);
  auto installed = RunWithNodeKeys(install, TimeLeft(deadline), layout_.install_log());
  if (!installed.ok()) return installed.status();
  if (installed->how != NodeExit::How::kExited || installed->code != 0) {
    const std::string install_tail = ReadTail(layout_.install_log(), kLogTailBytes);
    return StartupFailure(Status::Code::kIOError, "creating the data directory failed (" +
                                                      installed->ToString() + "): " + install_tail);
  }

  TANDEM_RETURN_IF_ERROR(Launch(deadline));
  TANDEM_RETURN_IF_ERROR(AfterStart());
  if (spec.encryption.enabled) TANDEM_RETURN_IF_ERROR(WaitUntilEncrypted(deadline));
  auto account = LookupAccount(spec.os_user);
  if (!account.ok()) return account.status();
  return MarkInitialized(*account);
}

Status LocalNodeDriver::WriteConfig() { return PrepareFiles(); }

Status LocalNodeDriver::BeginRestore() {
  if (IsAlive() || Adopt().ok()) {
    return Status::Conflict("node " + layout_.root +
                            " is running: stop it before restoring its data from a copy");
  }
  if (::unlink(layout_.initialized_marker().c_str()) != 0 && errno != ENOENT) {
    return Status::IOError("cannot remove " + layout_.initialized_marker() + ": " +
                           std::strerror(errno));
  }
  for (const std::string& dir : {layout_.data_dir(), layout_.binlog_dir()}) {
    TANDEM_RETURN_IF_ERROR(RemoveDirectoryContents(dir));
  }
  return PrepareFiles();
}

Status LocalNodeDriver::FinishRestore() {
  const NodeSpec spec = this->spec();
  auto account = LookupAccount(EffectiveSpec(spec).os_user);
  if (!account.ok()) return account.status();
  // Without os_user the node runs as this process's account, which made the files.
  if (!spec.os_user.empty()) TANDEM_RETURN_IF_ERROR(ChownTree(layout_.root, *account));
  return MarkInitialized(*account);
}

Status LocalNodeDriver::MarkInitialized(const OsAccount& account) {
  return WriteOwnedFile(layout_.initialized_marker(),
                        "initialized and hardened; do not remove: without this file the next "
                        "Initialize wipes the node\n",
                        0600, account);
}

Status LocalNodeDriver::Start(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  if (!IsAlive()) {
    Status adopted = Adopt();
    if (adopted.code() == Status::Code::kNotFound) {
      if (!FileExists(layout_.initialized_marker())) {
        return Status::NotFound("node " + layout_.root +
                                " is not initialized: Initialize it first");
      }
      TANDEM_RETURN_IF_ERROR(PrepareFiles());
      TANDEM_RETURN_IF_ERROR(Launch(deadline));
    } else if (!adopted.ok()) {
      return adopted;
    }
  }
  // Also for a node already running (adopted, or a Start whose checks failed
  // before): the hardening check must have passed for this process.
  return checked() ? Status::Ok() : AfterStart();
}

Status LocalNodeDriver::Terminate(int first_signal, milliseconds grace) {
  auto handle = Attached();
  if (!handle || handle->Exited()) {
    Status adopted = Adopt();
    if (adopted.code() == Status::Code::kNotFound) {
      if (handle) WaitForExit(milliseconds(0));
      return Status::Ok();
    }
    TANDEM_RETURN_IF_ERROR(adopted);
    handle = Attached();
  }
  TANDEM_RETURN_IF_ERROR(handle->Signal(first_signal));
  if (!handle->WaitForExit(grace)) {
    TANDEM_RETURN_IF_ERROR(handle->Signal(SIGKILL));
    if (!handle->WaitForExit(kKillWait)) {
      return Status::Unavailable("node " + layout_.root + ": mariadbd (pid " +
                                 std::to_string(handle->pid()) + ") survived SIGKILL for 30 s");
    }
  }
  WaitForExit(milliseconds(0));
  return Status::Ok();
}

Status LocalNodeDriver::Stop(milliseconds timeout) { return Terminate(SIGTERM, timeout); }

Status LocalNodeDriver::Kill() { return Terminate(SIGKILL, kKillWait); }

Status LocalNodeDriver::Destroy(milliseconds timeout) {
  TANDEM_RETURN_IF_ERROR(Stop(timeout));
  std::error_code ec;
  std::filesystem::remove_all(layout_.root, ec);
  if (ec) return Status::IOError("cannot remove node " + layout_.root + ": " + ec.message());
  return Status::Ok();
}

Status LocalNodeDriver::Signal(int signo) {
  auto handle = Attached();
  if (!handle || handle->Exited()) {
    TANDEM_RETURN_IF_ERROR(Adopt());
    handle = Attached();
  }
  return handle->Signal(signo);
}

}  // namespace tandem::engine
