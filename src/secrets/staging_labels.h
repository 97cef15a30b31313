// StagingLabels: Secrets Manager's rules for staging labels, as pure functions
// on a secret's version list (oldest first). The service calls them inside a
// compare-and-swap loop; tests drive them as a table of cases.
//
// The rules:
//  - a label is attached to at most one version;
//  - whenever AWSCURRENT moves, AWSPREVIOUS moves to the version that lost
//    AWSCURRENT (and leaves the version that had it, even the one gaining
//    AWSCURRENT);
//  - a version carries at most kMaxLabelsPerVersion labels;
//  - a version without labels is deprecated: still stored, hidden from
//    ListSecretVersionIds unless IncludeDeprecated, and the oldest deprecated
//    versions are removed once a secret holds more than kMaxVersions.
//
// Every function either applies its whole change or, on error, leaves the
// versions untouched.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_error.h"
#include "secrets/secret.h"

namespace tandem::secrets {

inline constexpr size_t kMaxLabelsPerVersion = 20;
inline constexpr size_t kMaxVersions = 100;

// PutSecretValue, UpdateSecret and CreateSecret: attaches labels to the
// version version_id (which must exist), taking each label from the version
// that holds it. LimitExceededException if a version would end up with more
// than kMaxLabelsPerVersion labels.
std::optional<api::ApiError> AttachLabels(std::vector<SecretVersion>& versions,
                                          std::string_view version_id,
                                          const std::set<std::string>& labels);

// UpdateSecretVersionStage: detaches label from remove_from_version_id and/or
// attaches it to move_to_version_id (an empty id means "not given").
// Errors, as AWS gives them:
//  - ResourceNotFoundException if a named version does not exist;
//  - InvalidRequestException if remove_from_version_id does not carry label;
//  - InvalidParameterException if label is attached elsewhere and
//    remove_from_version_id does not name that version, if neither id is
//    given, or if AWSCURRENT would be detached without being moved;
//  - LimitExceededException for a 21st label on a version.
std::optional<api::ApiError> MoveLabel(std::vector<SecretVersion>& versions,
                                       const std::string& label,
                                       const std::string& remove_from_version_id,
                                       const std::string& move_to_version_id);

// Removes the oldest deprecated versions while more than max_versions remain.
// Returns the ids removed, whose values the caller deletes in the same
// transaction.
std::vector<std::string> PruneDeprecatedVersions(std::vector<SecretVersion>& versions,
                                                 size_t max_versions = kMaxVersions);

}  // namespace tandem::secrets
