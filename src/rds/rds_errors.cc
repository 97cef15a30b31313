#include "rds/rds_errors.h"

#include "rds/db_instance.h"

namespace tandem::rds::errors {
namespace {

api::ApiError Sender(const char* code, std::string message, int status = 400) {
  return {code, std::move(message), status, false};
}

}  // namespace

api::ApiError InvalidParameterValue(std::string message) {
  return Sender("InvalidParameterValue", std::move(message));
}

api::ApiError InvalidParameterCombination(std::string message) {
  return Sender("InvalidParameterCombination", std::move(message));
}

api::ApiError MissingParameter(const std::string& name) {
  return Sender("MissingParameter", "The request must contain the parameter " + name);
}

api::ApiError DBInstanceNotFound(const std::string& identifier) {
  return Sender("DBInstanceNotFound", "DBInstance " + identifier + " not found.", 404);
}

api::ApiError DBInstanceAlreadyExists(const std::string& identifier) {
  return Sender("DBInstanceAlreadyExists", "DB instance " + identifier + " already exists");
}

api::ApiError InvalidDBInstanceState(std::string message) {
  return Sender("InvalidDBInstanceState", std::move(message));
}

api::ApiError InstanceQuotaExceeded(std::string message) {
  return Sender("InstanceQuotaExceeded", std::move(message));
}

api::ApiError DBParameterGroupNotFound(const std::string& name) {
  return Sender("DBParameterGroupNotFound", "DBParameterGroup not found: " + name, 404);
}

api::ApiError DBParameterGroupAlreadyExists(const std::string& name) {
  return Sender("DBParameterGroupAlreadyExists", "Parameter group " + name + " already exists");
}

api::ApiError DBParameterGroupQuotaExceeded(std::string message) {
  return Sender("DBParameterGroupQuotaExceeded", std::move(message));
}

api::ApiError InvalidDBParameterGroupState(std::string message) {
  return Sender("InvalidDBParameterGroupState", std::move(message));
}

api::ApiError KMSKeyNotAccessible(std::string message) {
  return Sender("KMSKeyNotAccessibleFault", std::move(message));
}

api::ApiError CertificateNotFound(const std::string& identifier) {
  return Sender("CertificateNotFound",
                "CACertificateIdentifier " + identifier + " not found: Tandem's CA is " +
                    kCaCertificateIdentifier,
                404);
}

api::ApiError NotSupported(const std::string& what) {
  return InvalidParameterCombination(what + " is not supported by Tandem yet");
}

api::ApiError Internal(const Status& status) { return Internal(status.ToString()); }

api::ApiError Internal(const std::string& message) {
  return {"InternalFailure", "Tandem failed to process the request: " + message, 500, true};
}

}  // namespace tandem::rds::errors
