#include "secrets/page_token.h"

#include "crypto/digest.h"

namespace tandem::secrets {
namespace {

std::string Tagged(std::string_view listing) { return "tandem-" + std::string(listing) + "-page:"; }

}  // namespace

std::string EncodePageToken(std::string_view listing, std::string_view position) {
  return crypto::Base64Encode(Tagged(listing) + std::string(position));
}

std::optional<std::string> DecodePageToken(std::string_view listing, std::string_view token) {
  std::optional<std::string> text = crypto::Base64Decode(token);
  std::string tag = Tagged(listing);
  if (!text || text->compare(0, tag.size(), tag) != 0) return std::nullopt;
  return text->substr(tag.size());
}

}  // namespace tandem::secrets
