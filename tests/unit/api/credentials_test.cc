#include "api/credentials.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tandem::api {
namespace {

// A store in memory with the Store contract's compare-and-swap; enough for
// the registry, which only puts and lists.
class MapStore : public Store {
 public:
  StatusOr<std::optional<StoreEntry>> Get(std::string_view key) const override {
    auto it = entries_.find(std::string(key));
    if (it == entries_.end()) return std::optional<StoreEntry>();
    return std::optional<StoreEntry>(it->second);
  }
  StatusOr<std::vector<StoreEntry>> List(std::string_view prefix) const override {
    std::vector<StoreEntry> out;
    for (const auto& [key, entry] : entries_) {
      if (key.rfind(prefix, 0) == 0) out.push_back(entry);
    }
    return out;
  }
  Status Commit(const std::vector<StoreWrite>& writes) override {
    for (const StoreWrite& w : writes) {
      auto it = entries_.find(w.key);
      int64_t version = it == entries_.end() ? 0 : it->second.version;
      if (w.expected_version != StoreWrite::kAnyVersion && w.expected_version != version) {
        return Status::Conflict("version mismatch on " + w.key);
      }
    }
    for (const StoreWrite& w : writes) {
      if (w.kind == StoreWrite::Kind::kDelete) {
        entries_.erase(w.key);
      } else {
        StoreEntry& e = entries_[w.key];
        e = {w.key, w.value, e.version + 1};
      }
    }
    return Status::Ok();
  }

  std::map<std::string, StoreEntry> entries_;
};

class CredentialsTest : public ::testing::Test {
 protected:
  CredentialsTest() : master_(crypto::MasterKey::FromBytes(std::string(32, 'm'))) {
    unsetenv("TANDEM_ACCESS_KEY_ID");
    unsetenv("TANDEM_SECRET_ACCESS_KEY");
  }
  ~CredentialsTest() override {
    unsetenv("TANDEM_ACCESS_KEY_ID");
    unsetenv("TANDEM_SECRET_ACCESS_KEY");
  }

  MapStore store_;
  crypto::MasterKey master_;
};

bool MatchesAwsKeyFormat(const std::string& id) {
  if (id.size() != 20 || id.rfind("AKIA", 0) != 0) return false;
  for (char c : id.substr(4)) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7'))) return false;
  }
  return true;
}

TEST_F(CredentialsTest, GeneratesARootKeyOnce) {
  AccessKeyRegistry registry(store_, master_);
  auto root = registry.LoadAndEnsureRoot();
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_TRUE(MatchesAwsKeyFormat(root->access_key_id)) << root->access_key_id;
  EXPECT_EQ(root->secret_access_key.size(), 40u);
  EXPECT_EQ(registry.SecretKeyFor(root->access_key_id), root->secret_access_key);
  EXPECT_EQ(registry.SecretKeyFor("AKIANOTAKEY000000000"), std::nullopt);

  // Stored as an envelope only.
  ASSERT_EQ(store_.entries_.size(), 1u);
  const StoreEntry& entry = store_.entries_.begin()->second;
  EXPECT_EQ(entry.key, "access-keys/" + root->access_key_id);
  EXPECT_EQ(entry.value.find(root->secret_access_key), std::string::npos);
  nlohmann::json doc = nlohmann::json::parse(entry.value);
  EXPECT_EQ(doc["access_key_id"], root->access_key_id);
  EXPECT_TRUE(doc["secret_access_key_envelope"].is_string());

  // A restart finds the same root.
  AccessKeyRegistry again(store_, master_);
  auto reloaded = again.LoadAndEnsureRoot();
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ(reloaded->access_key_id, root->access_key_id);
  EXPECT_EQ(reloaded->secret_access_key, root->secret_access_key);
  EXPECT_EQ(store_.entries_.size(), 1u);
}

TEST_F(CredentialsTest, RootFromTheEnvironment) {
  setenv("TANDEM_ACCESS_KEY_ID", "AKIAENVIRONMENT00001", 1);
  setenv("TANDEM_SECRET_ACCESS_KEY", "env/secret+key", 1);
  AccessKeyRegistry registry(store_, master_);
  auto root = registry.LoadAndEnsureRoot();
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_EQ(root->access_key_id, "AKIAENVIRONMENT00001");
  EXPECT_EQ(root->secret_access_key, "env/secret+key");
  EXPECT_EQ(registry.SecretKeyFor("AKIAENVIRONMENT00001"), "env/secret+key");

  // Without the environment the stored root stays.
  unsetenv("TANDEM_ACCESS_KEY_ID");
  unsetenv("TANDEM_SECRET_ACCESS_KEY");
  AccessKeyRegistry again(store_, master_);
  auto reloaded = again.LoadAndEnsureRoot();
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ(reloaded->access_key_id, "AKIAENVIRONMENT00001");
}

TEST_F(CredentialsTest, EnvironmentReplacesAGeneratedRoot) {
  AccessKeyRegistry first(store_, master_);
  auto generated = first.LoadAndEnsureRoot();
  ASSERT_TRUE(generated.ok());
  setenv("TANDEM_ACCESS_KEY_ID", "test", 1);
  setenv("TANDEM_SECRET_ACCESS_KEY", "test", 1);
  AccessKeyRegistry second(store_, master_);
  auto root = second.LoadAndEnsureRoot();
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_EQ(root->access_key_id, "test");
  // The old key still signs; the new one is the root from now on.
  EXPECT_EQ(second.SecretKeyFor(generated->access_key_id), generated->secret_access_key);
  unsetenv("TANDEM_ACCESS_KEY_ID");
  unsetenv("TANDEM_SECRET_ACCESS_KEY");
  AccessKeyRegistry third(store_, master_);
  EXPECT_EQ(third.LoadAndEnsureRoot()->access_key_id, "test");
}

TEST_F(CredentialsTest, HalfAnEnvironmentIsAnError) {
  setenv("TANDEM_ACCESS_KEY_ID", "AKIAENVIRONMENT00001", 1);
  AccessKeyRegistry registry(store_, master_);
  auto root = registry.LoadAndEnsureRoot();
  ASSERT_FALSE(root.ok());
  EXPECT_EQ(root.status().code(), Status::Code::kInvalidArgument);

  setenv("TANDEM_SECRET_ACCESS_KEY", "has space", 1);
  EXPECT_EQ(registry.LoadAndEnsureRoot().status().code(), Status::Code::kInvalidArgument);
  setenv("TANDEM_ACCESS_KEY_ID", "AKIA/SLASH", 1);
  setenv("TANDEM_SECRET_ACCESS_KEY", "fine", 1);
  EXPECT_EQ(registry.LoadAndEnsureRoot().status().code(), Status::Code::kInvalidArgument);
}

TEST_F(CredentialsTest, AddMakesAKeyUsable) {
  AccessKeyRegistry registry(store_, master_);
  ASSERT_TRUE(registry.LoadAndEnsureRoot().ok());
  AccessKey scoped{"AKIAROTATIONFUNCTION", "rotation-secret-0123456789"};
  ASSERT_TRUE(registry.Add(scoped).ok());
  EXPECT_EQ(registry.SecretKeyFor(scoped.access_key_id), scoped.secret_access_key);
  EXPECT_EQ(registry.Add(scoped).code(), Status::Code::kAlreadyExists);

  AccessKeyRegistry again(store_, master_);
  ASSERT_TRUE(again.LoadAndEnsureRoot().ok());
  EXPECT_EQ(again.SecretKeyFor(scoped.access_key_id), scoped.secret_access_key);
}

TEST_F(CredentialsTest, WrongMasterKeyIsReported) {
  AccessKeyRegistry registry(store_, master_);
  ASSERT_TRUE(registry.LoadAndEnsureRoot().ok());
  crypto::MasterKey other = crypto::MasterKey::FromBytes(std::string(32, 'o'));
  AccessKeyRegistry wrong(store_, other);
  auto root = wrong.LoadAndEnsureRoot();
  ASSERT_FALSE(root.ok());
  EXPECT_EQ(root.status().code(), Status::Code::kCorruption);
}

TEST_F(CredentialsTest, TamperedRecordIsReported) {
  AccessKeyRegistry registry(store_, master_);
  ASSERT_TRUE(registry.LoadAndEnsureRoot().ok());
  store_.entries_.begin()->second.value = "{not json";
  AccessKeyRegistry again(store_, master_);
  EXPECT_EQ(again.LoadAndEnsureRoot().status().code(), Status::Code::kCorruption);
}

TEST(WriteCredentialsFile, WritesAnAwsProfileWithMode0600) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("tandem-credentials-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "credentials").string();
  ASSERT_TRUE(
      WriteCredentialsFile(path, {"AKIAEXAMPLEEXAMPLE00", "secret/+key"}, "us-west-2").ok());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(),
            "[default]\naws_access_key_id = AKIAEXAMPLEEXAMPLE00\n"
            "aws_secret_access_key = secret/+key\nregion = us-west-2\n");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // Overwrites atomically, leaving no temporary file behind.
  ASSERT_TRUE(WriteCredentialsFile(path, {"AKIAOTHER00000000000", "s"}, "eu-west-1").ok());
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);

  EXPECT_EQ(
      WriteCredentialsFile((dir / "missing" / "credentials").string(), {"a", "b"}, "r").code(),
      Status::Code::kIOError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tandem::api

namespace tandem::api {
namespace {

TEST(ScopedKeysTest, AnEphemeralKeyIsValidOnlyForItsServicesAndOnlyInMemory) {
  MapStore store;
  const crypto::MasterKey master = crypto::MasterKey::FromBytes(std::string(32, 'm'));
  AccessKeyRegistry registry(store, master);
  auto root = registry.LoadAndEnsureRoot();
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  const AccessKey scoped = registry.AddEphemeral({"secretsmanager"});
  EXPECT_EQ(scoped.access_key_id.rfind("AKIA", 0), 0u);
  EXPECT_NE(scoped.access_key_id, root->access_key_id);
  EXPECT_EQ(registry.SecretKeyFor(scoped.access_key_id), scoped.secret_access_key);
  EXPECT_TRUE(registry.Allows(scoped.access_key_id, "secretsmanager"));
  EXPECT_FALSE(registry.Allows(scoped.access_key_id, "rds"));
  EXPECT_FALSE(registry.Allows(scoped.access_key_id, "lambda"));
  EXPECT_TRUE(registry.Allows(root->access_key_id, "rds")) << "the root key is unrestricted";

  AccessKeyRegistry after_restart(store, master);
  ASSERT_TRUE(after_restart.LoadAndEnsureRoot().ok());
  EXPECT_FALSE(after_restart.SecretKeyFor(scoped.access_key_id).has_value())
      << "an ephemeral key never reaches the store";
}

}  // namespace
}  // namespace tandem::api
