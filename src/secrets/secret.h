// Secret and SecretVersion: one secret's metadata as the store keeps it (the
// document at secrets/<region>/<name>), and its encoding.
//
// The metadata holds everything but the values: the version index (ids,
// staging labels, dates), tags, policy and rotation settings. Values live in
// their own records (see secret_value.h) so that label moves and reads of the
// metadata never touch a sealed value.
//
// Times are milliseconds since the Unix epoch; 0 means "never" / "not set".
// Fields that AWS omits until they are set (Tags, rotation settings) are
// optional here, so that DescribeSecret shows exactly what AWS shows.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace tandem::secrets {

// The staging labels Secrets Manager itself moves.
inline constexpr std::string_view kCurrentLabel = "AWSCURRENT";
inline constexpr std::string_view kPreviousLabel = "AWSPREVIOUS";
inline constexpr std::string_view kPendingLabel = "AWSPENDING";

inline constexpr int64_t kMillisPerDay = 24 * 3600 * 1000;

struct SecretVersion {
  std::string id;  // the ClientRequestToken that created it
  // Sorted, as AWS lists them. Empty means the version is deprecated.
  std::set<std::string> labels;
  int64_t created_ms = 0;
  // Midnight UTC of the last day the value was read (AWS's date granularity).
  int64_t last_accessed_ms = 0;
  // False for a placeholder (an AWSPENDING version a rotation created before
  // its value was put).
  bool has_value = false;
  // The KmsKeyId the secret named when this version was created; "" is the
  // default key.
  std::string kms_key_id;

  bool deprecated() const { return labels.empty(); }
};

struct Tag {
  std::string key;
  std::string value;
};

struct RotationSettings {
  bool enabled = false;
  std::string lambda_arn;
  nlohmann::json rules = nlohmann::json::object();  // RotationRules as accepted
  int64_t last_rotated_ms = 0;
  int64_t next_rotation_ms = 0;
  // RotateImmediately=false tests the configuration on a copy of the current
  // value staged as AWSPENDING under this version id; "" = no test running.
  std::string test_version_id;
};

struct Secret {
  std::string name;
  std::string arn;
  // Distinguishes this secret from an earlier one of the same name: value
  // records are keyed by it, so a re-created secret never sees old values.
  std::string uid;
  std::string description;                   // "" = none (AWS omits an empty description)
  std::string kms_key_id;                    // "" = the default key (AWS omits it)
  std::string owning_service;                // set only by Tandem's own components
  std::string policy;                        // the resource policy text; "" = none
  std::optional<std::vector<Tag>> tags;      // absent until first tagged
  std::optional<RotationSettings> rotation;  // absent until configured
  int64_t created_ms = 0;
  int64_t last_changed_ms = 0;
  int64_t last_accessed_ms = 0;
  int64_t deleted_ms = 0;               // when DeleteSecret scheduled the deletion
  int64_t deletion_date_ms = 0;         // when the recovery window ends
  std::vector<SecretVersion> versions;  // oldest first

  bool scheduled_for_deletion() const { return deleted_ms != 0; }
  SecretVersion* FindVersion(std::string_view id);
  const SecretVersion* FindVersion(std::string_view id) const;
  // The version carrying label, or nullptr.
  const SecretVersion* VersionWithLabel(std::string_view label) const;
};

std::string EncodeSecret(const Secret& secret);
// kCorruption if the document is not a secret this code wrote.
StatusOr<Secret> DecodeSecret(std::string_view document);

}  // namespace tandem::secrets
