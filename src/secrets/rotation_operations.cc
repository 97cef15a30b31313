// The handlers for rotation settings: RotateSecret and CancelRotateSecret.
//
// Running a rotation (invoking the rotation function's four steps) arrives
// with the rotation engine. Until then RotateSecret checks everything AWS
// checks and then either stores the configuration (RotateImmediately=false:
// nothing needs to run now) or answers InvalidRequestException and changes
// nothing (a rotation that would have to run now).

#include "secrets/rotation_rules.h"
#include "secrets/secrets_errors.h"
#include "secrets/secrets_service_impl.h"

namespace tandem::secrets {

Result SecretsService::Impl::RotateSecret(const Call& call, const Json& input) {
  if (auto error = CheckSecretIdSyntax(input)) return *error;
  if (input.value("ClientRequestToken", "").empty()) {
    return errors::MissingClientRequestToken(/*as_invalid_parameter=*/true);
  }
  auto new_rules = input.find("RotationRules");
  if (new_rules != input.end()) {
    if (auto error = CheckRotationRules(*new_rules)) return *error;
  }
  bool rotate_now = input.value("RotateImmediately", true);

  return ChangeSecret(call, input, false, [&](Secret& secret) -> api::ApiResult<SecretChange> {
    RotationSettings settings = secret.rotation.value_or(RotationSettings{});
    settings.lambda_arn = input.value("RotationLambdaARN", settings.lambda_arn);
    if (settings.lambda_arn.empty()) {
      return errors::InvalidRequest(
          "No Lambda rotation function ARN is associated with this secret.");
    }
    const SecretVersion* pending = secret.VersionWithLabel(kPendingLabel);
    if (pending != nullptr && pending != secret.VersionWithLabel(kCurrentLabel)) {
      return errors::InvalidRequest(
          "A previous rotation isn't complete. That rotation will be reattempted.");
    }
    if (rotate_now) {
      return errors::InvalidRequest(
          "Tandem can't run rotations yet: the rotation engine comes in a later version, so "
          "nothing was changed. To store the rotation configuration without rotating now, call "
          "RotateSecret with RotateImmediately set to false.");
    }
    if (new_rules != input.end()) settings.rules = *new_rules;
    settings.enabled = HasRotationSchedule(settings.rules);
    int64_t now = Now();
    settings.next_rotation_ms =
        settings.enabled
            ? NextRotationMillis(settings.rules,
                                 settings.last_rotated_ms ? settings.last_rotated_ms : now)
            : 0;
    secret.rotation = std::move(settings);
    secret.last_changed_ms = now;
    SecretChange change;
    change.response = Identity(secret);
    return change;
  });
}

Result SecretsService::Impl::CancelRotateSecret(const Call& call, const Json& input) {
  return ChangeSecret(call, input, false, [&](Secret& secret) -> api::ApiResult<SecretChange> {
    if (!secret.rotation || secret.rotation->lambda_arn.empty()) {
      return errors::InvalidRequest(
          "Rotation isn't configured for this secret, so there is no rotation to cancel.");
    }
    secret.rotation->enabled = false;
    secret.rotation->next_rotation_ms = 0;
    secret.last_changed_ms = Now();
    SecretChange change;
    change.response = Identity(secret);
    // As AWS does, a rotation in progress keeps its AWSPENDING version; the
    // answer names it so the caller can remove the label if it wants.
    const SecretVersion* pending = secret.VersionWithLabel(kPendingLabel);
    if (pending != nullptr && pending != secret.VersionWithLabel(kCurrentLabel)) {
      change.response["VersionId"] = pending->id;
    }
    return change;
  });
}

}  // namespace tandem::secrets
