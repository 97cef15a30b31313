#include "meter/heartbeat_log.h"

namespace tandem::meter {

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSuccess:
      return "success";
    case Outcome::kFailed:
      return "failed";
    case Outcome::kUnknown:
      return "unknown";
  }
  return "failed";
}

}  // namespace tandem::meter
