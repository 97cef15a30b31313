#include "meter/heartbeat_runner.h"

#include <gtest/gtest.h>

#include <deque>
#include <thread>

#include "meter/attempt_builder.h"

namespace tandem::meter {
namespace {

using namespace std::chrono_literals;
using test_support::LogBuilder;
using test_support::Node;

const NodeIdentity kNodeA = Node("a", 1);
const NodeIdentity kNodeB = Node("b", 2);

// Answers attempts from a script of outcomes (then succeeds on the last node).
class ScriptedWriter : public HeartbeatWriter {
 public:
  struct Step {
    Outcome outcome;
    NodeIdentity node;
  };
  explicit ScriptedWriter(std::deque<Step> script) : script_(std::move(script)) {}

  void Write(uint64_t index_id, int64_t wall_ms, Attempt& attempt) override {
    ids.push_back(index_id);
    walls.push_back(wall_ms);
    Step step = script_.empty() ? Step{Outcome::kSuccess, last_} : script_.front();
    if (!script_.empty()) script_.pop_front();
    last_ = step.node;
    attempt.outcome = step.outcome;
    attempt.node = step.node;
    if (step.outcome != Outcome::kSuccess) attempt.error = "scripted failure";
  }

  std::vector<uint64_t> ids;
  std::vector<int64_t> walls;

 private:
  std::deque<Step> script_;
  NodeIdentity last_ = kNodeA;
};

RunLimits Limits(size_t failovers, std::chrono::milliseconds settle,
                 std::optional<std::chrono::milliseconds> max_time = std::nullopt) {
  RunLimits l;
  l.loop_time = 5ms;
  l.failovers = failovers;
  l.settle = settle;
  l.max_time = max_time;
  return l;
}

TEST(StopDecisionTest, StopsOnlyAfterTheWantedOutagesEndedAndSettled) {
  LogBuilder b(100, 5);
  b.Ok(kNodeA).Failed().Ok(kNodeB);  // one outage, recovered at 205 ms
  OutageTracker t;
  for (size_t i = 0; i < b.log().attempts().size(); ++i) t.Add(b.log().attempts()[i], i);
  const RunLimits one = Limits(1, 2000ms);
  EXPECT_EQ(StopDecision(t, 1000, one, false), std::nullopt);  // still settling
  EXPECT_EQ(StopDecision(t, 2205, one, false), RunEnd::kFailoversSeen);
  EXPECT_EQ(StopDecision(t, 2205, Limits(2, 2000ms), false), std::nullopt);
  EXPECT_EQ(StopDecision(t, 10, one, true), RunEnd::kStopped);
  EXPECT_EQ(CurrentState(t, one), RunState::kSettling);
}

TEST(StopDecisionTest, TimeLimitBeforeTheFailoversIsATimeout) {
  LogBuilder b(100, 5);
  b.Ok(kNodeA).Failed();
  OutageTracker t;
  for (size_t i = 0; i < b.log().attempts().size(); ++i) t.Add(b.log().attempts()[i], i);
  EXPECT_EQ(CurrentState(t, Limits(1, 0ms)), RunState::kOutage);
  EXPECT_EQ(StopDecision(t, 999, Limits(1, 0ms, 1000ms), false), std::nullopt);
  EXPECT_EQ(StopDecision(t, 1000, Limits(1, 0ms, 1000ms), false), RunEnd::kTimedOut);
  // Nothing asked for: the limit is a normal end.
  EXPECT_EQ(StopDecision(t, 1000, Limits(0, 0ms, 1000ms), false), RunEnd::kFailoversSeen);
  EXPECT_EQ(StopDecision(t, 100000, Limits(0, 0ms), false), std::nullopt);
}

TEST(StopDecisionTest, AnOutageDuringSettlingIsWaitedFor) {
  LogBuilder b(100, 5);
  b.Ok(kNodeA).Failed().Ok(kNodeB).Failed();
  OutageTracker t;
  for (size_t i = 0; i < b.log().attempts().size(); ++i) t.Add(b.log().attempts()[i], i);
  EXPECT_EQ(StopDecision(t, 100000, Limits(1, 0ms), false), std::nullopt);
}

TEST(HeartbeatRunnerTest, RunsUntilTheFailoverEndedAndSettled) {
  ScriptedWriter writer({{Outcome::kSuccess, kNodeA},
                         {Outcome::kSuccess, kNodeA},
                         {Outcome::kFailed, kNodeA},
                         {Outcome::kUnknown, kNodeA},
                         {Outcome::kSuccess, kNodeB}});
  HeartbeatRunner runner(writer, Limits(1, 30ms, 5000ms));
  std::vector<ProgressSnapshot> progress;
  RunResult result = runner.Run([&](const ProgressSnapshot& s) { progress.push_back(s); });

  EXPECT_EQ(result.end, RunEnd::kFailoversSeen);
  const auto& attempts = result.log.attempts();
  ASSERT_GE(attempts.size(), 6u);  // the script, then settling writes
  for (size_t i = 0; i < attempts.size(); ++i) {
    EXPECT_EQ(attempts[i].index_id, i + 1);
    EXPECT_EQ(writer.ids[i], i + 1);
    EXPECT_LE(attempts[i].start_ms, attempts[i].end_ms);
    EXPECT_EQ(attempts[i].wall_start_ms, result.log.WallAt(attempts[i].start_ms));
    if (i > 0) {
      EXPECT_GE(attempts[i].start_ms - attempts[i - 1].start_ms, 5);
    }
  }
  EXPECT_EQ(attempts[3].outcome, Outcome::kUnknown);
  EXPECT_GE(result.end_ms, attempts[4].end_ms + 30);
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress[3].state, RunState::kOutage);
  EXPECT_EQ(progress[3].failed, 2u);
  EXPECT_EQ(progress[4].state, RunState::kSettling);
  EXPECT_EQ(progress[4].outages, 1u);
  EXPECT_EQ(progress.back().attempts, attempts.size());
}

TEST(HeartbeatRunnerTest, TimesOutWhenNoFailoverComes) {
  ScriptedWriter writer({});
  HeartbeatRunner runner(writer, Limits(1, 0ms, 60ms));
  RunResult result = runner.Run();
  EXPECT_EQ(result.end, RunEnd::kTimedOut);
  EXPECT_GE(result.end_ms, 60);
  EXPECT_GE(result.log.attempts().size(), 2u);
}

TEST(HeartbeatRunnerTest, StopRequestFromAnotherThreadEndsTheWaitAtOnce) {
  ScriptedWriter writer({});
  RunLimits limits = Limits(1, 0ms);
  limits.loop_time = 60s;  // without the stop, the second attempt is a minute away
  HeartbeatRunner runner(writer, limits);
  std::thread stopper([&runner] {
    std::this_thread::sleep_for(50ms);
    runner.RequestStop();
  });
  const auto started = std::chrono::steady_clock::now();
  RunResult result = runner.Run();
  stopper.join();
  EXPECT_EQ(result.end, RunEnd::kStopped);
  EXPECT_EQ(result.log.attempts().size(), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
}

}  // namespace
}  // namespace tandem::meter
