#include "secrets/secrets_errors.h"

namespace tandem::secrets::errors {

api::ApiError SecretNotFound() {
  return ResourceNotFound("Secrets Manager can't find the specified secret.");
}

api::ApiError MarkedForDeletion() {
  return InvalidRequest(
      "You can't perform this operation on the secret because it was marked for deletion.");
}

api::ApiError ValueNotFoundForLabel(const std::string& label) {
  return ResourceNotFound(
      "Secrets Manager can't find the specified secret value for staging label: " + label);
}

api::ApiError ValueNotFoundForVersion(const std::string& version_id) {
  return ResourceNotFound("Secrets Manager can't find the specified secret value for VersionId: " +
                          version_id);
}

api::ApiError MissingClientRequestToken(bool as_invalid_parameter) {
  std::string message =
      "You must provide a ClientRequestToken value. We recommend a UUID-type value.";
  return as_invalid_parameter ? InvalidParameter(std::move(message))
                              : InvalidRequest(std::move(message));
}

api::ApiError SingleRegion() {
  return InvalidRequest(
      "This Tandem deployment serves a single region, so secrets can't be replicated to other "
      "regions.");
}

api::ApiError DecryptionFailure() {
  return {"DecryptionFailure",
          "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
          400, false};
}

api::ApiError Internal(const Status& status) {
  return {"InternalServiceError", "An error occurred on the server side: " + status.ToString(), 500,
          true};
}

api::ApiError InvalidParameter(std::string message) {
  return {"InvalidParameterException", std::move(message), 400, false};
}
api::ApiError InvalidRequest(std::string message) {
  return {"InvalidRequestException", std::move(message), 400, false};
}
api::ApiError AccessDenied(std::string message) {
  return {"AccessDeniedException", std::move(message), 400, false};
}
api::ApiError ResourceNotFound(std::string message) {
  return {"ResourceNotFoundException", std::move(message), 400, false};
}
api::ApiError ResourceExists(std::string message) {
  return {"ResourceExistsException", std::move(message), 400, false};
}
api::ApiError LimitExceeded(std::string message) {
  return {"LimitExceededException", std::move(message), 400, false};
}
api::ApiError Validation(std::string message) {
  return {"ValidationException", std::move(message), 400, false};
}
api::ApiError InvalidNextToken() {
  return {"InvalidNextTokenException",
          "The NextToken value is invalid: pass the NextToken of the previous response unchanged.",
          400, false};
}
api::ApiError MalformedPolicy(std::string message) {
  return {"MalformedPolicyDocumentException", std::move(message), 400, false};
}

}  // namespace tandem::secrets::errors
