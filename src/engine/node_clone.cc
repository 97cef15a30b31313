#include "engine/node_clone.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "engine/node_files.h"
#include "engine/node_process.h"

namespace tandem::engine {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kLeftoverKillWait{30000};

milliseconds Since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

// One clone: its directories, its log, and how each program run is judged.
class CloneRun {
 public:
  CloneRun(LocalNodeDriver& source, LocalNodeDriver& target, std::string program,
           Clock::time_point deadline)
      : source_(source),
        target_(target),
        program_(std::move(program)),
        deadline_(deadline),
        clone_dir_(target.layout().root + "/clone"),
        log_(target.layout().log_dir() + "/clone.log") {}

  // The copy goes, whatever happened: a failed clone leaves only its log.
  ~CloneRun() {
    std::error_code ec;
    std::filesystem::remove_all(clone_dir_, ec);
  }
  CloneRun(const CloneRun&) = delete;
  CloneRun& operator=(const CloneRun&) = delete;

  const std::string& clone_dir() const { return clone_dir_; }
  const std::string& log() const { return log_; }

  // Runs program_ with args through node's RunWithNodeKeys (node's config
  // first, as mariadb-backup requires --defaults-file to be).
  Status Run(LocalNodeDriver& node, const std::string& step, std::vector<std::string> args) {
    std::vector<std::string> argv = {program_, "--defaults-file=" + node.layout().config_file()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto ended = node.RunWithNodeKeys(argv, TimeLeft(deadline_), log_);
    if (!ended.ok()) return Failure(ended.status().code(), step, ended.status().message());
    if (ended->how != NodeExit::How::kExited || ended->code != 0) {
      return Failure(Status::Code::kIOError, step, program_ + " " + ended->ToString());
    }
    return Status::Ok();
  }

  // "cloning <source> into <target>: <step> failed: <what>; clone log ends with: ..."
  Status Failure(Status::Code code, const std::string& step, const std::string& what) const {
    const std::string tail = ReadTail(log_, kLogTailBytes);
    std::string msg = "cloning node " + source_.layout().root + " into " + target_.layout().root +
                      ": " + step + " failed: " + what +
                      (tail.empty() ? "" : "; " + log_ + " ends with:\n" + tail);
    switch (code) {
      case Status::Code::kUnavailable:
        return Status::Unavailable(msg);
      case Status::Code::kInvalidArgument:
        return Status::InvalidArgument(msg);
      default:
        return Status::IOError(msg);
    }
  }

 private:
  LocalNodeDriver& source_;
  LocalNodeDriver& target_;
  const std::string program_;
  const Clock::time_point deadline_;
  const std::string clone_dir_;
  const std::string log_;
};

// The GTID position a backup is consistent with: the last tab-separated field
// of "<binlog file>\t<offset>\t<gtid list>", or "" when the source had no
// GTID yet (the field is then missing or empty).
StatusOr<std::string> BackupGtidPosition(const std::string& backup_dir) {
  // 10.11 writes xtrabackup_binlog_info; later versions mariadb_backup_binlog_info.
  for (const char* name : {"mariadb_backup_binlog_info", "xtrabackup_binlog_info"}) {
    std::ifstream in(backup_dir + "/" + name);
    if (!in) continue;
    std::string line;
    std::getline(in, line);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    const size_t first_tab = line.find('\t');
    const size_t last_tab = line.rfind('\t');
    if (first_tab == std::string::npos || first_tab == last_tab) return std::string();
    return line.substr(last_tab + 1);
  }
  return Status::Internal("the backup in " + backup_dir +
                          " has no binlog position (xtrabackup_binlog_info): is the source's "
                          "binary log off?");
}

Status RemoveTree(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (ec) return Status::IOError("cannot remove " + dir + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

StatusOr<CloneResult> CloneNode(LocalNodeDriver& source, LocalNodeDriver& target,
                                milliseconds timeout, const std::string& backup_program) {
  const auto deadline = Clock::now() + timeout;
  if (source.layout().root == target.layout().root) {
    return Status::InvalidArgument("cannot clone node " + source.layout().root + " into itself");
  }
  if (target.IsAlive() || target.Adopt().ok()) {
    return Status::Conflict("cannot clone into node " + target.layout().root +
                            ": it is running; stop it first");
  }
  auto own = LookupAccount("");
  if (!own.ok()) return own.status();

  // The target's config must exist and be current: --prepare and --move-back
  // read it (datadir, plugin_dir for the key plugin, InnoDB settings).
  TANDEM_RETURN_IF_ERROR(target.WriteConfig());
  CloneRun run(source, target, backup_program, deadline);
  // Left by an interrupted clone (tandemd killed): its mariadb-backup may
  // still be writing there, and would race this copy into the same files.
  TANDEM_RETURN_IF_ERROR(
      KillProcessesWithArgument("--target-dir=" + run.clone_dir(), kLeftoverKillWait));
  TANDEM_RETURN_IF_ERROR(RemoveTree(run.clone_dir()));
  {
    std::ofstream log(run.log(), std::ios::trunc);
    log << "clone of node " << source.layout().root << " into " << target.layout().root << "\n";
    if (!log) return Status::IOError("cannot write " + run.log());
  }
  CloneResult result;

  // Online: mariadb-backup copies while the source serves, then holds BACKUP
  // STAGE BLOCK_COMMIT only long enough to read a consistent GTID position.
  // It writes nothing to the source's binlog (FLUSH NO_WRITE_TO_BINLOG), so
  // a standby can be a source too without an errant GTID.
  const std::vector<std::string> backup_args = {
      "--backup", "--target-dir=" + run.clone_dir(), "--socket=" + source.layout().socket(),
      // The server's option group names mariadbd's OS account in `user`,
      // which mariadb-backup would otherwise take as its login.
      "--user=" + own->name,
      // The redo log copier polls every second by default, and the backup
      // waits for it twice: most of the time of a small backup.
      "--log-copy-interval=10"};
  auto start = Clock::now();
  TANDEM_RETURN_IF_ERROR(run.Run(source, "backup", backup_args));
  result.backup = Since(start);
  auto position = BackupGtidPosition(run.clone_dir());
  if (!position.ok()) return position.status();
  result.gtid_position = *position;

  // Crash recovery of the copy. The target's config brings the key plugin
  // (it needs plugin_dir set to load) reading the target's key descriptors:
  // the same keys as the source's.
  start = Clock::now();
  TANDEM_RETURN_IF_ERROR(
      run.Run(target, "prepare", {"--prepare", "--target-dir=" + run.clone_dir()}));
  result.prepare = Since(start);

  // Only now is the target's old data replaced: a failed backup leaves it
  // as it was.
  start = Clock::now();
  TANDEM_RETURN_IF_ERROR(target.BeginRestore());
  // Renames, since the clone directory is on the target's file system.
  TANDEM_RETURN_IF_ERROR(
      run.Run(target, "move-back", {"--move-back", "--target-dir=" + run.clone_dir()}));
  TANDEM_RETURN_IF_ERROR(RemoveTree(run.clone_dir()));
  TANDEM_RETURN_IF_ERROR(target.FinishRestore());
  result.restore = Since(start);
  return result;
}

}  // namespace tandem::engine
