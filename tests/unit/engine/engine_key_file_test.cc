#include "engine/engine_key_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tandem::engine {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(EngineKeyFile, SealsKeysInThePluginsFormatUnderAFreshFileKey) {
  const std::map<uint32_t, std::string> keys = {{1, std::string(32, '\x01')},
                                                {7, std::string(16, '\xab')}};
  auto a = SealEngineKeyFile(keys);
  auto b = SealEngineKeyFile(keys);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok());
  EXPECT_THAT(a->encrypted, StartsWith("Salted__"));
  EXPECT_EQ(a->file_key.size(), 64u);
  EXPECT_NE(a->file_key, b->file_key) << "a new file key for every start";
  EXPECT_NE(a->encrypted, b->encrypted);
  EXPECT_EQ(a->encrypted.find(std::string(32, '\x01')), std::string::npos);

  auto plain = OpenEngineKeyFile(*a);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  std::string expected = "1;";
  for (int i = 0; i < 32; ++i) expected += "01";
  expected += "\n7;";
  for (int i = 0; i < 16; ++i) expected += "ab";
  expected += "\n";
  EXPECT_EQ(*plain, expected);

  EngineKeyFile wrong = *a;
  wrong.file_key = b->file_key;
  auto refused = OpenEngineKeyFile(wrong);
  EXPECT_FALSE(refused.ok() && *refused == expected);
}

TEST(EngineKeyFile, RefusesBadKeys) {
  EXPECT_EQ(SealEngineKeyFile({{2, std::string(32, 'k')}}).status().code(),
            Status::Code::kInvalidArgument);
  auto bad = SealEngineKeyFile({{1, std::string(31, 'k')}});
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("16, 24 or 32"));
}

}  // namespace
}  // namespace tandem::engine
