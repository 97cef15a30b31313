// The encryption grep test: after committed, flushed user data and a new
// user's password, no file under an encrypted node's directory contains
// either; an unencrypted node with the same workload does (so the search can
// fail).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string_view>

#include "crypto/digest.h"
#include "engine/node_admin.h"
#include "node_test_env.h"

namespace tandem::engine {
namespace {

struct Secrets {
  std::string first_marker;   // inserted, then updated away (lives on in undo, redo, binlog)
  std::string second_marker;  // the row's final value
  std::string password;
  std::string password_hash;  // authentication_string as the server stored it
};

// Relative paths of every regular file below root that contains needle.
std::vector<std::string> FilesContaining(const std::string& root, std::string_view needle) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    const std::string data = ReadFileText(entry.path().string());
    if (std::string_view(data).find(needle) != std::string_view::npos) {
      found.push_back(std::filesystem::relative(entry.path(), root).string());
    }
  }
  return found;
}

class EncryptionAtRestTest : public NodeTest {
 protected:
  // Initializes a node, runs the workload, stops the node cleanly.
  Secrets RunWorkload(const NodeSpec& spec) {
    Secrets secrets;
    auto driver = MakeDriver(spec);
    if (!driver) return secrets;
    const auto start = std::chrono::steady_clock::now();
    Status s = driver->Initialize(kTimeout);
    Track(*driver);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) return secrets;
    std::printf("[ figures  ] initialize + start + hardening, %s: %.2f s\n",
                spec.encryption.enabled ? "encrypted" : "unencrypted", SecondsSince(start));

    const std::string tag = crypto::RandomString(12, "ABCDEFGHJKLMNPQRSTUVWXYZ");
    secrets.first_marker = "TandemMarkerOne" + tag;
    secrets.second_marker = "TandemMarkerTwo" + tag;
    secrets.password = "TandemPassword" + tag;

    auto conn = driver->ConnectAdmin(AdminBinlog::kWrite);
    EXPECT_TRUE(conn.ok()) << conn.status().ToString();
    if (!conn.ok()) return secrets;
    AdminConnection& admin = **conn;
    std::vector<std::string> statements = {
        "CREATE DATABASE appdb",
        "CREATE TABLE appdb.notes (id INT PRIMARY KEY AUTO_INCREMENT, body VARCHAR(200), "
        "pad TEXT)",
        "INSERT INTO appdb.notes (body, pad) VALUES (" + admin.QuoteString(secrets.first_marker) +
            ", REPEAT('x', 2000))",
    };
    for (int i = 0; i < 6; ++i) {
      statements.push_back("INSERT INTO appdb.notes (body, pad) SELECT body, pad FROM appdb.notes");
    }
    statements.insert(
        statements.end(),
        {
            "UPDATE appdb.notes SET body = " + admin.QuoteString(secrets.second_marker),
            // A sort bigger than the sort buffer, so it goes through a temporary file.
            "SELECT n1.body, n2.pad FROM appdb.notes n1, appdb.notes n2 ORDER BY n2.pad, n1.id "
            "DESC",
            "FLUSH TABLES",
        });
    for (const std::string& sql : statements) {
      Status st = admin.Execute(sql);
      EXPECT_TRUE(st.ok()) << sql << ": " << st.ToString();
    }
    NodeAdmin node(admin);
    EXPECT_TRUE(node.CreateUser("app", secrets.password, true,
                                {Grant{{"SELECT", "INSERT", "UPDATE", "DELETE"}, "appdb", false}})
                    .ok());
    auto hash = admin.Query("SELECT authentication_string FROM mysql.user WHERE user = 'app'");
    EXPECT_TRUE(hash.ok() && hash->rows.size() == 1 && hash->rows[0][0]);
    if (hash.ok() && hash->rows.size() == 1 && hash->rows[0][0]) {
      secrets.password_hash = *hash->rows[0][0];
    }
    EXPECT_EQ(secrets.password_hash, NativePasswordHash(secrets.password));
    EXPECT_TRUE(admin.Execute("FLUSH TABLES").ok());
    conn->reset();
    EXPECT_TRUE(driver->Stop(kTimeout).ok());
    EXPECT_FALSE(driver->IsAlive());
    return secrets;
  }
};

TEST_F(EncryptionAtRestTest, EncryptedNodeLeavesNoPlaintextInAnyFile) {
  const NodeSpec spec = MakeSpec("enc", true);
  const Secrets secrets = RunWorkload(spec);
  ASSERT_FALSE(secrets.password_hash.empty());
  EXPECT_THAT(FilesContaining(spec.data_root, secrets.first_marker), ::testing::IsEmpty());
  EXPECT_THAT(FilesContaining(spec.data_root, secrets.second_marker), ::testing::IsEmpty());
  // The hash without its leading '*': 40 hex digits.
  EXPECT_THAT(FilesContaining(spec.data_root, secrets.password_hash.substr(1)),
              ::testing::IsEmpty());
  EXPECT_THAT(FilesContaining(spec.data_root, secrets.password), ::testing::IsEmpty());
  // The storage key itself never reaches the disk, raw or hex.
  const std::string& key = spec.encryption.keys.at(1);
  EXPECT_THAT(FilesContaining(spec.data_root, key), ::testing::IsEmpty());
  EXPECT_THAT(FilesContaining(spec.data_root, crypto::HexEncode(key)), ::testing::IsEmpty());
}

TEST_F(EncryptionAtRestTest, UnencryptedControlNodeShowsTheMarker) {
  const NodeSpec spec = MakeSpec("plain", false);
  const Secrets secrets = RunWorkload(spec);
  ASSERT_FALSE(secrets.password_hash.empty());
  const std::vector<std::string> with_marker =
      FilesContaining(spec.data_root, secrets.first_marker);
  EXPECT_THAT(with_marker, ::testing::Not(::testing::IsEmpty()))
      << "the search finds plaintext where there is some";
  EXPECT_THAT(FilesContaining(spec.data_root, secrets.second_marker),
              ::testing::Not(::testing::IsEmpty()));
  EXPECT_THAT(FilesContaining(spec.data_root, secrets.password_hash.substr(1)),
              ::testing::Not(::testing::IsEmpty()));
  // The password itself never reaches the server, only its hash.
  EXPECT_THAT(FilesContaining(spec.data_root, secrets.password), ::testing::IsEmpty());
  std::string files;
  for (const std::string& f : with_marker) files += " " + f;
  std::printf("[ figures  ] unencrypted node: marker found in%s\n", files.c_str());
}

}  // namespace
}  // namespace tandem::engine
