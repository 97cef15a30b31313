#include "rds/resource_tags.h"

#include <algorithm>

#include "rds/instance_rules.h"
#include "rds/rds_errors.h"

namespace tandem::rds {

api::ApiResult<ResourceName> ParseResourceArn(const std::string& arn, const std::string& region,
                                              const std::string& account_id) {
  const std::string prefix = "arn:aws:rds:" + region + ":" + account_id + ":";
  if (arn.compare(0, prefix.size(), prefix) == 0) {
    std::string rest = arn.substr(prefix.size());
    size_t colon = rest.find(':');
    std::string type = rest.substr(0, colon);
    std::string name = colon == std::string::npos ? "" : ToLower(rest.substr(colon + 1));
    if (type == "db" && !name.empty()) return ResourceName{ResourceType::kDbInstance, name};
    if (type == "pg" && !name.empty()) return ResourceName{ResourceType::kParameterGroup, name};
  }
  return errors::InvalidParameterValue(
      "The specified resource name does not match an RDS resource in this region.");
}

std::optional<api::ApiError> AddTags(std::vector<Tag>& tags, const nlohmann::json& new_tags) {
  std::vector<Tag> next = tags;
  for (const nlohmann::json& tag : new_tags) {
    std::string key = tag.value("Key", "");
    std::string value = tag.value("Value", "");
    if (auto error = CheckTag(key, value)) return error;
    auto it = std::find_if(next.begin(), next.end(), [&](const Tag& t) { return t.key == key; });
    if (it != next.end()) {
      it->value = std::move(value);
    } else {
      next.push_back({std::move(key), std::move(value)});
    }
  }
  if (next.size() > kMaxTagsPerResource) {
    return errors::InvalidParameterValue(
        "A resource can have at most 50 tags; this request would give it " +
        std::to_string(next.size()));
  }
  tags = std::move(next);
  return std::nullopt;
}

void RemoveTags(std::vector<Tag>& tags, const nlohmann::json& keys) {
  tags.erase(std::remove_if(tags.begin(), tags.end(),
                            [&](const Tag& t) {
                              return std::find(keys.begin(), keys.end(), t.key) != keys.end();
                            }),
             tags.end());
}

nlohmann::json TagsToJson(const std::vector<Tag>& tags) {
  nlohmann::json out = nlohmann::json::array();
  for (const Tag& t : tags) out.push_back({{"Key", t.key}, {"Value", t.value}});
  return out;
}

}  // namespace tandem::rds
