"""DB instances end to end: the RDS API, the instance reconciler and real mariadbd nodes,
with TLS, storage encryption, endpoints, supervision and restarts of tandemd.

Everything runs inside a network namespace this module creates (`ip netns add`), with
the pytest process itself moved into it: tandemd, its nodes, boto3, pymysql, the aws CLI
and the mysql client all share it. Kernel-path endpoints therefore change only that
namespace's nftables rules; the host's ruleset is compared before and after the module.

Every process started here is stopped by pid in teardown, pass or fail: tandemd by the
launcher, engine nodes by `kill_engine_nodes` (they outlive tandemd by design).
"""

import datetime
import hashlib
import json
import os
import signal
import socket
import subprocess
import time
import uuid

import pymysql
import pytest

from conftest import ServerLauncher
from disk_checks import files_containing
from tandem_server import (
    NetworkNamespace,
    engine_node_pids,
    host_nft_ruleset,
)

REGION = "us-east-1"
CREATE_TIMEOUT = 60.0


# ----- fixtures ------------------------------------------------------------------------

# Endpoint ports of every instance this module created (to check the host's rules).
ENDPOINT_PORTS = set()


@pytest.fixture(scope="module")
def netns():
    """Moves this module into a network namespace of its own; afterwards, no endpoint of
    the module may have reached the host's nftables.

    The check is on the module's ports rather than on the whole ruleset: other tandemd
    processes on the machine (run by hand, as root) may legitimately change the host's
    Tandem table meanwhile.
    """
    before = host_nft_ruleset()
    ns = NetworkNamespace(f"tdr-{os.getpid()}-{uuid.uuid4().hex[:6]}")
    ns.enter()
    try:
        yield ns
    finally:
        ns.delete()
        after = host_nft_ruleset()
        leaked = [p for p in ENDPOINT_PORTS if f". {p} :".encode() in after]
        assert not leaked, f"endpoints {leaked} reached the host's nftables:\n{after.decode()}"
        if after != before:
            print(f"\nnote: the host's ruleset changed during the module (not by it):\n"
                  f"{after.decode()}")


@pytest.fixture(scope="module")
def kernel_tandemd(netns, tmp_path_factory):
    """One tandemd for the module's ordinary tests, endpoints on the kernel path."""
    launcher = ServerLauncher(str(tmp_path_factory.mktemp("rds")))
    try:
        yield launcher("--endpoint-mode", "kernel", engine_nodes=True)
    finally:
        launcher.stop_all()


@pytest.fixture(scope="module")
def wrong_ca(tmp_path_factory):
    """A CA that signed nothing Tandem serves."""
    d = tmp_path_factory.mktemp("wrong-ca")
    ca = str(d / "ca.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(d / "key.pem"), "-out", ca,
                    "-days", "1", "-subj", "/CN=Not Tandem"], check=True, capture_output=True)
    return ca


# ----- helpers ------------------------------------------------------------------------

def rds(server):
    return server.client(service="rds")


def describe(server, ident):
    return rds(server).describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]


def wait_status(server, ident, status, timeout=CREATE_TIMEOUT, also=None):
    """Polls DescribeDBInstances every 50 ms until status (and also(instance)) holds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = describe(server, ident)
        if last["DBInstanceStatus"] == status and (also is None or also(last)):
            return last
        time.sleep(0.05)
    raise AssertionError(f"{ident} not {status} within {timeout}s; last: "
                         f"{json.dumps(last, default=str)[:1500]}\n--- log ---\n"
                         f"{server.log_text()[-4000:]}")


def wait_gone(server, ident, timeout=CREATE_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            describe(server, ident)
        except rds(server).exceptions.DBInstanceNotFoundFault:
            return
        time.sleep(0.05)
    raise AssertionError(f"{ident} still exists after {timeout}s")


def create(server, ident, wait=True, **kwargs):
    params = dict(DBInstanceIdentifier=ident, Engine="mysql", DBInstanceClass="db.t3.micro",
                  AllocatedStorage=20, MasterUsername="admin")
    params.update(kwargs)
    started = time.monotonic()
    rds(server).create_db_instance(**params)
    if not wait:
        return None
    instance = wait_status(server, ident, "available")
    instance["_seconds_to_available"] = time.monotonic() - started
    ENDPOINT_PORTS.add(instance["Endpoint"]["Port"])
    return instance


def create_managed(server, ident, *cli_args):
    """CreateDBInstance with --manage-master-user-password, which boto3 1.26 predates: through
    the aws CLI v2. Returns the available instance as the CLI describes it (MasterUserSecret)."""
    started = time.monotonic()
    rc, _, err = server.aws("rds", "create-db-instance", "--db-instance-identifier", ident,
                            "--engine", "mysql", "--db-instance-class", "db.t3.micro",
                            "--allocated-storage", "20", "--master-username", "admin",
                            "--manage-master-user-password", *cli_args)
    assert rc == 0, err
    wait_status(server, ident, "available")
    seconds = time.monotonic() - started
    instance = describe_cli(server, ident)
    instance["_seconds_to_available"] = seconds
    ENDPOINT_PORTS.add(instance["Endpoint"]["Port"])
    return instance


def describe_cli(server, ident):
    rc, out, err = server.aws("rds", "describe-db-instances", "--db-instance-identifier", ident)
    assert rc == 0, err
    return out["DBInstances"][0]


def managed_password(server, instance):
    arn = instance["MasterUserSecret"]["SecretArn"]
    value = server.client().get_secret_value(SecretId=arn)
    return json.loads(value["SecretString"])


def connect(instance, user, password, ca=None, database=None, tls=True, **kwargs):
    """pymysql through the instance's endpoint, verifying the certificate and host name."""
    endpoint = instance["Endpoint"]
    ssl = {"ca": ca, "check_hostname": True} if tls else None
    return pymysql.connect(host=endpoint["Address"], port=endpoint["Port"], user=user,
                           password=password, database=database, ssl=ssl, connect_timeout=5,
                           autocommit=True, **kwargs)


def query(conn, sql, args=None):
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def mysql_cli(instance, user, password, sql, ca, verify=True):
    endpoint = instance["Endpoint"]
    cmd = ["mysql", "-h", endpoint["Address"], "-P", str(endpoint["Port"]), f"--ssl-ca={ca}",
           "-u", user, f"-p{password}", "-N", "-B", "-e", sql]
    if verify:
        cmd.insert(5, "--ssl-verify-server-cert")
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30)


def nodes_dir(server, instance):
    return os.path.join(server.data_dir, "nodes", instance["DbiResourceId"])


def node_pid(server, instance):
    """Pid of the instance's primary node, from its pid file."""
    zone = instance["AvailabilityZone"]
    with open(os.path.join(nodes_dir(server, instance), zone, "run", "mariadbd.pid")) as f:
        return int(f.read().strip())


def instance_node_pids(server, instance):
    marker = f"--defaults-file={nodes_dir(server, instance)}/"
    out = []
    for pid in engine_node_pids(server.data_dir):
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            if marker.encode() in f.read():
                out.append(pid)
    return out


def native_password_hash(password):
    return hashlib.sha1(hashlib.sha1(password.encode()).digest()).hexdigest().upper()


def event_messages(server, ident):
    events = rds(server).describe_events(SourceIdentifier=ident, SourceType="db-instance",
                                         Duration=60)["Events"]
    return [e["Message"] for e in events]


def wait_for_connection(instance, user, password, ca, timeout=30.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            return connect(instance, user, password, ca=ca)
        except pymysql.err.OperationalError as e:
            last = e
            time.sleep(0.05)
    raise AssertionError(f"no connection within {timeout}s: {last}")


def delete_and_wait(server, ident):
    rds(server).delete_db_instance(DBInstanceIdentifier=ident, SkipFinalSnapshot=True)
    wait_gone(server, ident)


# ----- tests ------------------------------------------------------------------------------

def test_create_encrypted_with_managed_password_and_connect_over_verified_tls(kernel_tandemd,
                                                                              wrong_ca):
    server = kernel_tandemd
    instance = create_managed(server, "enc-managed", "--storage-encrypted", "--db-name", "appdb")
    print(f"\ncreate-db-instance -> available: {instance['_seconds_to_available']:.2f} s")

    # The CLI waiter polls every 30 s; the instance is available, so it returns at once.
    started = time.monotonic()
    rc, _, err = server.aws("rds", "wait", "db-instance-available",
                            "--db-instance-identifier", "enc-managed")
    assert rc == 0, err
    assert time.monotonic() - started < 10

    assert instance["StorageEncrypted"] is True
    assert instance["KmsKeyId"].startswith(f"arn:aws:kms:{REGION}:")
    assert instance["AvailabilityZone"] == f"{REGION}a"
    assert instance["MasterUserSecret"]["SecretStatus"] == "active"
    assert instance["EngineVersion"].startswith("10.11.")
    port = instance["Endpoint"]["Port"]

    secret = managed_password(server, instance)
    assert secret["username"] == "admin"
    with connect(instance, "admin", secret["password"], ca=server.ca_bundle,
                 database="appdb") as conn:
        version, db, hostname, read_only = query(
            conn, "SELECT VERSION(), DATABASE(), @@hostname, @@read_only")[0]
        assert version.startswith(instance["EngineVersion"])
        assert db == "appdb"
        assert hostname.startswith("ip-10-0-1-")
        assert read_only == 0
        assert query(conn, "SHOW STATUS LIKE 'Ssl_cipher'")[0][1] != ""
        # The certificate also names the endpoint's DNS name.
        names = [v for k, v in conn._sock.getpeercert()["subjectAltName"] if k == "DNS"]
        assert any(n.startswith("enc-managed.") and n.endswith(f".{REGION}.rds.tandem.internal")
                   for n in names), names
        # The master user can create an application user and data.
        query(conn, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(64))")
        query(conn, "INSERT INTO t VALUES (1, 'one')")

    r = mysql_cli(instance, "admin", secret["password"], "SELECT v FROM appdb.t", server.ca_bundle)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "one"

    # A client that trusts another CA refuses the server.
    r = mysql_cli(instance, "admin", secret["password"], "SELECT 1", wrong_ca)
    assert r.returncode != 0
    assert "2026" in r.stderr, r.stderr
    with pytest.raises(pymysql.err.OperationalError):
        connect(instance, "admin", secret["password"], ca=wrong_ca)

    # The endpoint is the kernel's DNAT rule in the namespace's own table.
    rules = subprocess.run(["nft", "list", "table", "ip", "tandem"], capture_output=True,
                           text=True)
    assert rules.returncode == 0 and str(port) in rules.stdout, rules.stdout + rules.stderr

    # Delete: gone for DescribeDBInstances, its node, its files and its secret.
    pids = instance_node_pids(server, instance)
    assert len(pids) == 1
    arn = instance["MasterUserSecret"]["SecretArn"]
    delete_and_wait(server, "enc-managed")
    rc, _, err = server.aws("rds", "wait", "db-instance-deleted",
                            "--db-instance-identifier", "enc-managed")
    assert rc == 0, err
    assert not any(os.path.exists(f"/proc/{p}") for p in pids)
    assert not os.path.exists(nodes_dir(server, instance))
    with pytest.raises(server.client().exceptions.ResourceNotFoundException):
        server.client().get_secret_value(SecretId=arn)
    messages = event_messages(server, "enc-managed")
    assert any(m.startswith("DB instance created") for m in messages), messages
    assert any(m.startswith("DB instance deleted") for m in messages), messages
    with pytest.raises(pymysql.err.OperationalError):
        connect(instance, "admin", secret["password"], ca=server.ca_bundle)


def test_require_secure_transport_from_a_parameter_group_refuses_plaintext(kernel_tandemd):
    server = kernel_tandemd
    client = rds(server)
    client.create_db_parameter_group(DBParameterGroupName="tls-only",
                                     DBParameterGroupFamily="mysql10.11",
                                     Description="TLS required")
    client.modify_db_parameter_group(
        DBParameterGroupName="tls-only",
        Parameters=[{"ParameterName": "require_secure_transport", "ParameterValue": "1",
                     "ApplyMethod": "immediate"}])
    instance = create(server, "tls-only", MasterUserPassword="Secret-Passw0rd",
                      DBParameterGroupName="tls-only")
    with connect(instance, "admin", "Secret-Passw0rd", ca=server.ca_bundle) as conn:
        assert query(conn, "SELECT @@require_secure_transport")[0][0] == 1
    # MariaDB answers a plaintext login with "Access denied" (1045), like a wrong password.
    with pytest.raises(pymysql.err.OperationalError) as refused:
        connect(instance, "admin", "Secret-Passw0rd", tls=False)
    assert refused.value.args[0] in (1045, 3159), refused.value

    # A dynamic parameter changes live, without a reboot.
    client.modify_db_parameter_group(
        DBParameterGroupName="tls-only",
        Parameters=[{"ParameterName": "require_secure_transport", "ParameterValue": "0",
                     "ApplyMethod": "immediate"}])
    deadline = time.monotonic() + 10
    while True:
        try:
            with connect(instance, "admin", "Secret-Passw0rd", tls=False) as conn:
                assert query(conn, "SELECT @@require_secure_transport")[0][0] == 0
            break
        except pymysql.err.OperationalError:
            assert time.monotonic() < deadline, "require_secure_transport=0 was not applied live"
            time.sleep(0.1)
    wait_status(server, "tls-only", "available",
                also=lambda i: i["DBParameterGroups"][0]["ParameterApplyStatus"] == "in-sync")
    delete_and_wait(server, "tls-only")


@pytest.mark.parametrize("encrypted", [True, False], ids=["encrypted", "unencrypted-control"])
def test_storage_encryption_leaves_no_marker_or_password_hash_on_disk(kernel_tandemd, encrypted):
    server = kernel_tandemd
    ident = "grep-enc" if encrypted else "grep-plain"
    instance = create(server, ident, StorageEncrypted=encrypted, MasterUserPassword="Master-Passw0rd",
                      DBName="shop")
    marker = f"TANDEM-MARKER-{uuid.uuid4().hex}"
    app_password = f"App-{uuid.uuid4().hex[:16]}"
    with connect(instance, "admin", "Master-Passw0rd", ca=server.ca_bundle,
                 database="shop") as conn:
        query(conn, "CREATE USER 'app'@'%%' IDENTIFIED BY %s", (app_password,))
        query(conn, "GRANT SELECT, INSERT ON shop.* TO 'app'@'%'")
        query(conn, "CREATE TABLE orders (id INT PRIMARY KEY AUTO_INCREMENT, note TEXT)")
        for _ in range(50):
            query(conn, "INSERT INTO orders (note) VALUES (%s)", (marker,))
        query(conn, "FLUSH TABLES")
    with connect(instance, "app", app_password, ca=server.ca_bundle, database="shop") as conn:
        assert query(conn, "SELECT COUNT(*) FROM orders WHERE note = %s", (marker,))[0][0] == 50

    needles = [marker.encode(), native_password_hash(app_password).encode()]
    root = nodes_dir(server, instance)
    running = files_containing(root, needles)
    # A clean stop writes every page, so the data files hold everything too.
    rds(server).stop_db_instance(DBInstanceIdentifier=ident)
    wait_status(server, ident, "stopped")
    stopped = files_containing(root, needles)
    if encrypted:
        assert running == {n: [] for n in needles}, running
        assert stopped == {n: [] for n in needles}, stopped
    else:
        # The control proves the search can find what it looks for.
        assert stopped[needles[0]], "the marker must be readable on an unencrypted instance"
        assert stopped[needles[1]], "the password hash must be readable on an unencrypted instance"
    delete_and_wait(server, ident)


def test_killed_node_is_restarted_in_place_with_its_data(kernel_tandemd):
    server = kernel_tandemd
    instance = create(server, "crashy", MasterUserPassword="Master-Passw0rd", DBName="d")
    with connect(instance, "admin", "Master-Passw0rd", ca=server.ca_bundle, database="d") as conn:
        query(conn, "CREATE TABLE t (id INT PRIMARY KEY)")
        query(conn, "INSERT INTO t VALUES (1), (2), (3)")
    old = node_pid(server, instance)
    os.kill(old, signal.SIGKILL)
    started = time.monotonic()
    conn = wait_for_connection(instance, "admin", "Master-Passw0rd", server.ca_bundle)
    print(f"\nkill -9 -> node serving again: {time.monotonic() - started:.2f} s")
    with conn:
        assert query(conn, "SELECT COUNT(*) FROM d.t")[0][0] == 3
        assert query(conn, "SELECT @@read_only")[0][0] == 0  # promoted again
        query(conn, "INSERT INTO d.t VALUES (4)")
    assert node_pid(server, instance) != old
    wait_status(server, "crashy", "available")
    deadline = time.monotonic() + 5
    while True:
        messages = event_messages(server, "crashy")
        if any(m.startswith("Recovery of the DB instance is complete") for m in messages):
            break
        assert time.monotonic() < deadline, messages
        time.sleep(0.1)
    assert any("killed by signal 9" in m for m in messages), messages
    assert any(m.startswith("DB instance restarted") for m in messages), messages
    delete_and_wait(server, "crashy")


def test_modify_master_password_reboot_stop_and_start(kernel_tandemd):
    server = kernel_tandemd
    client = rds(server)
    instance = create(server, "lifecycle", MasterUserPassword="First-Passw0rd", DBName="d")
    with connect(instance, "admin", "First-Passw0rd", ca=server.ca_bundle, database="d") as conn:
        query(conn, "CREATE TABLE t (id INT PRIMARY KEY)")
        query(conn, "INSERT INTO t VALUES (1)")

    client.modify_db_instance(DBInstanceIdentifier="lifecycle", MasterUserPassword="Second-Passw0rd",
                              ApplyImmediately=True)
    wait_status(server, "lifecycle", "available",
                also=lambda i: "MasterUserPassword" not in i.get("PendingModifiedValues", {}))
    with connect(instance, "admin", "Second-Passw0rd", ca=server.ca_bundle) as conn:
        assert query(conn, "SELECT COUNT(*) FROM d.t")[0][0] == 1
    with pytest.raises(pymysql.err.OperationalError):
        connect(instance, "admin", "First-Passw0rd", ca=server.ca_bundle)

    # A new instance class restarts the node with the class's sizing.
    client.modify_db_instance(DBInstanceIdentifier="lifecycle", DBInstanceClass="db.t3.small",
                              ApplyImmediately=True)
    wait_status(server, "lifecycle", "available",
                also=lambda i: i["DBInstanceClass"] == "db.t3.small")
    with connect(instance, "admin", "Second-Passw0rd", ca=server.ca_bundle) as conn:
        assert query(conn, "SELECT @@innodb_buffer_pool_size")[0][0] == 256 << 20
        assert query(conn, "SELECT COUNT(*) FROM d.t")[0][0] == 1

    old = node_pid(server, instance)
    client.reboot_db_instance(DBInstanceIdentifier="lifecycle")
    wait_status(server, "lifecycle", "available")
    assert node_pid(server, instance) != old
    with connect(instance, "admin", "Second-Passw0rd", ca=server.ca_bundle) as conn:
        assert query(conn, "SELECT @@read_only")[0][0] == 0
    messages = event_messages(server, "lifecycle")
    assert any(m.startswith("DB instance shutdown") for m in messages), messages
    assert any(m.startswith("DB instance restarted") for m in messages), messages
    assert any(m.startswith("Reset master credentials") for m in messages), messages
    assert any(m.startswith("Finished applying modification to DB instance class")
               for m in messages), messages

    client.stop_db_instance(DBInstanceIdentifier="lifecycle")
    wait_status(server, "lifecycle", "stopped")
    assert instance_node_pids(server, instance) == []
    with pytest.raises(pymysql.err.OperationalError):  # a stopped instance refuses clients
        connect(instance, "admin", "Second-Passw0rd", ca=server.ca_bundle)

    client.start_db_instance(DBInstanceIdentifier="lifecycle")
    wait_status(server, "lifecycle", "available")
    with connect(instance, "admin", "Second-Passw0rd", ca=server.ca_bundle) as conn:
        assert query(conn, "SELECT COUNT(*) FROM d.t")[0][0] == 1
        query(conn, "INSERT INTO d.t VALUES (2)")
    messages = event_messages(server, "lifecycle")
    assert any(m.startswith("DB instance stopped") for m in messages), messages
    assert any(m.startswith("DB instance started") for m in messages), messages
    delete_and_wait(server, "lifecycle")
    assert instance_node_pids(server, instance) == []


def test_killed_tandemd_nodes_keep_serving_through_the_kernel_path_and_are_readopted(netns,
                                                                                   tandemd):
    server = tandemd("--endpoint-mode", "kernel", engine_nodes=True)
    instance = create_managed(server, "survivor", "--storage-encrypted")
    password = managed_password(server, instance)["password"]
    with connect(instance, "admin", password, ca=server.ca_bundle) as conn:
        query(conn, "CREATE DATABASE d")
        query(conn, "CREATE TABLE d.t (id INT PRIMARY KEY)")
        query(conn, "INSERT INTO d.t VALUES (1)")
    pid = node_pid(server, instance)

    server.kill9()
    # tandemd is gone; the kernel's rule still routes the endpoint to the node.
    with connect(instance, "admin", password, ca=server.ca_bundle) as conn:
        query(conn, "INSERT INTO d.t VALUES (2)")
        assert query(conn, "SELECT COUNT(*) FROM d.t")[0][0] == 2

    server.start()
    instance = wait_status(server, "survivor", "available")
    assert node_pid(server, instance) == pid, "a tandemd restart must not restart the node"
    assert "adopted node" in server.log_text()
    with connect(instance, "admin", password, ca=server.ca_bundle) as conn:
        assert query(conn, "SELECT COUNT(*) FROM d.t")[0][0] == 2
    # The re-adopted node is supervised again.
    os.kill(pid, signal.SIGKILL)
    with wait_for_connection(instance, "admin", password, server.ca_bundle) as conn:
        assert query(conn, "SELECT COUNT(*) FROM d.t")[0][0] == 2
    assert node_pid(server, instance) != pid
    delete_and_wait(server, "survivor")


def test_user_space_endpoint_and_restart_of_tandemd(netns, tandemd):
    server = tandemd("--endpoint-mode", "userspace", engine_nodes=True)
    instance = create(server, "proxied", MasterUserPassword="Master-Passw0rd")
    with connect(instance, "admin", "Master-Passw0rd", ca=server.ca_bundle) as conn:
        assert query(conn, "SELECT 1")[0][0] == 1
    rules = subprocess.run(["nft", "list", "table", "ip", "tandem"], capture_output=True)
    port = instance["Endpoint"]["Port"]
    assert f". {port} :".encode() not in rules.stdout, "the user-space path made a DNAT rule"
    pid = node_pid(server, instance)
    server.restart()  # SIGTERM: the proxy stops with tandemd, the node does not
    instance = wait_status(server, "proxied", "available")
    with wait_for_connection(instance, "admin", "Master-Passw0rd", server.ca_bundle) as conn:
        assert query(conn, "SELECT 1")[0][0] == 1
    assert node_pid(server, instance) == pid
    delete_and_wait(server, "proxied")


def node_port(server, instance):
    zone = instance["AvailabilityZone"]
    with open(os.path.join(nodes_dir(server, instance), zone, "my.cnf")) as f:
        for line in f:
            key, _, value = line.partition("=")
            if key.strip() == "port":
                return int(value.strip())
    raise AssertionError("no port in the node's config")


def failure_times(log, prefix):
    """Epoch seconds of each tandemd log line ("[YYYY-mm-dd HH:MM:SS.mmm] [level] text")
    whose text starts with prefix."""
    times = []
    for line in log.splitlines():
        stamp, _, rest = line.partition("] ")
        if rest.partition("] ")[2].startswith(prefix):
            when = datetime.datetime.strptime(stamp.lstrip("["), "%Y-%m-%d %H:%M:%S.%f")
            times.append(when.timestamp())
    return times


def test_node_that_cannot_start_fails_the_instance_and_tandemd_keeps_serving(kernel_tandemd):
    server = kernel_tandemd
    client = rds(server)
    instance = create(server, "portless", MasterUserPassword="Master-Passw0rd")
    client.stop_db_instance(DBInstanceIdentifier="portless")
    wait_status(server, "portless", "stopped")
    # Another process takes the stopped node's port: mariadbd cannot start.
    squatter = socket.socket()
    squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    squatter.bind(("127.0.0.1", node_port(server, instance)))
    squatter.listen()
    try:
        client.start_db_instance(DBInstanceIdentifier="portless")
        wait_status(server, "portless", "failed")
        messages = event_messages(server, "portless")
        assert any(m.startswith("DB instance put into failed state") and "in use" in m
                   for m in messages), messages
        # The first failure is retried on the loop's next pass (1 s), the second after 2 s
        # (StepBackoff).
        log = server.log_text()
        failures = failure_times(log, "portless: start-node failed")
        lines = [line for line in log.splitlines() if "portless" in line]
        assert len(failures) >= 3, lines
        assert failures[2] - failures[1] >= 2.0, lines
        assert failures[1] - failures[0] < 2.0, lines
        # tandemd keeps serving: other instances, and this one's deletion.
        assert server.health()[0] == 200
    finally:
        squatter.close()
    delete_and_wait(server, "portless")
    assert instance_node_pids(server, instance) == []


def wait_for_process(matches, timeout=10.0):
    """Waits until a process whose argument list satisfies matches(args) runs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    args = f.read().decode(errors="replace").split("\0")
            except OSError:
                continue
            if matches(args):
                return int(entry)
        time.sleep(0.002)
    raise AssertionError(f"no such process within {timeout}s")


@pytest.mark.parametrize("moment", ["at-once", "installing", "first-start", "bootstrapping"])
def test_tandemd_killed_during_creation_resumes_it(netns, tandemd, moment):
    """tandemd SIGKILLed at a given point of a creation: the restarted one finishes it, with
    exactly one node process (an interrupted install is not left racing the new one)."""
    server = tandemd("--endpoint-mode", "kernel", engine_nodes=True)
    create(server, "resumed", MasterUserPassword="Master-Passw0rd", StorageEncrypted=True,
           wait=False)
    nodes = os.path.join(server.data_dir, "nodes")
    ours = lambda args: any(a.startswith(f"--defaults-file={nodes}/") for a in args)
    if moment == "at-once":
        time.sleep(0.05)
    elif moment == "installing":
        wait_for_process(lambda args: ours(args) and "--bootstrap" in args)
    elif moment == "first-start":  # the node's mariadbd, before it has written its pid file
        wait_for_process(lambda args: ours(args) and args[0].endswith("mariadbd") and
                         "--bootstrap" not in args)
    else:
        deadline = time.monotonic() + 30
        while "bootstrap-node" not in server.log_text():
            assert time.monotonic() < deadline, server.log_text()
            time.sleep(0.005)
    server.kill9()
    server.start()
    instance = wait_status(server, "resumed", "available")
    with connect(instance, "admin", "Master-Passw0rd", ca=server.ca_bundle) as conn:
        assert query(conn, "SELECT @@read_only")[0][0] == 0
    assert len(instance_node_pids(server, instance)) == 1
    delete_and_wait(server, "resumed")
