// FunctionService: the user's own functions, through the subset of the AWS
// Lambda API that secret rotation needs (botocore's lambda 2015-03-31 model,
// REST-JSON): CreateFunction (zip), GetFunction, GetFunctionConfiguration,
// ListFunctions, UpdateFunctionCode, UpdateFunctionConfiguration,
// DeleteFunction, Invoke, AddPermission, RemovePermission, GetPolicy.
//
// A function's configuration is a FunctionRecord in the store
// (lambda-functions/<region>/<name>); its code is a zip under
// functions_root/<region>/<name>/<sha256-hex>.zip, written durably before the
// record that names it; its log is functions_root/<region>/<name>/function.log
// (START/END/REPORT lines around each invocation's output, as CloudWatch
// shows it; rotated to function.log.1 past 1 MiB). Python functions (every
// python3.x runtime) run with the host's /usr/bin/python3 through
// PythonRunner, with SECRETS_MANAGER_ENDPOINT (and AWS_ENDPOINT_URL_
// SECRETSMANAGER) pointing at tandemd, the credentials of options.credentials, AWS_REGION /
// AWS_DEFAULT_REGION of the function, AWS_CA_BUNDLE when tandemd serves HTTPS,
// and the function's Environment.Variables (Tandem's endpoint variables win
// over the function's, so templates configured for AWS's endpoint reach
// Tandem).
//
// The service is also the rotation engine's rotation::FunctionInvoker for
// user functions: InvokeStep runs the function named by the secret's
// RotationLambdaARN with the rotation event.
//
// Errors follow Lambda: ResourceNotFoundException (404), ResourceConflictException
// (409), InvalidParameterValueException (400), InvalidRequestContentException
// (400), ServiceException (500).
//
// Thread-safety: all methods may be called concurrently. Invoke blocks the
// calling thread for up to the function's timeout.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "api/api_error.h"
#include "api/credentials.h"
#include "api/rest_json_protocol.h"
#include "api/service.h"
#include "common/clock.h"
#include "functions/function_record.h"
#include "functions/python_runner.h"
#include "rotation/rotation_function.h"
#include "store/store.h"

namespace tandem::functions {

struct FunctionServiceOptions {
  std::string account_id = "000000000000";
  // Code zips and logs: <functions_root>/<region>/<name>/ (tandemd: <data-dir>/functions).
  std::string functions_root;
  // How functions reach tandemd's API: "http://127.0.0.1:4566".
  std::string api_endpoint;
  // Tandem's CA bundle file (PEM); read at each invocation.
  std::string ca_bundle_path;
  // Whether api_endpoint is HTTPS (functions then get AWS_CA_BUNDLE).
  bool api_tls = false;
  // The credentials functions get: tandemd passes an ephemeral key scoped to
  // Secrets Manager (api::AccessKeyRegistry::AddEphemeral).
  api::AccessKey credentials;
  PythonRunnerOptions runner;
  // Largest accepted code zip, decoded (the API's request body cap comes first).
  size_t max_code_bytes = 50 * 1024 * 1024;
  size_t max_log_bytes = 1024 * 1024;  // function.log is rotated past this
};

// One invocation's result as the Invoke API reports it.
struct InvokeResult {
  std::string payload;         // JSON text: the return value, or the error document
  std::string function_error;  // "" on success, else "Unhandled"
  std::string log_tail;        // the invocation's log, last 4 KB
  PythonOutcome::Kind kind = PythonOutcome::Kind::kReturned;
  std::string error_type;  // for failures
  std::string error_message;
};

class FunctionService : public rotation::FunctionInvoker {
 public:
  FunctionService(Store& store, const Clock& clock, FunctionServiceOptions options);
  // Waits for asynchronous (InvocationType Event) invocations still running.
  ~FunctionService() override;

  // Registers the Lambda operations on api (built from botocore's lambda model).
  void RegisterOperations(api::RestJsonProtocolService& api);

  // The API operations, input and output in the model's JSON shapes (blobs base64).
  api::ApiResult<nlohmann::json> CreateFunction(const api::RequestContext& ctx,
                                                const nlohmann::json& in);
  api::ApiResult<nlohmann::json> GetFunction(const api::RequestContext& ctx,
                                             const nlohmann::json& in);
  api::ApiResult<nlohmann::json> GetFunctionConfiguration(const api::RequestContext& ctx,
                                                          const nlohmann::json& in);
  api::ApiResult<nlohmann::json> ListFunctions(const api::RequestContext& ctx,
                                               const nlohmann::json& in);
  api::ApiResult<nlohmann::json> UpdateFunctionCode(const api::RequestContext& ctx,
                                                    const nlohmann::json& in);
  api::ApiResult<nlohmann::json> UpdateFunctionConfiguration(const api::RequestContext& ctx,
                                                             const nlohmann::json& in);
  api::ApiResult<nlohmann::json> DeleteFunction(const api::RequestContext& ctx,
                                                const nlohmann::json& in);
  api::ApiResult<nlohmann::json> Invoke(const api::RequestContext& ctx, const nlohmann::json& in);
  api::ApiResult<nlohmann::json> AddPermission(const api::RequestContext& ctx,
                                               const nlohmann::json& in);
  api::ApiResult<nlohmann::json> RemovePermission(const api::RequestContext& ctx,
                                                  const nlohmann::json& in);
  api::ApiResult<nlohmann::json> GetPolicy(const api::RequestContext& ctx,
                                           const nlohmann::json& in);

  // Runs the function (name or ARN) in region with event (JSON text) and
  // waits for it. ResourceNotFoundException if there is no such function.
  api::ApiResult<InvokeResult> InvokeFunction(const std::string& region,
                                              const std::string& function_name,
                                              const std::string& event_json,
                                              const std::string& request_id);

  // rotation::FunctionInvoker: OK if the function returned; kNotFound,
  // kUnavailable (timeout, crash, start failure), kInvalidArgument (it raised:
  // "<errorType>: <errorMessage>").
  Status InvokeStep(const rotation::StepRequest& request) override;
  bool FunctionExists(const std::string& region, const std::string& function_arn) override;

  // The log file of a function (exists once it has been invoked).
  std::string LogPath(const std::string& region, const std::string& name) const;

 private:
  struct Loaded {
    FunctionRecord record;
    int64_t version = 0;
  };
  api::ApiResult<Loaded> Load(const std::string& region, const std::string& name) const;
  api::ApiResult<Loaded> LoadReference(const api::RequestContext& ctx,
                                       const nlohmann::json& in) const;
  // Writes the zip (base64 in zip_b64) and fills the record's code fields.
  api::ApiResult<std::string> StoreCode(FunctionRecord& record, const std::string& zip_b64);
  std::string FunctionDir(const std::string& region, const std::string& name) const;
  std::string CodePath(const FunctionRecord& record) const;
  void RemoveCodeExcept(const std::string& region, const std::string& name,
                        const std::string& keep_path) const;
  void AppendLog(const std::string& region, const std::string& name, const std::string& text);
  api::ApiResult<nlohmann::json> Save(const FunctionRecord& record, int64_t expected_version);

  Store& store_;
  const Clock& clock_;
  FunctionServiceOptions options_;
  PythonRunner runner_;
  std::mutex log_mu_;
  std::mutex async_mu_;
  std::condition_variable async_done_;
  int async_running_ = 0;
};

}  // namespace tandem::functions
