// RotationEngine: runs secret rotations through AWS's four-step protocol
// (createSecret, setSecret, testSecret, finishSecret; rotation_function.h)
// and rotates secrets on their schedules.
//
// - RotateSecret (secrets_service.h) commits the rotation's AWSPENDING
//   placeholder and calls Begin (the service's rotation starter): the engine
//   records the rotation (rotation_record.h) and runs it on its own thread;
//   RotateSecret has already answered.
// - Each step that succeeds is recorded before the next runs, so a tandemd
//   killed between steps resumes at the step that did not complete. After
//   finishSecret the secret's LastRotatedDate/NextRotationDate are set and
//   the record goes.
// - A step that fails while the engine is stopping is not counted as an
//   attempt (it runs again at the next start).
// - A failed step is retried with back-off (1 s, 2 s, 4 s, ...) up to
//   max_attempts times; then the rotation is "failed": AWSPENDING stays on
//   the new version and AWSCURRENT is untouched, as AWS leaves it, and it is
//   tried again an hour later, or at once when RotateSecret is called again
//   (which answers AWS's "A previous rotation isn't complete. That rotation
//   will be reattempted."). Every failure is logged with the step and why,
//   and readable in Describe().
// - Scheduler: every tick, secrets whose NextRotationDate has passed and
//   that have no rotation in progress are rotated (RotateSecret as an
//   internal caller), once each, also those whose time passed while tandemd
//   was down.
// - RotateImmediately=false: testSecret only, once, against an AWSPENDING
//   copy of the current value that is removed afterwards (AWS's test of a
//   rotation configuration); the outcome is logged.
// - A rotation whose secret was deleted, or whose AWSPENDING version is gone
//   (CancelRotateSecret and a label moved by hand), is dropped.
//
// One rotation runs at a time; a function's own timeout bounds each step.
//
// Thread-safety: Begin, Kick and Describe from any thread; Start and Stop
// from one.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "common/status.h"
#include "rotation/rotation_function.h"
#include "rotation/rotation_record.h"
#include "secrets/secrets_service.h"
#include "store/store.h"

namespace tandem::rotation {

struct RotationEngineOptions {
  int max_attempts = 5;
  std::chrono::milliseconds first_retry{1000};
  std::chrono::milliseconds max_retry{60000};
  std::chrono::milliseconds failed_retry{3600000};
  std::chrono::milliseconds tick{1000};  // scheduler and retry resolution
};

// Sends each step to Tandem's built-in rotators when the function ARN names
// one, else to the user's functions (if any).
class FunctionRouter final : public FunctionInvoker {
 public:
  // builtin: required. user_functions: may be null (no Lambda API).
  FunctionRouter(FunctionInvoker& builtin, FunctionInvoker* user_functions)
      : builtin_(builtin), user_(user_functions) {}
  Status InvokeStep(const StepRequest& request) override;
  bool FunctionExists(const std::string& region, const std::string& function_arn) override;

 private:
  FunctionInvoker& builtin_;
  FunctionInvoker* user_;
};

class RotationEngine {
 public:
  // Keeps references; they must outlive the engine. Registers itself as
  // secrets' rotation starter.
  RotationEngine(Store& store, secrets::SecretsService& secrets, FunctionInvoker& functions,
                 const Clock& clock, RotationEngineOptions options = {});
  ~RotationEngine();
  RotationEngine(const RotationEngine&) = delete;
  RotationEngine& operator=(const RotationEngine&) = delete;

  // Starts the thread, which first resumes the rotations in the store.
  Status Start();
  // Ends the thread after the step in progress. Rotations stay recorded.
  void Stop();

  // Records the rotation (or, for one already recorded, makes it run again
  // now) and wakes the thread. Never blocks on a step.
  void Begin(const secrets::RotationRequest& request);
  void Kick();

  // Every recorded rotation (in progress or failed), for status pages.
  StatusOr<std::vector<RotationRecord>> Describe() const;

 private:
  void Run();
  void Schedule();
  void RunDue();
  // Runs record's remaining steps; returns when it is done, failed a step,
  // or the engine stops.
  void Drive(RotationRecord record);
  void TestConfiguration(const RotationRecord& record);
  Status Save(const RotationRecord& record);
  Status Drop(const RotationRecord& record);
  // Whether the rotation still has a secret and its AWSPENDING version.
  bool StillPending(const RotationRecord& record);

  Store& store_;
  secrets::SecretsService& secrets_;
  FunctionInvoker& functions_;
  const Clock& clock_;
  const RotationEngineOptions options_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool kicked_ = false;  // guarded by mu_
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace tandem::rotation
