// The handlers for a secret's life and metadata: CreateSecret, DescribeSecret,
// ListSecrets, UpdateSecret, DeleteSecret, RestoreSecret, TagResource,
// UntagResource, the replication operations and GetRandomPassword.

#include <algorithm>
#include <tuple>

#include "crypto/random.h"
#include "secrets/page_token.h"
#include "secrets/random_password.h"
#include "secrets/secret_filters.h"
#include "secrets/secret_id.h"
#include "secrets/secret_tags.h"
#include "secrets/secrets_errors.h"
#include "secrets/secrets_service_impl.h"
#include "secrets/store_keys.h"

namespace tandem::secrets {
namespace {

constexpr int kMaxListPage = 100;
constexpr int64_t kDefaultRecoveryDays = 30;

// What DescribeSecret and each ListSecrets entry show: only the fields that
// are set, as AWS does. The two differ only in the name of the versions map.
Json DescribeJson(const Secret& s, const char* versions_member) {
  Json out = Identity(s);
  if (!s.description.empty()) out["Description"] = s.description;
  if (!s.kms_key_id.empty()) out["KmsKeyId"] = s.kms_key_id;
  if (s.rotation) {
    out["RotationEnabled"] = s.rotation->enabled;
    if (!s.rotation->lambda_arn.empty()) out["RotationLambdaARN"] = s.rotation->lambda_arn;
    if (!s.rotation->rules.empty()) out["RotationRules"] = s.rotation->rules;
    if (s.rotation->last_rotated_ms) out["LastRotatedDate"] = Seconds(s.rotation->last_rotated_ms);
    if (s.rotation->enabled && s.rotation->next_rotation_ms) {
      out["NextRotationDate"] = Seconds(s.rotation->next_rotation_ms);
    }
  }
  out["LastChangedDate"] = Seconds(s.last_changed_ms);
  if (s.last_accessed_ms) out["LastAccessedDate"] = Seconds(s.last_accessed_ms);
  if (s.scheduled_for_deletion()) out["DeletedDate"] = Seconds(s.deleted_ms);
  if (s.tags) out["Tags"] = TagsToJson(*s.tags);
  Json stages = Json::object();
  for (const SecretVersion& v : s.versions) {
    if (!v.deprecated()) stages[v.id] = LabelsToJson(v.labels);
  }
  if (!stages.empty()) out[versions_member] = std::move(stages);
  if (!s.owning_service.empty()) out["OwningService"] = s.owning_service;
  out["CreatedDate"] = Seconds(s.created_ms);
  return out;
}

// ListSecrets' order: creation date, then name; the page token holds the
// last (created, name) returned.
using ListPosition = std::tuple<int64_t, std::string>;

std::string EncodeListPosition(const Secret& s) {
  return std::to_string(s.created_ms) + "/" + s.name;
}

std::optional<ListPosition> DecodeListPosition(const std::string& text) {
  size_t slash = text.find('/');
  if (slash == 0 || slash == std::string::npos) return std::nullopt;
  std::string digits = text.substr(0, slash);
  if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 18) {
    return std::nullopt;
  }
  return ListPosition{std::stoll(digits), text.substr(slash + 1)};
}

}  // namespace

Result SecretsService::Impl::CreateSecret(const Call& call, const Json& input) {
  api::ApiResult<std::optional<SecretValue>> value = ValueFromInput(input);
  bool has_value = input.contains("SecretString") || input.contains("SecretBinary");
  std::string token = input.value("ClientRequestToken", "");
  if (has_value && token.empty()) return errors::MissingClientRequestToken(false);
  std::string name = input.value("Name", "");
  if (!IsValidSecretName(name, /*service_names=*/call.internal)) return InvalidSecretNameError();
  if (!value.ok()) return value.error();
  if (auto regions = input.find("AddReplicaRegions"); regions != input.end() && !regions->empty()) {
    return errors::SingleRegion();
  }

  Secret secret;
  secret.name = name;
  secret.description = input.value("Description", "");
  secret.kms_key_id = input.value("KmsKeyId", "");
  if (call.internal) secret.owning_service = input.value("OwningService", "");
  if (auto tags = input.find("Tags"); tags != input.end()) {
    secret.tags.emplace();
    if (auto error = AddTags(*secret.tags, *tags, /*allow_reserved=*/call.internal)) return *error;
  }

  std::string key = SecretKey(call.region, name);
  for (int attempt = 0; attempt < kMaxWriteAttempts; ++attempt) {
    StatusOr<std::optional<StoreEntry>> entry = store.Get(key);
    if (!entry.ok()) return errors::Internal(entry.status());
    if (entry->has_value()) {
      api::ApiResult<LoadedSecret> loaded = Decode(std::move(**entry));
      if (!loaded.ok()) return loaded.error();
      const Secret& existing = *loaded->secret;
      if (existing.scheduled_for_deletion()) {
        return errors::InvalidRequest(
            "You can't create this secret because a secret with this name is already scheduled "
            "for deletion.");
      }
      // A retried CreateSecret (same token, same value) succeeds again.
      const SecretVersion* version = existing.FindVersion(token);
      if (has_value && version != nullptr && version->has_value) {
        api::ApiResult<SecretValue> stored = ReadValue(call, existing, token);
        if (!stored.ok()) return stored.error();
        if (*stored == **value) {
          Json out = Identity(existing);
          out["VersionId"] = token;
          return out;
        }
      }
      return errors::ResourceExists("The operation failed because the secret " + name +
                                    " already exists.");
    }

    Secret fresh = secret;
    fresh.uid = crypto::RandomUuid();
    fresh.arn = Arn(call, name);
    fresh.created_ms = fresh.last_changed_ms = Now();
    std::vector<StoreWrite> writes;
    if (has_value) {
      auto outcome = PutVersion(call, fresh, token, **value, {std::string(kCurrentLabel)}, writes);
      if (!outcome.ok()) return outcome.error();
    }
    writes.push_back(StoreWrite::Put(key, EncodeSecret(fresh), StoreWrite::kMustNotExist));
    Status status = store.Commit(writes);
    if (status.ok()) {
      Json out = Identity(fresh);
      if (has_value) out["VersionId"] = token;
      return out;
    }
    if (status.code() != Status::Code::kConflict) return errors::Internal(status);
  }
  return errors::Internal(Status::Unavailable("the secret kept changing; retry the request"));
}

Result SecretsService::Impl::DescribeSecret(const Call& call, const Json& input) {
  api::ApiResult<LoadedSecret> loaded = Load(call, input, /*allow_deleted=*/true);
  if (!loaded.ok()) return loaded.error();
  return DescribeJson(*loaded->secret, "VersionIdsToStages");
}

Result SecretsService::Impl::ListSecrets(const Call& call, const Json& input) {
  std::vector<SecretFilter> filters;
  if (auto f = input.find("Filters"); f != input.end()) {
    api::ApiResult<std::vector<SecretFilter>> parsed = ParseSecretFilters(*f);
    if (!parsed.ok()) return parsed.error();
    filters = std::move(*parsed);
  }
  api::ApiResult<size_t> page = PageSize(input, kMaxListPage, kMaxListPage);
  if (!page.ok()) return page.error();
  bool include_deleted = input.value("IncludePlannedDeletion", false);
  bool descending = input.value("SortOrder", "asc") == "desc";
  std::optional<ListPosition> after;
  if (auto token = input.find("NextToken"); token != input.end()) {
    std::optional<std::string> position = DecodePageToken("secrets", token->get<std::string>());
    if (position) after = DecodeListPosition(*position);
    if (!after) return errors::InvalidNextToken();
  }

  api::ApiResult<std::vector<LoadedSecret>> all = LoadAll(call);
  if (!all.ok()) return all.error();
  std::vector<const Secret*> listed;
  for (const LoadedSecret& l : *all) {
    if (l.secret->scheduled_for_deletion() && !include_deleted) continue;
    if (!MatchesFilters(*l.secret, call.region, filters)) continue;
    listed.push_back(l.secret.get());
  }
  auto position = [](const Secret* s) { return ListPosition{s->created_ms, s->name}; };
  std::sort(listed.begin(), listed.end(), [&](const Secret* a, const Secret* b) {
    return descending ? position(a) > position(b) : position(a) < position(b);
  });
  auto begin = listed.begin();
  if (after) {
    begin = std::find_if(listed.begin(), listed.end(), [&](const Secret* s) {
      return descending ? position(s) < *after : position(s) > *after;
    });
  }
  auto end = static_cast<size_t>(listed.end() - begin) > *page
                 ? begin + static_cast<std::ptrdiff_t>(*page)
                 : listed.end();

  Json out = {{"SecretList", Json::array()}};
  for (auto it = begin; it != end; ++it) {
    out["SecretList"].push_back(DescribeJson(**it, "SecretVersionsToStages"));
  }
  if (end != listed.end()) {
    out["NextToken"] = EncodePageToken("secrets", EncodeListPosition(**(end - 1)));
  }
  return out;
}

Result SecretsService::Impl::UpdateSecret(const Call& call, const Json& input) {
  if (auto error = CheckSecretIdSyntax(input)) return *error;
  api::ApiResult<std::optional<SecretValue>> value = ValueFromInput(input);
  bool has_value = input.contains("SecretString") || input.contains("SecretBinary");
  std::string token = input.value("ClientRequestToken", "");
  if (has_value && token.empty()) return errors::MissingClientRequestToken(false);
  if (!value.ok()) return value.error();

  return ChangeSecret(call, input, false, [&](Secret& secret) -> api::ApiResult<SecretChange> {
    SecretChange change;
    change.response = Identity(secret);
    change.changed = false;
    if (auto d = input.find("Description"); d != input.end()) {
      secret.description = d->get<std::string>();
      change.changed = true;
    }
    if (auto k = input.find("KmsKeyId"); k != input.end()) {
      // Versions with staging labels are (re)sealed under the secret's key, so
      // they take the new key's name; deprecated versions keep theirs.
      secret.kms_key_id = k->get<std::string>();
      for (SecretVersion& v : secret.versions) {
        if (!v.deprecated()) v.kms_key_id = secret.kms_key_id;
      }
      change.changed = true;
    }
    if (has_value) {
      auto outcome =
          PutVersion(call, secret, token, **value, {std::string(kCurrentLabel)}, change.writes);
      if (!outcome.ok()) return outcome.error();
      change.response["VersionId"] = token;
      change.changed = change.changed || *outcome != VersionOutcome::kAlreadyThere;
    }
    if (change.changed) secret.last_changed_ms = Now();
    return change;
  });
}

Result SecretsService::Impl::DeleteSecret(const Call& call, const Json& input) {
  if (auto error = CheckSecretIdSyntax(input)) return *error;
  bool force = input.value("ForceDeleteWithoutRecovery", false);
  auto window = input.find("RecoveryWindowInDays");
  if (force && window != input.end()) {
    return errors::InvalidParameter(
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
  }
  int64_t days = window != input.end() ? window->get<int64_t>() : kDefaultRecoveryDays;
  if (days < 7 || days > 30) {
    return errors::InvalidParameter(
        "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
  }

  Result result =
      ChangeSecret(call, input, true, [&](Secret& secret) -> api::ApiResult<SecretChange> {
        SecretChange change;
        change.response = Identity(secret);
        int64_t now = Now();
        if (force) {
          change.remove_secret = true;
          change.response["DeletionDate"] = Seconds(now);
          return change;
        }
        if (secret.scheduled_for_deletion()) return errors::MarkedForDeletion();
        secret.deleted_ms = now;
        secret.deletion_date_ms = now + days * kMillisPerDay;
        secret.last_changed_ms = now;
        change.response["DeletionDate"] = Seconds(secret.deletion_date_ms);
        return change;
      });
  // A forced delete is idempotent on AWS: deleting a secret that does not
  // exist (any more) succeeds, so retried cleanup code never fails.
  if (force && !result.ok() && result.error().code == "ResourceNotFoundException") {
    const std::string id = input.value("SecretId", "");
    const auto marker = id.find(":secret:");
    Json response;
    response["ARN"] = id.rfind("arn:", 0) == 0 ? id : Arn(call, id);
    response["Name"] = marker == std::string::npos ? id : id.substr(marker + 8);
    response["DeletionDate"] = Seconds(Now());
    return response;
  }
  return result;
}

Result SecretsService::Impl::RestoreSecret(const Call& call, const Json& input) {
  return ChangeSecret(call, input, true, [&](Secret& secret) -> api::ApiResult<SecretChange> {
    SecretChange change;
    change.response = Identity(secret);
    change.changed = secret.scheduled_for_deletion();
    secret.deleted_ms = 0;
    secret.deletion_date_ms = 0;
    secret.last_changed_ms = Now();
    return change;
  });
}

Result SecretsService::Impl::TagResource(const Call& call, const Json& input) {
  return ChangeSecret(call, input, false, [&](Secret& secret) -> api::ApiResult<SecretChange> {
    if (!secret.tags) secret.tags.emplace();
    if (auto error = AddTags(*secret.tags, input.value("Tags", Json::array()))) return *error;
    secret.last_changed_ms = Now();
    return SecretChange{};
  });
}

Result SecretsService::Impl::UntagResource(const Call& call, const Json& input) {
  return ChangeSecret(call, input, false, [&](Secret& secret) -> api::ApiResult<SecretChange> {
    if (!secret.tags) secret.tags.emplace();
    if (auto error = RemoveTags(*secret.tags, input.value("TagKeys", Json::array()))) {
      return *error;
    }
    secret.last_changed_ms = Now();
    return SecretChange{};
  });
}

// Replication needs a second region; the secret must still exist, so that a
// wrong SecretId gets the same answer as from AWS.
Result SecretsService::Impl::ReplicateSecretToRegions(const Call& call, const Json& input) {
  api::ApiResult<LoadedSecret> loaded = Load(call, input, false);
  if (!loaded.ok()) return loaded.error();
  return errors::SingleRegion();
}

Result SecretsService::Impl::RemoveRegionsFromReplication(const Call& call, const Json& input) {
  return ReplicateSecretToRegions(call, input);
}

Result SecretsService::Impl::StopReplicationToReplica(const Call& call, const Json& input) {
  return ReplicateSecretToRegions(call, input);
}

Result SecretsService::Impl::GetRandomPassword(const Call&, const Json& input) {
  PasswordRules rules;
  rules.length = input.value("PasswordLength", rules.length);
  rules.exclude_characters = input.value("ExcludeCharacters", "");
  rules.exclude_numbers = input.value("ExcludeNumbers", false);
  rules.exclude_lowercase = input.value("ExcludeLowercase", false);
  rules.exclude_uppercase = input.value("ExcludeUppercase", false);
  rules.exclude_punctuation = input.value("ExcludePunctuation", false);
  rules.include_space = input.value("IncludeSpace", false);
  rules.require_each_included_type = input.value("RequireEachIncludedType", true);
  api::ApiResult<std::string> password = GenerateRandomPassword(rules);
  if (!password.ok()) return password.error();
  return Json{{"RandomPassword", std::move(*password)}};
}

}  // namespace tandem::secrets
