// NodeExit: how a node's mariadbd process ended.
#pragma once

#include <string>

namespace tandem::engine {

struct NodeExit {
  enum class How {
    kExited,    // returned from main / called exit: code is the exit status
    kSignaled,  // killed by a signal: code is the signal number
    kUnknown,   // the process was not this driver's child (adopted), so its status is lost
  };
  How how = How::kUnknown;
  int code = 0;

  // "exited with status 1", "killed by signal 9 (Killed)", "exited (status
  // unknown: the process was adopted)". Used in event and decision texts.
  std::string ToString() const;
};

}  // namespace tandem::engine
