// The handlers for versions, values and staging labels: GetSecretValue,
// BatchGetSecretValue, PutSecretValue, UpdateSecretVersionStage,
// ListSecretVersionIds, and the rotation engine's AddPendingVersion.

#include <algorithm>

#include "secrets/page_token.h"
#include "secrets/secret_filters.h"
#include "secrets/secrets_errors.h"
#include "secrets/secrets_service_impl.h"
#include "secrets/staging_labels.h"
#include "secrets/store_keys.h"

namespace tandem::secrets {
namespace {

constexpr int kMaxVersionPage = 100;
constexpr int kMaxBatch = 20;

Json VersionEntry(const SecretVersion& v) {
  Json entry = {{"VersionId", v.id}};
  if (!v.deprecated()) entry["VersionStages"] = LabelsToJson(v.labels);
  if (v.last_accessed_ms) entry["LastAccessedDate"] = Seconds(v.last_accessed_ms);
  entry["CreatedDate"] = Seconds(v.created_ms);
  // Values are sealed under Tandem's master key; this names the key the user
  // chose, as AWS names its KMS key.
  entry["KmsKeyIds"] = {v.kms_key_id.empty() ? "DefaultEncryptionKey" : v.kms_key_id};
  return entry;
}

Json BatchError(const std::string& secret_id, const api::ApiError& error) {
  return {{"SecretId", secret_id}, {"ErrorCode", error.code}, {"Message", error.message}};
}

}  // namespace

Result SecretsService::Impl::GetSecretValue(const Call& call, const Json& input) {
  api::ApiResult<LoadedSecret> loaded = Load(call, input, false);
  if (!loaded.ok()) return loaded.error();
  return GetValue(call, *loaded, input.value("VersionId", ""), input.value("VersionStage", ""));
}

Result SecretsService::Impl::BatchGetSecretValue(const Call& call, const Json& input) {
  Json ids = input.value("SecretIdList", Json::array());
  Json filters_json = input.value("Filters", Json::array());
  if (!ids.empty() && !filters_json.empty()) {
    return errors::InvalidParameter(
        "Either 'SecretIdList' or 'Filters' must be provided, but not both.");
  }
  if (ids.empty() && filters_json.empty()) {
    return errors::InvalidParameter("Either 'SecretIdList' or 'Filters' must be provided.");
  }
  if (!ids.empty() && input.contains("MaxResults")) {
    return errors::InvalidParameter(
        "'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is "
        "provided.");
  }

  Json out = {{"SecretValues", Json::array()}, {"Errors", Json::array()}};
  auto add = [&](const std::string& secret_id, Result value) {
    if (value.ok()) {
      out["SecretValues"].push_back(std::move(value.value()));
    } else {
      out["Errors"].push_back(BatchError(secret_id, value.error()));
    }
  };

  if (!ids.empty()) {
    for (const Json& id : ids) {
      Json one = {{"SecretId", id}};
      api::ApiResult<LoadedSecret> loaded = Load(call, one, false);
      add(id.get<std::string>(), loaded.ok() ? GetValue(call, *loaded, "", "") : loaded.error());
    }
    return out;
  }

  // Filters: the matching secrets not scheduled for deletion, by name, paged
  // by the name of the last secret returned.
  api::ApiResult<size_t> page = PageSize(input, kMaxBatch, kMaxBatch);
  if (!page.ok()) return page.error();
  api::ApiResult<std::vector<SecretFilter>> filters = ParseSecretFilters(filters_json);
  if (!filters.ok()) return filters.error();
  std::optional<std::string> after;
  if (auto token = input.find("NextToken"); token != input.end()) {
    after = DecodePageToken("batch", token->get<std::string>());
    if (!after) return errors::InvalidNextToken();
  }
  api::ApiResult<std::vector<LoadedSecret>> all = LoadAll(call);
  if (!all.ok()) return all.error();
  std::vector<const LoadedSecret*> matching;
  for (const LoadedSecret& l : *all) {  // in key order, that is by name
    if (l.secret->scheduled_for_deletion()) continue;
    if (after && l.secret->name <= *after) continue;
    if (MatchesFilters(*l.secret, call.region, *filters)) matching.push_back(&l);
  }
  for (size_t i = 0; i < matching.size() && i < *page; ++i) {
    add(matching[i]->secret->arn, GetValue(call, *matching[i], "", ""));
  }
  if (matching.size() > *page) {
    out["NextToken"] = EncodePageToken("batch", matching[*page - 1]->secret->name);
  }
  return out;
}

Result SecretsService::Impl::PutSecretValue(const Call& call, const Json& input) {
  if (auto error = CheckSecretIdSyntax(input)) return *error;
  std::string token = input.value("ClientRequestToken", "");
  if (token.empty()) return errors::MissingClientRequestToken(false);
  api::ApiResult<std::optional<SecretValue>> value = ValueFromInput(input);
  if (!value.ok()) return value.error();
  if (!value->has_value()) {
    return errors::InvalidRequest("You must provide either SecretString or SecretBinary.");
  }
  std::set<std::string> labels = {std::string(kCurrentLabel)};
  if (auto stages = input.find("VersionStages"); stages != input.end()) {
    labels = stages->get<std::set<std::string>>();
  }

  return ChangeSecret(call, input, false, [&](Secret& secret) -> api::ApiResult<SecretChange> {
    SecretChange change;
    auto outcome = PutVersion(call, secret, token, **value, labels, change.writes);
    if (!outcome.ok()) return outcome.error();
    change.changed = *outcome != VersionOutcome::kAlreadyThere;
    change.response = Identity(secret);
    change.response["VersionId"] = token;
    change.response["VersionStages"] = LabelsToJson(secret.FindVersion(token)->labels);
    return change;
  });
}

Result SecretsService::Impl::UpdateSecretVersionStage(const Call& call, const Json& input) {
  std::string label = input.value("VersionStage", "");
  std::string remove_from = input.value("RemoveFromVersionId", "");
  std::string move_to = input.value("MoveToVersionId", "");
  return ChangeSecret(call, input, false, [&](Secret& secret) -> api::ApiResult<SecretChange> {
    if (auto error = MoveLabel(secret.versions, label, remove_from, move_to)) return *error;
    SecretChange change;
    for (const std::string& pruned : PruneDeprecatedVersions(secret.versions)) {
      change.writes.push_back(StoreWrite::Delete(ValueKey(call.region, secret.uid, pruned)));
    }
    secret.last_changed_ms = Now();
    change.response = Identity(secret);
    return change;
  });
}

Result SecretsService::Impl::ListSecretVersionIds(const Call& call, const Json& input) {
  api::ApiResult<LoadedSecret> loaded = Load(call, input, false);
  if (!loaded.ok()) return loaded.error();
  const Secret& secret = *loaded->secret;
  api::ApiResult<size_t> page = PageSize(input, kMaxVersionPage, kMaxVersionPage);
  if (!page.ok()) return page.error();
  bool include_deprecated = input.value("IncludeDeprecated", false);
  std::vector<const SecretVersion*> listed;
  for (const SecretVersion& v : secret.versions) {
    if (include_deprecated || !v.deprecated()) listed.push_back(&v);
  }
  auto begin = listed.begin();
  if (auto token = input.find("NextToken"); token != input.end()) {
    std::optional<std::string> after = DecodePageToken("versions", token->get<std::string>());
    auto last = std::find_if(listed.begin(), listed.end(),
                             [&](const SecretVersion* v) { return after && v->id == *after; });
    if (last == listed.end()) return errors::InvalidNextToken();
    begin = last + 1;
  }
  auto end = static_cast<size_t>(listed.end() - begin) > *page
                 ? begin + static_cast<std::ptrdiff_t>(*page)
                 : listed.end();

  Json out = Identity(secret);
  out["Versions"] = Json::array();
  for (auto it = begin; it != end; ++it) out["Versions"].push_back(VersionEntry(**it));
  if (end != listed.end()) out["NextToken"] = EncodePageToken("versions", (*(end - 1))->id);
  return out;
}

Result SecretsService::Impl::AddPendingVersion(const Call& call, const Json& input) {
  std::string version_id = input.value("VersionId", "");
  if (version_id.size() < 32 || version_id.size() > 64) {
    return errors::InvalidParameter("A version id must have 32-64 characters; use a UUID.");
  }
  return ChangeSecret(call, input, false, [&](Secret& secret) -> api::ApiResult<SecretChange> {
    SecretChange change;
    change.response = Identity(secret);
    change.response["VersionId"] = version_id;
    if (auto error = AddPlaceholder(call, secret, version_id, change)) return *error;
    return change;
  });
}

std::optional<api::ApiError> SecretsService::Impl::AddPlaceholder(const Call& call, Secret& secret,
                                                                  const std::string& version_id,
                                                                  SecretChange& change) const {
  if (const SecretVersion* existing = secret.FindVersion(version_id)) {
    if (existing->has_value) {
      return errors::ResourceExists("Version " + version_id +
                                    " already exists with a value; a rotation needs a new "
                                    "ClientRequestToken.");
    }
    change.changed = existing->labels.count(std::string(kPendingLabel)) == 0;
  } else {
    SecretVersion placeholder;
    placeholder.id = version_id;
    placeholder.created_ms = Now();
    placeholder.kms_key_id = secret.kms_key_id;
    secret.versions.push_back(std::move(placeholder));
  }
  if (auto error = AttachLabels(secret.versions, version_id, {std::string(kPendingLabel)})) {
    return error;
  }
  for (const std::string& pruned : PruneDeprecatedVersions(secret.versions)) {
    change.writes.push_back(StoreWrite::Delete(ValueKey(call.region, secret.uid, pruned)));
  }
  secret.last_changed_ms = Now();
  return std::nullopt;
}

}  // namespace tandem::secrets
