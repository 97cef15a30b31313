// The rotation engine's protocol driving, retries, resumption and schedule,
// with a real SecretsService (memory store, manual clock) and a scripted
// rotation function standing in for a database rotator: it does what AWS's
// templates do to the secret (createSecret puts the AWSPENDING value,
// finishSecret moves AWSCURRENT), and fails where a test tells it to.
#include "rotation/rotation_engine.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "crypto/random.h"

namespace tandem::rotation {
namespace {

using Json = api::Json;
constexpr const char* kEngineRegion = "us-east-1";
constexpr const char* kFunction = "arn:aws:lambda:us-east-1:000000000000:function:scripted";

class ScriptedFunction final : public FunctionInvoker {
 public:
  explicit ScriptedFunction(secrets::SecretsService& secrets) : secrets_(secrets) {}

  Status InvokeStep(const StepRequest& r) override {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back(StepName(r.step));
    auto failing = failures_.find(r.step);
    if (failing != failures_.end() && failing->second != 0) {
      if (failing->second > 0) --failing->second;
      return Status::InvalidArgument(std::string(StepName(r.step)) + ": scripted failure");
    }
    if (r.step == Step::kCreateSecret) {
      auto put = secrets_.Invoke(r.region, "PutSecretValue",
                                 {{"SecretId", r.secret_arn},
                                  {"ClientRequestToken", r.token},
                                  {"SecretString", "rotated-" + r.token},
                                  {"VersionStages", {"AWSPENDING"}}});
      if (!put.ok()) return Status::InvalidArgument(put.error().message);
    }
    if (r.step == Step::kFinishSecret) {
      auto described = secrets_.Invoke(r.region, "DescribeSecret", {{"SecretId", r.secret_arn}});
      if (!described.ok()) return Status::InvalidArgument(described.error().message);
      std::string current;
      for (const auto& [id, labels] : (*described)["VersionIdsToStages"].items()) {
        for (const Json& label : labels) {
          if (label == "AWSCURRENT") current = id;
        }
      }
      if (current == r.token) return Status::Ok();
      auto moved = secrets_.Invoke(r.region, "UpdateSecretVersionStage",
                                   {{"SecretId", r.secret_arn},
                                    {"VersionStage", "AWSCURRENT"},
                                    {"MoveToVersionId", r.token},
                                    {"RemoveFromVersionId", current}});
      if (!moved.ok()) return Status::InvalidArgument(moved.error().message);
    }
    return Status::Ok();
  }

  bool FunctionExists(const std::string&, const std::string& arn) override {
    return arn == kFunction;
  }

  // The next `times` calls of step fail (-1: every call).
  void Fail(Step step, int times) {
    std::lock_guard<std::mutex> lock(mu_);
    failures_[step] = times;
  }
  std::vector<std::string> calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  secrets::SecretsService& secrets_;
  std::mutex mu_;
  std::map<Step, int> failures_;
  std::vector<std::string> calls_;
};

class RotationEngineTest : public ::testing::Test {
 protected:
  RotationEngineTest() {
    RotationEngineOptions options;
    options.tick = std::chrono::milliseconds(10);
    options.max_attempts = 3;
    engine_ = std::make_unique<RotationEngine>(*store_, secrets_, function_, clock_, options);
  }
  void SetUp() override {
    auto created = secrets_.Invoke(kEngineRegion, "CreateSecret",
                                   {{"Name", "app/db"},
                                    {"SecretString", "original"},
                                    {"ClientRequestToken", crypto::RandomUuid()}});
    ASSERT_TRUE(created.ok()) << created.error().message;
    arn_ = (*created)["ARN"];
    original_version_ = (*created)["VersionId"];
  }
  void TearDown() override { engine_->Stop(); }

  api::ApiResult<Json> Rotate(const Json& extra = Json::object()) {
    Json input = extra;
    input["SecretId"] = arn_;
    input["RotationLambdaARN"] = kFunction;
    input["ClientRequestToken"] = crypto::RandomUuid();
    return secrets_.Invoke(kEngineRegion, "RotateSecret", input);
  }
  Json Describe() {
    auto described = secrets_.Invoke(kEngineRegion, "DescribeSecret", {{"SecretId", arn_}});
    return described.ok() ? *described : Json::object();
  }
  std::string Current() {
    auto value = secrets_.Invoke(kEngineRegion, "GetSecretValue", {{"SecretId", arn_}});
    return value.ok() ? (*value)["SecretString"].get<std::string>() : "<error>";
  }
  // Waits (real time) until done() holds, kicking the engine.
  bool Eventually(const std::function<bool()>& done) {
    for (int i = 0; i < 500; ++i) {
      if (done()) return true;
      engine_->Kick();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
  }
  size_t Recorded() { return engine_->Describe()->size(); }

  std::unique_ptr<Store> store_ = NewMemoryStore();
  ManualClock clock_{1700000000000};
  crypto::MasterKey master_ = crypto::MasterKey::FromBytes(std::string(32, 'k'));
  secrets::SecretsService secrets_{*store_, master_, clock_, secrets::SecretsOptions{}};
  ScriptedFunction function_{secrets_};
  std::unique_ptr<RotationEngine> engine_;
  std::string arn_;
  std::string original_version_;
};

TEST_F(RotationEngineTest, RunsTheFourStepsAndLeavesTheSecretAsAwsDoes) {
  ASSERT_TRUE(engine_->Start().ok());
  auto rotated = Rotate({{"RotationRules", {{"AutomaticallyAfterDays", 1}}}});
  ASSERT_TRUE(rotated.ok()) << rotated.error().message;
  const std::string token = (*rotated)["VersionId"];
  ASSERT_TRUE(Eventually([&] { return Current() == "rotated-" + token && Recorded() == 0; }));
  EXPECT_EQ(function_.calls(),
            (std::vector<std::string>{"createSecret", "setSecret", "testSecret", "finishSecret"}));
  const Json described = Describe();
  EXPECT_EQ(described["VersionIdsToStages"][token], Json({"AWSCURRENT"}));
  EXPECT_EQ(described["VersionIdsToStages"][original_version_], Json({"AWSPREVIOUS"}));
  EXPECT_TRUE(described["RotationEnabled"]);
  EXPECT_EQ(described["LastRotatedDate"], 1700000000.0);
  EXPECT_EQ(described["NextRotationDate"].get<double>(), 1700000000.0 + 86400);
}

TEST_F(RotationEngineTest, TheStartingStateIsAPlaceholderNobodyCanRead) {
  // No engine thread: the rotation stays at its start.
  auto rotated = Rotate();
  ASSERT_TRUE(rotated.ok());
  const std::string token = (*rotated)["VersionId"];
  EXPECT_EQ(Describe()["VersionIdsToStages"][token], Json({"AWSPENDING"}));
  auto pending = secrets_.Invoke(kEngineRegion, "GetSecretValue",
                                 {{"SecretId", arn_}, {"VersionStage", "AWSPENDING"}});
  ASSERT_FALSE(pending.ok());
  EXPECT_EQ(pending.error().code, "ResourceNotFoundException");
  EXPECT_EQ(Current(), "original");
  EXPECT_EQ(Recorded(), 1u);
}

TEST_F(RotationEngineTest, AFailedStepIsRetriedWithBackOffThenSucceeds) {
  function_.Fail(Step::kSetSecret, 2);
  ASSERT_TRUE(engine_->Start().ok());
  auto rotated = Rotate();
  ASSERT_TRUE(rotated.ok());
  const std::string token = (*rotated)["VersionId"];
  ASSERT_TRUE(Eventually([&] {
    auto records = engine_->Describe();
    return records->size() == 1 && (*records)[0].attempts == 1;
  }));
  EXPECT_NE((*engine_->Describe())[0].last_error.find("setSecret failed"), std::string::npos);
  EXPECT_EQ(Current(), "original") << "AWSCURRENT stays until finishSecret";
  clock_.Advance(1000);  // first back-off
  ASSERT_TRUE(Eventually([&] { return (*engine_->Describe())[0].attempts == 2; }));
  clock_.Advance(2000);  // second, doubled
  ASSERT_TRUE(Eventually([&] { return Current() == "rotated-" + token && Recorded() == 0; }));
}

TEST_F(RotationEngineTest, ARotationThatKeepsFailingStaysPendingAndIsReattemptedOnRequest) {
  function_.Fail(Step::kTestSecret, -1);
  ASSERT_TRUE(engine_->Start().ok());
  auto rotated = Rotate();
  ASSERT_TRUE(rotated.ok());
  const std::string token = (*rotated)["VersionId"];
  for (int attempt = 1; attempt <= 3; ++attempt) {
    ASSERT_TRUE(Eventually([&] { return (*engine_->Describe())[0].attempts == attempt; }));
    clock_.Advance(4000);
  }
  EXPECT_EQ((*engine_->Describe())[0].state, "failed");
  const Json described = Describe();
  EXPECT_EQ(described["VersionIdsToStages"][token], Json({"AWSPENDING"}));
  EXPECT_EQ(described["VersionIdsToStages"][original_version_], Json({"AWSCURRENT"}));
  EXPECT_EQ(Current(), "original");

  // As AWS: another RotateSecret is refused, and reattempts the one pending.
  function_.Fail(Step::kTestSecret, 0);
  auto again = Rotate();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "InvalidRequestException");
  EXPECT_EQ(again.error().message,
            "A previous rotation isn't complete. That rotation will be reattempted.");
  ASSERT_TRUE(Eventually([&] { return Current() == "rotated-" + token && Recorded() == 0; }));
}

TEST_F(RotationEngineTest, ARestartedEngineResumesAtTheStepThatDidNotComplete) {
  function_.Fail(Step::kTestSecret, -1);
  ASSERT_TRUE(engine_->Start().ok());
  auto rotated = Rotate();
  ASSERT_TRUE(rotated.ok());
  const std::string token = (*rotated)["VersionId"];
  ASSERT_TRUE(Eventually([&] { return (*engine_->Describe())[0].attempts == 1; }));
  engine_->Stop();
  EXPECT_EQ((*engine_->Describe())[0].next_step, 2) << "createSecret and setSecret are done";

  function_.Fail(Step::kTestSecret, 0);
  RotationEngineOptions options;
  options.tick = std::chrono::milliseconds(10);
  engine_ = std::make_unique<RotationEngine>(*store_, secrets_, function_, clock_, options);
  clock_.Advance(1000);
  ASSERT_TRUE(engine_->Start().ok());
  ASSERT_TRUE(Eventually([&] { return Current() == "rotated-" + token && Recorded() == 0; }));
  const std::vector<std::string> calls = function_.calls();
  EXPECT_EQ(std::count(calls.begin(), calls.end(), "createSecret"), 1);
  EXPECT_EQ(std::count(calls.begin(), calls.end(), "setSecret"), 1);
}

// A step still running when the engine stops (tandemd shutting down) fails
// because of the shutdown; that is no attempt of the step's, and the rotation
// resumes at that step.
class StepBlockedUntilReleased final : public FunctionInvoker {
 public:
  Status InvokeStep(const StepRequest&) override {
    std::unique_lock<std::mutex> lock(mu_);
    entered_ = true;
    cv_.notify_all();
    cv_.wait(lock, [this] { return released_; });
    return Status::Unavailable("lost tandemd's API");
  }
  bool FunctionExists(const std::string&, const std::string& arn) override {
    return arn == kFunction;
  }
  void WaitEntered() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return entered_; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool released_ = false;
};

TEST_F(RotationEngineTest, AStepInterruptedByStopIsNotCountedAsAFailedAttempt) {
  StepBlockedUntilReleased blocked;
  RotationEngineOptions options;
  options.tick = std::chrono::milliseconds(10);
  engine_.reset();  // first: a destroyed engine unregisters the rotation starter
  engine_ = std::make_unique<RotationEngine>(*store_, secrets_, blocked, clock_, options);
  ASSERT_TRUE(engine_->Start().ok());
  ASSERT_TRUE(Rotate().ok());
  blocked.WaitEntered();
  std::thread stopper([&] { engine_->Stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // Stop has been asked
  blocked.Release();
  stopper.join();
  auto records = engine_->Describe();
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].next_step, 0);
  EXPECT_EQ((*records)[0].attempts, 0);
  EXPECT_EQ((*records)[0].state, "running");
  EXPECT_EQ((*records)[0].last_error, "");
}

TEST_F(RotationEngineTest, TheSchedulerRotatesWhenDueAndCatchesUpOnce) {
  auto stored = Rotate(
      {{"RotateImmediately", false}, {"RotationRules", {{"ScheduleExpression", "rate(4 hours)"}}}});
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  ASSERT_TRUE(engine_->Start().ok());
  // RotateImmediately=false tests the configuration (testSecret only, on an
  // AWSPENDING copy that is then removed) and rotates nothing.
  ASSERT_TRUE(Eventually([&] { return function_.calls().size() == 1 && Recorded() == 0; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(function_.calls(), std::vector<std::string>{"testSecret"}) << "not due yet";
  EXPECT_EQ(Current(), "original");
  const Json tested = Describe();  // the loop below must not iterate a temporary
  for (const auto& [id, labels] : tested["VersionIdsToStages"].items()) {
    EXPECT_EQ(labels, Json({"AWSCURRENT"})) << id << ": the test's AWSPENDING is removed";
  }

  clock_.Advance(3 * 4 * 3600 * 1000LL);  // three periods missed while "down"
  ASSERT_TRUE(Eventually([&] { return Current() != "original" && Recorded() == 0; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(function_.calls().size(), 5u) << "one rotation, not one per missed period";
  const Json described = Describe();
  EXPECT_EQ(described["LastRotatedDate"].get<double>(), clock_.NowMillis() / 1000.0);
  EXPECT_EQ(described["NextRotationDate"].get<double>(), clock_.NowMillis() / 1000.0 + 4 * 3600);
}

TEST_F(RotationEngineTest, ARotationOfADeletedSecretIsDropped) {
  function_.Fail(Step::kCreateSecret, -1);
  ASSERT_TRUE(engine_->Start().ok());
  ASSERT_TRUE(Rotate().ok());
  ASSERT_TRUE(Eventually([&] { return (*engine_->Describe())[0].attempts == 1; }));
  ASSERT_TRUE(secrets_
                  .Invoke(kEngineRegion, "DeleteSecret",
                          {{"SecretId", arn_}, {"ForceDeleteWithoutRecovery", true}})
                  .ok());
  clock_.Advance(1000);
  ASSERT_TRUE(Eventually([&] { return Recorded() == 0; }));
}

TEST_F(RotationEngineTest, BuiltinNamesGoToTheBuiltinsAndOthersToTheLambdaApi) {
  struct Recorder final : FunctionInvoker {
    Status InvokeStep(const StepRequest&) override {
      ++calls;
      return Status::Ok();
    }
    bool FunctionExists(const std::string&, const std::string&) override { return true; }
    int calls = 0;
  };
  Recorder builtin;
  Recorder user;
  FunctionRouter with_lambda(builtin, &user);
  StepRequest request;
  request.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:tandem-mysql-single-user";
  EXPECT_TRUE(with_lambda.InvokeStep(request).ok());
  request.function_arn = kFunction;
  EXPECT_TRUE(with_lambda.InvokeStep(request).ok());
  EXPECT_EQ(builtin.calls, 1);
  EXPECT_EQ(user.calls, 1);
  FunctionRouter without_lambda(builtin, nullptr);
  EXPECT_EQ(without_lambda.InvokeStep(request).code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace tandem::rotation
