// The errors the RDS API answers with: RDS's codes (the model's error shapes,
// so SDKs raise DBInstanceNotFoundFault and friends, and the Query protocol's
// common InvalidParameterValue / InvalidParameterCombination /
// MissingParameter), with RDS's messages where they are known and otherwise
// ones that name the parameter and what is allowed. HTTP statuses of modeled
// codes come from the model (api/query_protocol.h). Never a password in a
// message.
#pragma once

#include <string>

#include "api/api_error.h"
#include "common/status.h"

namespace tandem::rds::errors {

api::ApiError InvalidParameterValue(std::string message);
api::ApiError InvalidParameterCombination(std::string message);
// "The request must contain the parameter <name>".
api::ApiError MissingParameter(const std::string& name);

// "DBInstance <id> not found."
api::ApiError DBInstanceNotFound(const std::string& identifier);
api::ApiError DBInstanceAlreadyExists(const std::string& identifier);
api::ApiError InvalidDBInstanceState(std::string message);
api::ApiError InstanceQuotaExceeded(std::string message);
// "DBParameterGroup not found: <name>"
api::ApiError DBParameterGroupNotFound(const std::string& name);
api::ApiError DBParameterGroupAlreadyExists(const std::string& name);
api::ApiError DBParameterGroupQuotaExceeded(std::string message);
api::ApiError InvalidDBParameterGroupState(std::string message);
api::ApiError KMSKeyNotAccessible(std::string message);
api::ApiError CertificateNotFound(const std::string& identifier);
// What Tandem cannot do yet (snapshots, renames...): InvalidParameterCombination
// naming the feature.
api::ApiError NotSupported(const std::string& what);
// InternalFailure (HTTP 500) for a store, crypto or Secrets Manager failure.
api::ApiError Internal(const Status& status);
api::ApiError Internal(const std::string& message);

}  // namespace tandem::rds::errors
