"""The Lambda API subset rotation needs, with the real aws CLI v2 and boto3.

Functions are Python zips run by tandemd with the host's python3: created,
read, listed, updated, invoked (payload in and out, errors, log tail,
timeouts), given permissions and deleted; and a function that reaches Secrets
Manager through boto3 with nothing but the environment Tandem gives it.
"""

import base64
import hashlib
import io
import json
import os
import statistics
import time
import zipfile

import botocore.exceptions
import pytest

ROLE = "arn:aws:iam::000000000000:role/lambda-rotation"


def make_zip(path, code, name="lambda_function.py"):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(name, code)
    return path


def zip_bytes(code):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("lambda_function.py", code)
    return buf.getvalue()


ECHO = """
import os
def lambda_handler(event, context):
    print("echo got", event)
    return {"event": event, "stage": os.environ.get("STAGE"),
            "function": context.function_name, "arn": context.invoked_function_arn}
"""


@pytest.fixture(scope="module")
def lam(shared_tandemd):
    return shared_tandemd.client(service="lambda")


def create(lam, name, code, **kwargs):
    params = dict(FunctionName=name, Runtime="python3.11", Role=ROLE,
                  Handler="lambda_function.lambda_handler", Code={"ZipFile": zip_bytes(code)})
    params.update(kwargs)
    return lam.create_function(**params)


def test_cli_lifecycle_create_get_list_invoke_update_delete(aws, tmp_path):
    code = make_zip(str(tmp_path / "f.zip"), ECHO)
    rc, created, err = aws("lambda", "create-function", "--function-name", "cli-echo",
                           "--runtime", "python3.11", "--handler", "lambda_function.lambda_handler",
                           "--role", ROLE, "--zip-file", f"fileb://{code}", "--timeout", "5",
                           "--environment", "Variables={STAGE=test}")
    assert rc == 0, err
    assert created["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:cli-echo"
    assert created["Timeout"] == 5 and created["State"] == "Active"
    assert created["Environment"] == {"Variables": {"STAGE": "test"}}
    with open(code, "rb") as f:
        assert created["CodeSha256"] == base64.b64encode(hashlib.sha256(f.read()).digest()).decode()

    rc, got, err = aws("lambda", "get-function", "--function-name", "cli-echo")
    assert rc == 0, err
    assert got["Configuration"]["Handler"] == "lambda_function.lambda_handler"

    rc, listed, err = aws("lambda", "list-functions")
    assert rc == 0, err
    assert "cli-echo" in [f["FunctionName"] for f in listed["Functions"]]

    out = tmp_path / "out.json"
    rc, invoked, err = aws("lambda", "invoke", "--function-name", "cli-echo",
                           "--cli-binary-format", "raw-in-base64-out", "--payload", '{"n": 7}',
                           "--log-type", "Tail", str(out))
    assert rc == 0, err
    assert invoked["StatusCode"] == 200 and "FunctionError" not in invoked
    assert invoked["ExecutedVersion"] == "$LATEST"
    result = json.loads(out.read_text())
    assert result["event"] == {"n": 7} and result["stage"] == "test"
    assert result["function"] == "cli-echo"
    tail = base64.b64decode(invoked["LogResult"]).decode()
    assert "echo got {'n': 7}" in tail and "REPORT RequestId:" in tail

    v2 = make_zip(str(tmp_path / "v2.zip"), "def lambda_handler(e, c):\n    return 'v2'\n")
    rc, updated, err = aws("lambda", "update-function-code", "--function-name", "cli-echo",
                           "--zip-file", f"fileb://{v2}")
    assert rc == 0, err
    assert updated["CodeSha256"] != created["CodeSha256"]
    rc, _, err = aws("lambda", "invoke", "--function-name", "cli-echo", str(out))
    assert rc == 0, err
    assert json.loads(out.read_text()) == "v2"

    rc, _, err = aws("lambda", "delete-function", "--function-name", "cli-echo")
    assert rc == 0, err
    rc, _, err = aws("lambda", "get-function", "--function-name", "cli-echo")
    assert rc != 0 and "ResourceNotFoundException" in err


def test_errors_are_modelled_exceptions(lam):
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as e:
        lam.get_function(FunctionName="no-such-function")
    assert "Function not found: arn:aws:lambda:us-east-1:000000000000:function:no-such-function" \
        in str(e.value)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="no-such-function", Payload=b"{}")

    create(lam, "dup", ECHO)
    with pytest.raises(lam.exceptions.ResourceConflictException) as e:
        create(lam, "dup", ECHO)
    assert "Function already exist: dup" in str(e.value)

    with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
        create(lam, "node", ECHO, Runtime="nodejs18.x")
    assert "Runtime" in str(e.value) and "python3.11" in str(e.value)

    with pytest.raises(botocore.exceptions.ClientError) as e:
        create(lam, "cobol", ECHO, Runtime="cobol85")
    assert e.value.response["Error"]["Code"] == "ValidationException"
    assert "runtime" in e.value.response["Error"]["Message"]

    with pytest.raises(lam.exceptions.InvalidRequestContentException):
        lam.invoke(FunctionName="dup", Payload=b"{not json")
    lam.delete_function(FunctionName="dup")


def test_function_error_is_unhandled_with_the_error_payload(lam):
    create(lam, "raiser", "def lambda_handler(e, c):\n    raise ValueError('bad step ' + e['Step'])\n")
    r = lam.invoke(FunctionName="raiser", Payload=json.dumps({"Step": "setSecret"}).encode(),
                   LogType="Tail")
    assert r["StatusCode"] == 200
    assert r["FunctionError"] == "Unhandled"
    payload = json.loads(r["Payload"].read())
    assert payload["errorType"] == "ValueError"
    assert payload["errorMessage"] == "bad step setSecret"
    assert any("lambda_function.py" in line for line in payload["stackTrace"])
    assert "[ERROR] ValueError: bad step setSecret" in base64.b64decode(r["LogResult"]).decode()
    lam.delete_function(FunctionName="raiser")


def test_timeout_is_enforced(lam, shared_tandemd):
    create(lam, "sleeper", "import time\ndef lambda_handler(e, c):\n    time.sleep(60)\n", Timeout=1)
    started = time.monotonic()
    r = lam.invoke(FunctionName="sleeper", Payload=b"{}")
    elapsed = time.monotonic() - started
    assert elapsed < 5, elapsed
    assert r["FunctionError"] == "Unhandled"
    assert "Task timed out after 1.00 seconds" in json.loads(r["Payload"].read())["errorMessage"]
    # tandemd is unharmed and the log says what happened.
    assert shared_tandemd.health()[0] == 200
    log = open(os.path.join(shared_tandemd.data_dir, "functions", "us-east-1", "sleeper",
                            "function.log")).read()
    assert "Task timed out after 1.00 seconds" in log
    lam.delete_function(FunctionName="sleeper")


def test_permissions_are_stored(aws, lam):
    create(lam, "guarded", ECHO)
    rc, added, err = aws("lambda", "add-permission", "--function-name", "guarded",
                         "--statement-id", "SecretsManagerAccess", "--action",
                         "lambda:InvokeFunction", "--principal", "secretsmanager.amazonaws.com")
    assert rc == 0, err
    statement = json.loads(added["Statement"])
    assert statement["Principal"] == {"Service": "secretsmanager.amazonaws.com"}
    assert statement["Resource"] == "arn:aws:lambda:us-east-1:000000000000:function:guarded"
    rc, _, err = aws("lambda", "add-permission", "--function-name", "guarded", "--statement-id",
                     "SecretsManagerAccess", "--action", "lambda:InvokeFunction", "--principal",
                     "secretsmanager.amazonaws.com")
    assert rc != 0 and "ResourceConflictException" in err
    policy = json.loads(lam.get_policy(FunctionName="guarded")["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["SecretsManagerAccess"]
    rc, _, err = aws("lambda", "remove-permission", "--function-name", "guarded",
                     "--statement-id", "SecretsManagerAccess")
    assert rc == 0, err
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.remove_permission(FunctionName="guarded", StatementId="SecretsManagerAccess")
    lam.delete_function(FunctionName="guarded")


SECRETS_READER = """
import hashlib, os, socket, ssl
from urllib.parse import urlparse
import boto3

def lambda_handler(event, context):
    client = boto3.client("secretsmanager", endpoint_url=os.environ["SECRETS_MANAGER_ENDPOINT"])
    value = client.get_secret_value(SecretId=event["SecretId"])["SecretString"]
    # What AWS's MySQL templates pass as ssl={'ca': ...} verifies Tandem's certificates.
    url = urlparse(os.environ["SECRETS_MANAGER_ENDPOINT"])
    ctx = ssl.create_default_context(cafile="/etc/pki/tls/cert.pem")
    with socket.create_connection((url.hostname, url.port), timeout=5) as sock:
        with ctx.wrap_socket(sock, server_hostname=url.hostname) as tls:
            verified = tls.version()
    # The function's key is scoped to Secrets Manager: RDS refuses it.
    rds = boto3.client("rds", endpoint_url=os.environ["SECRETS_MANAGER_ENDPOINT"])
    try:
        rds.describe_db_instances()
        rds_error = None
    except Exception as e:  # botocore ClientError
        rds_error = getattr(e, "response", {}).get("Error", {}).get("Code", repr(e))
    pki = open("/etc/pki/tls/cert.pem").read()
    bundle = open("rds-combined-ca-bundle.pem").read()
    # Digests, not the files: answers stay small.
    return {"value": value, "verified": verified, "pki_ends_with_bundle": pki.endswith(bundle),
            "bundle_sha256": hashlib.sha256(bundle.encode()).hexdigest(), "uid": os.getuid(),
            "rds_error": rds_error, "key": os.environ["AWS_ACCESS_KEY_ID"]}
"""


def test_function_reaches_secrets_manager_with_its_environment(tandemd):
    server = tandemd(tls=True)
    sm = server.client()
    sm.create_secret(Name="app/db", SecretString='{"password": "s3cr3t"}')
    lam = server.client(service="lambda")
    create(lam, "reader", SECRETS_READER, Timeout=30)
    r = lam.invoke(FunctionName="reader", Payload=json.dumps({"SecretId": "app/db"}).encode(),
                   LogType="Tail")
    payload = json.loads(r["Payload"].read())
    assert "FunctionError" not in r, (payload, base64.b64decode(r["LogResult"]).decode())
    assert payload["value"] == '{"password": "s3cr3t"}'
    assert payload["rds_error"] == "AccessDenied"
    assert payload["key"] != server.credentials()[0], "functions never get the root key"
    tandem_ca = open(server.ca_bundle).read()
    assert payload["bundle_sha256"] == hashlib.sha256(tandem_ca.encode()).hexdigest()
    if os.geteuid() == 0:
        assert payload["pki_ends_with_bundle"]
        assert payload["verified"].startswith("TLS")
        assert payload["uid"] != 0
    assert not os.path.exists("/etc/pki/tls/cert.pem") or tandem_ca not in open(
        "/etc/pki/tls/cert.pem").read()


def test_trivial_invoke_latency(lam, capsys):
    create(lam, "noop", "def lambda_handler(e, c):\n    return 1\n")
    times = []
    for _ in range(20):
        started = time.monotonic()
        r = lam.invoke(FunctionName="noop", Payload=b"{}")
        times.append((time.monotonic() - started) * 1000)
        assert r["Payload"].read() == b"1"
    p50 = statistics.median(times)
    with capsys.disabled():
        print(f"\ntrivial Python function invoke: p50 {p50:.1f} ms, max {max(times):.1f} ms (n=20)")
    assert p50 < 2000
    lam.delete_function(FunctionName="noop")


def test_event_and_dry_run_invocations(lam, shared_tandemd):
    create(lam, "async", "def lambda_handler(e, c):\n    print('async ran', e['n'])\n")
    assert lam.invoke(FunctionName="async", InvocationType="DryRun")["StatusCode"] == 204
    r = lam.invoke(FunctionName="async", InvocationType="Event", Payload=b'{"n": 42}')
    assert r["StatusCode"] == 202
    log_path = os.path.join(shared_tandemd.data_dir, "functions", "us-east-1", "async",
                            "function.log")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if os.path.exists(log_path) and "async ran 42" in open(log_path).read():
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the Event invocation did not run")
    lam.delete_function(FunctionName="async")
