// Percent-decoding (RFC 3986 section 2.1) of request paths and query strings.
// Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tandem::api {

// What a '+' means: itself (paths, RFC 3986) or a space (query strings and
// form bodies, application/x-www-form-urlencoded).
enum class PlusSign { kLiteral, kSpace };

// The value of a hexadecimal digit (either case), or -1 if c is not one.
int HexDigitValue(char c);

// text with every %XX replaced by its byte; nullopt when a '%' is not
// followed by two hexadecimal digits. The bytes are not checked for UTF-8.
std::optional<std::string> PercentDecode(std::string_view text, PlusSign plus);

}  // namespace tandem::api
