// The errors Secrets Manager answers with, in AWS's words where AWS's words are
// known (from recorded AWS responses), so that SDKs raise the same exception
// classes and scripts matching on messages keep working. Messages never carry
// secret values.
#pragma once

#include <string>

#include "api/api_error.h"
#include "common/status.h"

namespace tandem::secrets::errors {

// ResourceNotFoundException "Secrets Manager can't find the specified secret."
api::ApiError SecretNotFound();
// InvalidRequestException for a secret scheduled for deletion.
api::ApiError MarkedForDeletion();
// ResourceNotFoundException for a version or label without a value.
api::ApiError ValueNotFoundForLabel(const std::string& label);
api::ApiError ValueNotFoundForVersion(const std::string& version_id);
// InvalidRequestException / InvalidParameterException for a request without
// the ClientRequestToken that raw HTTP callers must send (SDKs fill it in).
api::ApiError MissingClientRequestToken(bool as_invalid_parameter);
// InvalidRequestException: replication needs more than one region.
api::ApiError SingleRegion();
// DecryptionFailure, for an envelope that does not open.
api::ApiError DecryptionFailure();
// InternalServiceError (HTTP 500) for a store or crypto failure; the status
// message names the failure, never a value.
api::ApiError Internal(const Status& status);

api::ApiError InvalidParameter(std::string message);
api::ApiError InvalidRequest(std::string message);
// AccessDeniedException (400): AWS's answer when it cannot invoke a rotation function.
api::ApiError AccessDenied(std::string message);
api::ApiError ResourceNotFound(std::string message);
api::ApiError ResourceExists(std::string message);
api::ApiError LimitExceeded(std::string message);
api::ApiError Validation(std::string message);
api::ApiError InvalidNextToken();
api::ApiError MalformedPolicy(std::string message);

}  // namespace tandem::secrets::errors
