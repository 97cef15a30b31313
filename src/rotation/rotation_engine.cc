#include "rotation/rotation_engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "crypto/random.h"
#include "rotation/builtin_rotators.h"

namespace tandem::rotation {
namespace {

constexpr int kSteps = 4;
constexpr const char* kRunning = "running";
constexpr const char* kFailed = "failed";
constexpr const char* kRecordsPrefix = "rotations/";

Step StepAt(int index) { return static_cast<Step>(index); }

}  // namespace

Status FunctionRouter::InvokeStep(const StepRequest& request) {
  if (!BuiltinRotators::BuiltinName(request.function_arn).empty()) {
    return builtin_.InvokeStep(request);
  }
  if (user_ == nullptr) {
    return Status::NotFound("Function not found: " + request.function_arn +
                            " (not a built-in rotator, and this tandemd has no Lambda API)");
  }
  return user_->InvokeStep(request);
}

bool FunctionRouter::FunctionExists(const std::string& region, const std::string& function_arn) {
  if (!BuiltinRotators::BuiltinName(function_arn).empty()) {
    return builtin_.FunctionExists(region, function_arn);
  }
  return user_ != nullptr && user_->FunctionExists(region, function_arn);
}

RotationEngine::RotationEngine(Store& store, secrets::SecretsService& secrets,
                               FunctionInvoker& functions, const Clock& clock,
                               RotationEngineOptions options)
    : store_(store), secrets_(secrets), functions_(functions), clock_(clock), options_(options) {
  secrets_.SetRotationStarter([this](const secrets::RotationRequest& request) { Begin(request); },
                              [this](const std::string& region, const std::string& function_arn) {
                                return functions_.FunctionExists(region, function_arn);
                              });
}

RotationEngine::~RotationEngine() {
  Stop();
  secrets_.SetRotationStarter(nullptr, nullptr);
}

Status RotationEngine::Start() {
  if (thread_.joinable()) return Status::Ok();
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void RotationEngine::Stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  Kick();
  thread_.join();
}

void RotationEngine::Kick() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    kicked_ = true;
  }
  wake_.notify_all();
}

void RotationEngine::Begin(const secrets::RotationRequest& request) {
  const std::string key = RotationRecord::StoreKey(request.region, request.token);
  for (int attempt = 0; attempt < 4; ++attempt) {
    auto entry = store_.Get(key);
    if (!entry.ok()) {
      spdlog::warn("rotation of {}: cannot read its record: {}", request.secret_arn,
                   entry.status().ToString());
      return;
    }
    RotationRecord record;
    int64_t version = StoreWrite::kMustNotExist;
    if (entry->has_value()) {
      auto decoded = DecodeRotationRecord((*entry)->value);
      if (decoded.ok()) record = std::move(*decoded);
      version = (*entry)->version;
    } else {
      record.region = request.region;
      record.secret_arn = request.secret_arn;
      record.token = request.token;
      record.started_ms = clock_.NowMillis();
      record.test_only = request.test_only;
      if (record.test_only) record.next_step = static_cast<int>(Step::kTestSecret);
    }
    record.function_arn = request.function_arn;
    record.state = kRunning;  // a reattempt runs again at once
    record.attempts = 0;
    record.next_attempt_ms = 0;
    Status saved = store_.Commit({StoreWrite::Put(key, EncodeRotationRecord(record), version)});
    if (saved.ok()) {
      spdlog::info("rotation of {} (version {}) with {}: {}", record.secret_arn, record.token,
                   record.function_arn,
                   version == StoreWrite::kMustNotExist ? "started" : "reattempted");
      Kick();
      return;
    }
    if (saved.code() != Status::Code::kConflict) {
      spdlog::warn("rotation of {}: cannot record it: {}", request.secret_arn, saved.ToString());
      return;
    }
  }
}

StatusOr<std::vector<RotationRecord>> RotationEngine::Describe() const {
  auto entries = store_.List(kRecordsPrefix);
  if (!entries.ok()) return entries.status();
  std::vector<RotationRecord> records;
  for (const StoreEntry& entry : *entries) {
    auto record = DecodeRotationRecord(entry.value);
    if (record.ok()) records.push_back(std::move(*record));
  }
  return records;
}

void RotationEngine::Run() {
  while (!stopping_) {
    Schedule();
    RunDue();
    std::unique_lock<std::mutex> lock(mu_);
    wake_.wait_for(lock, options_.tick, [this] { return kicked_ || stopping_.load(); });
    kicked_ = false;
  }
}

// Secrets whose rotation is due: rotated through RotateSecret, as the
// scheduler of AWS does (a new token, the stored function and rules).
void RotationEngine::Schedule() {
  auto due = secrets_.DueRotations();
  if (!due.ok()) {
    spdlog::warn("rotation scheduler: cannot list secrets: {}", due.status().ToString());
    return;
  }
  for (const auto& [region, arn] : *due) {
    if (stopping_) return;
    auto started = secrets_.Invoke(
        region, "RotateSecret", {{"SecretId", arn}, {"ClientRequestToken", crypto::RandomUuid()}});
    if (!started.ok()) {
      spdlog::warn("scheduled rotation of {}: {}: {}", arn, started.error().code,
                   started.error().message);
    }
  }
}

void RotationEngine::RunDue() {
  auto records = Describe();
  if (!records.ok()) {
    spdlog::warn("rotation engine: cannot list rotations: {}", records.status().ToString());
    return;
  }
  const int64_t now = clock_.NowMillis();
  for (RotationRecord& record : *records) {
    if (stopping_) return;
    if (record.next_attempt_ms > now) continue;
    Drive(std::move(record));
  }
}

// RotateImmediately=false, as AWS: "tests the rotation configuration by
// running the testSecret step ... The test creates an AWSPENDING version of
// the secret and then removes it." RotateSecret staged the copy (version
// record.token); one attempt, then the copy goes whatever the outcome.
void RotationEngine::TestConfiguration(const RotationRecord& record) {
  const std::string& arn = record.secret_arn;
  Status tested = functions_.InvokeStep(
      {record.region, record.function_arn, arn, record.token, Step::kTestSecret});
  if (!tested.ok() && stopping_) {
    spdlog::info("rotation test of {}: stopped during testSecret; it runs again at the next start",
                 arn);
    return;
  }
  if (tested.ok()) {
    spdlog::info("rotation test of {} with {}: testSecret passed", arn, record.function_arn);
  } else {
    spdlog::warn("rotation test of {} with {}: testSecret failed: {}", arn, record.function_arn,
                 tested.ToString());
  }
  auto ended = secrets_.EndRotationTest(record.region, arn, record.token);
  if (!ended.ok() && ended.error().code != "ResourceNotFoundException") {
    // The record stays: the next pass ends the test again.
    spdlog::warn("rotation test of {}: cannot remove its AWSPENDING copy {}: {}", arn, record.token,
                 ended.error().message);
    return;
  }
  if (Status dropped = Drop(record); !dropped.ok()) {
    spdlog::warn("rotation test of {}: cannot remove its record: {}", arn, dropped.ToString());
  }
}

void RotationEngine::Drive(RotationRecord record) {
  if (record.test_only) return TestConfiguration(record);
  if (!StillPending(record)) {
    spdlog::info(
        "rotation of {} (version {}): dropped, the secret or its AWSPENDING version is "
        "gone",
        record.secret_arn, record.token);
    if (Status dropped = Drop(record); !dropped.ok()) {
      spdlog::warn("rotation of {}: cannot drop its record: {}", record.secret_arn,
                   dropped.ToString());
    }
    return;
  }
  while (record.next_step < kSteps && !stopping_) {
    const Step step = StepAt(record.next_step);
    StepRequest request{record.region, record.function_arn, record.secret_arn, record.token, step};
    Status done = functions_.InvokeStep(request);
    if (done.ok() && step == Step::kFinishSecret) {
      auto completed = secrets_.CompleteRotation(record.region, record.secret_arn, record.token);
      if (!completed.ok()) {
        done = Status::InvalidArgument(completed.error().message);
      }
    }
    if (!done.ok() && stopping_) {
      // The engine stopped during the step (tandemd shutting down: a function
      // has lost tandemd's API by then). Not the step's failure: it runs again
      // at the next start, as after a crash.
      spdlog::info("rotation of {} (version {}): stopped during {}; it resumes there",
                   record.secret_arn, record.token, StepName(step));
      return;
    }
    if (!done.ok()) {
      ++record.attempts;
      record.last_error = std::string(StepName(step)) + " failed: " + done.ToString();
      const int64_t now = clock_.NowMillis();
      if (record.attempts >= options_.max_attempts) {
        record.state = kFailed;
        record.next_attempt_ms = now + options_.failed_retry.count();
      } else {
        const int64_t backoff = std::min<int64_t>(
            options_.first_retry.count() << (record.attempts - 1), options_.max_retry.count());
        record.next_attempt_ms = now + backoff;
      }
      spdlog::warn("rotation of {} (version {}): {} (attempt {} of {}{})", record.secret_arn,
                   record.token, record.last_error, record.attempts, options_.max_attempts,
                   record.state == kFailed ? "; failed: AWSPENDING stays on the new version, "
                                             "AWSCURRENT is unchanged"
                                           : "; retrying");
      if (Status saved = Save(record); !saved.ok()) {
        spdlog::warn("rotation of {}: cannot record the failure: {}", record.secret_arn,
                     saved.ToString());
      }
      return;
    }
    ++record.next_step;
    record.attempts = 0;
    record.last_error.clear();
    if (record.next_step < kSteps) {
      if (Status saved = Save(record); !saved.ok()) {
        spdlog::warn("rotation of {}: cannot record step {}: {}", record.secret_arn, StepName(step),
                     saved.ToString());
        return;
      }
    }
  }
  if (record.next_step < kSteps) return;  // stopping
  spdlog::info("rotation of {} (version {}) complete in {} ms", record.secret_arn, record.token,
               clock_.NowMillis() - record.started_ms);
  if (Status dropped = Drop(record); !dropped.ok()) {
    spdlog::warn("rotation of {}: cannot remove its record: {}", record.secret_arn,
                 dropped.ToString());
  }
}

bool RotationEngine::StillPending(const RotationRecord& record) {
  auto described =
      secrets_.Invoke(record.region, "DescribeSecret", {{"SecretId", record.secret_arn}});
  if (!described.ok()) {
    // Gone (deleted for good) or scheduled for deletion: nothing to rotate.
    return described.error().code != "ResourceNotFoundException" &&
           described.error().code != "InvalidRequestException";
  }
  const api::Json& stages = (*described)["VersionIdsToStages"];
  auto version = stages.find(record.token);
  if (version == stages.end()) return false;
  for (const api::Json& label : *version) {
    if (label == "AWSPENDING") return true;
  }
  return false;
}

Status RotationEngine::Save(const RotationRecord& record) {
  return store_.Commit({StoreWrite::Put(record.StoreKey(), EncodeRotationRecord(record))});
}

Status RotationEngine::Drop(const RotationRecord& record) {
  return store_.Commit({StoreWrite::Delete(record.StoreKey())});
}

}  // namespace tandem::rotation
