#include "common/clock.h"

#include <gtest/gtest.h>

namespace tandem {
namespace {

TEST(AmzDate, RoundTrips) {
  EXPECT_EQ(ParseAmzDate("20231114T221320Z"), 1700000000);
  EXPECT_EQ(FormatAmzDate(1700000000), "20231114T221320Z");
  EXPECT_EQ(ParseAmzDate(FormatAmzDate(0)), 0);
}

TEST(AmzDate, RejectsMalformed) {
  for (const char* bad : {"", "20231114T221320", "20231114 221320Z", "2023111xT221320Z",
                          "20231314T221320Z", "20231114T251320Z", "20231114T221320ZZ"}) {
    EXPECT_EQ(ParseAmzDate(bad), -1) << bad;
  }
}

TEST(Iso8601, KeepsMilliseconds) {
  EXPECT_EQ(FormatIso8601(1700000000123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(FormatIso8601(0), "1970-01-01T00:00:00.000Z");
}

TEST(SystemClock, AdvanceMovesTimeForward) {
  SystemClock clock;
  int64_t before = clock.NowMillis();
  clock.Advance(7LL * 24 * 3600 * 1000);
  EXPECT_GE(clock.NowMillis() - before, 7LL * 24 * 3600 * 1000);
  EXPECT_EQ(clock.offset_millis(), 7LL * 24 * 3600 * 1000);
}

TEST(ManualClock, OnlyMovesWhenTold) {
  ManualClock clock(1000);
  EXPECT_EQ(clock.NowMillis(), 1000);
  clock.Advance(500);
  EXPECT_EQ(clock.NowMillis(), 1500);
  EXPECT_DOUBLE_EQ(clock.NowSeconds(), 1.5);
}

}  // namespace
}  // namespace tandem
