// PythonRunner: runs one invocation of a user's Python function the way the
// AWS Lambda Python runtime does, in a process of its own.
//
// Each invocation gets a fresh directory under work_root holding task/ (the
// working directory and LAMBDA_TASK_ROOT: the code zip extracted, plus
// Tandem's CA bundle as rds-combined-ca-bundle.pem, the relative path AWS's
// rotation samples open) and tmp/ (HOME and TMPDIR). /usr/bin/python3 runs a
// small bootstrap (embedded here) that extracts the zip, imports
// module.function from the handler, and calls handler(event, context) with a
// context carrying function_name, function_version, invoked_function_arn,
// memory_limit_in_mb, aws_request_id, log_group_name, log_stream_name and
// get_remaining_time_in_millis(); the root logger writes to the output as
// the Lambda runtime's does.
//
// Isolation: the function runs in its own session and process group, never
// sees tandemd's descriptors, and is killed (its whole group) at the timeout
// or when the thread that started it dies. When tandemd runs as root the
// function also gets a private mount namespace in which /etc is overlaid so
// that /etc/pki/tls/cert.pem (the Lambda runtime's CA bundle, which AWS's
// MySQL rotation templates pass as ssl={'ca': ...}) holds the system bundle
// plus Tandem's CA; and it runs as run_as_user (default "nobody"), so it
// cannot read tandemd's data directory (master key, state). Without root
// neither is possible: the function runs as tandemd's account and the
// outcome says pki_mounted=false.
//
// Output (stdout and stderr, merged) is captured up to max_output_bytes (the
// start and the end kept, the middle dropped with a marker).
//
// Thread-safety: Run may be called concurrently; each call blocks its thread
// for at most the invocation's timeout plus a moment.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace tandem::functions {

struct PythonRunnerOptions {
  std::string python = "/usr/bin/python3";
  // Per-invocation directories are made here; it must be searchable by
  // run_as_user (the data directory may not be).
  std::string work_root = "/tmp";
  // The account functions run as when tandemd runs as root; "" keeps root.
  std::string run_as_user = "nobody";
  // The system CA bundle, prepended to Tandem's CA at /etc/pki/tls/cert.pem.
  std::string system_ca_bundle = "/etc/ssl/certs/ca-certificates.crt";
  size_t max_output_bytes = 256 * 1024;
  size_t max_result_bytes = 6 * 1024 * 1024;  // Lambda's synchronous response limit
};

struct PythonInvocation {
  std::string code_zip_path;  // read by tandemd, handed to the function as a descriptor
  std::string handler;        // "module.function" (module may be "pkg.module")
  std::string event_json;     // the event, a JSON document
  std::chrono::milliseconds timeout{3000};
  // The function's environment (Tandem's endpoint and credentials, the
  // function's Environment.Variables); the runner adds the Lambda runtime's
  // own variables (LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_NAME, ...), PATH,
  // LANG, HOME and TMPDIR, which win over these.
  std::map<std::string, std::string> environment;
  std::string ca_bundle_pem;  // Tandem's CA certificate(s)
  // Also point AWS_CA_BUNDLE at the task's rds-combined-ca-bundle.pem (for
  // an HTTPS tandemd).
  bool set_aws_ca_bundle = false;
  // The context object's attributes.
  std::string function_name;
  std::string function_version = "$LATEST";
  std::string invoked_function_arn;
  int memory_limit_mb = 128;
  std::string request_id;
  std::string log_group_name;   // "/aws/lambda/<name>"
  std::string log_stream_name;  // "2024/01/01/[$LATEST]<hex>"
  std::string runtime = "python3.11";
};

struct PythonOutcome {
  enum class Kind {
    kReturned,       // payload: the handler's return value as JSON
    kRaised,         // payload: {"errorMessage", "errorType", "requestId", "stackTrace"}
    kTimedOut,       // payload: {"errorMessage": "... Task timed out after N seconds"}
    kExited,         // the process ended without a result (sys.exit, crash, killed)
    kFailedToStart,  // tandemd could not start it (message in error_message)
  };
  Kind kind = Kind::kFailedToStart;
  std::string payload;  // JSON text (for every kind but kFailedToStart)
  std::string error_type;
  std::string error_message;
  std::string output;  // captured stdout and stderr, bounded
  double duration_ms = 0;
  int64_t max_memory_kb = 0;
  bool pki_mounted = false;  // /etc/pki/tls/cert.pem trusted Tandem's CA inside
};

class PythonRunner {
 public:
  explicit PythonRunner(PythonRunnerOptions options);

  PythonOutcome Run(const PythonInvocation& invocation) const;

  const PythonRunnerOptions& options() const { return options_; }

 private:
  PythonRunnerOptions options_;
  std::vector<std::string> etc_submounts_;  // mounts under /etc to keep visible
};

}  // namespace tandem::functions
