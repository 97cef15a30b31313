#include "functions/function_service.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "crypto/digest.h"
#include "crypto/random.h"

namespace tandem::functions {
namespace {

using Json = nlohmann::json;
using api::ApiError;
using api::ApiResult;
using api::RequestContext;

constexpr size_t kLogTailBytes = 4096;
constexpr int kDefaultMaxItems = 50;

ApiError NotFound(const std::string& message) {
  return {"ResourceNotFoundException", message, 404, false};
}
// PreconditionFailedException when the request names a RevisionId other
// than the function's current one.
std::optional<ApiError> StaleRevision(const Json& in, const FunctionRecord& record) {
  if (!in.contains("RevisionId") || in["RevisionId"] == record.revision_id) return std::nullopt;
  return ApiError{"PreconditionFailedException",
                  "The Revision Id provided does not match the latest Revision Id. Call the "
                  "GetFunction/GetAlias API to retrieve the latest Revision Id",
                  412, false};
}

ApiError Conflict(const std::string& message) {
  return {"ResourceConflictException", message, 409, false};
}
ApiError InvalidParameter(const std::string& message) {
  return {"InvalidParameterValueException", message, 400, false};
}
ApiError ServiceError(const std::string& message) {
  return {"ServiceException", message, 500, true};
}
ApiError FromStatus(const Status& st) {
  if (st.code() == Status::Code::kInvalidArgument) return InvalidParameter(st.message());
  return ServiceError(st.message());
}

// Regions come from the SigV4 scope and become directory names.
bool IsValidRegion(std::string_view region) {
  return !region.empty() && region.size() <= 32 &&
         std::all_of(
             region.begin(), region.end(),
             [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }) &&
         region.find("..") == std::string_view::npos;
}

// The zip's leading signature: a local file header, or an empty archive.
bool LooksLikeZip(std::string_view bytes) {
  return bytes.size() >= 4 && bytes[0] == 'P' && bytes[1] == 'K' &&
         ((bytes[2] == 3 && bytes[3] == 4) || (bytes[2] == 5 && bytes[3] == 6));
}

Status WriteDurably(const std::string& path, std::string_view data) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("open " + tmp + ": " + std::strerror(errno));
  std::string_view left = data;
  while (!left.empty()) {
    ssize_t n = ::write(fd, left.data(), left.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return Status::IOError("write " + tmp + ": " + std::strerror(errno));
    }
    left.remove_prefix(static_cast<size_t>(n));
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return Status::IOError("fsync " + tmp + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IOError("rename " + tmp + ": " + std::strerror(errno));
  }
  std::string dir = std::filesystem::path(path).parent_path();
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "2024/01/02/[$LATEST]<32 hex>", as Lambda names log streams.
std::string LogStreamName(int64_t now_ms, const std::string& request_id) {
  std::string date = FormatIso8601(now_ms).substr(0, 10);  // "2024-01-02"
  std::replace(date.begin(), date.end(), '-', '/');
  std::string hex = request_id;
  hex.erase(std::remove(hex.begin(), hex.end(), '-'), hex.end());
  return date + "/[$LATEST]" + hex;
}

std::string Milliseconds(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", ms);
  return buf;
}

// The principal of an AddPermission statement as IAM writes it.
Json PolicyPrincipal(const std::string& principal) {
  if (principal == "*") return "*";
  if (principal.find(".amazonaws.com") != std::string::npos) return Json{{"Service", principal}};
  if (principal.size() == 12 && principal.find_first_not_of("0123456789") == std::string::npos) {
    return Json{{"AWS", "arn:aws:iam::" + principal + ":root"}};
  }
  return Json{{"AWS", principal}};
}

}  // namespace

FunctionService::FunctionService(Store& store, const Clock& clock, FunctionServiceOptions options)
    : store_(store), clock_(clock), options_(std::move(options)), runner_(options_.runner) {}

FunctionService::~FunctionService() {
  std::unique_lock lock(async_mu_);
  async_done_.wait(lock, [this] { return async_running_ == 0; });
}

void FunctionService::RegisterOperations(api::RestJsonProtocolService& api) {
  using Method = ApiResult<Json> (FunctionService::*)(const RequestContext&, const Json&);
  const std::pair<const char*, Method> operations[] = {
      {"CreateFunction", &FunctionService::CreateFunction},
      {"GetFunction", &FunctionService::GetFunction},
      {"GetFunctionConfiguration", &FunctionService::GetFunctionConfiguration},
      {"ListFunctions", &FunctionService::ListFunctions},
      {"UpdateFunctionCode", &FunctionService::UpdateFunctionCode},
      {"UpdateFunctionConfiguration", &FunctionService::UpdateFunctionConfiguration},
      {"DeleteFunction", &FunctionService::DeleteFunction},
      {"Invoke", &FunctionService::Invoke},
      {"AddPermission", &FunctionService::AddPermission},
      {"RemovePermission", &FunctionService::RemovePermission},
      {"GetPolicy", &FunctionService::GetPolicy},
  };
  for (const auto& [name, method] : operations) {
    api.Register(name, [this, method = method](const RequestContext& ctx, const Json& in) {
      if (!IsValidRegion(ctx.caller.region)) {
        return ApiResult<Json>(
            InvalidParameter("The region '" + ctx.caller.region +
                             "' in the request's "
                             "credential scope is invalid: use letters, digits and hyphens"));
      }
      return (this->*method)(ctx, in);
    });
  }
}

std::string FunctionService::FunctionDir(const std::string& region, const std::string& name) const {
  return options_.functions_root + "/" + region + "/" + name;
}

std::string FunctionService::CodePath(const FunctionRecord& record) const {
  auto sha = crypto::Base64Decode(record.code_sha256).value_or("");
  return FunctionDir(record.region, record.name) + "/" + crypto::HexEncode(sha) + ".zip";
}

std::string FunctionService::LogPath(const std::string& region, const std::string& name) const {
  return FunctionDir(region, name) + "/function.log";
}

ApiResult<FunctionService::Loaded> FunctionService::Load(const std::string& region,
                                                         const std::string& name) const {
  auto entry = store_.Get(FunctionKey(region, name));
  if (!entry.ok()) return ServiceError(entry.status().message());
  if (!entry->has_value()) {
    return NotFound("Function not found: " + FunctionArn(region, options_.account_id, name));
  }
  auto record = FunctionRecord::FromStoreValue((*entry)->value);
  if (!record.ok()) return ServiceError(record.status().message());
  return Loaded{std::move(*record), (*entry)->version};
}

ApiResult<FunctionService::Loaded> FunctionService::LoadReference(const RequestContext& ctx,
                                                                  const Json& in) const {
  auto ref = ParseFunctionReference(in.value("FunctionName", ""));
  if (!ref.ok()) return InvalidParameter(ref.status().message());
  const std::string region = ctx.caller.region;
  std::string qualifier = ref->qualifier.empty() ? in.value("Qualifier", "") : ref->qualifier;
  if ((!ref->region.empty() && ref->region != region) ||
      (!ref->account_id.empty() && ref->account_id != options_.account_id) ||
      (!qualifier.empty() && qualifier != kLatest)) {
    std::string arn =
        FunctionArn(ref->region.empty() ? region : ref->region,
                    ref->account_id.empty() ? options_.account_id : ref->account_id, ref->name);
    return NotFound("Function not found: " + arn + (qualifier.empty() ? "" : ":" + qualifier));
  }
  return Load(region, ref->name);
}

ApiResult<std::string> FunctionService::StoreCode(FunctionRecord& record,
                                                  const std::string& zip_b64) {
  auto zip = crypto::Base64Decode(zip_b64);
  if (!zip || !LooksLikeZip(*zip)) {
    return InvalidParameter(
        "Could not unzip uploaded file. Please check your file, then try to upload again.");
  }
  if (zip->size() > options_.max_code_bytes) {
    return ApiError{
        "RequestEntityTooLargeException",
        "Unzipped size must be smaller than " + std::to_string(options_.max_code_bytes) + " bytes",
        413, false};
  }
  crypto::Sha256Digest sha = crypto::Sha256(*zip);
  record.code_sha256 = crypto::Base64Encode(crypto::AsBytes(sha));
  record.code_size = static_cast<int64_t>(zip->size());
  const std::string dir = FunctionDir(record.region, record.name);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return ServiceError("cannot create " + dir + ": " + ec.message());
  ::chmod(options_.functions_root.c_str(), 0700);
  const std::string path = CodePath(record);
  if (Status st = WriteDurably(path, *zip); !st.ok()) return ServiceError(st.message());
  return path;
}

void FunctionService::RemoveCodeExcept(const std::string& region, const std::string& name,
                                       const std::string& keep_path) const {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(FunctionDir(region, name), ec)) {
    const std::string path = entry.path().string();
    if (path != keep_path && entry.path().extension() == ".zip") {
      std::filesystem::remove(entry.path(), ec);
    }
  }
}

ApiResult<Json> FunctionService::Save(const FunctionRecord& record, int64_t expected_version) {
  Status st = store_.Commit({StoreWrite::Put(FunctionKey(record.region, record.name),
                                             record.ToStoreValue(), expected_version)});
  if (st.code() == Status::Code::kConflict) {
    if (expected_version == StoreWrite::kMustNotExist) {
      return Conflict("Function already exist: " + record.name);
    }
    return Conflict(
        "The operation cannot be performed at this time. An update is in progress for "
        "resource: " +
        record.Arn());
  }
  if (!st.ok()) return ServiceError(st.message());
  return record.Configuration();
}

ApiResult<Json> FunctionService::CreateFunction(const RequestContext& ctx, const Json& in) {
  FunctionRecord r;
  r.region = ctx.caller.region;
  r.account_id = options_.account_id;
  auto ref = ParseFunctionReference(in.value("FunctionName", ""));
  if (!ref.ok()) return InvalidParameter(ref.status().message());
  if (!ref->qualifier.empty()) {
    return InvalidParameter("FunctionName must not carry a qualifier when creating a function");
  }
  r.name = ref->name;
  if (in.value("PackageType", "Zip") != "Zip") {
    return InvalidParameter("Tandem runs Zip functions only: PackageType Image is not supported");
  }
  if (!in.contains("Runtime") || !in.contains("Handler")) {
    return InvalidParameter(
        "Runtime and Handler are mandatory parameters for functions created with deployment "
        "packages.");
  }
  r.runtime = in.value("Runtime", "");
  r.handler = in.value("Handler", "");
  r.role = in.value("Role", "");
  r.description = in.value("Description", "");
  r.timeout_seconds = in.value("Timeout", kDefaultTimeoutSeconds);
  r.memory_mb = in.value("MemorySize", kDefaultMemoryMb);
  if (in.contains("Environment")) {
    r.environment = in["Environment"].value("Variables", std::map<std::string, std::string>{});
  }
  if (Status st = ValidateConfiguration(r); !st.ok()) return FromStatus(st);
  const Json& code = in.value("Code", Json::object());
  if (!code.contains("ZipFile")) {
    return InvalidParameter(
        "Tandem accepts function code only as a zip file (Code.ZipFile; aws lambda "
        "create-function --zip-file fileb://function.zip): S3 locations and container images "
        "are not supported");
  }
  r.revision_id = crypto::RandomUuid();
  r.last_modified = FormatLastModified(clock_.NowMillis());
  auto stored = StoreCode(r, code["ZipFile"].get<std::string>());
  if (!stored.ok()) return stored.error();
  return Save(r, StoreWrite::kMustNotExist);
}

ApiResult<Json> FunctionService::GetFunction(const RequestContext& ctx, const Json& in) {
  auto loaded = LoadReference(ctx, in);
  if (!loaded.ok()) return loaded.error();
  return Json{
      {"Configuration", loaded->record.Configuration()},
      {"Code", {{"RepositoryType", "Tandem"}, {"Location", "file://" + CodePath(loaded->record)}}}};
}

ApiResult<Json> FunctionService::GetFunctionConfiguration(const RequestContext& ctx,
                                                          const Json& in) {
  auto loaded = LoadReference(ctx, in);
  if (!loaded.ok()) return loaded.error();
  return loaded->record.Configuration();
}

ApiResult<Json> FunctionService::ListFunctions(const RequestContext& ctx, const Json& in) {
  auto entries = store_.List(FunctionKeyPrefix(ctx.caller.region));
  if (!entries.ok()) return ServiceError(entries.status().message());
  const std::string marker = in.value("Marker", "");
  const int max_items = in.value("MaxItems", kDefaultMaxItems);
  Json functions = Json::array();
  std::string last;
  bool more = false;
  for (const StoreEntry& entry : *entries) {
    auto record = FunctionRecord::FromStoreValue(entry.value);
    if (!record.ok()) continue;
    if (!marker.empty() && record->name <= marker) continue;
    if (static_cast<int>(functions.size()) == max_items) {
      more = true;
      break;
    }
    last = record->name;
    functions.push_back(record->Configuration());
  }
  Json out{{"Functions", functions}};
  if (more) out["NextMarker"] = last;
  return out;
}

ApiResult<Json> FunctionService::UpdateFunctionCode(const RequestContext& ctx, const Json& in) {
  auto loaded = LoadReference(ctx, in);
  if (!loaded.ok()) return loaded.error();
  if (!in.contains("ZipFile")) {
    return InvalidParameter(
        "Tandem accepts function code only as a zip file (ZipFile; aws lambda "
        "update-function-code --zip-file fileb://function.zip)");
  }
  if (auto stale = StaleRevision(in, loaded->record)) return *stale;
  FunctionRecord r = loaded->record;
  const std::string old_path = CodePath(r);
  auto stored = StoreCode(r, in["ZipFile"].get<std::string>());
  if (!stored.ok()) return stored.error();
  r.revision_id = crypto::RandomUuid();
  r.last_modified = FormatLastModified(clock_.NowMillis());
  auto saved = Save(r, loaded->version);
  if (saved.ok() && old_path != *stored) RemoveCodeExcept(r.region, r.name, *stored);
  return saved;
}

ApiResult<Json> FunctionService::UpdateFunctionConfiguration(const RequestContext& ctx,
                                                             const Json& in) {
  auto loaded = LoadReference(ctx, in);
  if (!loaded.ok()) return loaded.error();
  if (auto stale = StaleRevision(in, loaded->record)) return *stale;
  FunctionRecord r = loaded->record;
  r.runtime = in.value("Runtime", r.runtime);
  r.handler = in.value("Handler", r.handler);
  r.role = in.value("Role", r.role);
  r.description = in.value("Description", r.description);
  r.timeout_seconds = in.value("Timeout", r.timeout_seconds);
  r.memory_mb = in.value("MemorySize", r.memory_mb);
  if (in.contains("Environment")) {
    r.environment = in["Environment"].value("Variables", std::map<std::string, std::string>{});
  }
  if (Status st = ValidateConfiguration(r); !st.ok()) return FromStatus(st);
  r.revision_id = crypto::RandomUuid();
  r.last_modified = FormatLastModified(clock_.NowMillis());
  return Save(r, loaded->version);
}

ApiResult<Json> FunctionService::DeleteFunction(const RequestContext& ctx, const Json& in) {
  auto loaded = LoadReference(ctx, in);
  if (!loaded.ok()) return loaded.error();
  const FunctionRecord& r = loaded->record;
  Status st = store_.Commit({StoreWrite::Delete(FunctionKey(r.region, r.name), loaded->version)});
  if (st.code() == Status::Code::kConflict) {
    return Conflict(
        "The operation cannot be performed at this time. An update is in progress for "
        "resource: " +
        r.Arn());
  }
  if (!st.ok()) return ServiceError(st.message());
  RemoveCodeExcept(r.region, r.name, "");  // the log stays, as CloudWatch's does
  return Json::object();
}

ApiResult<Json> FunctionService::AddPermission(const RequestContext& ctx, const Json& in) {
  auto loaded = LoadReference(ctx, in);
  if (!loaded.ok()) return loaded.error();
  FunctionRecord r = loaded->record;
  if (auto stale = StaleRevision(in, r)) return *stale;
  const std::string sid = in.value("StatementId", "");
  for (const Json& statement : r.policy_statements) {
    if (statement.value("Sid", "") == sid) {
      return Conflict("The statement id (" + sid +
                      ") provided already exists. Please provide a new statement id, or remove "
                      "the existing statement.");
    }
  }
  Json statement{{"Sid", sid},
                 {"Effect", "Allow"},
                 {"Principal", PolicyPrincipal(in.value("Principal", ""))},
                 {"Action", in.value("Action", "")},
                 {"Resource", r.Arn()}};
  Json condition = Json::object();
  if (in.contains("SourceArn")) condition["ArnLike"]["AWS:SourceArn"] = in["SourceArn"];
  if (in.contains("SourceAccount")) {
    condition["StringEquals"]["AWS:SourceAccount"] = in["SourceAccount"];
  }
  if (in.contains("PrincipalOrgID")) {
    condition["StringEquals"]["aws:PrincipalOrgID"] = in["PrincipalOrgID"];
  }
  if (!condition.empty()) statement["Condition"] = condition;
  r.policy_statements.push_back(statement);
  auto saved = Save(r, loaded->version);
  if (!saved.ok()) return saved.error();
  return Json{{"Statement", statement.dump()}};
}

ApiResult<Json> FunctionService::RemovePermission(const RequestContext& ctx, const Json& in) {
  auto loaded = LoadReference(ctx, in);
  if (!loaded.ok()) return loaded.error();
  FunctionRecord r = loaded->record;
  if (auto stale = StaleRevision(in, r)) return *stale;
  const std::string sid = in.value("StatementId", "");
  auto it = std::find_if(r.policy_statements.begin(), r.policy_statements.end(),
                         [&](const Json& s) { return s.value("Sid", "") == sid; });
  if (it == r.policy_statements.end()) {
    return NotFound("Statement " + sid + " is not found in resource policy.");
  }
  r.policy_statements.erase(it);
  auto saved = Save(r, loaded->version);
  if (!saved.ok()) return saved.error();
  return Json::object();
}

ApiResult<Json> FunctionService::GetPolicy(const RequestContext& ctx, const Json& in) {
  auto loaded = LoadReference(ctx, in);
  if (!loaded.ok()) return loaded.error();
  auto policy = loaded->record.PolicyDocument();
  if (!policy) return NotFound("The resource you requested does not exist.");
  return Json{{"Policy", *policy}, {"RevisionId", loaded->record.revision_id}};
}

ApiResult<Json> FunctionService::Invoke(const RequestContext& ctx, const Json& in) {
  auto loaded = LoadReference(ctx, in);
  if (!loaded.ok()) return loaded.error();
  std::string payload;
  if (in.contains("Payload")) {
    payload = crypto::Base64Decode(in["Payload"].get<std::string>()).value_or("");
  }
  if (payload.find_first_not_of(" \t\r\n") == std::string::npos) payload = "{}";
  if (Json::parse(payload, nullptr, false).is_discarded()) {
    return ApiError{"InvalidRequestContentException",
                    "Could not parse request body into json: the payload is not a JSON document",
                    400, false};
  }
  const std::string type = in.value("InvocationType", "RequestResponse");
  const std::string& name = loaded->record.name;
  const std::string region = ctx.caller.region;
  if (type == "DryRun") return Json{{"StatusCode", 204}};
  if (type == "Event") {
    // Runs after the answer; the thread ends with the invocation (bounded by
    // its timeout), and the destructor waits for it.
    {
      std::lock_guard lock(async_mu_);
      ++async_running_;
    }
    std::thread([this, region, name, payload, id = ctx.request_id] {
      auto result = InvokeFunction(region, name, payload, id);
      if (!result.ok()) {
        spdlog::warn("asynchronous invocation of {} failed: {}", name, result.error().message);
      }
      std::lock_guard lock(async_mu_);
      --async_running_;
      async_done_.notify_all();
    }).detach();
    return Json{{"StatusCode", 202}};
  }
  auto result = InvokeFunction(region, name, payload, ctx.request_id);
  if (!result.ok()) return result.error();
  Json out{{"StatusCode", 200},
           {"Payload", crypto::Base64Encode(result->payload)},
           {"ExecutedVersion", kLatest}};
  if (!result->function_error.empty()) out["FunctionError"] = result->function_error;
  if (in.value("LogType", "None") == "Tail") {
    out["LogResult"] = crypto::Base64Encode(result->log_tail);
  }
  return out;
}

ApiResult<InvokeResult> FunctionService::InvokeFunction(const std::string& region,
                                                        const std::string& function_name,
                                                        const std::string& event_json,
                                                        const std::string& request_id) {
  auto loaded = Load(region, function_name);
  if (!loaded.ok()) return loaded.error();
  const FunctionRecord& r = loaded->record;

  PythonInvocation inv;
  inv.code_zip_path = CodePath(r);
  inv.handler = r.handler;
  inv.event_json = event_json;
  inv.timeout = std::chrono::seconds(r.timeout_seconds);
  inv.environment = {r.environment.begin(), r.environment.end()};
  inv.environment["AWS_REGION"] = region;
  inv.environment["AWS_DEFAULT_REGION"] = region;
  inv.environment["AWS_ACCESS_KEY_ID"] = options_.credentials.access_key_id;
  inv.environment["AWS_SECRET_ACCESS_KEY"] = options_.credentials.secret_access_key;
  // Tandem's endpoint wins: AWS's templates set the AWS one in Environment.
  inv.environment["SECRETS_MANAGER_ENDPOINT"] = options_.api_endpoint;
  for (const char* service : {"SECRETSMANAGER", "RDS", "LAMBDA"}) {
    inv.environment[std::string("AWS_ENDPOINT_URL_") + service] = options_.api_endpoint;
  }
  inv.set_aws_ca_bundle = options_.api_tls;
  inv.ca_bundle_pem = ReadText(options_.ca_bundle_path);
  inv.function_name = r.name;
  inv.invoked_function_arn = r.Arn();
  inv.memory_limit_mb = r.memory_mb;
  inv.request_id = request_id;
  inv.log_group_name = "/aws/lambda/" + r.name;
  inv.log_stream_name = LogStreamName(clock_.NowMillis(), request_id);
  inv.runtime = r.runtime;

  PythonOutcome outcome = runner_.Run(inv);

  std::string log = "START RequestId: " + request_id + " Version: $LATEST\n" + outcome.output;
  if (!log.empty() && log.back() != '\n') log += '\n';
  if (outcome.kind != PythonOutcome::Kind::kReturned &&
      outcome.kind != PythonOutcome::Kind::kRaised) {
    log += FormatIso8601(clock_.NowMillis()) + " " + outcome.error_message + "\n";
  }
  log += "END RequestId: " + request_id + "\n";
  log +=
      "REPORT RequestId: " + request_id + "\tDuration: " + Milliseconds(outcome.duration_ms) +
      " ms\tBilled Duration: " + std::to_string(static_cast<int64_t>(outcome.duration_ms + 0.999)) +
      " ms\tMemory Size: " + std::to_string(r.memory_mb) +
      " MB\tMax Memory Used: " + std::to_string(outcome.max_memory_kb / 1024) + " MB\t\n";
  AppendLog(region, r.name, log);

  InvokeResult result;
  result.kind = outcome.kind;
  result.payload = outcome.payload;
  result.error_type = outcome.error_type;
  result.error_message = outcome.error_message;
  if (outcome.kind != PythonOutcome::Kind::kReturned) result.function_error = "Unhandled";
  result.log_tail = log.size() > kLogTailBytes ? log.substr(log.size() - kLogTailBytes) : log;
  return result;
}

void FunctionService::AppendLog(const std::string& region, const std::string& name,
                                const std::string& text) {
  std::lock_guard lock(log_mu_);
  const std::string path = LogPath(region, name);
  std::error_code ec;
  std::filesystem::create_directories(FunctionDir(region, name), ec);
  auto size = std::filesystem::file_size(path, ec);
  if (!ec && size + text.size() > options_.max_log_bytes) {
    std::filesystem::rename(path, path + ".1", ec);
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    spdlog::warn("cannot write the log of function {}: {}", name, std::strerror(errno));
    return;
  }
  (void)!::write(fd, text.data(), text.size());
  ::close(fd);
}

bool FunctionService::FunctionExists(const std::string& region, const std::string& function_arn) {
  auto ref = ParseFunctionReference(function_arn);
  if (!ref.ok()) return false;
  const std::string where = ref->region.empty() ? region : ref->region;
  if (!IsValidRegion(where) ||
      (!ref->account_id.empty() && ref->account_id != options_.account_id) ||
      (!ref->qualifier.empty() && ref->qualifier != kLatest)) {
    return false;
  }
  return Load(where, ref->name).ok();
}

Status FunctionService::InvokeStep(const rotation::StepRequest& request) {
  auto ref = ParseFunctionReference(request.function_arn);
  if (!ref.ok()) return Status::NotFound(ref.status().message());
  const std::string region = ref->region.empty() ? request.region : ref->region;
  if (!IsValidRegion(region) ||
      (!ref->account_id.empty() && ref->account_id != options_.account_id) ||
      (!ref->qualifier.empty() && ref->qualifier != kLatest)) {
    return Status::NotFound("Function not found: " + request.function_arn);
  }
  Json event{{"SecretId", request.secret_arn},
             {"ClientRequestToken", request.token},
             {"Step", rotation::StepName(request.step)}};
  auto result = InvokeFunction(region, ref->name, event.dump(), crypto::RandomUuid());
  if (!result.ok()) {
    if (result.error().code == "ResourceNotFoundException") {
      return Status::NotFound(result.error().message);
    }
    return Status::Unavailable(result.error().message);
  }
  switch (result->kind) {
    case PythonOutcome::Kind::kReturned:
      return Status::Ok();
    case PythonOutcome::Kind::kRaised:
      return Status::InvalidArgument(result->error_type + ": " + result->error_message);
    default:
      return Status::Unavailable(result->error_type + ": " + result->error_message);
  }
}

}  // namespace tandem::functions
