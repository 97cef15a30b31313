// The rules RDS applies to DB instance and parameter group inputs, beyond
// what the model checks (types, enums). Each check returns nullopt when the
// value is allowed, else the error RDS answers (InvalidParameterValue unless
// noted), whose message names the parameter and says what is allowed.
// Passwords never appear in messages.
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "api/api_error.h"

namespace tandem::rds {

inline constexpr int kMinAllocatedStorageGib = 20;
inline constexpr int kMaxAllocatedStorageGib = 65536;
inline constexpr int kMinPort = 1150;
inline constexpr int kMaxPort = 65535;

std::string ToLower(std::string s);

// DBInstanceIdentifier (and the like): 1-63 ASCII letters, digits or hyphens,
// a letter first, no trailing hyphen, no two hyphens in a row. parameter
// names the input in the message.
std::optional<api::ApiError> CheckInstanceIdentifier(const std::string& parameter,
                                                     const std::string& value);
// DBParameterGroupName: the same with up to 255 characters.
std::optional<api::ApiError> CheckParameterGroupName(const std::string& parameter,
                                                     const std::string& value);
// "mysql" or "mariadb".
std::optional<api::ApiError> CheckEngine(const std::string& engine);
// A class of instance_class.h; InvalidParameterCombination otherwise, as RDS.
std::optional<api::ApiError> CheckInstanceClass(const std::string& instance_class,
                                                const std::string& engine);
// 20-65536 GiB (gp2/gp3 for MySQL).
std::optional<api::ApiError> CheckAllocatedStorage(int gib, const std::string& engine,
                                                   const std::string& storage_type);
// gp2, gp3 or standard; io1/io2 need provisioned IOPS, which Tandem has not.
std::optional<api::ApiError> CheckStorageType(const std::string& storage_type);
// 1-16 letters or digits, a letter first, not a reserved word.
std::optional<api::ApiError> CheckMasterUsername(const std::string& username);
// 8-41 printable ASCII characters other than '/', '"', '@' and space.
std::optional<api::ApiError> CheckMasterUserPassword(const std::string& password);
// 1-64 letters, digits or underscores, a letter first, not a reserved word.
std::optional<api::ApiError> CheckDbName(const std::string& db_name);
// 1150-65535.
std::optional<api::ApiError> CheckPort(int port);
// 0-35 days.
std::optional<api::ApiError> CheckBackupRetentionPeriod(int days);
// "hh24:mi-hh24:mi", at least 30 minutes.
std::optional<api::ApiError> CheckBackupWindow(const std::string& window);
// "ddd:hh24:mi-ddd:hh24:mi", at least 30 minutes.
std::optional<api::ApiError> CheckMaintenanceWindow(const std::string& window);
// Tag keys 1-128 and values 0-256 characters; keys must not start with
// "aws:" or "rds:" (reserved for AWS).
std::optional<api::ApiError> CheckTag(const std::string& key, const std::string& value);

}  // namespace tandem::rds
