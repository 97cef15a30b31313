// Orphaned master user secrets, against the real Secrets Manager service on an
// in-memory store.
#include "control/orphan_secrets.h"

#include <gtest/gtest.h>

#include "crypto/random.h"
#include "rds/db_instance.h"

namespace tandem::control {
namespace {

constexpr const char* kRegion = "us-east-1";

class OrphanSecretsTest : public ::testing::Test {
 protected:
  OrphanSecretsTest()
      : store_(NewMemoryStore()),
        master_(crypto::MasterKey::FromBytes(crypto::RandomBytes(32))),
        secrets_(*store_, master_, clock_, secrets::SecretsOptions{}) {}

  // A managed master user secret as CreateDBInstance makes it; returns its ARN.
  std::string ManagedSecret(const std::string& instance, const std::string& owner = "rds") {
    api::Json input = {
        {"Name", "rds!db-" + crypto::RandomUuid()},
        {"SecretString", R"({"username":"admin","password":"pw"})"},
        {"ClientRequestToken", crypto::RandomUuid()},
        {"Tags",
         api::Json::array({{{"Key", "aws:rds:primaryDBInstanceArn"},
                            {"Value", "arn:aws:rds:us-east-1:000000000000:db:" + instance}}})}};
    if (!owner.empty()) input["OwningService"] = owner;
    auto created = secrets_.Invoke(kRegion, "CreateSecret", input);
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
    return created.ok() ? created->value("ARN", "") : "";
  }

  void Instance(const std::string& identifier, const std::string& secret_arn) {
    rds::DbInstance instance;
    instance.region = kRegion;
    instance.identifier = identifier;
    instance.desired.manage_master_user_password = true;
    instance.desired.master_user_secret_arn = secret_arn;
    ASSERT_TRUE(
        store_->Commit({StoreWrite::Put(instance.StoreKey(), EncodeDbInstance(instance))}).ok());
  }

  bool Exists(const std::string& arn) {
    return secrets_.Invoke(kRegion, "DescribeSecret", {{"SecretId", arn}}).ok();
  }

  ManualClock clock_;
  std::unique_ptr<Store> store_;
  crypto::MasterKey master_;
  secrets::SecretsService secrets_;
};

TEST_F(OrphanSecretsTest, DeletesOnlyOldRdsSecretsOfMissingOrOtherInstances) {
  const std::string kept = ManagedSecret("live");
  Instance("live", kept);
  const std::string orphan = ManagedSecret("never-written");
  const std::string replaced = ManagedSecret("live");  // "live" names another secret
  const std::string not_rds = ManagedSecret("gone", "");

  // Too young: a CreateDBInstance may be between its secret and its record.
  auto deleted = DeleteOrphanSecrets(*store_, secrets_, clock_, 60000);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 0);
  clock_.Advance(30000);
  const std::string young = ManagedSecret("also-never-written");
  deleted = DeleteOrphanSecrets(*store_, secrets_, clock_, 20000);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 2);
  EXPECT_TRUE(Exists(kept));
  EXPECT_FALSE(Exists(orphan));
  EXPECT_FALSE(Exists(replaced));
  EXPECT_TRUE(Exists(not_rds));
  EXPECT_TRUE(Exists(young));
}

TEST_F(OrphanSecretsTest, NothingToDoWithoutSecrets) {
  auto deleted = DeleteOrphanSecrets(*store_, secrets_, clock_, 0);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 0);
}

}  // namespace
}  // namespace tandem::control
