#include "meter/connection_settings.h"

#include <gtest/gtest.h>

#include <map>

namespace tandem::meter {
namespace {

// Answers questions from a script and remembers them.
class ScriptedPrompter : public Prompter {
 public:
  explicit ScriptedPrompter(std::map<std::string, std::string> answers)
      : answers_(std::move(answers)) {}
  bool interactive() const override { return true; }
  std::optional<std::string> Ask(const std::string& question, bool echo) override {
    asked.push_back(question);
    echoed.push_back(echo);
    auto it = answers_.find(question);
    return it == answers_.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  std::vector<std::string> asked;
  std::vector<bool> echoed;

 private:
  std::map<std::string, std::string> answers_;
};

struct World {
  std::map<std::string, std::string> env;
  std::optional<DbSecret> secret;
  int fetches = 0;

  StatusOr<MeterConnectOptions> Resolve(const ConnectionFlags& flags, Prompter& prompter) {
    return ResolveConnection(
        flags,
        [this](const std::string& n) -> std::optional<std::string> {
          auto it = env.find(n);
          return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
        },
        [this](const std::string& id) -> StatusOr<DbSecret> {
          ++fetches;
          if (!secret) return Status::InvalidArgument("ResourceNotFoundException: " + id);
          return *secret;
        },
        prompter);
  }
};

TEST(ConnectionSettingsTest, FlagsWinOverSecretWhichWinsOverEnvironment) {
  World s;
  s.env = {{"MYSQL_HOST", "env-host"},
           {"MYSQL_TCP_PORT", "3310"},
           {"MYSQL_USER", "env-user"},
           {"MYSQL_PWD", "env-pw"}};
  DbSecret secret;
  secret.host = "secret-host";
  secret.username = "secret-user";
  secret.password = "secret-pw";
  s.secret = secret;
  ConnectionFlags flags;
  flags.secret_id = "app/db";
  flags.user = "flag-user";
  flags.ssl_ca = "/ca.pem";
  NoPrompter none;
  auto o = s.Resolve(flags, none);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->host, "secret-host");
  EXPECT_EQ(o->port, 3310);  // the secret has none: the environment's
  EXPECT_EQ(o->user, "flag-user");
  EXPECT_EQ(o->password, "secret-pw");
  EXPECT_EQ(o->database, "db_test_meter");
  EXPECT_EQ(o->ssl_ca, "/ca.pem");
  EXPECT_EQ(s.fetches, 1);
}

TEST(ConnectionSettingsTest, EnvironmentAloneIsEnough) {
  World s;
  s.env = {{"MYSQL_HOST", "h"}, {"MYSQL_USER", "u"}, {"MYSQL_PWD", ""}};
  NoPrompter none;
  auto o = s.Resolve(ConnectionFlags{}, none);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->port, 3306);
  EXPECT_EQ(o->password, "");  // an empty MYSQL_PWD is a password, as for mysql
  EXPECT_EQ(s.fetches, 0);
}

TEST(ConnectionSettingsTest, AsksAtATerminalForWhatIsMissingPasswordWithoutEcho) {
  World s;
  ConnectionFlags flags;
  flags.host = "127.0.0.1";
  ScriptedPrompter prompter({{"User: ", "admin"}, {"Password: ", "pw"}});
  auto o = s.Resolve(flags, prompter);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->user, "admin");
  EXPECT_EQ(o->password, "pw");
  EXPECT_EQ(prompter.asked, (std::vector<std::string>{"User: ", "Password: "}));
  EXPECT_EQ(prompter.echoed, (std::vector<bool>{true, false}));
}

TEST(ConnectionSettingsTest, WithoutATerminalMissingValuesAreAClearError) {
  World s;
  ConnectionFlags flags;
  flags.host = "h";
  flags.user = "u";
  NoPrompter none;
  auto o = s.Resolve(flags, none);
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.status().message().find("--password"), std::string::npos);
  EXPECT_NE(o.status().message().find("MYSQL_PWD"), std::string::npos);
}

TEST(ConnectionSettingsTest, SecretErrorsAndBadPortsAreErrors) {
  World s;
  ConnectionFlags flags;
  flags.secret_id = "missing";
  NoPrompter none;
  auto o = s.Resolve(flags, none);
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.status().message().find("ResourceNotFoundException"), std::string::npos);

  World bad;
  bad.env = {
      {"MYSQL_HOST", "h"}, {"MYSQL_USER", "u"}, {"MYSQL_PWD", "p"}, {"MYSQL_TCP_PORT", "33o6"}};
  EXPECT_FALSE(bad.Resolve(ConnectionFlags{}, none).ok());
  ConnectionFlags zero;
  zero.port = 0;
  EXPECT_FALSE(bad.Resolve(zero, none).ok());
}

}  // namespace
}  // namespace tandem::meter
