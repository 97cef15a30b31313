#include "functions/function_record.h"

#include <algorithm>
#include <cctype>

#include "common/clock.h"

namespace tandem::functions {
namespace {

using Json = nlohmann::json;

constexpr int kMinPythonMinor = 6;
constexpr int kMaxPythonMinor = 13;

// Environment variables the Lambda runtime sets itself (Lambda refuses them).
bool IsReservedVariable(const std::string& key) {
  static const char* const kReserved[] = {"AWS_REGION",
                                          "AWS_DEFAULT_REGION",
                                          "AWS_ACCESS_KEY",
                                          "AWS_ACCESS_KEY_ID",
                                          "AWS_SECRET_KEY",
                                          "AWS_SECRET_ACCESS_KEY",
                                          "AWS_SESSION_TOKEN",
                                          "AWS_EXECUTION_ENV",
                                          "LAMBDA_TASK_ROOT",
                                          "LAMBDA_RUNTIME_DIR",
                                          "_HANDLER",
                                          "_X_AMZN_TRACE_ID",
                                          "AWS_XRAY_CONTEXT_MISSING"};
  if (key.rfind("AWS_LAMBDA_", 0) == 0) return true;
  return std::find(std::begin(kReserved), std::end(kReserved), key) != std::end(kReserved);
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string_view> SplitColons(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t end = s.find(':', start);
    out.push_back(s.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

bool IsValidQualifier(std::string_view q) {
  if (q == kLatest) return true;
  return !q.empty() && q.size() <= 128 && std::all_of(q.begin(), q.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

}  // namespace

std::string FunctionKey(const std::string& region, const std::string& name) {
  return FunctionKeyPrefix(region) + name;
}

std::string FunctionKeyPrefix(const std::string& region) {
  return "lambda-functions/" + region + "/";
}

std::string FunctionArn(const std::string& region, const std::string& account_id,
                        const std::string& name) {
  return "arn:aws:lambda:" + region + ":" + account_id + ":function:" + name;
}

std::string FunctionRecord::Arn() const { return FunctionArn(region, account_id, name); }

std::string FunctionRecord::ToStoreValue() const {
  Json doc{{"Region", region},
           {"AccountId", account_id},
           {"FunctionName", name},
           {"Runtime", runtime},
           {"Handler", handler},
           {"Role", role},
           {"Description", description},
           {"Timeout", timeout_seconds},
           {"MemorySize", memory_mb},
           {"Environment", environment},
           {"CodeSha256", code_sha256},
           {"CodeSize", code_size},
           {"LastModified", last_modified},
           {"RevisionId", revision_id},
           {"PolicyStatements", policy_statements}};
  return doc.dump();
}

StatusOr<FunctionRecord> FunctionRecord::FromStoreValue(std::string_view value) {
  Json doc = Json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return Status::Corruption("function record is not a JSON object");
  try {
    FunctionRecord r;
    r.region = doc.at("Region").get<std::string>();
    r.account_id = doc.at("AccountId").get<std::string>();
    r.name = doc.at("FunctionName").get<std::string>();
    r.runtime = doc.at("Runtime").get<std::string>();
    r.handler = doc.at("Handler").get<std::string>();
    r.role = doc.value("Role", "");
    r.description = doc.value("Description", "");
    r.timeout_seconds = doc.at("Timeout").get<int>();
    r.memory_mb = doc.value("MemorySize", kDefaultMemoryMb);
    r.environment = doc.value("Environment", std::map<std::string, std::string>{});
    r.code_sha256 = doc.at("CodeSha256").get<std::string>();
    r.code_size = doc.at("CodeSize").get<int64_t>();
    r.last_modified = doc.value("LastModified", "");
    r.revision_id = doc.value("RevisionId", "");
    r.policy_statements = doc.value("PolicyStatements", std::vector<Json>{});
    return r;
  } catch (const Json::exception& e) {
    return Status::Corruption(std::string("function record: ") + e.what());
  }
}

Json FunctionRecord::Configuration() const {
  Json c{{"FunctionName", name},
         {"FunctionArn", Arn()},
         {"Runtime", runtime},
         {"Role", role},
         {"Handler", handler},
         {"CodeSize", code_size},
         {"Description", description},
         {"Timeout", timeout_seconds},
         {"MemorySize", memory_mb},
         {"LastModified", last_modified},
         {"CodeSha256", code_sha256},
         {"Version", kLatest},
         {"TracingConfig", {{"Mode", "PassThrough"}}},
         {"RevisionId", revision_id},
         {"State", "Active"},
         {"LastUpdateStatus", "Successful"},
         {"PackageType", "Zip"},
         {"Architectures", {"x86_64"}},
         {"EphemeralStorage", {{"Size", 512}}}};
  if (!environment.empty()) c["Environment"] = {{"Variables", environment}};
  return c;
}

std::optional<std::string> FunctionRecord::PolicyDocument() const {
  if (policy_statements.empty()) return std::nullopt;
  Json doc{{"Version", "2012-10-17"}, {"Id", "default"}, {"Statement", policy_statements}};
  return doc.dump();
}

StatusOr<FunctionReference> ParseFunctionReference(std::string_view value) {
  auto invalid = [&] {
    return Status::InvalidArgument(
        "FunctionName '" + std::string(value) +
        "' is invalid: use a function name (1-64 letters, digits, hyphens or underscores), "
        "optionally with :qualifier, or its ARN arn:aws:lambda:<region>:<account>:function:<name>");
  };
  std::vector<std::string_view> parts = SplitColons(value);
  FunctionReference ref;
  size_t name_at = 0;
  if (parts.size() >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function") {
    if (parts[1].empty() || parts[3].empty() || !IsDigits(parts[4]) || parts.size() > 8) {
      return invalid();
    }
    ref.region = std::string(parts[3]);
    ref.account_id = std::string(parts[4]);
    name_at = 6;
  } else if (parts.size() >= 3 && parts[1] == "function" && IsDigits(parts[0])) {
    if (parts.size() > 4) return invalid();
    ref.account_id = std::string(parts[0]);
    name_at = 2;
  } else if (parts.size() > 2) {
    return invalid();
  }
  ref.name = std::string(parts[name_at]);
  if (parts.size() > name_at + 1) ref.qualifier = std::string(parts[name_at + 1]);
  if (!IsValidFunctionName(ref.name)) return invalid();
  if (parts.size() > name_at + 1 && !IsValidQualifier(ref.qualifier)) return invalid();
  return ref;
}

bool IsValidFunctionName(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

bool IsSupportedRuntime(std::string_view runtime) {
  constexpr std::string_view kPrefix = "python3.";
  if (runtime.substr(0, kPrefix.size()) != kPrefix) return false;
  std::string_view minor = runtime.substr(kPrefix.size());
  if (!IsDigits(minor) || minor.size() > 2) return false;
  int m = std::stoi(std::string(minor));
  return m >= kMinPythonMinor && m <= kMaxPythonMinor;
}

std::string SupportedRuntimesText() {
  std::string out;
  for (int m = kMinPythonMinor; m <= kMaxPythonMinor; ++m) {
    if (!out.empty()) out += ", ";
    out += "python3." + std::to_string(m);
  }
  return out;
}

Status ValidateConfiguration(const FunctionRecord& record) {
  if (!IsValidFunctionName(record.name)) {
    return Status::InvalidArgument("FunctionName '" + record.name +
                                   "' is invalid: use 1-64 letters, digits, hyphens or "
                                   "underscores");
  }
  if (!IsSupportedRuntime(record.runtime)) {
    return Status::InvalidArgument(
        "Runtime '" + record.runtime + "' is not supported by Tandem: use one of " +
        SupportedRuntimesText() + " (each runs with the host's Python 3)");
  }
  if (record.handler.empty()) {
    return Status::InvalidArgument(
        "Handler is required for a Zip function: use module.function, for example "
        "lambda_function.lambda_handler");
  }
  if (record.timeout_seconds < 1 || record.timeout_seconds > kMaxTimeoutSeconds) {
    return Status::InvalidArgument("Timeout " + std::to_string(record.timeout_seconds) +
                                   " is out of range: use 1 to " +
                                   std::to_string(kMaxTimeoutSeconds) + " seconds");
  }
  if (record.memory_mb < 128 || record.memory_mb > 10240) {
    return Status::InvalidArgument("MemorySize " + std::to_string(record.memory_mb) +
                                   " is out of range: use 128 to 10240 MB");
  }
  std::string reserved;
  size_t total = 0;
  for (const auto& [key, value] : record.environment) {
    total += key.size() + value.size();
    if (IsReservedVariable(key)) reserved += (reserved.empty() ? "" : ", ") + key;
  }
  if (!reserved.empty()) {
    return Status::InvalidArgument(
        "Lambda was unable to configure your environment variables because the environment "
        "variables you have provided contains reserved keys that are currently not supported "
        "for modification. Reserved keys used in this request: " +
        reserved);
  }
  if (total > 4096) {
    return Status::InvalidArgument(
        "Lambda was unable to configure your environment variables because the environment "
        "variables you have provided exceeded the 4KB limit. String measured: " +
        std::to_string(total));
  }
  return Status::Ok();
}

std::string FormatLastModified(int64_t epoch_millis) {
  std::string iso = FormatIso8601(epoch_millis);  // "...T22:13:20.000Z"
  if (!iso.empty() && iso.back() == 'Z') iso.pop_back();
  return iso + "+0000";
}

}  // namespace tandem::functions
