// FunctionRecord: one user function as stored (key lambda-functions/<region>/<name>)
// and as the Lambda API shows it (FunctionConfiguration), with the naming
// and configuration rules Lambda enforces on input.
//
// Pure values and functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace tandem::functions {

constexpr int kDefaultTimeoutSeconds = 3;
constexpr int kMaxTimeoutSeconds = 900;
constexpr int kDefaultMemoryMb = 128;
constexpr char kLatest[] = "$LATEST";

struct FunctionRecord {
  std::string region;
  std::string account_id;
  std::string name;
  std::string runtime;  // "python3.x"
  std::string handler;  // "module.function"
  std::string role;     // stored, not enforced
  std::string description;
  int timeout_seconds = kDefaultTimeoutSeconds;
  int memory_mb = kDefaultMemoryMb;
  std::map<std::string, std::string> environment;
  std::string code_sha256;  // base64 of the zip's SHA-256, as Lambda shows it
  int64_t code_size = 0;
  std::string last_modified;  // "2023-11-14T22:13:20.000+0000"
  std::string revision_id;    // a UUID that changes with every change
  // AddPermission statements, as the policy document holds them.
  std::vector<nlohmann::json> policy_statements;

  std::string Arn() const;
  // The stored document, and back (kCorruption on a malformed document).
  std::string ToStoreValue() const;
  static StatusOr<FunctionRecord> FromStoreValue(std::string_view value);
  // The FunctionConfiguration shape of botocore's lambda model.
  nlohmann::json Configuration() const;
  // The resource policy document (GetPolicy), or nullopt without statements.
  std::optional<std::string> PolicyDocument() const;
};

// "lambda-functions/<region>/<name>", and the prefix of a region's functions.
std::string FunctionKey(const std::string& region, const std::string& name);
std::string FunctionKeyPrefix(const std::string& region);

std::string FunctionArn(const std::string& region, const std::string& account_id,
                        const std::string& name);

// A FunctionName parameter as Lambda accepts it: "name", "name:qualifier",
// "123456789012:function:name[:qualifier]" or
// "arn:aws:lambda:<region>:<account>:function:<name>[:qualifier]".
struct FunctionReference {
  std::string name;
  std::string region;      // from an ARN, else ""
  std::string account_id;  // from an (partial) ARN, else ""
  std::string qualifier;   // "" when absent
};
// kInvalidArgument naming the parameter when value is none of those forms.
StatusOr<FunctionReference> ParseFunctionReference(std::string_view value);

// 1-64 letters, digits, hyphens or underscores (names become file names).
bool IsValidFunctionName(std::string_view name);

// The runtimes Tandem runs (every python3.x; all run with the host's Python 3).
bool IsSupportedRuntime(std::string_view runtime);
// "python3.10, python3.11, ..." for messages.
std::string SupportedRuntimesText();

// Lambda's checks of a configuration on create and update: runtime, handler,
// timeout, memory, reserved environment variables. kInvalidArgument with
// Lambda's message naming the parameter.
Status ValidateConfiguration(const FunctionRecord& record);

// "2023-11-14T22:13:20.000+0000" (Lambda's LastModified format).
std::string FormatLastModified(int64_t epoch_millis);

}  // namespace tandem::functions
