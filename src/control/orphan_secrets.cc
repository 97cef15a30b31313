#include "control/orphan_secrets.h"

#include <spdlog/spdlog.h>

#include <set>

#include "rds/db_instance.h"
#include "secrets/store_keys.h"

namespace tandem::control {
namespace {

constexpr const char* kInstanceArnTag = "aws:rds:primaryDBInstanceArn";

// Regions that hold at least one secret.
StatusOr<std::set<std::string>> SecretRegions(const Store& store) {
  const std::string prefix = secrets::SecretsPrefix("");  // "secrets//": strip the region slot
  const std::string root = prefix.substr(0, prefix.size() - 1);
  auto entries = store.List(root);
  if (!entries.ok()) return entries.status();
  std::set<std::string> regions;
  for (const StoreEntry& entry : *entries) {
    const size_t slash = entry.key.find('/', root.size());
    if (slash != std::string::npos)
      regions.insert(entry.key.substr(root.size(), slash - root.size()));
  }
  return regions;
}

// "arn:aws:rds:<region>:<account>:db:<identifier>" -> identifier ("" if not one).
std::string InstanceOf(const std::string& arn) {
  const std::string marker = ":db:";
  const size_t at = arn.rfind(marker);
  if (arn.rfind("arn:aws:rds:", 0) != 0 || at == std::string::npos) return "";
  return arn.substr(at + marker.size());
}

std::string TagValue(const api::Json& secret, const std::string& key) {
  for (const api::Json& tag : secret.value("Tags", api::Json::array())) {
    if (tag.value("Key", "") == key) return tag.value("Value", "");
  }
  return "";
}

bool IsOrphan(const Store& store, const std::string& region, const api::Json& secret) {
  const std::string identifier = InstanceOf(TagValue(secret, kInstanceArnTag));
  if (identifier.empty()) return false;  // not a master user secret: not ours to judge
  auto entry = store.Get(rds::DbInstance::StoreKey(region, identifier));
  if (!entry.ok()) return false;
  if (!entry->has_value()) return true;
  auto instance = rds::DecodeDbInstance((*entry)->value);
  return instance.ok() && instance->desired.master_user_secret_arn != secret.value("ARN", "");
}

}  // namespace

StatusOr<int> DeleteOrphanSecrets(const Store& store, secrets::SecretsService& secrets,
                                  const Clock& clock, int64_t grace_ms) {
  auto regions = SecretRegions(store);
  if (!regions.ok()) return regions.status();
  const double cutoff_seconds = static_cast<double>(clock.NowMillis() - grace_ms) / 1000.0;
  int deleted = 0;
  for (const std::string& region : *regions) {
    api::Json input = {
        {"Filters", api::Json::array({{{"Key", "owning-service"}, {"Values", {"rds"}}}})},
        {"MaxResults", 100}};
    while (true) {
      auto page = secrets.Invoke(region, "ListSecrets", input);
      if (!page.ok()) {
        return Status::Unavailable("listing secrets in " + region +
                                   " failed: " + page.error().message);
      }
      for (const api::Json& secret : page->value("SecretList", api::Json::array())) {
        if (secret.value("CreatedDate", 0.0) > cutoff_seconds) continue;
        if (!IsOrphan(store, region, secret)) continue;
        const std::string arn = secret.value("ARN", "");
        auto gone = secrets.Invoke(region, "DeleteSecret",
                                   {{"SecretId", arn}, {"ForceDeleteWithoutRecovery", true}});
        if (gone.ok() || gone.error().code == "ResourceNotFoundException") {
          spdlog::info("deleted orphaned master user secret {} (its DB instance does not exist)",
                       arn);
          ++deleted;
        } else {
          spdlog::warn("cannot delete orphaned secret {}: {}", arn, gone.error().message);
        }
      }
      const std::string next = page->value("NextToken", "");
      if (next.empty()) break;
      input["NextToken"] = next;
    }
  }
  return deleted;
}

}  // namespace tandem::control
