#include "control/step_backoff.h"

#include <gtest/gtest.h>

#include <vector>

namespace tandem::control {
namespace {

using std::chrono::milliseconds;
using Clock = StepBackoff::Clock;

const Clock::time_point kStart{};

TEST(StepBackoffTest, TheFirstFailureRetriesAtOnceThenTheWaitDoubles) {
  StepBackoff backoff;
  const std::vector<milliseconds> expected = {
      milliseconds(0),     milliseconds(2000),  milliseconds(4000),  milliseconds(8000),
      milliseconds(16000), milliseconds(32000), milliseconds(60000), milliseconds(60000)};
  Clock::time_point now = kStart;
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_TRUE(backoff.Due(Action::kSeedStandby, now)) << "failure " << i;
    EXPECT_EQ(backoff.Failed(Action::kSeedStandby, now), expected[i]) << "failure " << i + 1;
    EXPECT_EQ(backoff.failures(), static_cast<int>(i + 1));
    if (expected[i] > milliseconds(0)) {
      EXPECT_FALSE(backoff.Due(Action::kSeedStandby, now + expected[i] - milliseconds(1)));
    }
    now += expected[i];
  }
}

TEST(StepBackoffTest, AnotherStepIsDueAtOnce) {
  StepBackoff backoff;
  backoff.Failed(Action::kSeedStandby, kStart);
  backoff.Failed(Action::kSeedStandby, kStart);
  EXPECT_FALSE(backoff.Due(Action::kSeedStandby, kStart));
  EXPECT_TRUE(backoff.Due(Action::kStartNode, kStart)) << "the situation changed";
  // A failure of that other step starts its own count.
  EXPECT_EQ(backoff.Failed(Action::kStartNode, kStart), milliseconds(0));
  EXPECT_EQ(backoff.failures(), 1);
  EXPECT_TRUE(backoff.Due(Action::kSeedStandby, kStart)) << "no longer the step that failed last";
}

TEST(StepBackoffTest, ASuccessMakesEveryStepDue) {
  StepBackoff backoff;
  for (int i = 0; i < 5; ++i) backoff.Failed(Action::kSeedStandby, kStart);
  EXPECT_FALSE(backoff.Due(Action::kSeedStandby, kStart + milliseconds(15999)));
  backoff.Succeeded();
  EXPECT_TRUE(backoff.Due(Action::kSeedStandby, kStart));
  EXPECT_EQ(backoff.failures(), 0);
  EXPECT_EQ(backoff.Failed(Action::kSeedStandby, kStart), milliseconds(0)) << "counts afresh";
}

TEST(StepBackoffTest, OptionsSetTheWaits) {
  StepBackoff backoff({milliseconds(100), milliseconds(250)});
  EXPECT_EQ(backoff.Failed(Action::kStartStandby, kStart), milliseconds(0));
  EXPECT_EQ(backoff.Failed(Action::kStartStandby, kStart), milliseconds(100));
  EXPECT_EQ(backoff.Failed(Action::kStartStandby, kStart), milliseconds(200));
  EXPECT_EQ(backoff.Failed(Action::kStartStandby, kStart), milliseconds(250));
  EXPECT_EQ(backoff.Failed(Action::kStartStandby, kStart), milliseconds(250));
}

}  // namespace
}  // namespace tandem::control
