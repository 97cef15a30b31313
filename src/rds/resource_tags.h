// Tags on RDS resources (DB instances and DB parameter groups):
// AddTagsToResource, RemoveTagsFromResource, ListTagsForResource and the Tags
// of the Create* calls. Resources are named by ARN:
//   arn:aws:rds:<region>:<account>:db:<DBInstanceIdentifier>
//   arn:aws:rds:<region>:<account>:pg:<DBParameterGroupName>
//
// Rules (instance_rules.h CheckTag): keys 1-128 characters, values up to 256,
// keys starting with aws: or rds: reserved; at most 50 tags per resource.
//
// Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/api_error.h"
#include "rds/db_instance.h"

namespace tandem::rds {

inline constexpr size_t kMaxTagsPerResource = 50;

enum class ResourceType { kDbInstance, kParameterGroup };

struct ResourceName {
  ResourceType type = ResourceType::kDbInstance;
  std::string name;  // lower-case identifier or group name
};

// The resource an ARN of this region and account names. InvalidParameterValue
// ("The specified resource name does not match an RDS resource in this
// region.") for anything else.
api::ApiResult<ResourceName> ParseResourceArn(const std::string& arn, const std::string& region,
                                              const std::string& account_id);

// Adds or overwrites tags from a Tags list ([{"Key":..,"Value":..}]), keeping
// the order of existing keys. On error tags is unchanged.
std::optional<api::ApiError> AddTags(std::vector<Tag>& tags, const nlohmann::json& new_tags);

// Removes the tags with the given keys (absent keys are ignored).
void RemoveTags(std::vector<Tag>& tags, const nlohmann::json& keys);

// [{"Key":..,"Value":..}] as TagList shows them.
nlohmann::json TagsToJson(const std::vector<Tag>& tags);

}  // namespace tandem::rds
