// The handlers for rotation settings and runs: RotateSecret,
// CancelRotateSecret, and the rotation engine's CompleteRotation.
//
// RotateSecret checks everything AWS checks, stores the configuration and,
// with RotateImmediately (the default), adds the rotation's AWSPENDING
// placeholder version (ClientRequestToken as its id) in the same
// transaction, then hands the rotation to the starter (the rotation engine).
// RotateImmediately=false stores the configuration and, as AWS does, tests
// it: a copy of the current value becomes version ClientRequestToken with
// AWSPENDING in the same transaction, and the engine runs testSecret alone,
// then EndRotationTest removes the copy. Staging the copy here, under the
// secret's compare-and-swap, is what keeps a test from taking AWSPENDING
// from a rotation that starts at the same moment: whichever commits second
// sees the other's AWSPENDING and is refused.

#include <algorithm>

#include "secrets/rotation_rules.h"
#include "secrets/secrets_errors.h"
#include "secrets/secrets_service_impl.h"
#include "secrets/store_keys.h"

namespace tandem::secrets {

Result SecretsService::Impl::RotateSecret(const Call& call, const Json& input) {
  if (auto error = CheckSecretIdSyntax(input)) return *error;
  const std::string token = input.value("ClientRequestToken", "");
  if (token.empty()) return errors::MissingClientRequestToken(/*as_invalid_parameter=*/true);
  auto new_rules = input.find("RotationRules");
  if (new_rules != input.end()) {
    if (auto error = CheckRotationRules(*new_rules)) return *error;
  }
  const bool rotate_now = input.value("RotateImmediately", true);
  const bool test_configuration =
      !rotate_now && rotation_starter && !(call.internal && input.value("SkipRotationTest", false));

  std::optional<RotationRequest> start;  // what to hand the engine once committed
  Result result =
      ChangeSecret(call, input, false, [&](Secret& secret) -> api::ApiResult<SecretChange> {
        start.reset();
        RotationSettings settings = secret.rotation.value_or(RotationSettings{});
        settings.lambda_arn = input.value("RotationLambdaARN", settings.lambda_arn);
        if (settings.lambda_arn.empty()) {
          return errors::InvalidRequest(
              "No Lambda rotation function ARN is associated with this secret.");
        }
        const SecretVersion* pending = secret.VersionWithLabel(kPendingLabel);
        if (pending != nullptr && pending != secret.VersionWithLabel(kCurrentLabel)) {
          if (rotation_starter && pending->id != token) {
            // The reattempt of what is pending: a rotation, or a test.
            start = RotationRequest{call.region, secret.arn, settings.lambda_arn, pending->id,
                                    pending->id == settings.test_version_id};
          }
          if (pending->id != token || !rotate_now) {
            return errors::InvalidRequest(
                "A previous rotation isn't complete. That rotation will be reattempted.");
          }
        }
        if (rotation_function_exists &&
            !rotation_function_exists(call.region, settings.lambda_arn)) {
          return errors::AccessDenied(
              "Secrets Manager cannot invoke the specified Lambda function. Ensure that the "
              "function policy grants access to the principal secretsmanager.amazonaws.com.");
        }
        if (rotate_now && !rotation_starter) {
          return errors::InvalidRequest(
              "This tandemd runs no rotation engine, so nothing was changed. To store the "
              "rotation configuration without rotating now, call RotateSecret with "
              "RotateImmediately set to false.");
        }
        if (new_rules != input.end()) settings.rules = *new_rules;
        // A rotation function makes rotation "enabled" (AWS's templates refuse to
        // run otherwise); only a schedule makes it automatic (NextRotationDate).
        settings.enabled = true;
        const int64_t now = Now();
        // 0 without a schedule: rotation is enabled but never automatic.
        settings.next_rotation_ms = NextRotationMillis(
            settings.rules, settings.last_rotated_ms ? settings.last_rotated_ms : now);
        secret.rotation = settings;
        secret.last_changed_ms = now;
        SecretChange change;
        change.response = Identity(secret);
        if (rotate_now) {
          if (auto error = AddPlaceholder(call, secret, token, change)) return *error;
          change.changed = true;
          change.response["VersionId"] = token;
          start = RotationRequest{call.region, secret.arn, settings.lambda_arn, token};
        } else if (test_configuration) {
          if (auto error = StageTestCopy(call, secret, token, change.writes)) return *error;
          secret.rotation->test_version_id = token;
          start = RotationRequest{call.region, secret.arn, settings.lambda_arn, token,
                                  /*test_only=*/true};
        }
        return change;
      });
  // Committed (a new rotation) or refused with the reattempt of the one in
  // progress: either way the engine is asked now.
  if (start && rotation_starter) rotation_starter(*start);
  return result;
}

Result SecretsService::Impl::CompleteRotation(const Call& call, const Json& input) {
  const std::string token = input.value("VersionId", "");
  return ChangeSecret(call, input, true, [&](Secret& secret) -> api::ApiResult<SecretChange> {
    SecretChange change;
    change.response = Identity(secret);
    const SecretVersion* current = secret.VersionWithLabel(kCurrentLabel);
    if (current == nullptr || current->id != token) {
      return errors::InvalidRequest("The rotation's finishSecret step did not make version " +
                                    token + " AWSCURRENT.");
    }
    // As AWS leaves a rotated secret: AWSCURRENT (not AWSPENDING) on the new version.
    for (SecretVersion& version : secret.versions) {
      if (version.id == token) version.labels.erase(std::string(kPendingLabel));
    }
    if (!secret.rotation) return change;
    const int64_t now = Now();
    secret.rotation->last_rotated_ms = now;
    secret.rotation->next_rotation_ms =
        secret.rotation->enabled ? NextRotationMillis(secret.rotation->rules, now) : 0;
    secret.last_changed_ms = now;
    return change;
  });
}

std::optional<api::ApiError> SecretsService::Impl::StageTestCopy(
    const Call& call, Secret& secret, const std::string& token,
    std::vector<StoreWrite>& writes) const {
  const SecretVersion* current = secret.VersionWithLabel(kCurrentLabel);
  if (current == nullptr || !current->has_value) {
    return errors::InvalidRequest(
        "The secret has no AWSCURRENT value to test the rotation configuration with: put a "
        "value first, or rotate with RotateImmediately set to true.");
  }
  api::ApiResult<SecretValue> value = ReadValue(call, secret, current->id);
  if (!value.ok()) return value.error();
  api::ApiResult<VersionOutcome> staged =
      PutVersion(call, secret, token, *value, {std::string(kPendingLabel)}, writes);
  if (!staged.ok()) return staged.error();
  return std::nullopt;
}

Result SecretsService::Impl::EndRotationTest(const Call& call, const Json& input) {
  const std::string token = input.value("VersionId", "");
  return ChangeSecret(call, input, true, [&](Secret& secret) -> api::ApiResult<SecretChange> {
    SecretChange change;
    change.response = Identity(secret);
    change.changed = false;
    if (secret.rotation && secret.rotation->test_version_id == token) {
      secret.rotation->test_version_id.clear();
      change.changed = true;
    }
    auto version = std::find_if(secret.versions.begin(), secret.versions.end(),
                                [&](const SecretVersion& v) { return v.id == token; });
    if (version == secret.versions.end()) return change;
    change.changed |= version->labels.erase(std::string(kPendingLabel)) > 0;
    if (version->labels.empty()) {
      // "The test creates an AWSPENDING version of the secret and then removes it."
      if (version->has_value) {
        change.writes.push_back(StoreWrite::Delete(ValueKey(call.region, secret.uid, token)));
      }
      secret.versions.erase(version);
      change.changed = true;
    }
    if (change.changed) secret.last_changed_ms = Now();
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
