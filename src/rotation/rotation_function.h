// The seam between the rotation engine and whatever runs a rotation
// function's steps: Tandem's built-in rotators (builtin_rotators.h) or a
// user's own function uploaded through the Lambda API (functions/).
//
// A rotation function is called once per step, in order, with the event AWS
// Secrets Manager sends to a Lambda rotation function:
//   {"SecretId": "<secret ARN>", "ClientRequestToken": "<token>",
//    "Step": "createSecret" | "setSecret" | "testSecret" | "finishSecret"}
// (RotationToken is added by newer AWS versions; Tandem sends the three
// keys every published template reads.) A step succeeds when the function
// returns normally, whatever it returns; it fails when it raises, times out,
// cannot be started, or does not exist.
//
// Thread-safety: implementations must allow concurrent InvokeStep calls.
#pragma once

#include <string>

#include "common/status.h"

namespace tandem::rotation {

enum class Step { kCreateSecret, kSetSecret, kTestSecret, kFinishSecret };

// "createSecret", "setSecret", "testSecret", "finishSecret": the event's Step.
const char* StepName(Step step);

struct StepRequest {
  std::string region;        // the secret's region (also the function's)
  std::string function_arn;  // arn:aws:lambda:<region>:<account>:function:<name>
  std::string secret_arn;    // the event's SecretId
  std::string token;         // the event's ClientRequestToken (the new version's id)
  Step step = Step::kCreateSecret;
};

class FunctionInvoker {
 public:
  virtual ~FunctionInvoker() = default;

  // Runs one step. OK if the function returned normally. Otherwise:
  // kNotFound (no such function), kUnavailable (it could not run: timeout,
  // crash, start failure), kInvalidArgument (it raised; the message carries
  // its error type and message, never a secret value it did not print).
  virtual Status InvokeStep(const StepRequest& request) = 0;

  // Whether function_arn names a function this invoker can run, in region
  // when the ARN names none. RotateSecret refuses one it cannot (AWS answers
  // AccessDeniedException: Secrets Manager cannot invoke it).
  virtual bool FunctionExists(const std::string& region, const std::string& function_arn) = 0;
};

}  // namespace tandem::rotation
