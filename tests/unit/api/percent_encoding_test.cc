#include "api/percent_encoding.h"

#include <gtest/gtest.h>

namespace tandem::api {
namespace {

TEST(PercentEncodingTest, DecodesEscapesInEitherCase) {
  EXPECT_EQ(PercentDecode("a%2Fb%2fc%20d", PlusSign::kLiteral), "a/b/c d");
  EXPECT_EQ(PercentDecode("%00", PlusSign::kLiteral), std::string(1, '\0'));
  EXPECT_EQ(PercentDecode("", PlusSign::kLiteral), "");
}

TEST(PercentEncodingTest, PlusIsASpaceOnlyInForms) {
  EXPECT_EQ(PercentDecode("a+b%2B", PlusSign::kSpace), "a b+");
  EXPECT_EQ(PercentDecode("a+b%2B", PlusSign::kLiteral), "a+b+");
}

TEST(PercentEncodingTest, RefusesMalformedEscapes) {
  for (const char* bad : {"%", "%4", "abc%", "%G0", "%0G", "%%41"}) {
    EXPECT_EQ(PercentDecode(bad, PlusSign::kSpace), std::nullopt) << bad;
  }
}

TEST(PercentEncodingTest, HexDigitValue) {
  EXPECT_EQ(HexDigitValue('0'), 0);
  EXPECT_EQ(HexDigitValue('9'), 9);
  EXPECT_EQ(HexDigitValue('a'), 10);
  EXPECT_EQ(HexDigitValue('F'), 15);
  EXPECT_EQ(HexDigitValue('g'), -1);
  EXPECT_EQ(HexDigitValue('/'), -1);
}

}  // namespace
}  // namespace tandem::api
