"""Secret rotation end to end with the real aws CLI and boto3 against a Tandem DB instance:
Tandem's built-in MySQL rotators (single user, alternating users) run through the
four-step protocol, schedules with the test clock, and a rotation that fails.

Every connection to the database verifies Tandem's CA and the host name.
"""

import json
import time

import pymysql
import pytest

from test_rds_instances import connect, create, query

REGION = "us-east-1"
ACCOUNT = "000000000000"
SINGLE_USER = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:tandem-mysql-single-user"
ALTERNATING = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:tandem-mysql-alternating-users"
MASTER_PASSWORD = "Master-Passw0rd-1"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """One tandemd (test clock on) with one DB instance and an application user."""
    from conftest import ServerLauncher

    launcher = ServerLauncher(str(tmp_path_factory.mktemp("rotation")))
    try:
        server = launcher("--enable-test-clock", engine_nodes=True)
        instance = create(server, "rotdb", MasterUserPassword=MASTER_PASSWORD)
        yield server, instance
    finally:
        launcher.stop_all()


def master(server, instance):
    return connect(instance, "admin", MASTER_PASSWORD, ca=server.ca_bundle)


def make_user(server, instance, user, password):
    with master(server, instance) as conn:
        query(conn, f"CREATE USER '{user}'@'%%' IDENTIFIED BY %s REQUIRE SSL", (password,))
        query(conn, f"GRANT SELECT, INSERT ON *.* TO '{user}'@'%'")


def secret_string(instance, user, password, **extra):
    value = {"engine": "mysql", "host": instance["Endpoint"]["Address"],
             "port": instance["Endpoint"]["Port"], "username": user, "password": password}
    value.update(extra)
    return json.dumps(value)


def can_log_in(server, instance, user, password):
    try:
        with connect(instance, user, password, ca=server.ca_bundle) as conn:
            return query(conn, "SELECT CURRENT_USER()")[0][0].startswith(user + "@")
    except pymysql.err.OperationalError as e:
        assert e.args[0] == 1045, e  # access denied, nothing else
        return False


def stages(sm, secret_id):
    return sm.describe_secret(SecretId=secret_id)["VersionIdsToStages"]


def wait_rotated(server, secret_id, token, timeout=30.0):
    """Waits until the rotation of version token is complete (the engine's record gone and
    AWSCURRENT on token); returns the secret's value."""
    sm = server.client()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (stages(sm, secret_id).get(token) == ["AWSCURRENT"]
                and not [r for r in rotations(server) if r["VersionId"] == token]):
            return sm.get_secret_value(SecretId=secret_id)
        time.sleep(0.05)
    raise AssertionError(f"not rotated: {stages(sm, secret_id)}, {rotations(server)}")


def wait_configuration_tested(server, secret_id, timeout=30.0):
    """Waits until the test that RotateSecret(RotateImmediately=False) runs is over: no
    AWSPENDING copy left and no engine record for the secret."""
    sm = server.client()
    arn = sm.describe_secret(SecretId=secret_id)["ARN"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = [v for v, labels in stages(sm, secret_id).items() if "AWSPENDING" in labels]
        if not pending and not [r for r in rotations(server) if r["SecretId"] == arn]:
            return
        time.sleep(0.05)
    raise AssertionError(f"configuration test not over: {stages(sm, secret_id)}")


def rotations(server):
    answer = server.raw("GET", "/_tandem/rotations")
    assert answer.status == 200
    return answer.json()["Rotations"]


def test_single_user_rotation_with_the_cli(db):
    server, instance = db
    make_user(server, instance, "app", "first-Passw0rd")
    sm = server.client()
    created = sm.create_secret(Name="app/db", SecretString=secret_string(instance, "app",
                                                                          "first-Passw0rd"))
    started = time.monotonic()
    rc, out, err = server.aws("secretsmanager", "rotate-secret", "--secret-id", "app/db",
                              "--rotation-lambda-arn", SINGLE_USER,
                              "--rotation-rules", "AutomaticallyAfterDays=30")
    assert rc == 0, err
    token = out["VersionId"]
    assert out["Name"] == "app/db"
    value = wait_rotated(server, "app/db", token)
    seconds = time.monotonic() - started
    new = json.loads(value["SecretString"])
    assert new["username"] == "app" and new["password"] != "first-Passw0rd"
    assert can_log_in(server, instance, "app", new["password"])
    assert not can_log_in(server, instance, "app", "first-Passw0rd")
    versions = stages(sm, "app/db")
    assert versions == {created["VersionId"]: ["AWSPREVIOUS"], token: ["AWSCURRENT"]}
    # Through the CLI: Debian's boto3 1.26 predates NextRotationDate.
    rc, described, err = server.aws("secretsmanager", "describe-secret", "--secret-id", "app/db")
    assert rc == 0, err
    assert described["RotationEnabled"] is True
    assert described["RotationLambdaARN"] == SINGLE_USER
    assert "LastRotatedDate" in described and "NextRotationDate" in described, described
    assert rotations(server) == []
    print(f"\nbuilt-in single-user rotation through the CLI: {seconds:.2f} s")

    # Again: the previous password is the one just replaced.
    again = sm.rotate_secret(SecretId="app/db")
    third = json.loads(wait_rotated(server, "app/db", again["VersionId"])["SecretString"])
    assert can_log_in(server, instance, "app", third["password"])
    assert not can_log_in(server, instance, "app", new["password"])
    assert stages(sm, "app/db")[token] == ["AWSPREVIOUS"]


def test_alternating_users_rotation_clones_the_user(db):
    server, instance = db
    make_user(server, instance, "svc", "svc-Passw0rd-1")
    sm = server.client()
    master_secret = sm.create_secret(Name="rotdb/master",
                                     SecretString=secret_string(instance, "admin",
                                                                MASTER_PASSWORD))
    sm.create_secret(Name="svc/db", SecretString=secret_string(
        instance, "svc", "svc-Passw0rd-1", masterarn=master_secret["ARN"]))
    first = sm.rotate_secret(SecretId="svc/db", RotationLambdaARN=ALTERNATING,
                             RotationRules={"AutomaticallyAfterDays": 7})
    clone = json.loads(wait_rotated(server, "svc/db", first["VersionId"])["SecretString"])
    assert clone["username"] == "svc_clone"
    assert can_log_in(server, instance, "svc_clone", clone["password"])
    assert can_log_in(server, instance, "svc", "svc-Passw0rd-1"), "the other user keeps working"
    with master(server, instance) as conn:
        grants = [g[0] for g in query(conn, "SHOW GRANTS FOR 'svc_clone'@'%'")]
        ssl = query(conn, "SELECT ssl_type FROM mysql.user WHERE user = 'svc_clone'")
    assert any("SELECT, INSERT ON *.*" in g for g in grants), grants
    assert ssl[0][0] == "ANY", "the clone requires TLS as the original does"

    second = sm.rotate_secret(SecretId="svc/db")
    back = json.loads(wait_rotated(server, "svc/db", second["VersionId"])["SecretString"])
    assert back["username"] == "svc" and back["password"] != "svc-Passw0rd-1"
    assert can_log_in(server, instance, "svc", back["password"])
    assert can_log_in(server, instance, "svc_clone", clone["password"])


def test_a_failing_rotation_leaves_the_secret_as_aws_does_and_says_why(db):
    server, instance = db
    make_user(server, instance, "broken", "right-Passw0rd")
    sm = server.client()
    created = sm.create_secret(Name="broken/db", SecretString=secret_string(
        instance, "broken", "wrong-Passw0rd"))
    started = sm.rotate_secret(SecretId="broken/db", RotationLambdaARN=SINGLE_USER)
    token = started["VersionId"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        mine = [r for r in rotations(server) if r["VersionId"] == token]
        if mine and mine[0]["Attempts"] >= 1:
            break
        time.sleep(0.05)
    assert mine and mine[0]["NextStep"] == "setSecret", rotations(server)
    assert "setSecret" in mine[0]["LastError"] and "broken" in mine[0]["LastError"]
    assert "right-Passw0rd" not in json.dumps(rotations(server))
    assert "wrong-Passw0rd" not in json.dumps(rotations(server))
    assert "wrong-Passw0rd" not in server.log_text()
    versions = stages(sm, "broken/db")
    assert versions[created["VersionId"]] == ["AWSCURRENT"]
    assert versions[token] == ["AWSPENDING"]
    assert can_log_in(server, instance, "broken", "right-Passw0rd")

    # Another rotation is refused with AWS's words while this one is pending.
    with pytest.raises(sm.exceptions.InvalidRequestException) as refused:
        sm.rotate_secret(SecretId="broken/db")
    assert "A previous rotation isn't complete" in str(refused.value)

    # Fixed (the secret's current value corrected by PutSecretValue would move AWSCURRENT;
    # here the database password is set to what the secret says), it completes.
    with master(server, instance) as conn:
        query(conn, "SET PASSWORD FOR 'broken'@'%%' = PASSWORD(%s)", ("wrong-Passw0rd",))
    with pytest.raises(sm.exceptions.InvalidRequestException):
        sm.rotate_secret(SecretId="broken/db")  # reattempts the pending rotation now
    value = json.loads(wait_rotated(server, "broken/db", token)["SecretString"])
    assert can_log_in(server, instance, "broken", value["password"])


def test_a_rate_schedule_rotates_when_due(db):
    server, instance = db
    make_user(server, instance, "sched", "sched-Passw0rd")
    sm = server.client()
    created = sm.create_secret(Name="sched/db", SecretString=secret_string(
        instance, "sched", "sched-Passw0rd"))
    sm.rotate_secret(SecretId="sched/db", RotationLambdaARN=SINGLE_USER, RotateImmediately=False,
                     RotationRules={"ScheduleExpression": "rate(4 hours)"})
    # RotateImmediately=false tests the configuration (testSecret on an AWSPENDING copy of
    # the current value, then removed), as AWS does, and rotates nothing.
    wait_configuration_tested(server, "sched/db")
    assert stages(sm, "sched/db") == {created["VersionId"]: ["AWSCURRENT"]}, "not due yet"
    assert "rotation test of " + created["ARN"] + " with " + SINGLE_USER + ": testSecret passed" \
        in server.log_text()
    assert can_log_in(server, instance, "sched", "sched-Passw0rd"), "the test changes nothing"
    next_date = server.aws("secretsmanager", "describe-secret",
                           "--secret-id", "sched/db")[1]["NextRotationDate"]

    server.advance_clock(4 * 3600 + 60)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and stages(sm, "sched/db").get(
            created["VersionId"]) != ["AWSPREVIOUS"]:
        time.sleep(0.1)
    assert stages(sm, "sched/db")[created["VersionId"]] == ["AWSPREVIOUS"]
    value = json.loads(sm.get_secret_value(SecretId="sched/db")["SecretString"])
    assert can_log_in(server, instance, "sched", value["password"])
    assert server.aws("secretsmanager", "describe-secret",
                      "--secret-id", "sched/db")[1]["NextRotationDate"] > next_date


def test_a_rotation_racing_the_configuration_test_is_refused_or_runs_never_lost(db):
    """RotateSecret right after RotateImmediately=False: while the test's AWSPENDING copy
    exists the rotation is refused as AWS refuses one during a rotation; once the test is
    over it runs. Either way the test never takes AWSPENDING from a real rotation."""
    server, instance = db
    make_user(server, instance, "race", "race-Passw0rd")
    sm = server.client()
    created = sm.create_secret(Name="race/db", SecretString=secret_string(
        instance, "race", "race-Passw0rd"))
    sm.rotate_secret(SecretId="race/db", RotationLambdaARN=SINGLE_USER, RotateImmediately=False)
    token = None
    deadline = time.monotonic() + 30
    while token is None and time.monotonic() < deadline:
        try:
            token = sm.rotate_secret(SecretId="race/db")["VersionId"]
        except sm.exceptions.InvalidRequestException as e:
            assert "A previous rotation isn't complete" in str(e), e
            time.sleep(0.01)
    assert token is not None
    value = json.loads(wait_rotated(server, "race/db", token)["SecretString"])
    assert stages(sm, "race/db") == {token: ["AWSCURRENT"], created["VersionId"]: ["AWSPREVIOUS"]}
    assert can_log_in(server, instance, "race", value["password"])
    assert not can_log_in(server, instance, "race", "race-Passw0rd")

    # Only Tandem's own components may skip the test: through the API the member is ignored.
    tested = "rotation test of " + created["ARN"] + " with "
    before = server.log_text().count(tested)
    answer = server.call("RotateSecret", {"SecretId": "race/db", "RotateImmediately": False,
                                          "ClientRequestToken": "t" * 32,
                                          "SkipRotationTest": True})
    assert answer.status in (200, 400), answer
    if answer.status == 200:
        wait_configuration_tested(server, "race/db")
        assert server.log_text().count(tested) == before + 1


def test_managed_master_password_rotates_on_demand_and_every_seven_days(db):
    from test_rds_instances import create_managed, describe_cli, managed_password

    server, plain = db
    instance = create_managed(server, "managedrot")
    arn = instance["MasterUserSecret"]["SecretArn"]
    rc, described, err = server.aws("secretsmanager", "describe-secret", "--secret-id", arn)
    assert rc == 0, err
    assert described["RotationEnabled"] is True
    assert described["RotationRules"]["AutomaticallyAfterDays"] == 7
    first = managed_password(server, instance)["password"]
    assert can_log_in(server, instance, "admin", first)

    # On demand, as RDS: only with --apply-immediately, only for a managed password.
    rc, _, err = server.aws("rds", "modify-db-instance", "--db-instance-identifier", "managedrot",
                            "--rotate-master-user-password")
    assert rc != 0 and "InvalidParameterCombination" in err, err
    rc, _, err = server.aws("rds", "modify-db-instance", "--db-instance-identifier", "rotdb",
                            "--rotate-master-user-password", "--apply-immediately")
    assert rc != 0 and "InvalidParameterCombination" in err, err
    assert can_log_in(server, plain, "admin", MASTER_PASSWORD), "nothing changed"
    rc, _, err = server.aws("rds", "modify-db-instance", "--db-instance-identifier", "managedrot",
                            "--rotate-master-user-password", "--apply-immediately")
    assert rc == 0, err
    sm = server.client()

    def next_password(previous):
        """The managed password once a rotation replaced previous and finished."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            current = managed_password(server, instance)["password"]
            if current != previous and not rotations(server):
                return current
            time.sleep(0.05)
        raise AssertionError(f"the managed password was not rotated: {rotations(server)}")

    second = next_password(first)
    assert managed_password(server, instance)["username"] == "admin"
    assert can_log_in(server, instance, "admin", second)
    assert not can_log_in(server, instance, "admin", first)
    assert describe_cli(server, "managedrot")["MasterUserSecret"]["SecretStatus"] == "active"
    versions = stages(sm, arn)
    assert sorted(map(tuple, versions.values())) == [("AWSCURRENT",), ("AWSPREVIOUS",)]

    # Seven days later the scheduler rotates it again.
    server.advance_clock(7 * 86400 + 60)
    third = next_password(second)
    assert can_log_in(server, instance, "admin", third)
