#include "common/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace tandem {
namespace {

TEST(Utf8Test, DecodesEachLength) {
  const std::string s = "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x94\x91";  // A é € 🔑
  EXPECT_EQ(DecodeUtf8(s, 0).length, 1u);
  EXPECT_EQ(DecodeUtf8(s, 0).code_point, 0x41u);
  EXPECT_EQ(DecodeUtf8(s, 1).length, 2u);
  EXPECT_EQ(DecodeUtf8(s, 1).code_point, 0xE9u);
  EXPECT_EQ(DecodeUtf8(s, 3).length, 3u);
  EXPECT_EQ(DecodeUtf8(s, 3).code_point, 0x20ACu);
  EXPECT_EQ(DecodeUtf8(s, 6).length, 4u);
  EXPECT_EQ(DecodeUtf8(s, 6).code_point, 0x1F511u);
  EXPECT_TRUE(IsValidUtf8(s));
  EXPECT_TRUE(IsValidUtf8(""));
}

TEST(Utf8Test, RefusesWhatIsNotWellFormed) {
  for (const std::string bad : {
           "\x80",              // a continuation byte first
           "\xC3",              // truncated
           "\xE2\x82",          // truncated
           "\xC3\x41",          // not a continuation byte
           "\xC0\xAF",          // overlong '/'
           "\xE0\x80\xAF",      // overlong '/'
           "\xED\xA0\x80",      // surrogate U+D800
           "\xF4\x90\x80\x80",  // past U+10FFFF
           "\xF8\x88\x80\x80",  // a five-byte lead
       }) {
    EXPECT_EQ(DecodeUtf8(bad, 0).length, 0u) << testing::PrintToString(bad);
    EXPECT_FALSE(IsValidUtf8("ok" + bad)) << testing::PrintToString(bad);
  }
}

}  // namespace
}  // namespace tandem
