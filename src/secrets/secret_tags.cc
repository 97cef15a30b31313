#include "secrets/secret_tags.h"

#include <algorithm>
#include <set>

#include "secrets/secrets_errors.h"

namespace tandem::secrets {
namespace {

bool IsReserved(const std::string& key) {
  return key.size() >= 4 && std::equal(key.begin(), key.begin() + 4, "aws:", [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

api::ApiError ReservedKeyError(const std::string& key) {
  return errors::InvalidParameter("The tag key '" + key +
                                  "' starts with aws:, which is reserved for AWS use.");
}

}  // namespace

std::optional<api::ApiError> AddTags(std::vector<Tag>& tags, const nlohmann::json& new_tags,
                                     bool allow_reserved) {
  std::vector<Tag> next = tags;
  std::set<std::string> seen;
  for (const nlohmann::json& tag : new_tags) {
    std::string key = tag.value("Key", "");
    std::string value = tag.value("Value", "");
    if (key.empty()) return errors::InvalidParameter("Every tag needs a Key of 1-128 characters.");
    if (IsReserved(key) && !allow_reserved) return ReservedKeyError(key);
    if (!seen.insert(key).second) {
      return errors::InvalidParameter("The tag key '" + key +
                                      "' appears more than once in the request.");
    }
    auto it = std::find_if(next.begin(), next.end(), [&](const Tag& t) { return t.key == key; });
    if (it != next.end()) {
      it->value = std::move(value);
    } else {
      next.push_back({std::move(key), std::move(value)});
    }
  }
  if (next.size() > kMaxTags) {
    return errors::InvalidParameter(
        "A secret can have at most 50 tags; this request would give it " +
        std::to_string(next.size()) + ".");
  }
  tags = std::move(next);
  return std::nullopt;
}

std::optional<api::ApiError> RemoveTags(std::vector<Tag>& tags, const nlohmann::json& keys) {
  std::set<std::string> removed;
  for (const nlohmann::json& key : keys) {
    std::string k = key.get<std::string>();
    if (IsReserved(k)) return ReservedKeyError(k);
    removed.insert(std::move(k));
  }
  tags.erase(std::remove_if(tags.begin(), tags.end(),
                            [&](const Tag& t) { return removed.count(t.key) > 0; }),
             tags.end());
  return std::nullopt;
}

nlohmann::json TagsToJson(const std::vector<Tag>& tags) {
  nlohmann::json out = nlohmann::json::array();
  for (const Tag& t : tags) out.push_back({{"Key", t.key}, {"Value", t.value}});
  return out;
}

}  // namespace tandem::secrets
