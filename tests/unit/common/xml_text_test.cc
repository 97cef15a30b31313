#include "common/xml_text.h"

#include <gtest/gtest.h>

#include <string>

namespace tandem {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

TEST(XmlTextTest, EscapesMarkupAndCarriageReturn) {
  EXPECT_EQ(XmlEscaped("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(XmlEscaped("line\r\nnext\ttab"), "line&#xD;\nnext\ttab");
}

TEST(XmlTextTest, KeepsWellFormedUtf8) {
  const std::string text = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x91";  // café € 🔑
  EXPECT_EQ(XmlEscaped(text), text);
}

TEST(XmlTextTest, ReplacesWhatXmlCannotCarry) {
  const std::string r(kReplacement);
  EXPECT_EQ(XmlEscaped(std::string("a\0b", 3)), "a" + r + "b");
  EXPECT_EQ(XmlEscaped("\x01\x1F"), r + r);
  EXPECT_EQ(XmlEscaped("\xEF\xBF\xBE"), r) << "U+FFFE";
  EXPECT_EQ(XmlEscaped("\xEF\xBF\xBF"), r) << "U+FFFF";
  EXPECT_EQ(XmlEscaped("\xFF"
                       "x"),
            r + "x")
      << "not a lead byte";
  EXPECT_EQ(XmlEscaped("\xC3"), r) << "truncated";
  EXPECT_EQ(XmlEscaped("\xC0\xAF"), r + r) << "overlong: each byte replaced";
  EXPECT_EQ(XmlEscaped("\xED\xA0\x80"), r + r + r) << "a surrogate";
}

TEST(XmlTextTest, AppendsToWhatIsThere) {
  std::string out = "<a>";
  AppendXmlEscaped(out, "1 < 2");
  EXPECT_EQ(out, "<a>1 &lt; 2");
}

}  // namespace
}  // namespace tandem
