// Tags on a secret: CreateSecret's Tags, TagResource and UntagResource.
//
// Rules beyond the model's lengths: at most 50 tags per secret, a key at most
// once per request, and keys starting with "aws:" are reserved (AWS keeps
// them for its own use; users can neither add nor remove them).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/api_error.h"
#include "secrets/secret.h"

namespace tandem::secrets {

inline constexpr size_t kMaxTags = 50;

// Adds or overwrites tags from a Tags list ([{"Key":..,"Value":..}]), keeping
// the order of existing keys and appending new ones. On error (all
// InvalidParameterException) tags is unchanged. allow_reserved admits "aws:"
// keys: for Tandem's own components acting as AWS (RDS tags the secrets it
// manages with aws:rds:primaryDBInstanceArn).
std::optional<api::ApiError> AddTags(std::vector<Tag>& tags, const nlohmann::json& new_tags,
                                     bool allow_reserved = false);

// Removes the tags with the given keys (absent keys are ignored).
std::optional<api::ApiError> RemoveTags(std::vector<Tag>& tags, const nlohmann::json& keys);

nlohmann::json TagsToJson(const std::vector<Tag>& tags);

}  // namespace tandem::secrets
