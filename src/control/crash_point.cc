#include "control/crash_point.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstring>

namespace tandem::control {

void CrashPoint(const char* name) {
  static const char* const armed = ::getenv("TANDEM_TEST_CRASH_POINT");
  if (armed == nullptr || std::strcmp(armed, name) != 0) return;
  spdlog::warn("crash point {} reached: killing tandemd (TANDEM_TEST_CRASH_POINT)", name);
  spdlog::default_logger()->flush();
  ::kill(::getpid(), SIGKILL);
}

}  // namespace tandem::control
