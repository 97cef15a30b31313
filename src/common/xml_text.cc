#include "common/xml_text.h"

#include "common/utf8.h"

namespace tandem {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace

void AppendXmlEscaped(std::string& out, std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#xD;";  // a literal CR would be normalized away by the parser
        break;
      default: {
        const Utf8Char decoded = DecodeUtf8(text, i);
        const size_t n = decoded.length;
        const uint32_t cp = decoded.code_point;
        if (n == 0 || (cp < 0x20 && c != '\t' && c != '\n') || cp == 0xFFFE || cp == 0xFFFF) {
          out += kReplacement;  // XML 1.0 cannot carry it, even as a reference
          i += n == 0 ? 1 : n;
          continue;
        }
        out.append(text.substr(i, n));
        i += n;
        continue;
      }
    }
    ++i;
  }
}

std::string XmlEscaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendXmlEscaped(out, text);
  return out;
}

}  // namespace tandem
