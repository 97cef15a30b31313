#include "crypto/envelope.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "crypto/digest.h"
#include "crypto/random.h"
#include "testing/test_dir.h"

namespace tandem::crypto {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

MasterKey TestKey(char fill = 'k') { return MasterKey::FromBytes(std::string(32, fill)); }

TEST(EnvelopeTest, RoundTripsAnyPlaintext) {
  const MasterKey key = TestKey();
  std::string binary("a\0b\0\0c\xff", 7);
  for (const std::string& plaintext :
       {std::string(), std::string("x"), RandomBytes(64 * 1024), binary}) {
    const std::string envelope = Seal(key, plaintext, "secrets/r/name");
    StatusOr<std::string> opened = Open(key, envelope, "secrets/r/name");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    EXPECT_EQ(*opened, plaintext);
  }
}

TEST(EnvelopeTest, IsCompactAndFreshEachTime) {
  const MasterKey key = TestKey();
  const std::string a = Seal(key, "same", "ctx");
  const std::string b = Seal(key, "same", "ctx");
  EXPECT_NE(a, b);  // fresh data key and nonces
  // 1 version + 4 key id + (12 + 32 + 16) wrapped key + 12 nonce + 16 tag.
  EXPECT_EQ(a.size(), 4u + 93u);
  EXPECT_EQ(a[0], '\x01');
}

TEST(EnvelopeTest, WrongContextIsCorruption) {
  const MasterKey key = TestKey();
  const std::string envelope = Seal(key, "hunter2", "secrets/r/a");
  for (const char* other : {"secrets/r/b", "", "secrets/r/a ", "secrets/r/"}) {
    StatusOr<std::string> opened = Open(key, envelope, other);
    ASSERT_FALSE(opened.ok()) << other;
    EXPECT_EQ(opened.status().code(), Status::Code::kCorruption);
    EXPECT_THAT(opened.status().message(), Not(HasSubstr("hunter2")));
  }
}

TEST(EnvelopeTest, WrongMasterKeyNamesBothKeys) {
  const MasterKey sealer = TestKey('a');
  const MasterKey opener = TestKey('b');
  ASSERT_NE(sealer.id(), opener.id());
  StatusOr<std::string> opened = Open(opener, Seal(sealer, "hunter2", "ctx"), "ctx");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Status::Code::kCorruption);
  EXPECT_THAT(opened.status().message(),
              AllOf(HasSubstr("sealed under master key " + sealer.id()),
                    HasSubstr("this server has " + opener.id()), Not(HasSubstr("hunter2"))));
}

TEST(EnvelopeTest, KeyIdIsDocumentedDerivation) {
  const std::string bytes = RandomBytes(32);
  const MasterKey key = MasterKey::FromBytes(bytes);
  EXPECT_EQ(key.id(), HexEncode(Sha256("tandem-master-key-id" + bytes)).substr(0, 8));
}

TEST(EnvelopeTest, EverySingleByteChangeFailsToOpen) {
  const MasterKey key = TestKey();
  const std::string envelope = Seal(key, "a secret of some length", "ctx");
  for (size_t i = 0; i < envelope.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80, 0xff}) {
      std::string tampered = envelope;
      tampered[i] = static_cast<char>(tampered[i] ^ mask);
      StatusOr<std::string> opened = Open(key, tampered, "ctx");
      ASSERT_FALSE(opened.ok()) << "byte " << i << " mask " << int{mask};
      EXPECT_EQ(opened.status().code(), Status::Code::kCorruption);
    }
  }
}

TEST(EnvelopeTest, TruncatedOrExtendedFailsToOpen) {
  const MasterKey key = TestKey();
  const std::string envelope = Seal(key, "a secret", "ctx");
  for (size_t n = 0; n < envelope.size(); ++n) {
    EXPECT_EQ(Open(key, envelope.substr(0, n), "ctx").status().code(), Status::Code::kCorruption)
        << n;
  }
  EXPECT_FALSE(Open(key, envelope + "x", "ctx").ok());
}

TEST(EnvelopeTest, PlaintextDoesNotAppearInEnvelope) {
  const MasterKey key = TestKey();
  const std::string plaintext = "correct horse battery staple, correct horse battery staple";
  const std::string envelope = Seal(key, plaintext, "ctx");
  for (size_t i = 0; i + 6 <= plaintext.size(); ++i) {
    EXPECT_EQ(envelope.find(plaintext.substr(i, 6)), std::string::npos) << i;
  }
}

class MasterKeyFileTest : public ::testing::Test {
 protected:
  static void WriteFile(const std::string& path, const std::string& contents, mode_t mode) {
    std::ofstream(path, std::ios::binary) << contents;
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
  }
  static mode_t ModeOf(const std::string& path) {
    struct stat st;
    EXPECT_EQ(::stat(path.c_str(), &st), 0);
    return st.st_mode & 07777;
  }
  TestDir dir_;
};

TEST_F(MasterKeyFileTest, CreatesPrivateFileAndReloadsSameKey) {
  const std::string path = dir_.File("master.key");
  // A permissive umask must not widen the file's mode.
  const mode_t old_umask = ::umask(0);
  StatusOr<MasterKey> created = MasterKey::LoadOrCreate(path);
  ::umask(old_umask);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(ModeOf(path), 0600u);
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 32);

  StatusOr<MasterKey> reloaded = MasterKey::LoadOrCreate(path);
  ASSERT_TRUE(reloaded.ok()) << reloaded.status().ToString();
  EXPECT_EQ(reloaded->id(), created->id());
  StatusOr<std::string> opened = Open(*reloaded, Seal(*created, "v", "c"), "c");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, "v");
  // No temporary files left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_.path()), {}), 1);
}

TEST_F(MasterKeyFileTest, TwoFreshKeysDiffer) {
  StatusOr<MasterKey> a = MasterKey::LoadOrCreate(dir_.File("a.key"));
  StatusOr<MasterKey> b = MasterKey::LoadOrCreate(dir_.File("b.key"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->id(), b->id());
}

TEST_F(MasterKeyFileTest, LoadsExistingKeyBytes) {
  const std::string path = dir_.File("master.key");
  WriteFile(path, std::string(32, 'z'), 0600);
  StatusOr<MasterKey> key = MasterKey::LoadOrCreate(path);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->id(), TestKey('z').id());
}

TEST_F(MasterKeyFileTest, RefusesFileOthersCanRead) {
  const std::string path = dir_.File("master.key");
  ASSERT_TRUE(MasterKey::LoadOrCreate(path).ok());
  for (mode_t mode : {0644, 0640, 0604, 0660}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    StatusOr<MasterKey> key = MasterKey::LoadOrCreate(path);
    ASSERT_FALSE(key.ok()) << std::oct << mode;
    EXPECT_EQ(key.status().code(), Status::Code::kInvalidArgument);
    EXPECT_THAT(key.status().message(), HasSubstr("chmod 600"));
  }
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  EXPECT_TRUE(MasterKey::LoadOrCreate(path).ok());
}

TEST_F(MasterKeyFileTest, RefusesWrongSizeWithoutOverwriting) {
  const std::string path = dir_.File("master.key");
  for (const std::string& contents :
       {std::string(), std::string(31, 'x'), std::string(33, 'x'), std::string(100000, 'x')}) {
    WriteFile(path, contents, 0600);
    StatusOr<MasterKey> key = MasterKey::LoadOrCreate(path);
    ASSERT_FALSE(key.ok()) << contents.size();
    EXPECT_EQ(key.status().code(), Status::Code::kInvalidArgument);
    EXPECT_THAT(key.status().message(), HasSubstr("exactly 32"));
    struct stat st;
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(static_cast<size_t>(st.st_size), contents.size());
  }
}

TEST_F(MasterKeyFileTest, MissingDirectoryIsIOError) {
  StatusOr<MasterKey> key = MasterKey::LoadOrCreate(dir_.File("absent/master.key"));
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), Status::Code::kIOError);
}

}  // namespace
}  // namespace tandem::crypto
