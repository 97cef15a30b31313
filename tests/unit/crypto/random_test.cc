#include "crypto/random.h"

#include <gtest/gtest.h>

#include <limits>
#include <set>

namespace tandem::crypto {
namespace {

TEST(RandomBytesTest, SizeAndFreshness) {
  EXPECT_EQ(RandomBytes(0), "");
  EXPECT_EQ(RandomBytes(32).size(), 32u);
  EXPECT_EQ(RandomBytes(3 << 20).size(), size_t{3} << 20);
  EXPECT_NE(RandomBytes(32), RandomBytes(32));
}

// "xxxxxxxx-xxxx-4xxx-Yxxx-xxxxxxxxxxxx", x lower-case hex, Y one of 8, 9, a, b.
bool IsVersion4Uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    const bool hex = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f');
    if (dash ? s[i] != '-' : !hex) return false;
  }
  return s[14] == '4' && std::string_view("89ab").find(s[19]) != std::string_view::npos;
}

TEST(RandomUuidTest, Version4Format) {
  EXPECT_TRUE(IsVersion4Uuid("123e4567-e89b-42d3-a456-426614174000"));
  EXPECT_FALSE(IsVersion4Uuid("123e4567-e89b-12d3-a456-426614174000"));
  EXPECT_FALSE(IsVersion4Uuid("123E4567-e89b-42d3-a456-426614174000"));
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string uuid = RandomUuid();
    EXPECT_TRUE(IsVersion4Uuid(uuid)) << uuid;
    seen.insert(uuid);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(RandomBelowTest, StaysInRangeAndCoversIt) {
  EXPECT_EQ(RandomBelow(1), 0u);
  std::set<uint32_t> seen;
  for (int i = 0; i < 2000; ++i) {
    const uint32_t v = RandomBelow(7);
    ASSERT_LT(v, 7u);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 7u);
  // Bounds where almost half of all 32-bit draws are rejected, and the largest.
  for (uint32_t bound : {(1u << 31) + 1, std::numeric_limits<uint32_t>::max()}) {
    for (int i = 0; i < 200; ++i) ASSERT_LT(RandomBelow(bound), bound);
  }
}

TEST(RandomBelowTest, RoughlyUniform) {
  constexpr int kBuckets = 10;
  constexpr int kDraws = 100000;
  int counts[kBuckets] = {};
  for (int i = 0; i < kDraws; ++i) ++counts[RandomBelow(kBuckets)];
  for (int c : counts) {
    // Expected 10000 each; 5 standard deviations is about 475.
    EXPECT_NEAR(c, kDraws / kBuckets, 500);
  }
}

TEST(RandomStringTest, UsesOnlyAndAllOfTheAlphabet) {
  EXPECT_EQ(RandomString(0, "ab"), "");
  EXPECT_EQ(RandomString(5, "x"), "xxxxx");
  const std::string alphabet = "abcXYZ019!-";
  const std::string s = RandomString(5000, alphabet);
  ASSERT_EQ(s.size(), 5000u);
  EXPECT_EQ(s.find_first_not_of(alphabet), std::string::npos);
  EXPECT_EQ(std::set<char>(s.begin(), s.end()).size(), alphabet.size());
}

}  // namespace
}  // namespace tandem::crypto
