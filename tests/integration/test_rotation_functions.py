"""Secret rotation with the user's own Python rotation function, end to end: AWS's
published single-user MySQL template (functions/mysql_rotation_single_user.py, unchanged)
uploaded with `aws lambda create-function` and named by `aws secretsmanager rotate-secret`,
against an application user of a Tandem DB instance; and the ways a rotation goes wrong: a
function that raises, one that hangs, one that was deleted, the database stopped, a wrong
current password in the secret, tandemd killed in the middle, and a Multi-AZ failover
during a rotation with the built-in single-user rotator.

What every test checks at the end: the password the database accepts is AWSCURRENT's (or,
for a rotation that failed, AWSCURRENT and the database are both unchanged), and no version
was lost.

Runs in a network namespace of the module's own with kernel-path endpoints (the `netns`
fixture of test_rds_instances.py); every process started here is stopped by pid.
"""

import base64
import json
import os
import shutil
import time
import uuid
import zipfile

import pytest

from conftest import ServerLauncher
from failover_tools import kill9_primary, node_connect, wait_redundant, wait_until
from test_rds_instances import (  # noqa: F401 - netns is a fixture used by name
    connect,
    create,
    describe,
    netns,
    query,
    rds,
    wait_status,
)
from test_rotation import (can_log_in, rotations, secret_string, stages,
                           wait_configuration_tested, wait_rotated)

REGION = "us-east-1"
ACCOUNT = "000000000000"
ROLE = "arn:aws:iam::000000000000:role/lambda-rotation"
SINGLE_USER_BUILTIN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:tandem-mysql-single-user"
MASTER_PASSWORD = "Master-Passw0rd-1"
TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "functions",
                        "mysql_rotation_single_user.py")
FUNCTION = "mysql-single-user"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}"
ACCESS_DENIED = ("Secrets Manager cannot invoke the specified Lambda function. Ensure that the "
                 "function policy grants access to the principal secretsmanager.amazonaws.com.")


# ----- fixtures ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def env(netns, tmp_path_factory):
    """One tandemd (test clock, kernel endpoints) with one single-AZ DB instance and the
    template uploaded as a function through the aws CLI."""
    tmp = tmp_path_factory.mktemp("rotation-functions")
    launcher = ServerLauncher(str(tmp))
    try:
        server = launcher("--enable-test-clock", "--endpoint-mode", "kernel", engine_nodes=True)
        instance = create(server, "rfdb", MasterUserPassword=MASTER_PASSWORD)
        code = tmp / "template.zip"
        with zipfile.ZipFile(code, "w") as z:
            z.write(TEMPLATE, "lambda_function.py")
        rc, created, err = server.aws(
            "lambda", "create-function", "--function-name", FUNCTION, "--runtime", "python3.11",
            "--handler", "lambda_function.lambda_handler", "--role", ROLE,
            "--zip-file", f"fileb://{code}", "--timeout", "30")
        assert rc == 0, err
        assert created["FunctionArn"] == FUNCTION_ARN
        yield server, instance, tmp
    finally:
        for s in launcher.servers:
            if os.path.exists(s.log_path):
                shutil.copy(s.log_path, tmp / "tandemd.log")
        launcher.stop_all()


# ----- helpers ------------------------------------------------------------------------

def master(server, instance):
    return connect(instance, "admin", MASTER_PASSWORD, ca=server.ca_bundle)


def make_user(server, instance, user, password):
    with master(server, instance) as conn:
        query(conn, f"CREATE USER '{user}'@'%%' IDENTIFIED BY %s REQUIRE SSL", (password,))
        query(conn, f"GRANT SELECT ON *.* TO '{user}'@'%'")


def wrapper_function(server, tmp, name, wrapper_code, timeout=30, env=None):
    """A function whose zip holds the template as lambda_function.py, unchanged, and a
    wrapper module (handler wrapper.lambda_handler) that misbehaves around it."""
    code = tmp / f"{name}.zip"
    with zipfile.ZipFile(code, "w") as z:
        z.write(TEMPLATE, "lambda_function.py")
        z.writestr("wrapper.py", wrapper_code)
    args = ["lambda", "create-function", "--function-name", name, "--runtime", "python3.11",
            "--handler", "wrapper.lambda_handler", "--role", ROLE,
            "--zip-file", f"fileb://{code}", "--timeout", str(timeout)]
    if env:
        args += ["--environment", json.dumps({"Variables": env})]
    rc, created, err = server.aws(*args)
    assert rc == 0, err
    return created["FunctionArn"]


def in_sync(instance):
    return any(info.get("Normal") for info in instance.get("StatusInfos", []))


def record(server, token):
    mine = [r for r in rotations(server) if r["VersionId"] == token]
    return mine[0] if mine else None


def wait_attempts(server, token, attempts=1, timeout=40.0):
    """Waits until the rotation of token failed `attempts` times in a row; returns its record."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mine = record(server, token)
        if mine and mine["Attempts"] >= attempts:
            return mine
        time.sleep(0.05)
    raise AssertionError(f"rotation {token} did not fail {attempts} times: {rotations(server)}")


def wait_failed(server, token, timeout=60.0):
    """Skips the back-off with the test clock until the rotation is "failed" (every attempt
    used up); returns its record."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mine = record(server, token)
        assert mine is not None, f"rotation {token} gone: {rotations(server)}"
        if mine["State"] == "failed":
            return mine
        server.advance_clock(20)  # past the longest back-off before "failed" (8 s)
        time.sleep(0.3)
    raise AssertionError(f"rotation {token} not failed within {timeout}s: {rotations(server)}")


def value(sm, secret_id, **kwargs):
    return json.loads(sm.get_secret_value(SecretId=secret_id, **kwargs)["SecretString"])


def function_log(server, name):
    path = os.path.join(server.data_dir, "functions", REGION, name, "function.log")
    with open(path) as f:
        return f.read()


def forget(sm, secret_id):
    """Deletes a secret whose failed rotation would otherwise be retried (the engine drops
    a rotation whose secret is gone)."""
    sm.delete_secret(SecretId=secret_id, ForceDeleteWithoutRecovery=True)


# ----- (a) the template, end to end ---------------------------------------------------------

def test_template_rotates_an_application_user_end_to_end(env):
    server, instance, tmp = env
    make_user(server, instance, "app", "first-Passw0rd")
    sm = server.client()
    created = sm.create_secret(Name="app/template", SecretString=secret_string(
        instance, "app", "first-Passw0rd", dbname="mysql"))
    started = time.monotonic()
    rc, out, err = server.aws("secretsmanager", "rotate-secret", "--secret-id", "app/template",
                              "--rotation-lambda-arn", FUNCTION_ARN)
    assert rc == 0, err
    token = out["VersionId"]
    new = json.loads(wait_rotated(server, "app/template", token)["SecretString"])
    seconds = time.monotonic() - started

    # The new password works over verified TLS, the old one is refused.
    assert new["password"] != "first-Passw0rd" and len(new["password"]) == 32
    assert not set(new["password"]) & set("/@\"'\\"), "EXCLUDE_CHARACTERS default"
    assert {k: v for k, v in new.items() if k != "password"} == {
        k: v for k, v in json.loads(secret_string(instance, "app", "x", dbname="mysql")).items()
        if k != "password"}, "every other field carried over"
    assert can_log_in(server, instance, "app", new["password"])
    assert not can_log_in(server, instance, "app", "first-Passw0rd")
    # Labels moved as on AWS; nothing else left.
    assert stages(sm, "app/template") == {created["VersionId"]: ["AWSPREVIOUS"],
                                          token: ["AWSCURRENT"]}
    assert value(sm, "app/template", VersionStage="AWSPREVIOUS")["password"] == "first-Passw0rd"
    assert record(server, token) is None
    rc, described, err = server.aws("secretsmanager", "describe-secret",
                                    "--secret-id", "app/template")
    assert rc == 0, err
    assert described["RotationEnabled"] is True and "LastRotatedDate" in described
    assert described["RotationLambdaARN"] == FUNCTION_ARN

    # The function's log: every step ran, the database logins went over TLS verified with
    # /etc/pki/tls/cert.pem (the user requires TLS, so plaintext could not have worked).
    log = function_log(server, FUNCTION)
    for line in ["createSecret: Successfully put secret",
                 "setSecret: Successfully set password for user app",
                 "testSecret: Successfully signed into MySQL DB with AWSPENDING secret",
                 "finishSecret: Successfully set AWSCURRENT stage to version " + token,
                 "Successfully established SSL/TLS connection as user 'app'"]:
        assert line in log, (line, log[-3000:])
    assert "non SSL/TLS connection as user 'app'" not in log
    assert new["password"] not in log and new["password"] not in server.log_text()

    # The log through the Lambda API: the template run by hand on the finished version.
    out_path = tmp / "invoke.json"
    rc, invoked, err = server.aws(
        "lambda", "invoke", "--function-name", FUNCTION, "--cli-binary-format",
        "raw-in-base64-out", "--log-type", "Tail", "--payload", json.dumps(
            {"SecretId": created["ARN"], "ClientRequestToken": token, "Step": "testSecret"}),
        str(out_path))
    assert rc == 0, err
    assert "FunctionError" not in invoked, out_path.read_text()
    tail = base64.b64decode(invoked["LogResult"]).decode()
    assert f"already set as AWSCURRENT for secret {created['ARN']}" in tail, tail
    print(f"\nPython template rotation through the CLI: {seconds:.2f} s")


# ----- (d) a function deleted after being configured ------------------------------------------

def test_deleted_function_is_refused_with_access_denied(env):
    server, instance, tmp = env
    make_user(server, instance, "orphan", "orphan-Passw0rd")
    sm = server.client()
    arn = wrapper_function(server, tmp, "doomed", "from lambda_function import lambda_handler\n")
    created = sm.create_secret(Name="app/doomed", SecretString=secret_string(
        instance, "orphan", "orphan-Passw0rd"))
    rc, _, err = server.aws("secretsmanager", "rotate-secret", "--secret-id", "app/doomed",
                            "--rotation-lambda-arn", arn, "--no-rotate-immediately",
                            "--rotation-rules", "AutomaticallyAfterDays=30")
    assert rc == 0, err
    wait_configuration_tested(server, "app/doomed")
    rc, _, err = server.aws("lambda", "delete-function", "--function-name", "doomed")
    assert rc == 0, err

    rc, _, err = server.aws("secretsmanager", "rotate-secret", "--secret-id", "app/doomed")
    assert rc != 0
    assert "AccessDeniedException" in err and ACCESS_DENIED in err, err
    assert stages(sm, "app/doomed") == {created["VersionId"]: ["AWSCURRENT"]}
    assert [r for r in rotations(server) if r["SecretId"] == created["ARN"]] == []
    assert can_log_in(server, instance, "orphan", "orphan-Passw0rd")
    forget(sm, "app/doomed")


# ----- (h) a Multi-AZ failover during a rotation ---------------------------------------------

def test_rotation_survives_a_multi_az_failover(env):
    server, _, _ = env
    create(server, "rfmaz", MasterUserPassword=MASTER_PASSWORD, MultiAZ=True)
    # Redundant as the nodes say, and tandemd has seen the standby in sync (else a killed
    # primary is restarted in place rather than failed over).
    instance = wait_redundant(server, "rfmaz", MASTER_PASSWORD, timeout=90, also=in_sync)
    make_user(server, instance, "maz", "maz-Passw0rd-1")
    sm = server.client()
    created = sm.create_secret(Name="app/maz", SecretString=secret_string(
        instance, "maz", "maz-Passw0rd-1"))
    old_primary = instance["AvailabilityZone"]

    started = sm.rotate_secret(SecretId="app/maz", RotationLambdaARN=SINGLE_USER_BUILTIN)
    kill9_primary(server, instance)
    token = started["VersionId"]
    wait_until(lambda: describe(server, "rfmaz")["AvailabilityZone"] != old_primary, 30,
               what="failover to the standby")
    new = json.loads(wait_rotated(server, "app/maz", token, timeout=60)["SecretString"])

    assert can_log_in(server, instance, "maz", new["password"])
    assert not can_log_in(server, instance, "maz", "maz-Passw0rd-1")
    assert stages(sm, "app/maz") == {created["VersionId"]: ["AWSPREVIOUS"],
                                     token: ["AWSCURRENT"]}
    # Once the old primary is back as the standby, both nodes hold the new password.
    instance = wait_redundant(server, "rfmaz", MASTER_PASSWORD, timeout=90)
    for zone in (instance["AvailabilityZone"], instance["SecondaryAvailabilityZone"]):
        with node_connect(server, instance, zone, new["password"], user="maz") as conn:
            assert query(conn, "SELECT CURRENT_USER()")[0][0].startswith("maz@")
    log = server.log_text()
    print("\nrotation during failover: " + "; ".join(
        line.split("rotation of ", 1)[-1][-160:] for line in log.splitlines()
        if token in line and ("failed" in line or "complete" in line)))


# ----- (g) tandemd killed in the middle of setSecret ------------------------------------------

SLOW_AFTER_SET = """
import os, time
import lambda_function

def lambda_handler(event, context):
    result = lambda_function.lambda_handler(event, context)
    marker = os.environ["MARKER"]
    if event["Step"] == "setSecret" and not os.path.exists(marker):
        open(marker, "w").close()  # the password is already changed in the database
        print("setSecret done; sleeping before returning")
        time.sleep(60)
    return result
"""


def test_tandemd_killed_during_set_secret_resumes_and_completes(env):
    server, instance, tmp = env
    marker = f"/tmp/tdr-rot-marker-{uuid.uuid4().hex}"
    try:
        arn = wrapper_function(server, tmp, "slow-set", SLOW_AFTER_SET, timeout=120,
                               env={"MARKER": marker})
        make_user(server, instance, "crash", "crash-Passw0rd")
        sm = server.client()
        created = sm.create_secret(Name="app/crash", SecretString=secret_string(
            instance, "crash", "crash-Passw0rd"))
        token = sm.rotate_secret(SecretId="app/crash", RotationLambdaARN=arn)["VersionId"]
        deadline = time.monotonic() + 30
        while not os.path.exists(marker):
            assert time.monotonic() < deadline, (rotations(server), server.log_text()[-3000:])
            time.sleep(0.02)
        assert record(server, token)["NextStep"] == "setSecret"
        server.kill9()

        # The window single-user rotation has: the database already has the pending
        # password while AWSCURRENT is still the old one (the endpoint keeps working while
        # tandemd is down). The restarted tandemd repeats setSecret and goes on.
        assert not can_log_in(server, instance, "crash", "crash-Passw0rd"), \
            "killed after the function changed the password"
        server._clients.clear()
        server.start()
        sm = server.client()
        new = json.loads(wait_rotated(server, "app/crash", token)["SecretString"])
        assert can_log_in(server, instance, "crash", new["password"])
        assert not can_log_in(server, instance, "crash", "crash-Passw0rd")
        assert stages(sm, "app/crash") == {created["VersionId"]: ["AWSPREVIOUS"],
                                           token: ["AWSCURRENT"]}
        assert value(sm, "app/crash", VersionStage="AWSPREVIOUS")["password"] == "crash-Passw0rd"
        assert "rotation of" in server.log_text()
        assert "AWSPENDING secret is already set as password" in function_log(server, "slow-set")
    finally:
        if os.path.exists(marker):
            os.unlink(marker)


# ----- (e) the database stopped during setSecret --------------------------------------------

def test_database_down_during_set_secret_retries_and_completes(env):
    server, instance, _ = env
    make_user(server, instance, "down", "down-Passw0rd")
    sm = server.client()
    created = sm.create_secret(Name="app/down", SecretString=secret_string(
        instance, "down", "down-Passw0rd"))
    rds(server).stop_db_instance(DBInstanceIdentifier="rfdb")
    wait_status(server, "rfdb", "stopped")
    try:
        token = sm.rotate_secret(SecretId="app/down", RotationLambdaARN=FUNCTION_ARN)["VersionId"]
        failed = wait_attempts(server, token, 1, timeout=60)
        assert failed["NextStep"] == "setSecret" and failed["State"] == "running", failed
        assert "Unable to log into database" in failed["LastError"], failed
        assert stages(sm, "app/down")[created["VersionId"]] == ["AWSCURRENT"]
    finally:
        rds(server).start_db_instance(DBInstanceIdentifier="rfdb")
        wait_status(server, "rfdb", "available")
    # The next attempt (after its back-off) completes the rotation.
    new = json.loads(wait_rotated(server, "app/down", token, timeout=30)["SecretString"])
    assert can_log_in(server, instance, "down", new["password"])
    assert not can_log_in(server, instance, "down", "down-Passw0rd")
    assert stages(sm, "app/down") == {created["VersionId"]: ["AWSPREVIOUS"],
                                      token: ["AWSCURRENT"]}


# ----- (b) a function that raises in setSecret ----------------------------------------------

RAISE_IN_SET = """
import lambda_function

class RotationRefused(Exception):
    pass

def lambda_handler(event, context):
    if event["Step"] == "setSecret":
        raise RotationRefused("this deployment refuses to change passwords today")
    return lambda_function.lambda_handler(event, context)
"""


def test_function_raising_in_set_secret_fails_the_rotation_and_changes_nothing(env):
    server, instance, tmp = env
    arn = wrapper_function(server, tmp, "raise-set", RAISE_IN_SET)
    make_user(server, instance, "raiser", "raiser-Passw0rd")
    sm = server.client()
    created = sm.create_secret(Name="app/raise", SecretString=secret_string(
        instance, "raiser", "raiser-Passw0rd"))
    token = sm.rotate_secret(SecretId="app/raise", RotationLambdaARN=arn)["VersionId"]
    failed = wait_failed(server, token)
    assert failed["NextStep"] == "setSecret" and failed["Attempts"] == 5, failed
    assert "setSecret" in failed["LastError"], failed
    assert "RotationRefused: this deployment refuses to change passwords today" \
        in failed["LastError"], failed
    # As AWS leaves it: AWSCURRENT untouched, AWSPENDING on the new version.
    assert stages(sm, "app/raise") == {created["VersionId"]: ["AWSCURRENT"],
                                       token: ["AWSPENDING"]}
    assert value(sm, "app/raise")["password"] == "raiser-Passw0rd"
    assert can_log_in(server, instance, "raiser", "raiser-Passw0rd")
    pending = value(sm, "app/raise", VersionId=token, VersionStage="AWSPENDING")["password"]
    assert not can_log_in(server, instance, "raiser", pending)
    assert pending not in json.dumps(rotations(server)) and pending not in server.log_text()
    log = function_log(server, "raise-set")
    assert log.count("RotationRefused: this deployment refuses") >= 5, log[-2000:]
    with pytest.raises(sm.exceptions.InvalidRequestException) as refused:
        sm.rotate_secret(SecretId="app/raise")
    assert "A previous rotation isn't complete" in str(refused.value)
    forget(sm, "app/raise")


# ----- (c) a function that hangs ------------------------------------------------------------

HANG_IN_SET = """
import time
import lambda_function

def lambda_handler(event, context):
    if event["Step"] == "setSecret":
        print("hanging in setSecret")
        time.sleep(600)
    return lambda_function.lambda_handler(event, context)
"""


def test_hanging_function_times_out_and_tandemd_keeps_serving(env):
    server, instance, tmp = env
    arn = wrapper_function(server, tmp, "hang-set", HANG_IN_SET, timeout=2)
    make_user(server, instance, "hanger", "hanger-Passw0rd")
    sm = server.client()
    created = sm.create_secret(Name="app/hang", SecretString=secret_string(
        instance, "hanger", "hanger-Passw0rd"))
    token = sm.rotate_secret(SecretId="app/hang", RotationLambdaARN=arn)["VersionId"]
    # While the function hangs in setSecret (createSecret recorded), tandemd answers at once.
    deadline = time.monotonic() + 10
    while (record(server, token) or {}).get("NextStep") != "setSecret":
        assert time.monotonic() < deadline, rotations(server)
        time.sleep(0.02)
    latencies = []
    for _ in range(10):
        t = time.monotonic()
        assert server.health()[0] == 200
        assert value(sm, "app/hang")["password"] == "hanger-Passw0rd"
        server.client(service="lambda").get_function(FunctionName="hang-set")
        latencies.append(time.monotonic() - t)
        time.sleep(0.1)
    assert max(latencies) < 1.0, latencies
    failed = wait_attempts(server, token, 1, timeout=20)
    assert failed["NextStep"] == "setSecret", failed
    assert "Task timed out after 2.00 seconds" in failed["LastError"], failed
    assert stages(sm, "app/hang") == {created["VersionId"]: ["AWSCURRENT"],
                                      token: ["AWSPENDING"]}
    assert can_log_in(server, instance, "hanger", "hanger-Passw0rd")
    forget(sm, "app/hang")


# ----- (f) a wrong current password in the secret --------------------------------------------

def test_wrong_current_password_fails_and_loses_nothing(env):
    server, instance, _ = env
    make_user(server, instance, "wrong", "right-Passw0rd")
    sm = server.client()
    original = secret_string(instance, "wrong", "wrong-Passw0rd")
    created = sm.create_secret(Name="app/wrong", SecretString=original)
    token = sm.rotate_secret(SecretId="app/wrong", RotationLambdaARN=FUNCTION_ARN)["VersionId"]
    failed = wait_failed(server, token)
    assert failed["NextStep"] == "setSecret", failed
    assert "ValueError: Unable to log into database with previous, current, or pending secret" \
        in failed["LastError"], failed
    assert sm.get_secret_value(SecretId="app/wrong")["SecretString"] == original
    assert stages(sm, "app/wrong") == {created["VersionId"]: ["AWSCURRENT"],
                                       token: ["AWSPENDING"]}
    assert can_log_in(server, instance, "wrong", "right-Passw0rd")
    assert "right-Passw0rd" not in json.dumps(rotations(server))
    assert "wrong-Passw0rd" not in server.log_text()

    # Once the database agrees with the secret, RotateSecret reattempts and it completes.
    with master(server, instance) as conn:
        query(conn, "SET PASSWORD FOR 'wrong'@'%%' = PASSWORD(%s)", ("wrong-Passw0rd",))
    with pytest.raises(sm.exceptions.InvalidRequestException):
        sm.rotate_secret(SecretId="app/wrong")
    new = json.loads(wait_rotated(server, "app/wrong", token)["SecretString"])
    assert can_log_in(server, instance, "wrong", new["password"])
    assert not can_log_in(server, instance, "wrong", "wrong-Passw0rd")
    assert stages(sm, "app/wrong") == {created["VersionId"]: ["AWSPREVIOUS"],
                                       token: ["AWSCURRENT"]}
