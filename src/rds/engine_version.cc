#include "rds/engine_version.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>

namespace tandem::rds {

std::string ParseEngineVersion(std::string_view output) {
  size_t ver = output.find(" Ver ");
  if (ver == std::string_view::npos) return "";
  std::string_view rest = output.substr(ver + 5);
  size_t end = 0;
  int dots = 0;
  while (end < rest.size() &&
         (std::isdigit(static_cast<unsigned char>(rest[end])) || rest[end] == '.')) {
    if (rest[end] == '.') ++dots;
    ++end;
  }
  std::string version(rest.substr(0, end));
  if (dots != 2 || version.front() == '.' || version.back() == '.') return "";
  return version;
}

std::string DetectEngineVersion(const std::string& mariadbd) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return "";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::string arg0 = mariadbd;
  std::string arg1 = "--version";
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, mariadbd.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  std::string output;
  if (rc == 0) {
    char buf[512];
    ssize_t n = 0;
    while ((n = read(fds[0], buf, sizeof buf)) > 0 && output.size() < 4096) {
      output.append(buf, static_cast<size_t>(n));
    }
    int status = 0;
    waitpid(pid, &status, 0);
  }
  close(fds[0]);
  return ParseEngineVersion(output);
}

std::string MajorEngineVersion(const std::string& version) {
  size_t first = version.find('.');
  if (first == std::string::npos) return version;
  size_t second = version.find('.', first + 1);
  return version.substr(0, second);
}

}  // namespace tandem::rds
