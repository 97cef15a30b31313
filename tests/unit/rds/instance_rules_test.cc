// The input rules of instance_rules.h as a table: value, allowed or not, and
// the error code RDS answers.
#include "rds/instance_rules.h"

#include <gtest/gtest.h>

#include <functional>

namespace tandem::rds {
namespace {

struct Case {
  std::string what;
  std::function<std::optional<api::ApiError>()> check;
  std::string code;  // "" when allowed
};

TEST(InstanceRules, Table) {
  const std::string k41(41, 'a');
  const Case cases[] = {
      {"id a", [] { return CheckInstanceIdentifier("DBInstanceIdentifier", "a"); }, ""},
      {"id mydb-1", [] { return CheckInstanceIdentifier("DBInstanceIdentifier", "MyDb-1"); }, ""},
      {"id 63", [] { return CheckInstanceIdentifier("X", std::string(63, 'a')); }, ""},
      {"id 64", [] { return CheckInstanceIdentifier("X", std::string(64, 'a')); },
       "InvalidParameterValue"},
      {"id empty", [] { return CheckInstanceIdentifier("X", ""); }, "InvalidParameterValue"},
      {"id digit first", [] { return CheckInstanceIdentifier("X", "1db"); },
       "InvalidParameterValue"},
      {"id underscore", [] { return CheckInstanceIdentifier("X", "my_db"); },
       "InvalidParameterValue"},
      {"id trailing hyphen", [] { return CheckInstanceIdentifier("X", "db-"); },
       "InvalidParameterValue"},
      {"id double hyphen", [] { return CheckInstanceIdentifier("X", "d--b"); },
       "InvalidParameterValue"},
      {"group 255", [] { return CheckParameterGroupName("X", "g" + std::string(254, '1')); }, ""},
      {"group 256", [] { return CheckParameterGroupName("X", "g" + std::string(255, '1')); },
       "InvalidParameterValue"},
      {"group dot", [] { return CheckParameterGroupName("X", "default.mysql10.11"); },
       "InvalidParameterValue"},
      {"engine mysql", [] { return CheckEngine("mysql"); }, ""},
      {"engine mariadb", [] { return CheckEngine("mariadb"); }, ""},
      {"engine postgres", [] { return CheckEngine("postgres"); }, "InvalidParameterValue"},
      {"engine MySQL", [] { return CheckEngine("MySQL"); }, "InvalidParameterValue"},
      {"class t3.micro", [] { return CheckInstanceClass("db.t3.micro", "mysql"); }, ""},
      {"class r6g.large", [] { return CheckInstanceClass("db.r6g.large", "mysql"); }, ""},
      {"class x", [] { return CheckInstanceClass("db.x1e.32xlarge", "mysql"); },
       "InvalidParameterCombination"},
      {"storage 20", [] { return CheckAllocatedStorage(20, "mysql", "gp2"); }, ""},
      {"storage 65536", [] { return CheckAllocatedStorage(65536, "mysql", "gp2"); }, ""},
      {"storage 19", [] { return CheckAllocatedStorage(19, "mysql", "gp2"); },
       "InvalidParameterValue"},
      {"storage 65537", [] { return CheckAllocatedStorage(65537, "mysql", "gp2"); },
       "InvalidParameterValue"},
      {"storage type gp3", [] { return CheckStorageType("gp3"); }, ""},
      {"storage type io1", [] { return CheckStorageType("io1"); }, "InvalidParameterCombination"},
      {"storage type ssd", [] { return CheckStorageType("ssd"); }, "InvalidParameterValue"},
      {"user admin", [] { return CheckMasterUsername("admin"); }, ""},
      {"user 16", [] { return CheckMasterUsername("a" + std::string(15, '1')); }, ""},
      {"user 17", [] { return CheckMasterUsername("a" + std::string(16, '1')); },
       "InvalidParameterValue"},
      {"user digit first", [] { return CheckMasterUsername("1admin"); }, "InvalidParameterValue"},
      {"user underscore", [] { return CheckMasterUsername("my_admin"); }, "InvalidParameterValue"},
      {"user reserved", [] { return CheckMasterUsername("Select"); }, "InvalidParameterValue"},
      {"user rdsadmin", [] { return CheckMasterUsername("rdsadmin"); }, "InvalidParameterValue"},
      {"user root", [] { return CheckMasterUsername("root"); }, "InvalidParameterValue"},
      {"password 8", [] { return CheckMasterUserPassword("12345678"); }, ""},
      {"password 41", [&] { return CheckMasterUserPassword(k41); }, ""},
      {"password 7", [] { return CheckMasterUserPassword("1234567"); }, "InvalidParameterValue"},
      {"password 42", [&] { return CheckMasterUserPassword(k41 + "a"); }, "InvalidParameterValue"},
      {"password punctuation", [] { return CheckMasterUserPassword("a!#$%^&*()-_=+[]{}~"); }, ""},
      {"password slash", [] { return CheckMasterUserPassword("abcd/efgh"); },
       "InvalidParameterValue"},
      {"password at", [] { return CheckMasterUserPassword("abcd@efgh"); }, "InvalidParameterValue"},
      {"password quote", [] { return CheckMasterUserPassword("abcd\"efgh"); },
       "InvalidParameterValue"},
      {"password space", [] { return CheckMasterUserPassword("abcd efgh"); },
       "InvalidParameterValue"},
      {"password non-ascii",
       [] {
         return CheckMasterUserPassword(
             "abcd\xc3\xa9"
             "fgh");
       },
       "InvalidParameterValue"},
      {"dbname", [] { return CheckDbName("my_db1"); }, ""},
      {"dbname digit", [] { return CheckDbName("1db"); }, "InvalidParameterValue"},
      {"dbname hyphen", [] { return CheckDbName("my-db"); }, "InvalidParameterValue"},
      {"dbname 65", [] { return CheckDbName("a" + std::string(64, 'b')); },
       "InvalidParameterValue"},
      {"dbname reserved", [] { return CheckDbName("table"); }, "InvalidParameterValue"},
      {"port 1150", [] { return CheckPort(1150); }, ""},
      {"port 1149", [] { return CheckPort(1149); }, "InvalidParameterValue"},
      {"port 65536", [] { return CheckPort(65536); }, "InvalidParameterValue"},
      {"retention 35", [] { return CheckBackupRetentionPeriod(35); }, ""},
      {"retention 36", [] { return CheckBackupRetentionPeriod(36); }, "InvalidParameterValue"},
      {"backup window", [] { return CheckBackupWindow("23:45-00:15"); }, ""},
      {"backup window short", [] { return CheckBackupWindow("03:00-03:29"); },
       "InvalidParameterValue"},
      {"backup window bad", [] { return CheckBackupWindow("3:00-03:30"); },
       "InvalidParameterValue"},
      {"maintenance window", [] { return CheckMaintenanceWindow("sun:23:45-mon:00:15"); }, ""},
      {"maintenance window bad day", [] { return CheckMaintenanceWindow("xyz:05:00-sun:05:30"); },
       "InvalidParameterValue"},
      {"tag", [] { return CheckTag("env", ""); }, ""},
      {"tag aws", [] { return CheckTag("AWS:x", "v"); }, "InvalidParameterValue"},
      {"tag rds", [] { return CheckTag("rds:x", "v"); }, "InvalidParameterValue"},
      {"tag empty key", [] { return CheckTag("", "v"); }, "InvalidParameterValue"},
      {"tag long value", [] { return CheckTag("k", std::string(257, 'v')); },
       "InvalidParameterValue"},
  };
  for (const Case& c : cases) {
    std::optional<api::ApiError> error = c.check();
    EXPECT_EQ(error ? error->code : "", c.code)
        << c.what << ": " << (error ? error->message : "allowed");
  }
}

TEST(InstanceRules, MessagesNameTheParameterAndNeverThePassword) {
  auto id = CheckInstanceIdentifier("DBInstanceIdentifier", "My_DB");
  ASSERT_TRUE(id);
  EXPECT_NE(id->message.find("DBInstanceIdentifier"), std::string::npos);
  EXPECT_NE(id->message.find("My_DB"), std::string::npos);
  EXPECT_NE(id->message.find("1-63"), std::string::npos);
  auto password = CheckMasterUserPassword("secret/value");
  ASSERT_TRUE(password);
  EXPECT_NE(password->message.find("MasterUserPassword"), std::string::npos);
  EXPECT_EQ(password->message.find("secret"), std::string::npos);
}

}  // namespace
}  // namespace tandem::rds
