// Whole numbers from text, all or nothing: "3306" is 3306, while "33o6",
// " 3306", "" and out-of-range values are nothing. For ports in flags,
// environment variables, secrets and URLs, and for values read from the
// database. Pure; thread-safe.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tandem::meter {

template <class Int>
std::optional<Int> ParseWhole(std::string_view text) {
  Int value{};
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

// A TCP port, 1-65535.
inline std::optional<uint16_t> ParsePort(std::string_view text) {
  auto value = ParseWhole<unsigned int>(text);
  if (!value || *value < 1 || *value > 65535) return std::nullopt;
  return static_cast<uint16_t>(*value);
}

}  // namespace tandem::meter
