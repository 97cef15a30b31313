"""tandem-meter against a real Multi-AZ instance: a forced failover and a kill -9 of the
primary measured from the client's side (--json and --timeline checked), the connection
read from Secrets Manager (--secret-id), TLS verification failing loudly with a wrong CA,
and `verify` naming an acknowledged row deleted behind the meter's back.

Like test_multi_az.py, everything runs inside a network namespace of the module's own
(the `netns` fixture), endpoints on the kernel path. Every process started here is
stopped by pid, pass or fail: tandemd and its nodes by the launcher, each tandem-meter
run by `MeterRun`.
"""

import json
import os
import shutil
import signal
import subprocess
import time
import uuid
import xml.etree.ElementTree as ET

import pytest

from conftest import ServerLauncher
from failover_tools import kill9_primary, node_connect, wait_redundant, wait_until
from tandem_server import REPO_ROOT, isolated_process_env
from test_rds_instances import (  # noqa: F401 - netns and wrong_ca are fixtures used by name
    connect,
    create,
    create_managed,
    describe,
    managed_password,
    netns,
    query,
    rds,
    wait_gone,
    wrong_ca,
)

USER = "admin"
PASSWORD = "Meter-Passw0rd"
REDUNDANCY_TIMEOUT = 120.0
METER_TIMEOUT = 60.0  # one meter run, failover and settling included


def meter_binary():
    bin_dir = os.environ.get("TANDEM_BIN_DIR") or os.path.join(REPO_ROOT, "build", "bin")
    path = os.path.join(bin_dir, "tandem-meter")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise AssertionError(f"tandem-meter not found at {path}: build it first or set "
                             "TANDEM_BIN_DIR")
    return path


# ----- fixtures -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def meter_tandemd(netns, tmp_path_factory):
    keep = tmp_path_factory.mktemp("meter")
    launcher = ServerLauncher(str(keep))
    try:
        yield launcher("--endpoint-mode", "kernel", engine_nodes=True)
    finally:
        for s in launcher.servers:
            if os.path.exists(s.log_path):
                shutil.copy(s.log_path, keep / "tandemd.log")
        launcher.stop_all()


@pytest.fixture(scope="module")
def maz_instance(meter_tandemd):
    """A Multi-AZ instance with a plain master password, deleted after the module."""
    server = meter_tandemd
    ident = "meter-maz"
    try:
        create(server, ident, MasterUserPassword=PASSWORD, MultiAZ=True)
        yield wait_redundant(server, ident, PASSWORD, timeout=REDUNDANCY_TIMEOUT)
    finally:
        delete_instance(server, ident)


def delete_instance(server, ident):
    try:
        rds(server).delete_db_instance(DBInstanceIdentifier=ident, SkipFinalSnapshot=True)
        wait_gone(server, ident, timeout=60)
    except Exception:  # noqa: BLE001 - never created, or tandemd down: the launcher kills nodes
        pass


# ----- running the meter ----------------------------------------------------------------------

def endpoint_flags(server, instance, ca=None):
    endpoint = instance["Endpoint"]
    return ["--host", endpoint["Address"], "--port", str(endpoint["Port"]),
            "--ssl-ca", ca or server.ca_bundle]


def password_flags(server, instance, ca=None):
    return endpoint_flags(server, instance, ca) + ["--user", USER, "--password", PASSWORD]


def meter_env(server, tmp_path):
    """The meter's environment: only tandemd's credentials file, nothing of the user's."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return isolated_process_env({"HOME": str(home),
                                 "AWS_SHARED_CREDENTIALS_FILE": server.credentials_path,
                                 "AWS_CONFIG_FILE": os.devnull})


def meter(args, env, timeout=METER_TIMEOUT):
    """Runs tandem-meter to completion: CompletedProcess with text output."""
    return subprocess.run([meter_binary(), *args], env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


class MeterRun:
    """`tandem-meter run` in the background; always stopped by pid when the block ends."""

    def __init__(self, args, env):
        self.args = args
        self.env = env
        self.proc = None
        self.stdout = self.stderr = None

    def __enter__(self):
        self.proc = subprocess.Popen([meter_binary(), "run", *self.args], env=self.env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     stdin=subprocess.DEVNULL)
        return self

    def wait(self, timeout=METER_TIMEOUT):
        self.stdout, self.stderr = self.proc.communicate(timeout=timeout)
        return self.proc.returncode

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.communicate(timeout=10)

    def describe(self):
        return f"rc={self.proc.returncode}\n--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"


def rows_written(instance, password, run_id, ca):
    with connect(instance, USER, password, ca=ca) as conn:
        return query(conn, "SELECT COUNT(*) FROM db_test_meter.db_sync WHERE test_run_id = %s",
                     (run_id,))[0][0]


def measure(server, instance, password, cred_flags, env, tmp_path, cause):
    """Runs the meter through one failover that cause() triggers once the meter has written;
    returns (parsed JSON report, MeterRun, timeline path)."""
    run_id = f"t-{uuid.uuid4().hex[:10]}"
    report_path = tmp_path / f"{run_id}.json"
    timeline_path = tmp_path / f"{run_id}.svg"
    args = ["--test-run-id", run_id, "--failovers", "1", "--loop-time", "0.1",
            "--settle-seconds", "1", "--max-seconds", "45", "--json", str(report_path),
            "--timeline", str(timeline_path), *cred_flags]
    with MeterRun(args, env) as run:
        wait_until(lambda: run.proc.poll() is not None or
                   rows_written(instance, password, run_id, server.ca_bundle) >= 5, 20,
                   what="the meter's first acknowledged writes")
        assert run.proc.poll() is None, f"the meter ended early: {run.proc.communicate()}"
        cause()
        rc = run.wait()
    print(f"\n{run.stdout}")
    assert rc == 0, run.describe()
    assert "\r" not in run.stdout, "a progress line went to a pipe"
    with open(report_path) as f:
        report = json.load(f)
    return report, run, timeline_path


def assert_one_clean_failover(report, run):
    assert report["writes_lost"] == 0, run.describe()
    assert report["missing_ids"] == []
    assert report["verified"] is True
    assert len(report["failovers"]) >= 1, run.describe()
    f = report["failovers"][0]
    assert 0 < f["outage_ms"] < 5000, f
    assert f["node_before"]["hostname"] != f["node_after"]["hostname"], f
    assert f["node_before"]["server_id"] != f["node_after"]["server_id"], f
    assert f["node_after"]["read_only"] is False, f
    assert f["last_acknowledged_id_before"] < f["first_acknowledged_id_after"], f
    assert (f["failed_attempts"] > 0) == (f["detected_by"] == "failed writes"), f
    assert report["acknowledged_ids_count"] == len(report["acknowledged_ids"]) > 0
    attempts = report["attempts"]
    assert attempts["total"] == attempts["succeeded"] + attempts["failed"] + attempts["unknown"]
    for unknown in f["unknown_writes"]:
        assert unknown["resolved"] in ("committed", "not committed"), unknown
    assert report["newest_rows"] and len(report["newest_rows"]) <= 5
    assert f"acknowledged writes: {report['acknowledged_ids_count']}, lost: 0" in run.stdout


def assert_timeline(path, report):
    root = ET.parse(path).getroot()  # well-formed XML, or this raises
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    rects = root.findall(".//{http://www.w3.org/2000/svg}g[@class='attempts']/"
                         "{http://www.w3.org/2000/svg}rect")
    assert len(rects) == report["attempts"]["total"]
    text = open(path).read()
    assert f"outage {report['failovers'][0]['outage_ms']} ms" in text


# ----- tests ------------------------------------------------------------------------------------

def test_forced_failover_with_the_connection_from_secrets_manager(meter_tandemd, tmp_path):
    """Managed master password: the user and password come from the instance's secret,
    signed with the credentials file tandemd wrote; host and port from the flags."""
    server = meter_tandemd
    ident = "meter-forced"
    try:
        instance = create_managed(server, ident, "--multi-az")
        secret_arn = instance["MasterUserSecret"]["SecretArn"]  # the CLI's describe has it
        password = managed_password(server, instance)["password"]
        instance = wait_redundant(server, ident, password, timeout=REDUNDANCY_TIMEOUT)
        env = meter_env(server, tmp_path)
        cred_flags = endpoint_flags(server, instance) + [
            "--secret-id", secret_arn,
            "--endpoint-url", server.url, "--region", "us-east-1"]

        init = meter(["init", "--yes", *cred_flags], env)
        assert init.returncode == 0, init.stderr
        assert "db_test_meter" in init.stdout

        report, run, timeline = measure(
            server, instance, password, cred_flags, env, tmp_path,
            lambda: rds(server).reboot_db_instance(DBInstanceIdentifier=ident,
                                                   ForceFailover=True))
        assert_one_clean_failover(report, run)
        assert_timeline(timeline, report)
        assert describe(server, ident)["AvailabilityZone"] == "us-east-1b"

        # A secret that does not exist is a clear error before any measurement.
        missing = meter(["init", "--yes", *endpoint_flags(server, instance), "--secret-id",
                         "no-such-secret", "--endpoint-url", server.url, "--region",
                         "us-east-1"], env)
        assert missing.returncode == 2, missing
        assert "ResourceNotFoundException" in missing.stderr, missing.stderr
    finally:
        delete_instance(server, ident)


def test_secret_with_host_and_port_read_over_verified_https(meter_tandemd, maz_instance,
                                                           tandemd, tmp_path):
    """An application secret holding host, port, username and password, from a tandemd that
    serves HTTPS: the meter verifies that server against AWS_CA_BUNDLE, as the aws CLI does,
    and takes the region from AWS_DEFAULT_REGION."""
    secrets_server = tandemd(tls=True)
    endpoint = maz_instance["Endpoint"]
    secrets_server.client().create_secret(Name="app/meter", SecretString=json.dumps({
        "engine": "mysql", "host": endpoint["Address"], "port": endpoint["Port"],
        "username": USER, "password": PASSWORD}))
    env = {**meter_env(secrets_server, tmp_path), "AWS_DEFAULT_REGION": "us-east-1"}
    args = ["init", "--yes", "--ssl-ca", meter_tandemd.ca_bundle, "--secret-id", "app/meter",
            "--endpoint-url", secrets_server.url]
    untrusted = meter(args, env)
    assert untrusted.returncode == 2, untrusted
    assert "TLS with https://127.0.0.1" in untrusted.stderr, untrusted.stderr
    trusted = meter(args, {**env, "AWS_CA_BUNDLE": secrets_server.ca_bundle})
    assert trusted.returncode == 0, trusted
    assert "db_test_meter" in trusted.stdout


def test_kill9_failover_then_verify_names_a_deleted_row(meter_tandemd, maz_instance, tmp_path):
    server = meter_tandemd
    instance = maz_instance
    env = meter_env(server, tmp_path)
    flags = password_flags(server, instance)
    init = meter(["init", "--yes", *flags], env)
    assert init.returncode == 0, init.stderr

    report, run, timeline = measure(server, instance, PASSWORD, flags, env, tmp_path,
                                    lambda: kill9_primary(server, describe(server, instance[
                                        "DBInstanceIdentifier"])))
    assert_one_clean_failover(report, run)
    assert_timeline(timeline, report)
    # A connection opened while tandemd fails over waits at the endpoint and lands on the
    # new primary, so the meter may see the failover as a change of node alone.
    assert report["failovers"][0]["detected_by"] in ("failed writes", "node change")

    report_path = tmp_path / f"{report['test_run_id']}.json"
    ok = meter(["verify", "--json", str(report_path), *flags], env)
    assert ok.returncode == 0, ok
    assert f"acknowledged writes: {report['acknowledged_ids_count']}, lost: 0" in ok.stdout

    # Delete one acknowledged row straight on the primary node, behind the endpoint.
    victim = report["failovers"][0]["first_acknowledged_id_after"]
    now = describe(server, instance["DBInstanceIdentifier"])
    conn = node_connect(server, now, now["AvailabilityZone"], PASSWORD)
    try:
        deleted = query(conn, "DELETE FROM db_test_meter.db_sync WHERE test_run_id = %s AND "
                              "index_id = %s", (report["test_run_id"], victim))
        assert conn.affected_rows() == 1, deleted
    finally:
        conn.close()
    lost = meter(["verify", "--test-run-id", report["test_run_id"], "--json", str(report_path),
                  *flags], env)
    assert lost.returncode == 1, lost
    assert f"lost: 1 (missing ids: {victim})" in lost.stdout, lost.stdout


def test_wrong_ca_fails_loudly_before_measuring(meter_tandemd, maz_instance, wrong_ca, tmp_path):
    server = meter_tandemd
    env = meter_env(server, tmp_path)
    run_id = f"tls-{uuid.uuid4().hex[:8]}"
    for command in (["init", "--yes"], ["run", "--test-run-id", run_id, "--max-seconds", "5"]):
        result = meter([*command, *password_flags(server, maz_instance, ca=wrong_ca)], env)
        assert result.returncode == 2, result
        assert "TLS verification failed" in result.stderr, result.stderr
        assert wrong_ca in result.stderr and maz_instance["Endpoint"]["Address"] in result.stderr
        assert "report" not in result.stdout
    assert rows_written(maz_instance, PASSWORD, run_id, server.ca_bundle) == 0


def test_usage_errors_exit_2_before_measuring(meter_tandemd, maz_instance, tmp_path):
    server = meter_tandemd
    env = meter_env(server, tmp_path)
    flags = password_flags(server, maz_instance)
    assert meter(["init", "--yes", *flags], env).returncode == 0
    # The table exists, no terminal to ask, no --yes.
    again = meter(["init", *flags], env)
    assert again.returncode == 2 and "--yes" in again.stderr, again
    # No password from anywhere, and no terminal to ask.
    no_password = meter(["init", *endpoint_flags(server, maz_instance), "--user", USER], env)
    assert no_password.returncode == 2 and "MYSQL_PWD" in no_password.stderr, no_password
    # The mysql client's environment variables are read.
    by_env = meter(["init", "--yes", "--ssl-ca", server.ca_bundle],
                   {**env, "MYSQL_HOST": maz_instance["Endpoint"]["Address"],
                    "MYSQL_TCP_PORT": str(maz_instance["Endpoint"]["Port"]),
                    "MYSQL_USER": USER, "MYSQL_PWD": PASSWORD})
    assert by_env.returncode == 0, by_env
    bad_id = meter(["run", "--test-run-id", "no spaces allowed", *flags], env)
    assert bad_id.returncode == 2, bad_id


def test_max_seconds_without_a_failover_exits_3(meter_tandemd, maz_instance, tmp_path):
    server = meter_tandemd
    env = meter_env(server, tmp_path)
    flags = password_flags(server, maz_instance)
    assert meter(["init", "--yes", *flags], env).returncode == 0
    run_id = f"quiet-{uuid.uuid4().hex[:8]}"
    report_path = tmp_path / "quiet.json"
    started = time.monotonic()
    result = meter(["run", "--test-run-id", run_id, "--loop-time", "0.1", "--max-seconds", "1",
                    "--json", str(report_path), *flags], env)
    assert result.returncode == 3, result
    assert time.monotonic() - started < 15
    report = json.loads(report_path.read_text())
    assert report["failovers"] == [] and report["writes_lost"] == 0
    assert report["attempts"]["succeeded"] >= 5, report["attempts"]
    # The same run id again would mix two runs' rows: refused.
    reused = meter(["run", "--test-run-id", run_id, "--max-seconds", "1", *flags], env)
    assert reused.returncode == 2 and "already has" in reused.stderr, reused
