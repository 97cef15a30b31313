#include "secrets/staging_labels.h"

#include <algorithm>

#include "secrets/secrets_errors.h"

namespace tandem::secrets {
namespace {

SecretVersion* Find(std::vector<SecretVersion>& versions, std::string_view id) {
  auto it = std::find_if(versions.begin(), versions.end(),
                         [&](const SecretVersion& v) { return v.id == id; });
  return it == versions.end() ? nullptr : &*it;
}

SecretVersion* Holder(std::vector<SecretVersion>& versions, const std::string& label) {
  auto it = std::find_if(versions.begin(), versions.end(),
                         [&](const SecretVersion& v) { return v.labels.count(label) > 0; });
  return it == versions.end() ? nullptr : &*it;
}

// Moves label onto target from wherever it is, applying the AWSPREVIOUS rule
// when the label is AWSCURRENT. No-op when target already has it.
void Move(std::vector<SecretVersion>& versions, const std::string& label, SecretVersion& target) {
  SecretVersion* holder = Holder(versions, label);
  if (holder == &target) return;
  if (holder != nullptr) holder->labels.erase(label);
  target.labels.insert(label);
  if (label == kCurrentLabel && holder != nullptr) {
    const std::string previous(kPreviousLabel);
    for (SecretVersion& v : versions) v.labels.erase(previous);
    holder->labels.insert(previous);
  }
}

std::optional<api::ApiError> CheckLabelLimit(const std::vector<SecretVersion>& versions) {
  for (const SecretVersion& v : versions) {
    if (v.labels.size() > kMaxLabelsPerVersion) {
      return errors::LimitExceeded("Version " + v.id + " would have more than " +
                                   std::to_string(kMaxLabelsPerVersion) +
                                   " staging labels; remove a label from it first.");
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<api::ApiError> AttachLabels(std::vector<SecretVersion>& versions,
                                          std::string_view version_id,
                                          const std::set<std::string>& labels) {
  std::vector<SecretVersion> next = versions;
  SecretVersion* target = Find(next, version_id);
  if (target == nullptr) return errors::ValueNotFoundForVersion(std::string(version_id));
  // AWSCURRENT first: its move hands AWSPREVIOUS to the old current version,
  // and an explicitly requested AWSPREVIOUS must win over that.
  const std::string current(kCurrentLabel);
  if (labels.count(current)) {
    // A new value supersedes a rotation that had already made its pending
    // version current: the outgoing version keeps only AWSPREVIOUS (as AWS
    // does), while an AWSPENDING elsewhere is left alone.
    const std::string pending(kPendingLabel);
    SecretVersion* outgoing = Holder(next, current);
    if (outgoing != nullptr && outgoing != target && !labels.count(pending)) {
      outgoing->labels.erase(pending);
    }
    Move(next, current, *target);
  }
  for (const std::string& label : labels) {
    if (label != current) Move(next, label, *target);
  }
  if (auto error = CheckLabelLimit(next)) return error;
  versions = std::move(next);
  return std::nullopt;
}

std::optional<api::ApiError> MoveLabel(std::vector<SecretVersion>& versions,
                                       const std::string& label,
                                       const std::string& remove_from_version_id,
                                       const std::string& move_to_version_id) {
  if (remove_from_version_id.empty() && move_to_version_id.empty()) {
    return errors::InvalidParameter(
        "Specify MoveToVersionId to attach the staging label, RemoveFromVersionId to detach it, "
        "or both to move it.");
  }
  std::vector<SecretVersion> next = versions;
  SecretVersion* remove_from = nullptr;
  SecretVersion* move_to = nullptr;
  if (!remove_from_version_id.empty()) {
    remove_from = Find(next, remove_from_version_id);
    if (remove_from == nullptr) return errors::ValueNotFoundForVersion(remove_from_version_id);
  }
  if (!move_to_version_id.empty()) {
    move_to = Find(next, move_to_version_id);
    if (move_to == nullptr) return errors::ValueNotFoundForVersion(move_to_version_id);
  }
  SecretVersion* holder = Holder(next, label);
  if (remove_from != nullptr && holder != remove_from) {
    return errors::InvalidRequest(
        "You provided a VersionStage that is not associated to the provided VersionId.");
  }
  if (move_to != nullptr && holder != nullptr && holder != move_to && remove_from == nullptr) {
    return errors::InvalidParameter(
        "The parameter RemoveFromVersionId can't be empty. Staging label " + label +
        " is currently attached to version " + holder->id +
        ", so you must explicitly reference that version in RemoveFromVersionId.");
  }
  if (move_to == nullptr && label == kCurrentLabel) {
    return errors::InvalidParameter(
        "The staging label AWSCURRENT can't be removed without being moved: a secret always has "
        "a current version. Name the new current version in MoveToVersionId.");
  }

  if (move_to != nullptr) {
    Move(next, label, *move_to);
  } else {
    remove_from->labels.erase(label);
  }
  if (auto error = CheckLabelLimit(next)) return error;
  versions = std::move(next);
  return std::nullopt;
}

std::vector<std::string> PruneDeprecatedVersions(std::vector<SecretVersion>& versions,
                                                 size_t max_versions) {
  std::vector<std::string> removed;
  size_t excess = versions.size() > max_versions ? versions.size() - max_versions : 0;
  std::vector<SecretVersion> kept;
  kept.reserve(versions.size());
  for (SecretVersion& v : versions) {  // oldest first, so the oldest go first
    if (excess > 0 && v.deprecated()) {
      removed.push_back(v.id);
      --excess;
    } else {
      kept.push_back(std::move(v));
    }
  }
  versions = std::move(kept);
  return removed;
}

}  // namespace tandem::secrets
