#include "meter/terminal_prompt.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace tandem::meter {

bool TerminalPrompter::interactive() const { return ::isatty(STDIN_FILENO) == 1; }

std::optional<std::string> TerminalPrompter::Ask(const std::string& question, bool echo) {
  if (!interactive()) return std::nullopt;
  std::fputs(question.c_str(), stderr);
  std::fflush(stderr);
  termios saved{};
  const bool hide = !echo && ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (hide) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string answer;
  const bool got = static_cast<bool>(std::getline(std::cin, answer));
  if (hide) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::fputc('\n', stderr);
  }
  if (!got) return std::nullopt;
  if (!answer.empty() && answer.back() == '\r') answer.pop_back();
  return answer;
}

}  // namespace tandem::meter
