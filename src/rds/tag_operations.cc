// Tags: AddTagsToResource, RemoveTagsFromResource, ListTagsForResource, on DB
// instances and DB parameter groups named by ARN (resource_tags.h).
#include "rds/rds_errors.h"
#include "rds/rds_service_impl.h"
#include "rds/resource_tags.h"

namespace tandem::rds {

Result RdsService::Impl::EditTags(const Call& call, const Json& input, const TagEdit& edit) {
  api::ApiResult<ResourceName> resource =
      ParseResourceArn(input.value("ResourceName", ""), call.region, options.account_id);
  if (!resource.ok()) return resource.error();
  if (resource->type == ResourceType::kDbInstance) {
    api::ApiResult<DbInstance> changed =
        ChangeInstance(call, resource->name,
                       [&](DbInstance& instance, InstanceChange&) { return edit(instance.tags); });
    if (!changed.ok()) return changed.error();
    return Json::object();
  }
  if (resource->name == kDefaultParameterGroup) {
    return errors::InvalidParameterValue("Default parameter groups cannot be tagged");
  }
  api::ApiResult<DbParameterGroup> changed =
      ChangeGroup(call, resource->name,
                  [&](DbParameterGroup& group, std::vector<Event>&) { return edit(group.tags); });
  if (!changed.ok()) return changed.error();
  return Json::object();
}

Result RdsService::Impl::AddTagsToResource(const Call& call, const Json& input) {
  const Json tags = input.value("Tags", Json::array());
  return EditTags(call, input, [&](std::vector<Tag>& current) { return AddTags(current, tags); });
}

Result RdsService::Impl::RemoveTagsFromResource(const Call& call, const Json& input) {
  const Json keys = input.value("TagKeys", Json::array());
  return EditTags(call, input, [&](std::vector<Tag>& current) {
    RemoveTags(current, keys);
    return std::optional<api::ApiError>();
  });
}

Result RdsService::Impl::ListTagsForResource(const Call& call, const Json& input) {
  api::ApiResult<ResourceName> resource =
      ParseResourceArn(input.value("ResourceName", ""), call.region, options.account_id);
  if (!resource.ok()) return resource.error();
  if (resource->type == ResourceType::kDbInstance) {
    api::ApiResult<LoadedInstance> loaded = LoadInstance(call, resource->name);
    if (!loaded.ok()) return loaded.error();
    return Json{{"TagList", TagsToJson(loaded->instance.tags)}};
  }
  api::ApiResult<LoadedParameterGroup> loaded = LoadGroup(call, resource->name);
  if (!loaded.ok()) return loaded.error();
  return Json{{"TagList", TagsToJson(loaded->group.tags)}};
}

}  // namespace tandem::rds
