// SecretsService: AWS Secrets Manager (JSON 1.1, "secretsmanager.<Operation>")
// on Tandem's store, with every secret value sealed in an envelope.
//
// Store layout (one region is one namespace):
//   secrets/<region>/<name>                      the secret's metadata and its
//                                                version index (labels, dates)
//   secret-values/<region>/<secret-uid>/<version> the value envelope of one version,
//                                                bound to that key as context
// Label moves touch only the metadata document; a new version is one
// transaction writing its value and the metadata under compare-and-swap, so a
// crash never leaves a label pointing at a missing value.
//
// Operations: the 22 of botocore's secretsmanager model plus
// BatchGetSecretValue. RotateSecret stores the rotation configuration and,
// unless RotateImmediately=false, adds the rotation's AWSPENDING placeholder
// version and hands the rotation to the rotation engine through the starter
// (SetRotationStarter); without a starter it answers InvalidRequestException
// and changes nothing. RotateImmediately=false with a starter tests the
// configuration as AWS does: AWSPENDING on a new version holding a copy of
// the current value, in the same transaction, and the engine runs testSecret
// alone, then EndRotationTest; while the test runs, RotateSecret is refused
// as for any rotation in progress.
// Replication operations answer InvalidRequestException (single region).
// Resource policies are checked and stored, not yet enforced.
//
// Errors are AWS's (codes and, where recorded from AWS, messages); a failed
// call changes nothing. Values never appear in messages.
//
// Thread-safety: every method may be called concurrently. Concurrent writers
// to one secret are serialised by compare-and-swap with retry.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/json_protocol.h"
#include "common/clock.h"
#include "crypto/envelope.h"
#include "store/store.h"

namespace tandem::secrets {

struct SecretsOptions {
  std::string account_id = "000000000000";
};

// A rotation RotateSecret asks the rotation engine to run: the secret's
// AWSPENDING placeholder version `token` exists (committed) when it is asked.
// test_only (RotateImmediately=false): AWS's test of a rotation
// configuration, testSecret alone; version `token` is then a copy of the
// current value carrying AWSPENDING, and the engine ends the test with
// EndRotationTest whatever its outcome.
struct RotationRequest {
  std::string region;
  std::string secret_arn;
  std::string function_arn;
  std::string token;
  bool test_only = false;
};

class SecretsService {
 public:
  SecretsService(Store& store, const crypto::MasterKey& master, const Clock& clock,
                 SecretsOptions options);
  ~SecretsService();

  // Registers every operation's handler on the JSON protocol service. The
  // handlers refer to this SecretsService, which must outlive service's use.
  void RegisterOperations(api::JsonProtocolService& service);

  // Deletes, for good, every secret whose recovery window has ended by the
  // clock's now. Returns how many were deleted. Called periodically by
  // tandemd's background loop; safe to call concurrently with requests.
  StatusOr<int> PurgeExpiredSecrets();

  // For Tandem's own components (the rotation engine, RDS-managed master user
  // passwords): runs operation as an API caller in region would, with the
  // same semantics and errors, without HTTP or SigV4. The input is not checked
  // against the botocore model, so pass well-formed input. Unlike API callers,
  // CreateSecret here may set "OwningService", and RotateSecret
  // "SkipRotationTest": true stores a schedule without AWS's configuration
  // test (for rotators that need no test, such as RDS's managed master
  // passwords, whose instance may not exist yet). UnknownOperationException for
  // an operation Secrets Manager does not have.
  api::ApiResult<api::Json> Invoke(const std::string& region, const std::string& operation,
                                   const api::Json& input);

  // The first step of a rotation: adds to the secret a version version_id
  // carrying the staging label AWSPENDING (moved from any version holding it)
  // and no value. GetSecretValue of it answers ResourceNotFoundException until
  // PutSecretValue with ClientRequestToken version_id fills it. Idempotent
  // when that placeholder already exists; ResourceExistsException when
  // version_id names a version with a value. Answers {ARN, Name, VersionId}.
  api::ApiResult<api::Json> AddPendingVersion(const std::string& region,
                                              const std::string& secret_id,
                                              const std::string& version_id);

  // Who runs rotations. Called (from the RotateSecret caller's thread, after
  // the change is committed, so it must not block) for a new rotation and
  // for the reattempt of an incomplete one (RotateSecret while AWSPENDING is
  // on another version than AWSCURRENT answers AWS's "A previous rotation
  // isn't complete. That rotation will be reattempted." and asks for it).
  // Set before serving requests.
  // function_exists says whether a RotationLambdaARN can be invoked: RotateSecret
  // refuses one that cannot with AWS's AccessDeniedException.
  void SetRotationStarter(
      std::function<void(const RotationRequest&)> starter,
      std::function<bool(const std::string& region, const std::string& function_arn)>
          function_exists);

  // Records the end of a successful rotation whose finishSecret made version
  // token AWSCURRENT: AWSPENDING leaves that version (as AWS leaves a rotated
  // secret), LastRotatedDate is now and NextRotationDate follows from the
  // rules. InvalidRequestException if token is not AWSCURRENT.
  api::ApiResult<api::Json> CompleteRotation(const std::string& region,
                                             const std::string& secret_id,
                                             const std::string& token);

  // Ends the configuration test that RotateSecret(RotateImmediately=false)
  // started with version token: AWSPENDING leaves that version, and the
  // version goes (value included) unless it has gained another label. Safe to
  // call again: a test already ended changes nothing. ResourceNotFoundException
  // if the secret is gone.
  api::ApiResult<api::Json> EndRotationTest(const std::string& region, const std::string& secret_id,
                                            const std::string& token);

  // (region, ARN) of every secret whose scheduled rotation is due by the
  // clock's now and that has no rotation in progress (AWSPENDING on a
  // version other than AWSCURRENT), secrets scheduled for deletion excepted.
  StatusOr<std::vector<std::pair<std::string, std::string>>> DueRotations();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tandem::secrets
