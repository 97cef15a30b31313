// The Python side of PythonRunner (python_runner.h): the program
// /usr/bin/python3 runs for one invocation, as `python3 -u -c <this>`.
//
// Its contract with the runner, by descriptor:
//   fd 3  (write) the result, one JSON document:
//         {"kind": "returned", "payload": "<the return value as JSON>"} or
//         {"kind": "raised", "error": {"errorMessage", "errorType", "requestId",
//          "stackTrace"}}
//   fd 4  (read)  the code zip
//   fd 5  (read)  the invocation: {"event": "<event JSON>", "handler", "ca_bundle",
//         "function_name", "function_version", "invoked_function_arn",
//         "memory_limit_mb", "request_id", "log_group_name", "log_stream_name",
//         "deadline_ms" (epoch milliseconds)}
//   fd 1, 2       the function's log
// The working directory is the (empty) task directory.
#pragma once

namespace tandem::functions {

inline constexpr char kPythonBootstrap[] = R"py(
import importlib, json, logging, os, sys, time, traceback, zipfile

def main():
    with os.fdopen(5, "rb") as f:
        inv = json.loads(f.read())
    result = os.fdopen(3, "w", encoding="utf-8")
    request_id = inv["request_id"]

    def emit(doc):
        result.write(json.dumps(doc))
        result.flush()

    def fail(error_type, message, stack=None):
        text = "[ERROR] %s: %s" % (error_type, message)
        if stack:
            text += "\nTraceback (most recent call last):\n" + "".join(stack).rstrip("\n")
        print(text, file=sys.stderr, flush=True)
        emit({"kind": "raised", "error": {"errorMessage": message, "errorType": error_type,
                                          "requestId": request_id, "stackTrace": stack or []}})

    task = os.getcwd()
    try:
        with os.fdopen(4, "rb") as code:
            zipfile.ZipFile(code).extractall(task)
    except Exception as e:
        return fail("Runtime.InvalidZipFile", "Could not unzip the function code: %s" % e)
    with open(os.path.join(task, "rds-combined-ca-bundle.pem"), "w") as f:
        f.write(inv["ca_bundle"])

    class LambdaLogFilter(logging.Filter):
        def filter(self, record):
            record.aws_request_id = request_id
            return True

    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
        "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    log_handler = logging.StreamHandler(sys.stdout)
    log_handler.setFormatter(formatter)
    log_handler.addFilter(LambdaLogFilter())
    logging.getLogger().addHandler(log_handler)

    class LambdaContext:
        def __init__(self):
            self.function_name = inv["function_name"]
            self.function_version = inv["function_version"]
            self.invoked_function_arn = inv["invoked_function_arn"]
            self.memory_limit_in_mb = str(inv["memory_limit_mb"])
            self.aws_request_id = request_id
            self.log_group_name = inv["log_group_name"]
            self.log_stream_name = inv["log_stream_name"]
            self.identity = None
            self.client_context = None
            self._deadline_ms = inv["deadline_ms"]

        def get_remaining_time_in_millis(self):
            return max(int(self._deadline_ms - time.time() * 1000), 0)

        def log(self, message):
            sys.stdout.write(str(message))
            sys.stdout.flush()

    handler = inv["handler"]
    if "." not in handler:
        return fail("Runtime.MalformedHandlerName",
                    "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % handler)
    module_name, function_name = handler.rsplit(".", 1)
    sys.path.insert(0, task)
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as e:
        return fail("Runtime.ImportModuleError",
                    "Unable to import module '%s': %s" % (module_name, e))
    except SyntaxError as e:
        return fail("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" %
                    (module_name, e))
    except Exception as e:
        stack = traceback.format_list(traceback.extract_tb(e.__traceback__)[1:])
        return fail(type(e).__name__, str(e), stack)
    function = getattr(module, function_name, None)
    if function is None:
        return fail("Runtime.HandlerNotFound",
                    "Handler '%s' missing on module '%s'" % (function_name, module_name))

    event = json.loads(inv["event"])
    try:
        value = function(event, LambdaContext())
    except Exception as e:
        stack = traceback.format_list(traceback.extract_tb(e.__traceback__)[1:])
        return fail(type(e).__name__, str(e), stack)
    try:
        payload = json.dumps(value)
    except Exception as e:
        return fail("Runtime.MarshalError", "Unable to marshal response: %s" % e)
    emit({"kind": "returned", "payload": payload})

main()
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)
)py";

}  // namespace tandem::functions
