// UTF-8 decoding for protocol text. Pure; thread-safe.
//
// Well-formed means RFC 3629: no overlong forms, no surrogates (U+D800 to
// U+DFFF), nothing past U+10FFFF, no truncated sequence.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tandem {

// One character decoded from UTF-8.
struct Utf8Char {
  size_t length = 0;  // bytes it takes; 0 when the bytes are not well-formed
  uint32_t code_point = 0;
};

// The character whose encoding starts at s[i] (i < s.size()).
Utf8Char DecodeUtf8(std::string_view s, size_t i);

// Whether all of s is well-formed UTF-8.
bool IsValidUtf8(std::string_view s);

}  // namespace tandem
