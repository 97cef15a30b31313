#include "control/node_record.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace tandem::control
