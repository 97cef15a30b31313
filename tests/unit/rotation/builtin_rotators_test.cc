// The built-in MySQL rotators against a real mariadbd with TLS, and Secrets
// Manager over the memory store: rotations run as the rotation engine runs
// them (AddPendingVersion, then the four steps in order).
#include "rotation/builtin_rotators.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <regex>

#include "crypto/random.h"
#include "engine/node_admin.h"
#include "engine/node_test_env.h"

namespace tandem::rotation {
namespace {

using api::Json;
using engine::AdminBinlog;
using engine::AdminConnection;
using engine::ConnectOptions;
using engine::Grant;
using engine::NodeAdmin;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kRegion = "us-west-2";
const std::string kSingleArn =
    std::string("arn:aws:lambda:us-west-2:000000000000:function:") + kSingleUserRotator;
const std::string kAlternatingArn =
    std::string("arn:aws:lambda:us-west-2:000000000000:function:") + kAlternatingUsersRotator;
constexpr Step kSteps[] = {Step::kCreateSecret, Step::kSetSecret, Step::kTestSecret,
                           Step::kFinishSecret};

class BuiltinRotatorsTest : public engine::NodeTest {
 protected:
  void SetUp() override {
    engine::NodeTest::SetUp();
    spec_ = MakeSpec("rot", false);
    driver_ = MakeDriver(spec_);
    ASSERT_TRUE(driver_);
    Status s = driver_->Initialize(kTimeout);
    Track(*driver_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    admin_ = engine::Admin(*driver_, AdminBinlog::kWrite);
    ASSERT_TRUE(admin_);
    NodeAdmin node(*admin_);
    ASSERT_TRUE(node.SetReadOnly(false).ok());
    ASSERT_TRUE(admin_->Execute("CREATE DATABASE appdb").ok());
    ASSERT_TRUE(node.CreateUser("app", app_password_, /*require_ssl=*/true,
                                {Grant{{"SELECT", "INSERT"}, "appdb", false}})
                    .ok());
    ASSERT_TRUE(node.CreateUser("admin", master_password_, false,
                                {Grant{engine::kMasterUserPrivileges, "*", true}})
                    .ok());
    rotators_ = std::make_unique<BuiltinRotators>(secrets_, [&] {
      BuiltinRotatorOptions options;
      options.ca_file = ca_->bundle_path();
      return options;
    }());
  }

  Json DbSecret(const std::string& user, const std::string& password) const {
    return {{"engine", "mysql"}, {"host", "127.0.0.1"},  {"port", spec_.port},
            {"username", user},  {"password", password}, {"dbname", "appdb"}};
  }

  // Creates the secret name with value; returns its ARN.
  std::string CreateSecret(const std::string& name, const Json& value) {
    auto created = secrets_.Invoke(kRegion, "CreateSecret",
                                   {{"Name", name},
                                    {"SecretString", value.dump()},
                                    {"ClientRequestToken", crypto::RandomUuid()}});
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
    return created.ok() ? created->value("ARN", "") : "";
  }

  Json Value(const std::string& secret, const std::string& stage) {
    auto got =
        secrets_.Invoke(kRegion, "GetSecretValue", {{"SecretId", secret}, {"VersionStage", stage}});
    EXPECT_TRUE(got.ok()) << (got.ok() ? "" : got.error().message);
    return got.ok() ? Json::parse(got->value("SecretString", "{}")) : Json::object();
  }

  std::string VersionOf(const std::string& secret, const std::string& stage) {
    auto got =
        secrets_.Invoke(kRegion, "GetSecretValue", {{"SecretId", secret}, {"VersionStage", stage}});
    return got.ok() ? got->value("VersionId", "") : "";
  }

  Json Stages(const std::string& secret) {
    auto described = secrets_.Invoke(kRegion, "DescribeSecret", {{"SecretId", secret}});
    EXPECT_TRUE(described.ok());
    return described.ok() ? described->value("VersionIdsToStages", Json::object()) : Json::object();
  }

  StepRequest Request(const std::string& function, const std::string& secret,
                      const std::string& token, Step step) const {
    return {kRegion, function, secret, token, step};
  }

  Status RunStep(const std::string& function, const std::string& secret, const std::string& token,
                 Step step) {
    return rotators_->InvokeStep(Request(function, secret, token, step));
  }

  // A whole rotation; every step also repeated once (it must change nothing).
  std::string Rotate(const std::string& function, const std::string& secret, bool repeat) {
    const std::string token = crypto::RandomUuid();
    auto added = secrets_.AddPendingVersion(kRegion, secret, token);
    EXPECT_TRUE(added.ok()) << (added.ok() ? "" : added.error().message);
    for (Step step : kSteps) {
      Status s = RunStep(function, secret, token, step);
      EXPECT_TRUE(s.ok()) << StepName(step) << ": " << s.ToString();
      if (!repeat) continue;
      const Json before = Stages(secret);
      const Json pending = step == Step::kFinishSecret ? Json() : PendingValue(secret, token);
      s = RunStep(function, secret, token, step);
      EXPECT_TRUE(s.ok()) << StepName(step) << " repeated: " << s.ToString();
      EXPECT_EQ(Stages(secret), before) << StepName(step) << " repeated changed the labels";
      if (step != Step::kFinishSecret) {
        EXPECT_EQ(PendingValue(secret, token), pending)
            << StepName(step) << " repeated changed the pending value";
      }
    }
    return token;
  }

  Json PendingValue(const std::string& secret, const std::string& token) {
    auto got =
        secrets_.Invoke(kRegion, "GetSecretValue", {{"SecretId", secret}, {"VersionId", token}});
    return got.ok() ? Json::parse(got->value("SecretString", "{}")) : Json();
  }

  // Logs in over verified TLS as user.
  StatusOr<std::unique_ptr<AdminConnection>> Login(const std::string& user,
                                                   const std::string& password) const {
    ConnectOptions options;
    options.port = spec_.port;
    options.user = user;
    options.password = password;
    options.tls_ca_file = ca_->bundle_path();
    options.binlog = AdminBinlog::kWrite;
    return AdminConnection::Connect(options);
  }

  bool LogsIn(const std::string& user, const std::string& password) const {
    auto conn = Login(user, password);
    if (!conn.ok()) return false;
    EXPECT_TRUE((*conn)->uses_tls());
    return true;
  }

  std::vector<std::string> GrantsOf(const std::string& user) {
    auto rs = admin_->Query("SHOW GRANTS FOR " + admin_->QuoteString(user) + "@'%'");
    EXPECT_TRUE(rs.ok()) << rs.status().ToString();
    std::vector<std::string> out;
    if (!rs.ok()) return out;
    for (const auto& row : rs->rows) {
      std::string line = row[0].value_or("");
      // Compare what is granted, not to whom (or with which password).
      line = std::regex_replace(line, std::regex(" IDENTIFIED BY PASSWORD '[^']*'"), "");
      const std::string grantee = "`" + user + "`@`%`";
      const size_t at = line.find(grantee);
      if (at != std::string::npos) line.replace(at, grantee.size(), "<grantee>");
      out.push_back(line);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string SslTypeOf(const std::string& user) {
    return engine::QueryOne(*admin_, "SELECT ssl_type FROM mysql.user WHERE User = " +
                                         admin_->QuoteString(user) + " AND Host = '%'");
  }

  engine::NodeSpec spec_;
  std::unique_ptr<engine::LocalNodeDriver> driver_;
  std::unique_ptr<AdminConnection> admin_;
  // Quotes and backslashes: the rotators must not care what the old ones hold.
  const std::string app_password_ = "o'ld\"pa\\ss-" + crypto::RandomString(8, "abcdef");
  const std::string master_password_ = "master-" + crypto::RandomString(16, "abcdef0123456789");

  std::unique_ptr<Store> store_ = NewMemoryStore();
  SystemClock clock_;
  crypto::MasterKey key_ = crypto::MasterKey::FromBytes(crypto::RandomBytes(32));
  secrets::SecretsService secrets_{*store_, key_, clock_, secrets::SecretsOptions{}};
  std::unique_ptr<BuiltinRotators> rotators_;
};

TEST_F(BuiltinRotatorsTest, SingleUserRotationChangesThePasswordAndMovesTheLabels) {
  const std::string arn = CreateSecret("app-secret", DbSecret("app", app_password_));
  const std::string old_version = VersionOf(arn, "AWSCURRENT");
  const std::string token = Rotate(kSingleArn, arn, /*repeat=*/true);

  EXPECT_EQ(VersionOf(arn, "AWSCURRENT"), token);
  EXPECT_EQ(VersionOf(arn, "AWSPREVIOUS"), old_version);
  const Json current = Value(arn, "AWSCURRENT");
  const std::string new_password = current.value("password", "");
  EXPECT_EQ(new_password.size(), 32u);
  EXPECT_EQ(new_password.find_first_of("/@\"'\\"), std::string::npos);
  Json expected = DbSecret("app", new_password);
  EXPECT_EQ(current, expected) << "only the password changed";
  EXPECT_EQ(PendingValue(arn, token), current);

  EXPECT_TRUE(LogsIn("app", new_password));
  EXPECT_FALSE(LogsIn("app", app_password_));
  EXPECT_EQ(SslTypeOf("app"), "ANY") << "the TLS requirement is kept";

  // Every step again, after the rotation: nothing to do.
  const Json stages = Stages(arn);
  for (Step step : kSteps) {
    Status s = RunStep(kSingleArn, arn, token, step);
    EXPECT_TRUE(s.ok()) << StepName(step) << ": " << s.ToString();
  }
  EXPECT_EQ(Stages(arn), stages);
  EXPECT_TRUE(LogsIn("app", new_password));

  // Time of a complete rotation (four steps), as the engine runs it.
  std::vector<double> seconds;
  for (int i = 0; i < 20; ++i) {
    const auto start = std::chrono::steady_clock::now();
    Rotate(kSingleArn, arn, /*repeat=*/false);
    seconds.push_back(engine::SecondsSince(start));
  }
  std::sort(seconds.begin(), seconds.end());
  std::printf(
      "[ figures  ] single-user rotation, 4 steps, n=20: min %.1f ms, p50 %.1f ms, "
      "max %.1f ms\n",
      seconds.front() * 1000, seconds[seconds.size() / 2] * 1000, seconds.back() * 1000);
  EXPECT_LT(seconds[seconds.size() / 2], 0.3);
  EXPECT_TRUE(LogsIn("app", Value(arn, "AWSCURRENT").value("password", "")));
  EXPECT_FALSE(LogsIn("app", Value(arn, "AWSPREVIOUS").value("password", "")));
}

TEST_F(BuiltinRotatorsTest, SetSecretFallsBackToThePreviousPassword) {
  const std::string arn = CreateSecret("app-secret", DbSecret("app", app_password_));
  Rotate(kSingleArn, arn, false);
  // Someone put a wrong AWSCURRENT value in by hand; AWSPREVIOUS still works
  // only if the database still has it, so set it back first.
  const std::string previous = Value(arn, "AWSCURRENT").value("password", "");
  auto put = secrets_.Invoke(
      kRegion, "PutSecretValue",
      {{"SecretId", arn},
       {"ClientRequestToken", crypto::RandomUuid()},
       {"SecretString", DbSecret("app", "typo-" + crypto::RandomString(8, "xyz")).dump()}});
  ASSERT_TRUE(put.ok());
  ASSERT_EQ(Value(arn, "AWSPREVIOUS").value("password", ""), previous);
  Rotate(kSingleArn, arn, false);
  EXPECT_TRUE(LogsIn("app", Value(arn, "AWSCURRENT").value("password", "")));
}

TEST_F(BuiltinRotatorsTest, AlternatingUsersCloneTheUserThenGoBack) {
  {
    // The master user makes the role (so it may grant it: WITH ADMIN OPTION).
    auto as_master = Login("admin", master_password_);
    ASSERT_TRUE(as_master.ok()) << as_master.status().ToString();
    for (const char* sql : {"CREATE ROLE reader", "GRANT SELECT ON appdb.* TO reader",
                            "GRANT reader TO app@'%'", "SET DEFAULT ROLE reader FOR app@'%'",
                            "GRANT UPDATE ON appdb.* TO app@'%' WITH GRANT OPTION"}) {
      Status s = (*as_master)->Execute(sql);
      ASSERT_TRUE(s.ok()) << sql << ": " << s.ToString();
    }
  }

  Json master = DbSecret("admin", master_password_);
  master.erase("dbname");
  const std::string master_arn = CreateSecret("master-secret", master);
  Json value = DbSecret("app", app_password_);
  value["masterarn"] = master_arn;
  const std::string arn = CreateSecret("app-secret", value);

  // First rotation: app_clone appears, with app's grants and TLS requirement.
  const std::string first = Rotate(kAlternatingArn, arn, /*repeat=*/true);
  const Json current = Value(arn, "AWSCURRENT");
  EXPECT_EQ(current.value("username", ""), "app_clone");
  EXPECT_EQ(current.value("masterarn", ""), master_arn);
  EXPECT_EQ(VersionOf(arn, "AWSCURRENT"), first);
  const std::string clone_password = current.value("password", "");
  EXPECT_TRUE(LogsIn("app_clone", clone_password));
  EXPECT_TRUE(LogsIn("app", app_password_)) << "the other user keeps working";
  EXPECT_EQ(GrantsOf("app_clone"), GrantsOf("app"));
  EXPECT_EQ(SslTypeOf("app_clone"), "ANY");
  {
    auto clone = Login("app_clone", clone_password);
    ASSERT_TRUE(clone.ok());
    EXPECT_EQ(engine::QueryOne(**clone, "SELECT CURRENT_ROLE()"), "reader");
  }

  // Second rotation: back to app, with a new password; app_clone untouched.
  Rotate(kAlternatingArn, arn, /*repeat=*/true);
  const Json back = Value(arn, "AWSCURRENT");
  EXPECT_EQ(back.value("username", ""), "app");
  const std::string app_new = back.value("password", "");
  EXPECT_NE(app_new, app_password_);
  EXPECT_TRUE(LogsIn("app", app_new));
  EXPECT_FALSE(LogsIn("app", app_password_));
  EXPECT_TRUE(LogsIn("app_clone", clone_password)) << "AWSPREVIOUS keeps working";
  EXPECT_EQ(Value(arn, "AWSPREVIOUS").value("username", ""), "app_clone");

  // Third: app_clone again, new password; app keeps working until the next.
  Rotate(kAlternatingArn, arn, false);
  const Json third = Value(arn, "AWSCURRENT");
  EXPECT_EQ(third.value("username", ""), "app_clone");
  EXPECT_TRUE(LogsIn("app_clone", third.value("password", "")));
  EXPECT_FALSE(LogsIn("app_clone", clone_password));
  EXPECT_TRUE(LogsIn("app", app_new));
}

TEST_F(BuiltinRotatorsTest, FailuresSayWhichStepAndWhatButNoPassword) {
  // Unknown function.
  EXPECT_EQ(
      RunStep("arn:aws:lambda:us-west-2:000000000000:function:other", "x", "t", Step::kCreateSecret)
          .code(),
      Status::Code::kNotFound);

  // A secret without host.
  Json no_host = DbSecret("app", app_password_);
  no_host.erase("host");
  const std::string bad = CreateSecret("no-host", no_host);
  std::string token = crypto::RandomUuid();
  ASSERT_TRUE(secrets_.AddPendingVersion(kRegion, bad, token).ok());
  Status s = RunStep(kSingleArn, bad, token, Step::kCreateSecret);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("createSecret"));
  EXPECT_THAT(s.message(), HasSubstr("\"host\""));
  EXPECT_THAT(s.message(), Not(HasSubstr(app_password_)));

  // Alternating without masterarn.
  const std::string no_master = CreateSecret("no-master", DbSecret("app", app_password_));
  token = crypto::RandomUuid();
  ASSERT_TRUE(secrets_.AddPendingVersion(kRegion, no_master, token).ok());
  s = RunStep(kAlternatingArn, no_master, token, Step::kCreateSecret);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("masterarn"));

  // Wrong current and previous passwords.
  const std::string wrong_password = "wrong-" + crypto::RandomString(12, "abcdef");
  const std::string arn = CreateSecret("wrong", DbSecret("app", wrong_password));
  token = crypto::RandomUuid();
  ASSERT_TRUE(secrets_.AddPendingVersion(kRegion, arn, token).ok());
  ASSERT_TRUE(RunStep(kSingleArn, arn, token, Step::kCreateSecret).ok());
  const std::string pending_password = PendingValue(arn, token).value("password", "");
  s = RunStep(kSingleArn, arn, token, Step::kSetSecret);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
  EXPECT_THAT(
      s.message(),
      HasSubstr("setSecret: cannot log in to 127.0.0.1:" + std::to_string(spec_.port) + " as app"));
  EXPECT_THAT(s.message(), HasSubstr("Access denied"));
  EXPECT_THAT(s.message(), Not(HasSubstr(wrong_password)));
  EXPECT_THAT(s.message(), Not(HasSubstr(pending_password)));
  EXPECT_THAT(s.message(), Not(HasSubstr(app_password_)));
  s = RunStep(kSingleArn, arn, token, Step::kTestSecret);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("testSecret"));

  // The database down: the good secret's setSecret cannot run.
  const std::string good = CreateSecret("good", DbSecret("app", app_password_));
  token = crypto::RandomUuid();
  ASSERT_TRUE(secrets_.AddPendingVersion(kRegion, good, token).ok());
  ASSERT_TRUE(RunStep(kSingleArn, good, token, Step::kCreateSecret).ok());
  // A read-only node (a standby, a failover under way): worth retrying.
  ASSERT_TRUE(NodeAdmin(*admin_).SetReadOnly(true).ok());
  s = RunStep(kSingleArn, good, token, Step::kSetSecret);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("read-only"));
  EXPECT_TRUE(LogsIn("app", app_password_)) << "the password did not change";

  ASSERT_TRUE(driver_->Kill().ok());
  KillEveryNode();
  s = RunStep(kSingleArn, good, token, Step::kSetSecret);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("setSecret"));
  EXPECT_THAT(s.message(), Not(HasSubstr(app_password_)));
  s = RunStep(kSingleArn, good, token, Step::kTestSecret);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable) << s.ToString();
  EXPECT_EQ(VersionOf(good, "AWSPENDING"), token) << "nothing moved";
}

// A grant the master may not give stops setSecret; repeating it must not then
// find a half-made clone that the pending password already logs in to.
TEST_F(BuiltinRotatorsTest, AlternatingSetSecretResumesAfterAGrantItCouldNotCopy) {
  ASSERT_TRUE(admin_->Execute("CREATE ROLE auditor").ok());  // made by root, not the master
  ASSERT_TRUE(admin_->Execute("GRANT auditor TO app@'%'").ok());
  Json master = DbSecret("admin", master_password_);
  const std::string master_arn = CreateSecret("master-secret", master);
  Json value = DbSecret("app", app_password_);
  value.erase("dbname");  // so that a login needs no grant at all
  value["masterarn"] = master_arn;
  const std::string arn = CreateSecret("app-secret", value);
  const std::string token = crypto::RandomUuid();
  ASSERT_TRUE(secrets_.AddPendingVersion(kRegion, arn, token).ok());
  ASSERT_TRUE(RunStep(kAlternatingArn, arn, token, Step::kCreateSecret).ok());

  for (int attempt = 0; attempt < 2; ++attempt) {
    Status s = RunStep(kAlternatingArn, arn, token, Step::kSetSecret);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << attempt << ": " << s.ToString();
    EXPECT_THAT(s.message(), HasSubstr("setSecret: cannot copy grant"));
    EXPECT_THAT(s.message(), HasSubstr("GRANT `auditor` TO `app_clone`@`%`"));
    EXPECT_THAT(s.message(), Not(HasSubstr(master_password_)));
    EXPECT_EQ(RunStep(kAlternatingArn, arn, token, Step::kTestSecret).code(),
              Status::Code::kInvalidArgument);
  }

  ASSERT_TRUE(admin_->Execute("GRANT auditor TO admin@'%' WITH ADMIN OPTION").ok());
  for (Step step : {Step::kSetSecret, Step::kTestSecret, Step::kFinishSecret}) {
    Status s = RunStep(kAlternatingArn, arn, token, step);
    EXPECT_TRUE(s.ok()) << StepName(step) << ": " << s.ToString();
  }
  EXPECT_EQ(GrantsOf("app_clone"), GrantsOf("app"));
  EXPECT_TRUE(LogsIn("app_clone", Value(arn, "AWSCURRENT").value("password", "")));
}

}  // namespace
}  // namespace tandem::rotation
