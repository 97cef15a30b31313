#include "functions/python_runner.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "functions/function_test_env.h"
#include "testing/test_dir.h"

namespace tandem::functions {
namespace {

using Json = nlohmann::json;

constexpr char kCa[] = "-----BEGIN CERTIFICATE-----\nTANDEMTESTCA\n-----END CERTIFICATE-----\n";

class PythonRunnerTest : public ::testing::Test {
 protected:
  PythonOutcome Run(const std::string& code, const std::string& event = R"({"k":"v"})",
                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const std::string zip = dir_.File("code.zip");
    MakeZip(dir_.path(), zip, {{"lambda_function.py", code}});
    PythonInvocation inv;
    inv.code_zip_path = zip;
    inv.handler = handler_;
    inv.event_json = event;
    inv.timeout = timeout;
    inv.environment = {{"MY_VAR", "my value"}};
    inv.ca_bundle_pem = kCa;
    inv.function_name = "rotator";
    inv.invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:rotator";
    inv.memory_limit_mb = 256;
    inv.request_id = "11111111-2222-4333-8444-555555555555";
    inv.log_group_name = "/aws/lambda/rotator";
    inv.log_stream_name = "2024/01/01/[$LATEST]abc";
    return runner_.Run(inv);
  }

  TestDir dir_;
  PythonRunner runner_{PythonRunnerOptions{}};
  std::string handler_ = "lambda_function.lambda_handler";
};

TEST_F(PythonRunnerTest, ReturnsTheValueWithEventContextAndEnvironment) {
  PythonOutcome out = Run(R"(
import os
def lambda_handler(event, context):
    return {"event": event, "name": context.function_name,
            "version": context.function_version, "arn": context.invoked_function_arn,
            "memory": context.memory_limit_in_mb, "id": context.aws_request_id,
            "group": context.log_group_name, "stream": context.log_stream_name,
            "remaining": context.get_remaining_time_in_millis(),
            "var": os.environ["MY_VAR"], "task": os.environ["LAMBDA_TASK_ROOT"],
            "cwd": os.getcwd(),
            "bundle": open("rds-combined-ca-bundle.pem").read()}
)");
  ASSERT_EQ(out.kind, PythonOutcome::Kind::kReturned) << out.payload << out.output;
  Json v = Json::parse(out.payload);
  EXPECT_EQ(v["event"], (Json{{"k", "v"}}));
  EXPECT_EQ(v["name"], "rotator");
  EXPECT_EQ(v["version"], "$LATEST");
  EXPECT_EQ(v["arn"], "arn:aws:lambda:us-east-1:000000000000:function:rotator");
  EXPECT_EQ(v["memory"], "256");
  EXPECT_EQ(v["id"], "11111111-2222-4333-8444-555555555555");
  EXPECT_EQ(v["group"], "/aws/lambda/rotator");
  EXPECT_EQ(v["stream"], "2024/01/01/[$LATEST]abc");
  EXPECT_GT(v["remaining"].get<int>(), 5000);
  EXPECT_LE(v["remaining"].get<int>(), 10000);
  EXPECT_EQ(v["var"], "my value");
  EXPECT_EQ(v["task"], v["cwd"]);
  EXPECT_EQ(v["bundle"], kCa);
}

TEST_F(PythonRunnerTest, ARaisedExceptionIsReportedAsLambdaDoes) {
  PythonOutcome out = Run(R"(
def lambda_handler(event, context):
    raise ValueError("no such secret version")
)");
  ASSERT_EQ(out.kind, PythonOutcome::Kind::kRaised) << out.output;
  EXPECT_EQ(out.error_type, "ValueError");
  EXPECT_EQ(out.error_message, "no such secret version");
  Json v = Json::parse(out.payload);
  EXPECT_EQ(v["errorType"], "ValueError");
  EXPECT_EQ(v["requestId"], "11111111-2222-4333-8444-555555555555");
  ASSERT_FALSE(v["stackTrace"].empty());
  EXPECT_NE(v["stackTrace"][0].get<std::string>().find("lambda_function.py"), std::string::npos);
  EXPECT_NE(out.output.find("[ERROR] ValueError: no such secret version"), std::string::npos);
}

TEST_F(PythonRunnerTest, TheTimeoutKillsTheFunction) {
  auto started = std::chrono::steady_clock::now();
  PythonOutcome out = Run(R"(
import time
def lambda_handler(event, context):
    print("going to sleep", flush=True)
    time.sleep(60)
)",
                          "{}", std::chrono::milliseconds(1500));
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(out.kind, PythonOutcome::Kind::kTimedOut);
  EXPECT_NE(out.error_message.find("Task timed out after 1.50 seconds"), std::string::npos);
  EXPECT_NE(out.output.find("going to sleep"), std::string::npos);
  EXPECT_LT(took, std::chrono::seconds(4));
}

TEST_F(PythonRunnerTest, OutputAndLoggingAreCaptured) {
  PythonOutcome out = Run(R"(
import logging, sys
logger = logging.getLogger()
logger.setLevel(logging.INFO)
def lambda_handler(event, context):
    print("to stdout")
    print("to stderr", file=sys.stderr)
    logger.info("createSecret: done")
    return None
)");
  ASSERT_EQ(out.kind, PythonOutcome::Kind::kReturned) << out.output;
  EXPECT_EQ(out.payload, "null");
  EXPECT_NE(out.output.find("to stdout"), std::string::npos);
  EXPECT_NE(out.output.find("to stderr"), std::string::npos);
  EXPECT_NE(out.output.find("[INFO]"), std::string::npos);
  EXPECT_NE(out.output.find("11111111-2222-4333-8444-555555555555\tcreateSecret: done"),
            std::string::npos);
}

TEST_F(PythonRunnerTest, OutputIsBounded) {
  PythonOutcome out = Run(R"(
def lambda_handler(event, context):
    for i in range(20000):
        print("line %06d %s" % (i, "x" * 80))
    return "done"
)");
  ASSERT_EQ(out.kind, PythonOutcome::Kind::kReturned);
  EXPECT_LT(out.output.size(), 300u * 1024);
  EXPECT_NE(out.output.find("line 000000"), std::string::npos);
  EXPECT_NE(out.output.find("line 019999"), std::string::npos);
  EXPECT_NE(out.output.find("bytes of output dropped"), std::string::npos);
}

TEST_F(PythonRunnerTest, ExitImportAndHandlerErrors) {
  PythonOutcome exited = Run("import sys\ndef lambda_handler(e, c):\n    sys.exit(3)\n");
  EXPECT_EQ(exited.kind, PythonOutcome::Kind::kExited);
  EXPECT_NE(exited.error_message.find("exit status 3"), std::string::npos);

  PythonOutcome missing = Run("def other(e, c):\n    return 1\n");
  EXPECT_EQ(missing.kind, PythonOutcome::Kind::kRaised);
  EXPECT_EQ(missing.error_type, "Runtime.HandlerNotFound");

  handler_ = "nomodule.handler";
  PythonOutcome import = Run("x = 1\n");
  EXPECT_EQ(import.kind, PythonOutcome::Kind::kRaised);
  EXPECT_EQ(import.error_type, "Runtime.ImportModuleError");
  EXPECT_NE(import.error_message.find("Unable to import module 'nomodule'"), std::string::npos);

  handler_ = "lambda_function.lambda_handler";
  PythonOutcome marshal = Run("def lambda_handler(e, c):\n    return object()\n");
  EXPECT_EQ(marshal.error_type, "Runtime.MarshalError");
}

TEST_F(PythonRunnerTest, BackgroundProcessesDieWithTheInvocation) {
  PythonOutcome out = Run(R"(
import subprocess
def lambda_handler(event, context):
    return subprocess.Popen(["sleep", "120"]).pid
)");
  ASSERT_EQ(out.kind, PythonOutcome::Kind::kReturned) << out.output;
  pid_t pid = std::stoi(out.payload);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    std::string stat = ReadFileText("/proc/" + std::to_string(pid) + "/stat");
    gone = stat.empty() || stat.find(") Z") != std::string::npos;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(gone) << "sleep " << pid << " outlived the invocation";
}

TEST_F(PythonRunnerTest, AsRootTheFunctionSeesTandemsCaAtTheLambdaRuntimePath) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (mount namespace, user switch)";
  PythonOutcome out = Run(R"(
import os
def lambda_handler(event, context):
    return {"cert": open("/etc/pki/tls/cert.pem").read(), "uid": os.getuid(),
            "hosts": os.path.exists("/etc/hosts")}
)");
  ASSERT_EQ(out.kind, PythonOutcome::Kind::kReturned) << out.payload << out.output;
  EXPECT_TRUE(out.pki_mounted);
  Json v = Json::parse(out.payload);
  const std::string cert = v["cert"];
  const std::string system = ReadFileText("/etc/ssl/certs/ca-certificates.crt");
  EXPECT_EQ(cert.substr(cert.size() - std::string(kCa).size()), kCa);
  EXPECT_EQ(cert.size(), system.size() + (system.empty() || system.back() == '\n' ? 0 : 1) +
                             std::string(kCa).size());
  EXPECT_NE(v["uid"], 0) << "functions do not run as root";
  EXPECT_TRUE(v["hosts"].get<bool>());
  EXPECT_FALSE(std::ifstream("/etc/pki/tls/cert.pem").good() &&
               ReadFileText("/etc/pki/tls/cert.pem").find("TANDEMTESTCA") != std::string::npos)
      << "the host's /etc is untouched";
}

TEST_F(PythonRunnerTest, MissingCodeFailsToStart) {
  PythonInvocation inv;
  inv.code_zip_path = dir_.File("absent.zip");
  inv.handler = "a.b";
  inv.event_json = "{}";
  inv.request_id = "r";
  PythonOutcome out = runner_.Run(inv);
  EXPECT_EQ(out.kind, PythonOutcome::Kind::kFailedToStart);
  EXPECT_NE(out.error_message.find("absent.zip"), std::string::npos);
}

}  // namespace
}  // namespace tandem::functions
