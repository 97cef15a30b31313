#include "engine/node_exit.h"

#include <string.h>

namespace tandem::engine {

std::string NodeExit::ToString() const {
  switch (how) {
    case How::kExited:
      return "exited with status " + std::to_string(code);
    case How::kSignaled:
      return "killed by signal " + std::to_string(code) + " (" + ::strsignal(code) + ")";
    case How::kUnknown:
      break;
  }
  return "exited (status unknown: the process was adopted)";
}

}  // namespace tandem::engine
