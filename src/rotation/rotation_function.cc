#include "rotation/rotation_function.h"

namespace tandem::rotation {

const char* StepName(Step step) {
  switch (step) {
    case Step::kCreateSecret:
      return "createSecret";
    case Step::kSetSecret:
      return "setSecret";
    case Step::kTestSecret:
      return "testSecret";
    case Step::kFinishSecret:
      return "finishSecret";
  }
  return "unknown";
}

}  // namespace tandem::rotation
