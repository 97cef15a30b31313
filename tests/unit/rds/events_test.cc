// EventLog: events in time order, windows, the 14-day retention.
#include "rds/events.h"

#include <gtest/gtest.h>

namespace tandem::rds {
namespace {

constexpr int64_t kDay = 24LL * 3600 * 1000;

TEST(EventLog, RecordsInTimeOrderWithinAWindow) {
  auto store = NewMemoryStore();
  ManualClock clock;
  EventLog log(*store, clock);
  DbInstance instance;
  instance.region = "us-west-2";
  instance.identifier = "mydb";
  ASSERT_TRUE(
      log.Record("us-west-2", InstanceEvent(event_type::kCreated, instance, "111111111111")).ok());
  clock.Advance(1000);
  ASSERT_TRUE(log.Record("us-west-2", InstanceEvent(event_type::kFailed, instance, "111111111111",
                                                    "port 3306 is taken"))
                  .ok());
  ASSERT_TRUE(log.Record("eu-west-1", InstanceEvent(event_type::kCreated, instance, "1")).ok());

  auto events = log.List("us-west-2", 0, clock.NowMillis());
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].message, "DB instance created");
  EXPECT_EQ((*events)[0].event_id, "RDS-EVENT-0005");
  EXPECT_EQ((*events)[0].categories, std::vector<std::string>{"creation"});
  EXPECT_EQ((*events)[0].source_arn, "arn:aws:rds:us-west-2:111111111111:db:mydb");
  EXPECT_EQ((*events)[1].message, "DB instance put into failed state: port 3306 is taken");
  EXPECT_LT((*events)[0].id, (*events)[1].id);
  EXPECT_EQ((*events)[1].date_ms - (*events)[0].date_ms, 1000);

  auto later = log.List("us-west-2", clock.NowMillis(), clock.NowMillis());
  ASSERT_EQ(later->size(), 1u);
}

TEST(EventLog, ManyEventsInOneMillisecondAllStay) {
  auto store = NewMemoryStore();
  ManualClock clock;
  EventLog log(*store, clock);
  Event e;
  e.message = "m";
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(log.Record("r", e).ok());
  EXPECT_EQ(log.List("r", 0, clock.NowMillis())->size(), 50u);
}

TEST(EventLog, PrunesAfterFourteenDays) {
  auto store = NewMemoryStore();
  ManualClock clock;
  EventLog log(*store, clock);
  Event e;
  e.message = "old";
  ASSERT_TRUE(log.Record("r", e).ok());
  clock.Advance(14 * kDay + 1);
  e.message = "new";
  // Recording prunes (at most once an hour), so the old one is gone.
  ASSERT_TRUE(log.Record("r", e).ok());
  auto events = log.List("r", 0, clock.NowMillis());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].message, "new");
  EXPECT_EQ(*log.PruneEvents(), 0);
}

}  // namespace
}  // namespace tandem::rds
