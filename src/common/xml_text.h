// Text escaped for XML 1.0 character data and attribute values. Pure;
// thread-safe.
//
// & < > " ' become entity references and CR becomes &#xD; (a parser would
// normalize a literal one away). Bytes XML 1.0 cannot carry even as a
// reference (control characters other than TAB and LF, U+FFFE, U+FFFF) and
// bytes that are not well-formed UTF-8 (overlong forms and surrogates
// included) become U+FFFD, so that the output is always a well-formed
// document whatever the input.
#pragma once

#include <string>
#include <string_view>

namespace tandem {

// Appends text to out, escaped.
void AppendXmlEscaped(std::string& out, std::string_view text);

// text, escaped.
std::string XmlEscaped(std::string_view text);

}  // namespace tandem
