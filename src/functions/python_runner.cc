#include "functions/python_runner.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <tuple>

#include "common/clock.h"
#include "common/unique_fd.h"
#include "functions/python_bootstrap.h"

namespace tandem::functions {
namespace {

using Json = nlohmann::json;

// Descriptors as the bootstrap expects them (python_bootstrap.h).
constexpr int kResultFd = 3;
constexpr int kCodeFd = 4;
constexpr int kInvocationFd = 5;

// What the child reports through the report pipe before exec.
struct ChildReport {
  enum Stage : int { kPkiView = 1, kFatal = 2 };
  int stage;
  int err;
  int step;  // which call failed, for the message
};
const char* const kFatalSteps[] = {"setgroups/setgid/setuid", "prctl", "chdir", "execve"};
const char* const kPkiSteps[] = {"unshare(CLONE_NEWNS)", "making / private", "tmpfs",
                                 "preparing the overlay", "overlay on /etc"};

std::string ErrnoText(int err) { return ::strerror(err); }

int PidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0u)); }

StatusOr<UniqueFd> DupHigh(int fd) {
  const int high = ::fcntl(fd, F_DUPFD_CLOEXEC, 10);
  if (high < 0) return Status::IOError("fcntl(F_DUPFD): " + ErrnoText(errno));
  return UniqueFd(high);
}

std::optional<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Mount points strictly under /etc (Docker's /etc/hosts, /etc/resolv.conf):
// the overlay on /etc would hide them, so the child binds them back.
std::vector<std::string> EtcSubmounts() {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, mount_point;
    fields >> id >> parent >> dev >> root >> mount_point;
    std::string decoded;  // mountinfo escapes space, tab, newline, backslash as \ooo
    for (size_t i = 0; i < mount_point.size(); ++i) {
      if (mount_point[i] == '\\' && i + 3 < mount_point.size()) {
        decoded += static_cast<char>(std::stoi(mount_point.substr(i + 1, 3), nullptr, 8));
        i += 3;
      } else {
        decoded += mount_point[i];
      }
    }
    if (decoded.rfind("/etc/", 0) == 0) out.push_back(decoded);
  }
  return out;
}

// Captured output: the first part and the last part of what the function wrote.
class BoundedOutput {
 public:
  explicit BoundedOutput(size_t limit) : head_limit_(limit * 3 / 4), tail_limit_(limit / 4) {}
  void Append(std::string_view data) {
    if (head_.size() < head_limit_) {
      size_t n = std::min(data.size(), head_limit_ - head_.size());
      head_.append(data.substr(0, n));
      data.remove_prefix(n);
    }
    if (data.empty()) return;
    tail_.append(data);
    if (tail_.size() > 2 * tail_limit_) {
      dropped_ += tail_.size() - tail_limit_;
      tail_.erase(0, tail_.size() - tail_limit_);
    }
  }
  std::string Text() const {
    std::string tail = tail_;
    size_t dropped = dropped_;
    if (tail.size() > tail_limit_) {
      dropped += tail.size() - tail_limit_;
      tail.erase(0, tail.size() - tail_limit_);
    }
    if (dropped == 0) return head_ + tail;
    return head_ + "\n[... " + std::to_string(dropped) + " bytes of output dropped ...]\n" + tail;
  }

 private:
  size_t head_limit_;
  size_t tail_limit_;
  std::string head_;
  std::string tail_;
  size_t dropped_ = 0;
};

std::string ErrorPayload(const std::string& type, const std::string& message) {
  return Json{{"errorType", type}, {"errorMessage", message}}.dump();
}

std::string SecondsText(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

// Everything the child needs, prepared before fork (the child of a
// multi-threaded process may only make async-signal-safe calls).
struct ChildPlan {
  std::vector<std::string> argv_storage;
  std::vector<std::string> env_storage;
  std::vector<char*> argv;
  std::vector<char*> envp;
  std::string task_dir;
  bool private_pki = false;
  std::string scratch;  // tmpfs mount point for the overlay's upper and work dirs
  std::string upper, work, upper_pki, upper_tls, cert_file, overlay_options;
  std::string bundle;  // contents of /etc/pki/tls/cert.pem
  std::vector<std::string> etc_submounts;
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
  pid_t parent = 0;
};

// The child after fork: async-signal-safe calls only.
[[noreturn]] void RunChild(const ChildPlan& plan, int null_fd, int output_fd, int result_fd,
                           int code_fd, int invocation_fd, int report_fd) {
  auto report = [report_fd](int stage, int step) {
    ChildReport r{stage, errno, step};
    (void)!::write(report_fd, &r, sizeof r);
  };
  ::setsid();
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
  struct rlimit no_core = {0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);

  if (plan.private_pki) {
    int step = -1;
    if (::unshare(CLONE_NEWNS) != 0) {
      step = 0;
    } else if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      step = 1;
    } else if (::mount("tmpfs", plan.scratch.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
                       "mode=0755,size=16m") != 0) {
      step = 2;
    } else {
      bool ok = ::mkdir(plan.upper.c_str(), 0755) == 0 && ::mkdir(plan.work.c_str(), 0755) == 0 &&
                ::mkdir(plan.upper_pki.c_str(), 0755) == 0 &&
                ::mkdir(plan.upper_tls.c_str(), 0755) == 0;
      int fd =
          ok ? ::open(plan.cert_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
      ok = fd >= 0;
      const char* p = plan.bundle.data();
      size_t left = plan.bundle.size();
      while (ok && left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) ok = false;
        if (n > 0) {
          p += n;
          left -= static_cast<size_t>(n);
        }
      }
      if (fd >= 0) ::close(fd);
      if (!ok) {
        step = 3;
      } else {
        // Keep what is mounted under /etc visible through the overlay.
        int held[16];
        size_t count = std::min<size_t>(plan.etc_submounts.size(), 16);
        for (size_t i = 0; i < count; ++i) {
          held[i] = ::open(plan.etc_submounts[i].c_str(), O_PATH | O_CLOEXEC);
        }
        if (::mount("overlay", "/etc", "overlay", 0, plan.overlay_options.c_str()) != 0) {
          step = 4;
        } else {
          for (size_t i = 0; i < count; ++i) {
            if (held[i] < 0) continue;
            char source[64];
            std::snprintf(source, sizeof source, "/proc/self/fd/%d", held[i]);
            ::mount(source, plan.etc_submounts[i].c_str(), nullptr, MS_BIND | MS_REC, nullptr);
          }
        }
        for (size_t i = 0; i < count; ++i) {
          if (held[i] >= 0) ::close(held[i]);
        }
      }
    }
    if (step >= 0) report(ChildReport::kPkiView, step);
  }

  if (plan.switch_user) {
    if (::setgroups(1, &plan.gid) != 0 || ::setgid(plan.gid) != 0 || ::setuid(plan.uid) != 0) {
      report(ChildReport::kFatal, 0);
      ::_exit(127);
    }
  }
  // Set after the credential change, which clears it.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
    report(ChildReport::kFatal, 1);
    ::_exit(127);
  }
  if (::getppid() != plan.parent) ::_exit(127);  // the starting thread is already gone
  if (::chdir(plan.task_dir.c_str()) != 0) {
    report(ChildReport::kFatal, 2);
    ::_exit(127);
  }
  ::dup2(null_fd, 0);
  ::dup2(output_fd, 1);
  ::dup2(output_fd, 2);
  ::dup2(result_fd, kResultFd);
  ::dup2(code_fd, kCodeFd);
  ::dup2(invocation_fd, kInvocationFd);
  ::close_range(kInvocationFd + 1, ~0U, CLOSE_RANGE_CLOEXEC);
  ::execve(plan.argv[0], plan.argv.data(), plan.envp.data());
  report(ChildReport::kFatal, 3);
  ::_exit(127);
}

std::atomic<bool> warned_pki{false};

}  // namespace

PythonRunner::PythonRunner(PythonRunnerOptions options)
    : options_(std::move(options)), etc_submounts_(EtcSubmounts()) {}

PythonOutcome PythonRunner::Run(const PythonInvocation& inv) const {
  PythonOutcome outcome;
  auto failed = [&](std::string message) {
    outcome.kind = PythonOutcome::Kind::kFailedToStart;
    outcome.error_type = "Tandem.StartFailure";
    outcome.error_message = std::move(message);
    outcome.payload = ErrorPayload(outcome.error_type, outcome.error_message);
    return outcome;
  };

  // The invocation's directory, removed whatever happens.
  std::string pattern = options_.work_root + "/tandem-function-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return failed("cannot create a working directory under " + options_.work_root + ": " +
                  ErrnoText(errno));
  }
  const std::string run_dir = pattern;
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{run_dir};

  ChildPlan plan;
  plan.parent = ::getpid();
  plan.task_dir = run_dir + "/task";
  const std::string tmp_dir = run_dir + "/tmp";
  plan.scratch = run_dir + "/etc-view";
  for (const std::string& dir : {plan.task_dir, tmp_dir, plan.scratch}) {
    if (::mkdir(dir.c_str(), 0700) != 0) return failed("mkdir " + dir + ": " + ErrnoText(errno));
  }
  const bool root = ::geteuid() == 0;
  if (root && !options_.run_as_user.empty()) {
    struct passwd pw {};
    struct passwd* found = nullptr;
    std::vector<char> buf(16384);
    if (::getpwnam_r(options_.run_as_user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 ||
        found == nullptr) {
      return failed("the account '" + options_.run_as_user +
                    "' that functions run as does not exist");
    }
    plan.switch_user = true;
    plan.uid = pw.pw_uid;
    plan.gid = pw.pw_gid;
    for (const std::string& dir : {run_dir, plan.task_dir, tmp_dir}) {
      if (::chown(dir.c_str(), plan.uid, plan.gid) != 0) {
        return failed("chown " + dir + ": " + ErrnoText(errno));
      }
    }
  }
  if (root) {
    plan.private_pki = true;
    plan.upper = plan.scratch + "/upper";
    plan.work = plan.scratch + "/work";
    plan.upper_pki = plan.upper + "/pki";
    plan.upper_tls = plan.upper_pki + "/tls";
    plan.cert_file = plan.upper_tls + "/cert.pem";
    plan.overlay_options = "lowerdir=/etc,upperdir=" + plan.upper + ",workdir=" + plan.work;
    plan.bundle = ReadSmallFile(options_.system_ca_bundle).value_or("");
    if (!plan.bundle.empty() && plan.bundle.back() != '\n') plan.bundle += '\n';
    plan.bundle += inv.ca_bundle_pem;
    plan.etc_submounts = etc_submounts_;
  }

  UniqueFd code(::open(inv.code_zip_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!code.valid()) {
    return failed("cannot open the function's code " + inv.code_zip_path + ": " + ErrnoText(errno));
  }

  const auto timeout = inv.timeout;
  SystemClock wall;
  const int64_t deadline_ms = wall.NowMillis() + timeout.count();
  Json invocation{{"event", inv.event_json},
                  {"handler", inv.handler},
                  {"ca_bundle", inv.ca_bundle_pem},
                  {"function_name", inv.function_name},
                  {"function_version", inv.function_version},
                  {"invoked_function_arn", inv.invoked_function_arn},
                  {"memory_limit_mb", inv.memory_limit_mb},
                  {"request_id", inv.request_id},
                  {"log_group_name", inv.log_group_name},
                  {"log_stream_name", inv.log_stream_name},
                  {"deadline_ms", deadline_ms}};
  UniqueFd invocation_fd(::memfd_create("tandem-invocation", MFD_CLOEXEC));
  if (!invocation_fd.valid()) return failed("memfd_create: " + ErrnoText(errno));
  {
    std::string text = invocation.dump(-1, ' ', false, Json::error_handler_t::replace);
    std::string_view left = text;
    while (!left.empty()) {
      ssize_t n = ::write(invocation_fd.get(), left.data(), left.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return failed("writing the invocation: " + ErrnoText(errno));
      left.remove_prefix(static_cast<size_t>(n));
    }
    ::lseek(invocation_fd.get(), 0, SEEK_SET);
  }

  // The environment: the caller's, then the runtime's own (which win).
  std::map<std::string, std::string> env = inv.environment;
  env["PATH"] = "/usr/local/bin:/usr/bin:/bin";
  env["LANG"] = "C.UTF-8";
  env["TZ"] = ":UTC";
  env["HOME"] = tmp_dir;
  env["TMPDIR"] = tmp_dir;
  env["LAMBDA_TASK_ROOT"] = plan.task_dir;
  env["LAMBDA_RUNTIME_DIR"] = plan.task_dir;
  env["_HANDLER"] = inv.handler;
  env["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + inv.runtime;
  env["AWS_LAMBDA_FUNCTION_NAME"] = inv.function_name;
  env["AWS_LAMBDA_FUNCTION_VERSION"] = inv.function_version;
  env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(inv.memory_limit_mb);
  env["AWS_LAMBDA_LOG_GROUP_NAME"] = inv.log_group_name;
  env["AWS_LAMBDA_LOG_STREAM_NAME"] = inv.log_stream_name;
  env["PYTHONDONTWRITEBYTECODE"] = "1";
  if (inv.set_aws_ca_bundle) env["AWS_CA_BUNDLE"] = plan.task_dir + "/rds-combined-ca-bundle.pem";
  for (const auto& [k, v] : env) plan.env_storage.push_back(k + "=" + v);
  plan.argv_storage = {options_.python, "-u", "-c", kPythonBootstrap};
  for (std::string& s : plan.argv_storage) plan.argv.push_back(s.data());
  plan.argv.push_back(nullptr);
  for (std::string& s : plan.env_storage) plan.envp.push_back(s.data());
  plan.envp.push_back(nullptr);

  UniqueFd null_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  int out_pipe[2], result_pipe[2], report_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return failed("pipe2: " + ErrnoText(errno));
  UniqueFd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (::pipe2(result_pipe, O_CLOEXEC) != 0) return failed("pipe2: " + ErrnoText(errno));
  UniqueFd result_read(result_pipe[0]), result_write(result_pipe[1]);
  if (::pipe2(report_pipe, O_CLOEXEC) != 0) return failed("pipe2: " + ErrnoText(errno));
  UniqueFd report_read(report_pipe[0]), report_write(report_pipe[1]);
  // Above the numbers the child places descriptors at, so no dup2 clobbers another.
  UniqueFd high[6];
  const int sources[6] = {null_fd.get(), out_write.get(),     result_write.get(),
                          code.get(),    invocation_fd.get(), report_write.get()};
  for (int i = 0; i < 6; ++i) {
    auto h = DupHigh(sources[i]);
    if (!h.ok()) return failed(h.status().message());
    high[i] = std::move(*h);
  }

  const auto started = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) return failed("fork: " + ErrnoText(errno));
  if (pid == 0) {
    RunChild(plan, high[0].get(), high[1].get(), high[2].get(), high[3].get(), high[4].get(),
             high[5].get());
  }
  UniqueFd pidfd(PidfdOpen(pid));
  if (!pidfd.valid()) {
    const int err = errno;
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return failed("pidfd_open: " + ErrnoText(err));
  }
  for (auto& h : high) h.reset();
  out_write.reset();
  result_write.reset();
  report_write.reset();

  // Until exec: reports of what did not work.
  bool fatal = false;
  std::string fatal_text;
  outcome.pki_mounted = plan.private_pki;
  while (true) {
    ChildReport r{};
    ssize_t n = ::read(report_read.get(), &r, sizeof r);
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(sizeof r)) break;
    if (r.stage == ChildReport::kPkiView) {
      outcome.pki_mounted = false;
      if (!warned_pki.exchange(true)) {
        spdlog::warn(
            "functions run without Tandem's CA at /etc/pki/tls/cert.pem: {} failed ({}); "
            "templates that pass ssl={{'ca': '/etc/pki/tls/cert.pem'}} will not verify TLS",
            kPkiSteps[std::clamp(r.step, 0, 4)], ErrnoText(r.err));
      }
    } else {
      fatal = true;
      fatal_text = std::string(kFatalSteps[std::clamp(r.step, 0, 3)]) + ": " + ErrnoText(r.err);
    }
  }
  if (!root && !warned_pki.exchange(true)) {
    spdlog::warn(
        "tandemd is not root: functions run as its own account and without Tandem's CA at "
        "/etc/pki/tls/cert.pem");
  }

  // Collect output and result until the process exits or the deadline passes.
  BoundedOutput output(options_.max_output_bytes);
  std::string result;
  bool result_too_large = false;
  bool timed_out = false;
  bool exited = false;
  const auto deadline = started + timeout;
  char buf[65536];
  auto drain = [&](int fd, bool is_result) -> bool {  // false at EOF
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) return errno == EINTR || errno == EAGAIN;
    if (n == 0) return false;
    if (!is_result) {
      output.Append(std::string_view(buf, static_cast<size_t>(n)));
    } else if (result.size() + static_cast<size_t>(n) <= options_.max_result_bytes) {
      result.append(buf, static_cast<size_t>(n));
    } else {
      result_too_large = true;
    }
    return true;
  };
  bool out_open = true, result_open = true;
  while (!exited) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      timed_out = true;
      break;
    }
    pollfd fds[3] = {{pidfd.get(), POLLIN, 0},
                     {out_open ? out_read.get() : -1, POLLIN, 0},
                     {result_open ? result_read.get() : -1, POLLIN, 0}};
    const auto wait_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
    int r = ::poll(fds, 3, static_cast<int>(std::min<int64_t>(wait_ms, 1000)));
    if (r < 0 && errno != EINTR) break;
    if (r <= 0) continue;
    if (fds[1].revents != 0) out_open = drain(out_read.get(), false);
    if (fds[2].revents != 0) result_open = drain(result_read.get(), true);
    if (fds[0].revents != 0) exited = true;
  }
  // The whole group: the process and anything it started.
  ::kill(-pid, SIGKILL);
  int status = 0;
  struct rusage usage {};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  outcome.duration_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  outcome.max_memory_kb = usage.ru_maxrss;
  // What is left in the pipes (writers are gone unless a descendant escaped).
  for (auto [fd, is_result, open] : {std::tuple{out_read.get(), false, out_open},
                                     std::tuple{result_read.get(), true, result_open}}) {
    if (!open) continue;
    ::fcntl(fd, F_SETFL, O_NONBLOCK);
    while (true) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      if (!is_result) {
        output.Append(std::string_view(buf, static_cast<size_t>(n)));
      } else if (result.size() + static_cast<size_t>(n) <= options_.max_result_bytes) {
        result.append(buf, static_cast<size_t>(n));
      } else {
        result_too_large = true;
      }
    }
  }
  outcome.output = output.Text();

  if (fatal) return failed("cannot run " + options_.python + ": " + fatal_text);
  if (timed_out) {
    outcome.kind = PythonOutcome::Kind::kTimedOut;
    outcome.error_type = "Sandbox.Timedout";
    outcome.error_message = "RequestId: " + inv.request_id + " Error: Task timed out after " +
                            SecondsText(timeout) + " seconds";
    outcome.payload = ErrorPayload(outcome.error_type, outcome.error_message);
    return outcome;
  }
  Json doc = Json::parse(result, nullptr, false);
  if (result_too_large) {
    outcome.kind = PythonOutcome::Kind::kRaised;
    outcome.error_type = "Function.ResponseSizeTooLarge";
    outcome.error_message = "Response payload size exceeded maximum allowed payload size (" +
                            std::to_string(options_.max_result_bytes) + " bytes).";
    outcome.payload = ErrorPayload(outcome.error_type, outcome.error_message);
    return outcome;
  }
  if (doc.is_object() && doc.value("kind", "") == "returned" && doc["payload"].is_string()) {
    outcome.kind = PythonOutcome::Kind::kReturned;
    outcome.payload = doc["payload"].get<std::string>();
    return outcome;
  }
  if (doc.is_object() && doc.value("kind", "") == "raised" && doc["error"].is_object()) {
    outcome.kind = PythonOutcome::Kind::kRaised;
    outcome.error_type = doc["error"].value("errorType", "");
    outcome.error_message = doc["error"].value("errorMessage", "");
    outcome.payload = doc["error"].dump(-1, ' ', false, Json::error_handler_t::replace);
    return outcome;
  }
  outcome.kind = PythonOutcome::Kind::kExited;
  outcome.error_type = "Runtime.ExitError";
  std::string how;
  if (WIFEXITED(status)) {
    how = "exit status " + std::to_string(WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    how = std::string("signal: ") + ::strsignal(WTERMSIG(status));
  } else {
    how = "unknown status";
  }
  outcome.error_message = "RequestId: " + inv.request_id +
                          " Error: Runtime exited without providing a reason (" + how + ")";
  outcome.payload = ErrorPayload(outcome.error_type, outcome.error_message);
  return outcome;
}

}  // namespace tandem::functions
