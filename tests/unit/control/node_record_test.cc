#include "control/node_record.h"

#include <gtest/gtest.h>

#include "control/failover_record.h"

namespace tandem::control {
namespace {

TEST(NodeRecordTest, RoundTripsThroughJson) {
  NodeRecord node;
  node.region = "us-east-1";
  node.instance = "mydb";
  node.resource_id = "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  node.zone = "us-east-1a";
  node.port = 13306;
  node.data_root = "/var/lib/tandem/nodes/db-ABCDEFGHIJKLMNOPQRSTUVWXYZ/us-east-1a";
  node.server_id = 1;
  node.hostname = "ip-10-0-1-17";
  node.initialized = true;
  node.parameters = {{"max_connections", "50"}};
  auto decoded = DecodeNodeRecord(EncodeNodeRecord(node));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->StoreKey(), "nodes/us-east-1/mydb/us-east-1a");
  EXPECT_EQ(decoded->port, 13306);
  EXPECT_TRUE(decoded->is_primary());
  EXPECT_TRUE(decoded->initialized);
  EXPECT_FALSE(decoded->bootstrapped);
  EXPECT_EQ(decoded->parameters, node.parameters);
}

TEST(NodeRecordTest, MissingFieldsTakeDefaultsAndGarbageIsCorruption) {
  auto decoded = DecodeNodeRecord(R"({"zone":"us-east-1b","role":"standby","future":1})");
  ASSERT_TRUE(decoded.ok());
  EXPECT_FALSE(decoded->is_primary());
  EXPECT_EQ(decoded->port, 0);
  EXPECT_EQ(DecodeNodeRecord("[]").status().code(), Status::Code::kCorruption);
  EXPECT_EQ(DecodeNodeRecord("{").status().code(), Status::Code::kCorruption);
}

TEST(FailoverRecordTest, RoundTripsThroughJsonWithItsPhase) {
  FailoverRecord record;
  record.region = "us-east-1";
  record.instance = "mydb";
  record.from_zone = "us-east-1a";
  record.to_zone = "us-east-1b";
  record.planned = true;
  record.phase = FailoverInProgress::Phase::kPromoting;
  record.started_ms = 1700000000123;
  record.fenced_gtid = "0-1-42";
  record.reason = "switching over (forced failover)";
  const std::string text = EncodeFailoverRecord(record);
  EXPECT_NE(text.find("\"promoting\""), std::string::npos) << text;
  auto decoded = DecodeFailoverRecord(text);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->StoreKey(), "failovers/us-east-1/mydb");
  EXPECT_EQ(decoded->phase, FailoverInProgress::Phase::kPromoting);
  EXPECT_TRUE(decoded->planned);
  EXPECT_EQ(decoded->fenced_gtid, "0-1-42");
  EXPECT_EQ(decoded->started_ms, 1700000000123);
  EXPECT_EQ(DecodeFailoverRecord("[1]").status().code(), Status::Code::kCorruption);
}

}  // namespace
}  // namespace tandem::control
