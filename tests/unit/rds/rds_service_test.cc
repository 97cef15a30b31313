// RdsService through its operations (RdsService::Invoke, the handlers the
// Query protocol calls), on an in-memory store, a manual clock and a real
// SecretsService. The reconciler's part (moving statuses on) is played by
// SetStatus.
#include "rds/rds_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "rds/db_instance.h"
#include "rds/parameter_group.h"

namespace tandem::rds {
namespace {

using Json = api::Json;

constexpr char kRegion[] = "us-west-2";
constexpr char kAccount[] = "111111111111";

class RdsServiceTest : public testing::Test {
 protected:
  RdsServiceTest()
      : secrets_(*store_, master_, clock_, secrets::SecretsOptions{kAccount}),
        events_(*store_, clock_),
        rds_(*store_, master_, clock_, secrets_, events_, Options()) {
    rds_.SetChangeListener([this] { ++changes_; });
  }

  RdsOptions Options() {
    RdsOptions o;
    o.account_id = kAccount;
    o.engine_version = "10.11.19";
    o.port_probe = [this](uint16_t port) { return busy_ports_.count(port) == 0; };
    return o;
  }

  Json Ok(const std::string& op, const Json& input) {
    api::ApiResult<Json> r = rds_.Invoke(kRegion, op, input);
    EXPECT_TRUE(r.ok()) << op << " " << input.dump() << ": "
                        << (r.ok() ? "" : r.error().code + ": " + r.error().message);
    return r.ok() ? r.value() : Json::object();
  }

  api::ApiError Err(const std::string& op, const Json& input) {
    api::ApiResult<Json> r = rds_.Invoke(kRegion, op, input);
    EXPECT_FALSE(r.ok()) << op << " " << input.dump() << " succeeded: " << r.value().dump();
    return r.ok() ? api::ApiError{} : r.error();
  }

  static Json CreateInput(const std::string& id, Json extra = Json::object()) {
    Json input = {{"DBInstanceIdentifier", id}, {"DBInstanceClass", "db.t3.micro"},
                  {"Engine", "mysql"},          {"AllocatedStorage", 20},
                  {"MasterUsername", "admin"},  {"MasterUserPassword", "secret-password-1"}};
    for (auto& [k, v] : extra.items()) {
      if (v.is_null()) {
        input.erase(k);
      } else {
        input[k] = v;
      }
    }
    return input;
  }

  Json Create(const std::string& id, Json extra = Json::object()) {
    return Ok("CreateDBInstance", CreateInput(id, std::move(extra)))["DBInstance"];
  }

  Json Describe(const std::string& id) {
    return Ok("DescribeDBInstances", {{"DBInstanceIdentifier", id}})["DBInstances"][0];
  }

  DbInstance Record(const std::string& id) {
    auto entry = store_->Get(DbInstance::StoreKey(kRegion, id)).value();
    EXPECT_TRUE(entry.has_value()) << id;
    return DecodeDbInstance(entry ? entry->value : "{}").value();
  }

  // What the reconciler does when the engine work is done.
  void SetStatus(const std::string& id, const char* status) {
    auto entry = store_->Get(DbInstance::StoreKey(kRegion, id)).value();
    DbInstance instance = DecodeDbInstance(entry->value).value();
    instance.status = status;
    ASSERT_TRUE(store_
                    ->Commit({StoreWrite::Put(instance.StoreKey(), EncodeDbInstance(instance),
                                              entry->version)})
                    .ok());
  }

  std::vector<StoreEntry> Everything() { return store_->List("").value(); }

  static bool SameEntries(const std::vector<StoreEntry>& a, const std::vector<StoreEntry>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].key != b[i].key || a[i].version != b[i].version) return false;
    }
    return true;
  }

  std::vector<std::string> EventMessages(const std::string& source_type) {
    Json events = Ok("DescribeEvents", {{"SourceType", source_type}})["Events"];
    std::vector<std::string> out;
    for (const Json& e : events) out.push_back(e["Message"]);
    return out;
  }

  std::unique_ptr<Store> store_ = NewMemoryStore();
  ManualClock clock_;
  crypto::MasterKey master_ = crypto::MasterKey::FromBytes(std::string(32, 'm'));
  secrets::SecretsService secrets_;
  EventLog events_;
  std::set<uint16_t> busy_ports_;
  RdsService rds_;
  std::atomic<int> changes_{0};
};

TEST_F(RdsServiceTest, CreateWithManagedPasswordMakesTheSecretFirst) {
  Json db = Create("MyDb", {{"MasterUserPassword", nullptr},
                            {"ManageMasterUserPassword", true},
                            {"StorageEncrypted", true},
                            {"DBName", "app"},
                            {"Tags", {{{"Key", "env"}, {"Value", "test"}}}}});
  EXPECT_EQ(db["DBInstanceIdentifier"], "mydb");
  EXPECT_EQ(db["DBInstanceStatus"], "creating");
  EXPECT_FALSE(db.contains("Endpoint")) << "RDS shows no endpoint while creating";
  EXPECT_EQ(db["DBInstanceArn"], "arn:aws:rds:us-west-2:111111111111:db:mydb");
  EXPECT_EQ(db["AvailabilityZone"], "us-west-2a");
  EXPECT_EQ(db["EngineVersion"], "10.11.19");
  EXPECT_EQ(db["StorageEncrypted"], true);
  EXPECT_EQ(db["KmsKeyId"].get<std::string>().rfind("arn:aws:kms:us-west-2:111111111111:key/", 0),
            0u);
  EXPECT_EQ(db["DBParameterGroups"][0]["DBParameterGroupName"], "default.mysql10.11");
  EXPECT_EQ(db["TagList"], (Json{{{"Key", "env"}, {"Value", "test"}}}));
  EXPECT_EQ(db["PendingModifiedValues"], Json::object());
  EXPECT_EQ(db["MasterUserSecret"]["SecretStatus"], "creating");
  EXPECT_EQ(changes_, 1);

  const std::string arn = db["MasterUserSecret"]["SecretArn"];
  EXPECT_NE(arn.find(":secret:rds!db-"), std::string::npos) << arn;
  Json secret = secrets_.Invoke(kRegion, "DescribeSecret", {{"SecretId", arn}}).value();
  EXPECT_EQ(secret["OwningService"], "rds");
  EXPECT_EQ(secret["Tags"][0], (Json{{"Key", "aws:rds:primaryDBInstanceArn"},
                                     {"Value", "arn:aws:rds:us-west-2:111111111111:db:mydb"}}));
  Json value = Json::parse(secrets_.Invoke(kRegion, "GetSecretValue", {{"SecretId", arn}})
                               .value()["SecretString"]
                               .get<std::string>());
  EXPECT_EQ(value["username"], "admin");
  const std::string password = value["password"];
  EXPECT_GE(password.size(), 32u);
  EXPECT_EQ(password.find_first_of("/\"@ "), std::string::npos);

  DbInstance record = Record("mydb");
  EXPECT_EQ(record.endpoint_port, 3306);
  EXPECT_EQ(record.desired.master_user_secret_arn, arn);
  EXPECT_EQ(record.desired.db_name, "app");
  EXPECT_EQ(record.resource_id.size(), 29u);
  EXPECT_FALSE(store_->Get(DbInstance::PasswordStoreKey(kRegion, "mydb")).value());
}

TEST_F(RdsServiceTest, CreateWithPasswordStoresItSealedForTheReconciler) {
  Create("db1");
  DbInstance record = Record("db1");
  EXPECT_EQ(record.desired.password_generation, 1);
  const std::string key = DbInstance::PasswordStoreKey(kRegion, "db1");
  auto sealed = store_->Get(key).value();
  ASSERT_TRUE(sealed);
  EXPECT_EQ(crypto::Open(master_, sealed->value, key).value(), "secret-password-1");
  for (const StoreEntry& e : Everything()) {
    EXPECT_EQ(e.value.find("secret-password-1"), std::string::npos) << e.key;
  }
  EXPECT_EQ(Describe("db1")["PendingModifiedValues"]["MasterUserPassword"], "****");
}

TEST_F(RdsServiceTest, BadCreateInputChangesNothing) {
  Create("taken");
  Ok("CreateDBParameterGroup", {{"DBParameterGroupName", "pg"},
                                {"DBParameterGroupFamily", "mysql10.11"},
                                {"Description", "d"}});
  busy_ports_.insert(4000);
  struct Case {
    Json extra;
    std::string code;
  };
  const Case cases[] = {
      {{{"DBInstanceIdentifier", "bad_id"}}, "InvalidParameterValue"},
      {{{"DBInstanceIdentifier", "taken"}}, "DBInstanceAlreadyExists"},
      {{{"DBInstanceIdentifier", "TAKEN"}}, "DBInstanceAlreadyExists"},
      {{{"Engine", "postgres"}}, "InvalidParameterValue"},
      {{{"DBInstanceClass", "db.x2.huge"}}, "InvalidParameterCombination"},
      {{{"AllocatedStorage", 5}}, "InvalidParameterValue"},
      {{{"AllocatedStorage", nullptr}}, "InvalidParameterValue"},
      {{{"MasterUsername", nullptr}}, "InvalidParameterValue"},
      {{{"MasterUsername", "select"}}, "InvalidParameterValue"},
      {{{"MasterUserPassword", "short"}}, "InvalidParameterValue"},
      {{{"MasterUserPassword", "has/slash1"}}, "InvalidParameterValue"},
      {{{"MasterUserPassword", nullptr}}, "InvalidParameterValue"},
      {{{"ManageMasterUserPassword", true}}, "InvalidParameterCombination"},
      {{{"MasterUserSecretKmsKeyId", "alias/aws/secretsmanager"}}, "InvalidParameterCombination"},
      {{{"KmsKeyId", "alias/aws/rds"}}, "InvalidParameterCombination"},
      {{{"StorageEncrypted", true}, {"KmsKeyId", "alias/mine"}}, "KMSKeyNotAccessibleFault"},
      {{{"DBParameterGroupName", "nope"}}, "DBParameterGroupNotFound"},
      {{{"CACertificateIdentifier", "rds-ca-rsa2048-g1"}}, "CertificateNotFound"},
      {{{"Port", 80}}, "InvalidParameterValue"},
      {{{"Port", 4000}}, "InvalidParameterValue"},
      {{{"Port", 3306}}, "InvalidParameterValue"},
      {{{"EngineVersion", "8.0.35"}}, "InvalidParameterCombination"},
      {{{"MultiAZ", true}, {"AvailabilityZone", "us-west-2a"}}, "InvalidParameterCombination"},
      {{{"AvailabilityZone", "us-west-2c"}}, "InvalidParameterValue"},
      {{{"DBName", "1db"}}, "InvalidParameterValue"},
      {{{"BackupRetentionPeriod", 40}}, "InvalidParameterValue"},
      {{{"StorageType", "io1"}}, "InvalidParameterCombination"},
      {{{"DBClusterIdentifier", "c"}}, "InvalidParameterCombination"},
      {{{"Tags", {{{"Key", "aws:x"}, {"Value", "y"}}}}}, "InvalidParameterValue"},
  };
  const std::vector<StoreEntry> before = Everything();
  const int changes_before = changes_;
  for (const Case& c : cases) {
    Json input = CreateInput("fresh", c.extra);
    api::ApiError e = Err("CreateDBInstance", input);
    EXPECT_EQ(e.code, c.code) << c.extra.dump() << ": " << e.message;
    EXPECT_TRUE(SameEntries(Everything(), before)) << c.extra.dump() << " changed the store";
  }
  EXPECT_EQ(changes_, changes_before);
}

TEST_F(RdsServiceTest, ErrorMessagesAreRds) {
  EXPECT_EQ(Err("DescribeDBInstances", {{"DBInstanceIdentifier", "nope"}}).message,
            "DBInstance nope not found.");
  EXPECT_EQ(Err("DeleteDBInstance", {{"DBInstanceIdentifier", "nope"}}).message,
            "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.");
  api::ApiError e = Err("CreateDBInstance", CreateInput("x", {{"MasterUserPassword", "abc"}}));
  EXPECT_EQ(e.message,
            "The parameter MasterUserPassword is not a valid password because it is shorter than "
            "8 characters.");
}

TEST_F(RdsServiceTest, PortsAreTheFirstFreeAcrossRegions) {
  busy_ports_ = {3307};
  EXPECT_EQ(Record(Create("a")["DBInstanceIdentifier"]).endpoint_port, 3306);
  EXPECT_EQ(Record(Create("b")["DBInstanceIdentifier"]).endpoint_port, 3308);
  // Another region shares the machine's ports.
  ASSERT_TRUE(rds_.Invoke("eu-west-1", "CreateDBInstance", CreateInput("c")).ok());
  auto entry = store_->Get(DbInstance::StoreKey("eu-west-1", "c")).value();
  EXPECT_EQ(DecodeDbInstance(entry->value)->endpoint_port, 3309);
  api::ApiError e = Err("CreateDBInstance", CreateInput("d", {{"Port", 3308}}));
  EXPECT_EQ(e.message, "Port 3308 is in use by DB instance b; choose another Port or omit it");
  EXPECT_EQ(Record(Create("e", {{"Port", 5000}})["DBInstanceIdentifier"]).endpoint_port, 5000);
}

TEST_F(RdsServiceTest, ConcurrentCreationsGetDistinctPorts) {
  std::vector<std::thread> threads;
  std::atomic<int> created{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      if (rds_.Invoke(kRegion, "CreateDBInstance", CreateInput("db" + std::to_string(i))).ok()) {
        ++created;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created, 8);
  std::set<uint16_t> ports;
  for (int i = 0; i < 8; ++i) ports.insert(Record("db" + std::to_string(i)).endpoint_port);
  EXPECT_EQ(ports.size(), 8u);
}

TEST_F(RdsServiceTest, DescribeFiltersAndPages) {
  for (int i = 0; i < 23; ++i) {
    Create("db" + std::to_string(100 + i), {{"Engine", i % 2 == 0 ? "mysql" : "mariadb"}});
  }
  Json page1 = Ok("DescribeDBInstances", {{"MaxRecords", 20}});
  ASSERT_EQ(page1["DBInstances"].size(), 20u);
  ASSERT_TRUE(page1.contains("Marker"));
  Json page2 = Ok("DescribeDBInstances", {{"MaxRecords", 20}, {"Marker", page1["Marker"]}});
  ASSERT_EQ(page2["DBInstances"].size(), 3u);
  EXPECT_FALSE(page2.contains("Marker"));
  EXPECT_EQ(page2["DBInstances"][0]["DBInstanceIdentifier"], "db120");
  EXPECT_EQ(Err("DescribeDBInstances", {{"MaxRecords", 10}}).message,
            "Invalid value 10 for MaxRecords. Must be between 20 and 100");
  EXPECT_EQ(Err("DescribeDBInstances", {{"Marker", "garbage"}}).code, "InvalidParameterValue");

  Json mariadb =
      Ok("DescribeDBInstances", {{"Filters", {{{"Name", "engine"}, {"Values", {"mariadb"}}}}}});
  EXPECT_EQ(mariadb["DBInstances"].size(), 11u);
  Json by_arn = Ok("DescribeDBInstances",
                   {{"Filters",
                     {{{"Name", "db-instance-id"},
                       {"Values", {"arn:aws:rds:us-west-2:111111111111:db:db105", "db106"}}}}}});
  EXPECT_EQ(by_arn["DBInstances"].size(), 2u);
  std::string resource = Describe("db107")["DbiResourceId"];
  Json by_resource = Ok("DescribeDBInstances",
                        {{"Filters", {{{"Name", "dbi-resource-id"}, {"Values", {resource}}}}}});
  ASSERT_EQ(by_resource["DBInstances"].size(), 1u);
  EXPECT_EQ(by_resource["DBInstances"][0]["DBInstanceIdentifier"], "db107");
  EXPECT_TRUE(Ok("DescribeDBInstances",
                 {{"Filters", {{{"Name", "db-cluster-id"}, {"Values", {"c"}}}}}})["DBInstances"]
                  .empty());
  EXPECT_EQ(Err("DescribeDBInstances", {{"Filters", {{{"Name", "color"}, {"Values", {"x"}}}}}})
                .message.rfind("Unrecognized filter name: color", 0),
            0u);
  EXPECT_EQ(Describe("DB105")["DBInstanceIdentifier"], "db105");
  EXPECT_EQ(
      Ok("DescribeDBInstances",
         {{"DBInstanceIdentifier", "arn:aws:rds:us-west-2:111111111111:db:db105"}})["DBInstances"]
          .size(),
      1u);
}

TEST_F(RdsServiceTest, ModifyWaitsForRebootUnlessAppliedImmediately) {
  Create("db");
  EXPECT_EQ(
      Err("ModifyDBInstance", {{"DBInstanceIdentifier", "db"}, {"DBInstanceClass", "db.t3.small"}})
          .code,
      "InvalidDBInstanceState");  // still creating
  SetStatus("db", status::kAvailable);

  Json db = Ok("ModifyDBInstance", {{"DBInstanceIdentifier", "db"},
                                    {"DBInstanceClass", "db.t3.small"},
                                    {"AllocatedStorage", 30}})["DBInstance"];
  EXPECT_EQ(db["DBInstanceStatus"], "available");
  EXPECT_EQ(db["DBInstanceClass"], "db.t3.micro");
  EXPECT_EQ(db["PendingModifiedValues"]["DBInstanceClass"], "db.t3.small");
  EXPECT_EQ(db["PendingModifiedValues"]["AllocatedStorage"], 30);

  db = Ok("RebootDBInstance", {{"DBInstanceIdentifier", "db"}})["DBInstance"];
  EXPECT_EQ(db["DBInstanceStatus"], "rebooting");
  EXPECT_EQ(db["DBInstanceClass"], "db.t3.small");
  EXPECT_EQ(db["AllocatedStorage"], 30);
  EXPECT_FALSE(db["PendingModifiedValues"].contains("DBInstanceClass"));
  EXPECT_EQ(Record("db").desired.reboot_generation, 1);
  auto messages = EventMessages("db-instance");
  EXPECT_NE(std::find(messages.begin(), messages.end(),
                      "Applying modification to database instance class"),
            messages.end());

  SetStatus("db", status::kAvailable);
  db = Ok("ModifyDBInstance", {{"DBInstanceIdentifier", "db"},
                               {"DBInstanceClass", "db.r6g.large"},
                               {"MultiAZ", true},
                               {"ApplyImmediately", true}})["DBInstance"];
  EXPECT_EQ(db["DBInstanceStatus"], "modifying");
  EXPECT_EQ(db["DBInstanceClass"], "db.r6g.large");
  EXPECT_EQ(db["MultiAZ"], true);
  EXPECT_EQ(db["SecondaryAvailabilityZone"], "us-west-2b");

  SetStatus("db", status::kAvailable);
  api::ApiError shrink =
      Err("ModifyDBInstance", {{"DBInstanceIdentifier", "db"}, {"AllocatedStorage", 20}});
  EXPECT_EQ(shrink.code, "InvalidParameterValue");
  EXPECT_NE(shrink.message.find("can only grow"), std::string::npos);
  // Flags that need no engine work leave the status alone.
  db = Ok("ModifyDBInstance", {{"DBInstanceIdentifier", "db"},
                               {"DeletionProtection", true},
                               {"BackupRetentionPeriod", 7}})["DBInstance"];
  EXPECT_EQ(db["DBInstanceStatus"], "available");
  EXPECT_EQ(db["DeletionProtection"], true);
  EXPECT_EQ(db["BackupRetentionPeriod"], 7);
}

TEST_F(RdsServiceTest, ModifyPasswordsAndSwitchingManagementBothWays) {
  Create("db");
  SetStatus("db", status::kAvailable);
  Ok("ModifyDBInstance", {{"DBInstanceIdentifier", "db"}, {"MasterUserPassword", "another-pw-2"}});
  DbInstance record = Record("db");
  EXPECT_EQ(record.status, "modifying");
  EXPECT_EQ(record.desired.password_generation, 2);
  const std::string key = DbInstance::PasswordStoreKey(kRegion, "db");
  EXPECT_EQ(crypto::Open(master_, store_->Get(key).value()->value, key).value(), "another-pw-2");

  SetStatus("db", status::kAvailable);
  Json db = Ok("ModifyDBInstance", {{"DBInstanceIdentifier", "db"},
                                    {"ManageMasterUserPassword", true},
                                    {"ApplyImmediately", true}})["DBInstance"];
  const std::string arn = db["MasterUserSecret"]["SecretArn"];
  EXPECT_TRUE(secrets_.Invoke(kRegion, "DescribeSecret", {{"SecretId", arn}}).ok());
  EXPECT_FALSE(store_->Get(key).value()) << "the unapplied password is superseded";
  EXPECT_EQ(Record("db").desired.password_generation, 3);

  SetStatus("db", status::kAvailable);
  EXPECT_EQ(Err("ModifyDBInstance",
                {{"DBInstanceIdentifier", "db"}, {"MasterUserPassword", "x-password-3"}})
                .code,
            "InvalidParameterCombination");
  EXPECT_EQ(
      Err("ModifyDBInstance", {{"DBInstanceIdentifier", "db"}, {"ManageMasterUserPassword", false}})
          .code,
      "InvalidParameterCombination");
  EXPECT_EQ(Err("ModifyDBInstance", {{"DBInstanceIdentifier", "db"},
                                     {"ManageMasterUserPassword", true},
                                     {"MasterUserPassword", "x-password-3"}})
                .code,
            "InvalidParameterCombination");
  db = Ok("ModifyDBInstance", {{"DBInstanceIdentifier", "db"},
                               {"ManageMasterUserPassword", false},
                               {"MasterUserPassword", "x-password-3"}})["DBInstance"];
  EXPECT_FALSE(db.contains("MasterUserSecret"));
  EXPECT_EQ(secrets_.Invoke(kRegion, "DescribeSecret", {{"SecretId", arn}}).error().code,
            "ResourceNotFoundException");
  EXPECT_EQ(crypto::Open(master_, store_->Get(key).value()->value, key).value(), "x-password-3");
}

TEST_F(RdsServiceTest, RebootStopStartAndTheirStates) {
  Create("db");
  EXPECT_EQ(Err("RebootDBInstance", {{"DBInstanceIdentifier", "db"}}).code,
            "InvalidDBInstanceState");
  EXPECT_EQ(Err("RebootDBInstance", {{"DBInstanceIdentifier", "db"}, {"ForceFailover", true}}).code,
            "InvalidParameterCombination");
  EXPECT_EQ(Err("StopDBInstance", {{"DBInstanceIdentifier", "db"}}).code, "InvalidDBInstanceState");
  EXPECT_EQ(Err("StartDBInstance", {{"DBInstanceIdentifier", "db"}}).code,
            "InvalidDBInstanceState");
  SetStatus("db", status::kAvailable);
  EXPECT_EQ(
      Err("StopDBInstance", {{"DBInstanceIdentifier", "db"}, {"DBSnapshotIdentifier", "s"}}).code,
      "InvalidParameterCombination");
  Json db = Ok("StopDBInstance", {{"DBInstanceIdentifier", "db"}})["DBInstance"];
  EXPECT_EQ(db["DBInstanceStatus"], "stopping");
  EXPECT_EQ(Record("db").desired.lifecycle, "stopped");
  EXPECT_EQ(Err("StartDBInstance", {{"DBInstanceIdentifier", "db"}}).code,
            "InvalidDBInstanceState");
  SetStatus("db", status::kStopped);
  db = Ok("StartDBInstance", {{"DBInstanceIdentifier", "db"}})["DBInstance"];
  EXPECT_EQ(db["DBInstanceStatus"], "starting");
  EXPECT_EQ(Record("db").desired.lifecycle, "available");

  Create("multi", {{"MultiAZ", true}});
  SetStatus("multi", status::kAvailable);
  Ok("RebootDBInstance", {{"DBInstanceIdentifier", "multi"}, {"ForceFailover", true}});
  EXPECT_TRUE(Record("multi").desired.reboot_force_failover);
  // RDS stops Multi-AZ instances too.
  SetStatus("multi", status::kAvailable);
  Ok("StopDBInstance", {{"DBInstanceIdentifier", "multi"}});
}

TEST_F(RdsServiceTest, Delete) {
  Create("db", {{"DeletionProtection", true}});
  EXPECT_EQ(Err("DeleteDBInstance", {{"DBInstanceIdentifier", "db"}}).code,
            "InvalidParameterCombination");
  api::ApiError snapshot = Err(
      "DeleteDBInstance", {{"DBInstanceIdentifier", "db"}, {"FinalDBSnapshotIdentifier", "final"}});
  EXPECT_EQ(snapshot.code, "InvalidParameterCombination");
  EXPECT_NE(snapshot.message.find("snapshots"), std::string::npos);
  EXPECT_EQ(Err("DeleteDBInstance", {{"DBInstanceIdentifier", "db"}, {"SkipFinalSnapshot", true}})
                .message,
            "Cannot delete protected DB Instance, please disable deletion protection and try "
            "again.");
  SetStatus("db", status::kAvailable);
  Ok("ModifyDBInstance", {{"DBInstanceIdentifier", "db"}, {"DeletionProtection", false}});
  Json db = Ok("DeleteDBInstance", {{"DBInstanceIdentifier", "db"},
                                    {"SkipFinalSnapshot", true},
                                    {"DeleteAutomatedBackups", true}})["DBInstance"];
  EXPECT_EQ(db["DBInstanceStatus"], "deleting");
  EXPECT_EQ(Record("db").desired.lifecycle, "deleted");
  EXPECT_EQ(
      Err("DeleteDBInstance", {{"DBInstanceIdentifier", "db"}, {"SkipFinalSnapshot", true}}).code,
      "InvalidDBInstanceState");
  EXPECT_EQ(
      Err("ModifyDBInstance", {{"DBInstanceIdentifier", "db"}, {"DeletionProtection", true}}).code,
      "InvalidDBInstanceState");
  // A creating instance can be deleted too.
  Create("young");
  Ok("DeleteDBInstance", {{"DBInstanceIdentifier", "young"}, {"SkipFinalSnapshot", true}});
}

TEST_F(RdsServiceTest, Tags) {
  Create("db");
  Ok("CreateDBParameterGroup", {{"DBParameterGroupName", "pg"},
                                {"DBParameterGroupFamily", "mysql10.11"},
                                {"Description", "d"}});
  for (const std::string arn :
       {"arn:aws:rds:us-west-2:111111111111:db:db", "arn:aws:rds:us-west-2:111111111111:pg:pg"}) {
    Ok("AddTagsToResource",
       {{"ResourceName", arn},
        {"Tags", {{{"Key", "a"}, {"Value", "1"}}, {{"Key", "b"}, {"Value", "2"}}}}});
    Ok("AddTagsToResource", {{"ResourceName", arn}, {"Tags", {{{"Key", "a"}, {"Value", "3"}}}}});
    EXPECT_EQ(Ok("ListTagsForResource", {{"ResourceName", arn}})["TagList"],
              (Json{{{"Key", "a"}, {"Value", "3"}}, {{"Key", "b"}, {"Value", "2"}}}));
    Ok("RemoveTagsFromResource", {{"ResourceName", arn}, {"TagKeys", {"b", "zz"}}});
    EXPECT_EQ(Ok("ListTagsForResource", {{"ResourceName", arn}})["TagList"].size(), 1u);
    EXPECT_EQ(Err("AddTagsToResource",
                  {{"ResourceName", arn}, {"Tags", {{{"Key", "rds:x"}, {"Value", ""}}}}})
                  .code,
              "InvalidParameterValue");
    Json many = Json::array();
    for (int i = 0; i < 50; ++i) many.push_back({{"Key", "k" + std::to_string(i)}, {"Value", ""}});
    EXPECT_EQ(Err("AddTagsToResource", {{"ResourceName", arn}, {"Tags", many}}).code,
              "InvalidParameterValue");
  }
  EXPECT_EQ(Describe("db")["TagList"], (Json{{{"Key", "a"}, {"Value", "3"}}}));
  EXPECT_EQ(
      Err("ListTagsForResource", {{"ResourceName", "arn:aws:rds:us-west-2:111111111111:db:none"}})
          .code,
      "DBInstanceNotFound");
  EXPECT_EQ(
      Err("ListTagsForResource", {{"ResourceName", "arn:aws:rds:us-west-2:111111111111:pg:none"}})
          .code,
      "DBParameterGroupNotFound");
  for (const char* bad : {"mydb", "arn:aws:rds:eu-west-1:111111111111:db:db",
                          "arn:aws:rds:us-west-2:222222222222:db:db",
                          "arn:aws:rds:us-west-2:111111111111:snapshot:s"}) {
    api::ApiError e = Err("ListTagsForResource", {{"ResourceName", bad}});
    EXPECT_EQ(e.code, "InvalidParameterValue") << bad;
    EXPECT_EQ(e.message,
              "The specified resource name does not match an RDS resource in this region.");
  }
}

TEST_F(RdsServiceTest, ParameterGroups) {
  Json created = Ok("CreateDBParameterGroup", {{"DBParameterGroupName", "MyGroup"},
                                               {"DBParameterGroupFamily", "mysql10.11"},
                                               {"Description", "mine"}})["DBParameterGroup"];
  EXPECT_EQ(created["DBParameterGroupName"], "mygroup");
  EXPECT_EQ(created["DBParameterGroupArn"], "arn:aws:rds:us-west-2:111111111111:pg:mygroup");
  EXPECT_EQ(Err("CreateDBParameterGroup", {{"DBParameterGroupName", "mygroup"},
                                           {"DBParameterGroupFamily", "mysql10.11"},
                                           {"Description", "again"}})
                .code,
            "DBParameterGroupAlreadyExists");
  EXPECT_EQ(Err("CreateDBParameterGroup", {{"DBParameterGroupName", "other"},
                                           {"DBParameterGroupFamily", "mysql8.0"},
                                           {"Description", "d"}})
                .code,
            "InvalidParameterValue");
  Json groups = Ok("DescribeDBParameterGroups", Json::object())["DBParameterGroups"];
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0]["DBParameterGroupName"], "default.mysql10.11");
  EXPECT_EQ(Err("DescribeDBParameterGroups", {{"DBParameterGroupName", "nope"}}).code,
            "DBParameterGroupNotFound");

  auto modify = [&](const std::string& group, Json parameters) {
    return rds_.Invoke(kRegion, "ModifyDBParameterGroup",
                       {{"DBParameterGroupName", group}, {"Parameters", parameters}});
  };
  Json max500 = {{{"ParameterName", "max_connections"},
                  {"ParameterValue", "500"},
                  {"ApplyMethod", "immediate"}}};
  EXPECT_EQ(modify("default.mysql10.11", max500).error().code, "InvalidParameterValue");
  EXPECT_EQ(modify("nope", max500).error().code, "DBParameterGroupNotFound");
  struct Bad {
    Json parameter;
    std::string code;
  };
  const Bad bad[] = {
      {{{"ParameterName", "no_such"}, {"ParameterValue", "1"}}, "InvalidParameterValue"},
      {{{"ParameterName", "sync_binlog"}, {"ParameterValue", "0"}}, "InvalidParameterValue"},
      {{{"ParameterName", "max_connections"}, {"ParameterValue", "0"}}, "InvalidParameterValue"},
      {{{"ParameterName", "max_connections"}}, "MissingParameter"},
      {{{"ParameterName", "performance_schema"},
        {"ParameterValue", "1"},
        {"ApplyMethod", "immediate"}},
       "InvalidParameterCombination"},
  };
  for (const Bad& b : bad) {
    auto r = modify("mygroup", Json::array({b.parameter}));
    ASSERT_FALSE(r.ok()) << b.parameter.dump();
    EXPECT_EQ(r.error().code, b.code) << b.parameter.dump() << ": " << r.error().message;
  }
  EXPECT_EQ(modify("mygroup", {{{"ParameterName", "performance_schema"},
                                {"ParameterValue", "1"},
                                {"ApplyMethod", "immediate"}}})
                .error()
                .message,
            "cannot use immediate apply method for static parameter performance_schema: use "
            "ApplyMethod pending-reboot (it applies at the next reboot)");
  ASSERT_TRUE(modify("mygroup", max500).ok());
  ASSERT_TRUE(modify("mygroup", {{{"ParameterName", "performance_schema"},
                                  {"ParameterValue", "1"},
                                  {"ApplyMethod", "pending-reboot"}}})
                  .ok());
  EXPECT_EQ(LoadParameterGroup(*store_, kRegion, "mygroup")->group.revision, 2);

  Json user = Ok("DescribeDBParameters",
                 {{"DBParameterGroupName", "mygroup"}, {"Source", "user"}})["Parameters"];
  ASSERT_EQ(user.size(), 2u);
  EXPECT_EQ(user[0]["ParameterName"], "max_connections");
  EXPECT_EQ(user[0]["ParameterValue"], "500");
  EXPECT_EQ(user[0]["ApplyType"], "dynamic");
  EXPECT_EQ(user[0]["ApplyMethod"], "immediate");
  EXPECT_EQ(user[0]["IsModifiable"], true);
  Json system = Ok("DescribeDBParameters",
                   {{"DBParameterGroupName", "mygroup"}, {"Source", "system"}})["Parameters"];
  ASSERT_FALSE(system.empty());
  for (const Json& p : system) EXPECT_EQ(p["IsModifiable"], false);
  Json page = Ok("DescribeDBParameters",
                 {{"DBParameterGroupName", "default.mysql10.11"}, {"MaxRecords", 20}});
  EXPECT_EQ(page["Parameters"].size(), 20u);
  Json rest = Ok("DescribeDBParameters",
                 {{"DBParameterGroupName", "default.mysql10.11"}, {"Marker", page["Marker"]}});
  EXPECT_EQ(page["Parameters"].size() + rest["Parameters"].size(), ParameterCatalog().size());
  EXPECT_EQ(
      Err("DescribeDBParameters", {{"DBParameterGroupName", "mygroup"}, {"Source", "x"}}).code,
      "InvalidParameterValue");

  // An instance in the group: the group can't go, and its status follows the revision.
  Create("db", {{"DBParameterGroupName", "MyGroup"}});
  EXPECT_EQ(Describe("db")["DBParameterGroups"][0]["ParameterApplyStatus"], "applying");
  EXPECT_EQ(Err("DeleteDBParameterGroup", {{"DBParameterGroupName", "mygroup"}}).code,
            "InvalidDBParameterGroupState");
  EXPECT_EQ(Err("DeleteDBParameterGroup", {{"DBParameterGroupName", "default.mysql10.11"}}).code,
            "InvalidParameterValue");

  Ok("ResetDBParameterGroup", {{"DBParameterGroupName", "mygroup"},
                               {"Parameters", {{{"ParameterName", "max_connections"}}}}});
  EXPECT_EQ(Ok("DescribeDBParameters",
               {{"DBParameterGroupName", "mygroup"}, {"Source", "user"}})["Parameters"]
                .size(),
            1u);
  EXPECT_EQ(Err("ResetDBParameterGroup", {{"DBParameterGroupName", "mygroup"}}).code,
            "InvalidParameterCombination");
  Ok("ResetDBParameterGroup", {{"DBParameterGroupName", "mygroup"}, {"ResetAllParameters", true}});
  EXPECT_TRUE(Ok("DescribeDBParameters",
                 {{"DBParameterGroupName", "mygroup"}, {"Source", "user"}})["Parameters"]
                  .empty());

  SetStatus("db", status::kAvailable);
  Ok("ModifyDBInstance",
     {{"DBInstanceIdentifier", "db"}, {"DBParameterGroupName", "default.mysql10.11"}});
  Ok("DeleteDBParameterGroup", {{"DBParameterGroupName", "mygroup"}});
  EXPECT_EQ(Err("DescribeDBParameterGroups", {{"DBParameterGroupName", "mygroup"}}).code,
            "DBParameterGroupNotFound");

  auto messages = EventMessages("db-parameter-group");
  EXPECT_NE(std::find(messages.begin(), messages.end(),
                      "Updated parameter max_connections to 500 with apply method immediate"),
            messages.end());
}

TEST_F(RdsServiceTest, DescribeEventsWindowsAndFilters) {
  Create("db");
  SetStatus("db", status::kAvailable);
  Ok("ModifyDBInstance", {{"DBInstanceIdentifier", "db"},
                          {"DBInstanceClass", "db.t3.small"},
                          {"ApplyImmediately", true}});
  EXPECT_EQ(Err("DescribeEvents", {{"SourceIdentifier", "db"}}).code,
            "InvalidParameterCombination");
  EXPECT_EQ(Err("DescribeEvents", {{"EventCategories", {"nonsense"}}}).code,
            "InvalidParameterValue");
  Json events =
      Ok("DescribeEvents", {{"SourceIdentifier", "DB"}, {"SourceType", "db-instance"}})["Events"];
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["Message"], "Applying modification to database instance class");
  EXPECT_EQ(events[0]["EventCategories"], (Json{"configuration change"}));
  EXPECT_EQ(events[0]["SourceArn"], "arn:aws:rds:us-west-2:111111111111:db:db");
  EXPECT_EQ(events[0]["Date"], clock_.NowMillis() / 1000.0);
  EXPECT_EQ(Ok("DescribeEvents", {{"EventCategories", {"creation"}}})["Events"].size(), 0u);

  clock_.Advance(2 * 3600 * 1000);
  EXPECT_TRUE(Ok("DescribeEvents", Json::object())["Events"].empty()) << "default: last hour";
  EXPECT_EQ(Ok("DescribeEvents", {{"Duration", 180}})["Events"].size(), 1u);
  double now = clock_.NowMillis() / 1000.0;
  EXPECT_EQ(
      Ok("DescribeEvents", {{"StartTime", now - 3 * 3600}, {"EndTime", now}})["Events"].size(), 1u);
  EXPECT_TRUE(
      Ok("DescribeEvents", {{"StartTime", now - 3600}, {"EndTime", now}})["Events"].empty());
}

TEST_F(RdsServiceTest, EngineVersions) {
  Json all = Ok("DescribeDBEngineVersions", Json::object())["DBEngineVersions"];
  ASSERT_EQ(all.size(), 2u);
  for (const Json& v : all) {
    EXPECT_EQ(v["EngineVersion"], "10.11.19");
    EXPECT_EQ(v["DBParameterGroupFamily"], "mysql10.11");
  }
  Json mysql = Ok("DescribeDBEngineVersions", {{"Engine", "mysql"}, {"EngineVersion", "10.11"}});
  ASSERT_EQ(mysql["DBEngineVersions"].size(), 1u);
  EXPECT_EQ(mysql["DBEngineVersions"][0]["Engine"], "mysql");
  EXPECT_TRUE(Ok("DescribeDBEngineVersions",
                 {{"Engine", "mysql"}, {"EngineVersion", "8.0"}})["DBEngineVersions"]
                  .empty());
  EXPECT_EQ(Err("DescribeDBEngineVersions", {{"Engine", "oracle-ee"}}).code,
            "InvalidParameterValue");
}

TEST_F(RdsServiceTest, UnknownOperation) {
  EXPECT_EQ(Err("DescribeDBClusters", Json::object()).code, "InvalidAction");
}

}  // namespace
}  // namespace tandem::rds
