// Tandem's KMS keys and per-instance engine keys.
#include "rds/storage_keys.h"

#include <gtest/gtest.h>

namespace tandem::rds {
namespace {

class StorageKeysTest : public testing::Test {
 protected:
  std::unique_ptr<Store> store_ = NewMemoryStore();
  ManualClock clock_;
  crypto::MasterKey master_ = crypto::MasterKey::FromBytes(std::string(32, 'k'));
};

TEST_F(StorageKeysTest, OneManagedKeyPerAliasAndRegion) {
  auto a = AwsManagedKey(*store_, clock_, "us-east-1", "111111111111", kRdsKeyAlias);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->arn, "arn:aws:kms:us-east-1:111111111111:key/" + a->key_id);
  EXPECT_EQ(AwsManagedKey(*store_, clock_, "us-east-1", "111111111111", kRdsKeyAlias)->arn, a->arn);
  EXPECT_NE(AwsManagedKey(*store_, clock_, "eu-west-1", "111111111111", kRdsKeyAlias)->arn, a->arn);
  EXPECT_NE(
      AwsManagedKey(*store_, clock_, "us-east-1", "111111111111", kSecretsManagerKeyAlias)->arn,
      a->arn);
}

TEST_F(StorageKeysTest, ResolvesEveryWayOfNamingTheKey) {
  auto key = AwsManagedKey(*store_, clock_, "us-east-1", "111111111111", kRdsKeyAlias).value();
  for (const std::string& ref : {key.arn, key.key_id, std::string("alias/aws/rds"),
                                 std::string("arn:aws:kms:us-east-1:111111111111:alias/aws/rds")}) {
    auto resolved = ResolveKmsKey(*store_, clock_, "us-east-1", "111111111111", kRdsKeyAlias, ref);
    ASSERT_TRUE(resolved.ok()) << ref;
    EXPECT_EQ(*resolved, key.arn);
  }
  for (const std::string& ref : {std::string("alias/mine"), std::string("1234"),
                                 "arn:aws:kms:eu-west-1:111111111111:key/" + key.key_id}) {
    auto resolved = ResolveKmsKey(*store_, clock_, "us-east-1", "111111111111", kRdsKeyAlias, ref);
    ASSERT_FALSE(resolved.ok()) << ref;
    EXPECT_EQ(resolved.status().code(), Status::Code::kNotFound);
  }
}

TEST_F(StorageKeysTest, EngineKeyIsStableSealedAndDeletable) {
  auto key = AwsManagedKey(*store_, clock_, "us-east-1", "111111111111", kRdsKeyAlias).value();
  auto first = EngineKeyFor(*store_, master_, "us-east-1", key.arn, "db-ABC");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->size(), 32u);
  EXPECT_EQ(*EngineKeyFor(*store_, master_, "us-east-1", key.arn, "db-ABC"), *first);
  EXPECT_NE(*EngineKeyFor(*store_, master_, "us-east-1", key.arn, "db-DEF"), *first);
  // Only an envelope reaches the store.
  auto stored = store_->Get(EngineKeyStoreKey("us-east-1", "db-ABC")).value();
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->value.find(*first), std::string::npos);

  EXPECT_EQ(EngineKeyFor(*store_, master_, "us-east-1", "arn:aws:kms:x", "db-ABC").status().code(),
            Status::Code::kNotFound);
  auto other_master = crypto::MasterKey::FromBytes(std::string(32, 'z'));
  EXPECT_EQ(EngineKeyFor(*store_, other_master, "us-east-1", key.arn, "db-ABC").status().code(),
            Status::Code::kCorruption);

  ASSERT_TRUE(DeleteEngineKey(*store_, "us-east-1", "db-ABC").ok());
  EXPECT_NE(*EngineKeyFor(*store_, master_, "us-east-1", key.arn, "db-ABC"), *first);
}

}  // namespace
}  // namespace tandem::rds
