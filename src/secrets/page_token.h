// NextToken values: opaque to callers, a position in one listing to us.
//
// A token records the last item returned (not an offset), so a listing that
// changes between pages neither repeats nor skips the items that stayed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tandem::secrets {

// listing names what is being listed ("secrets", "versions"), so a token from
// one operation is refused by another.
std::string EncodePageToken(std::string_view listing, std::string_view position);

// The position, or nullopt when token was not made by EncodePageToken for
// listing (the caller answers InvalidNextTokenException).
std::optional<std::string> DecodePageToken(std::string_view listing, std::string_view token);

}  // namespace tandem::secrets
