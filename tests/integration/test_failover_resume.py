"""A tandemd killed in the middle of a failover finishes it when it restarts.

tandemd is armed (TANDEM_TEST_CRASH_POINT) to kill itself with SIGKILL at one of
the failover's phase boundaries: right after fencing the dead primary, right
after recording the new roles (the standby recorded as primary, still
read-only), and right after making it writable (the endpoint not yet switched).
The restarted tandemd must finish the failover: the standby's zone becomes the
primary's, every acknowledged write is there, exactly one node is writable, and
the old primary rejoins as the standby.
"""

import os
import signal
import time

import pymysql
import pytest

PASSWORD = "resume-pass-1"
ZONE_A = "us-east-1a"
ZONE_B = "us-east-1b"


def node_dirs(data_dir):
    """{zone: node directory} of the one instance under data_dir/nodes."""
    found = {}
    for root, _dirs, files in os.walk(os.path.join(data_dir, "nodes")):
        if "my.cnf" in files:
            found[os.path.basename(root)] = root
    return found


def node_port(node_dir):
    with open(os.path.join(node_dir, "my.cnf")) as f:
        for line in f:
            key, _, value = line.partition("=")
            if key.strip() == "port":
                return int(value.strip())
    raise AssertionError(f"no port in {node_dir}/my.cnf")


def node_pid(node_dir):
    with open(os.path.join(node_dir, "run", "mariadbd.pid")) as f:
        return int(f.read().strip())


def connect(port, ca):
    return pymysql.connect(host="127.0.0.1", port=port, user="admin", password=PASSWORD,
                           autocommit=True, ssl={"ca": ca}, connect_timeout=5, read_timeout=10)


def writable_zones(data_dir, ca):
    zones = []
    for zone, node_dir in node_dirs(data_dir).items():
        try:
            conn = connect(node_port(node_dir), ca)
        except pymysql.err.OperationalError:
            continue  # down: not writable
        with conn:
            cur = conn.cursor()
            cur.execute("SELECT @@global.read_only")
            if cur.fetchone()[0] == 0:
                zones.append(zone)
    return zones


def wait_for(what, check, timeout=90.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def in_sync(rds, zone):
    instance = rds.describe_db_instances(DBInstanceIdentifier="resume")["DBInstances"][0]
    infos = instance.get("StatusInfos") or []
    if (instance["DBInstanceStatus"] == "available" and instance["AvailabilityZone"] == zone
            and infos and infos[0]["Normal"]):
        return instance
    return None


@pytest.mark.parametrize("point", ["failover-fenced", "failover-roles-recorded",
                                   "failover-promoted"])
def test_tandemd_killed_during_a_failover_finishes_it_on_restart(tandemd, point):
    server = tandemd.new(engine_nodes=True, env={"TANDEM_TEST_CRASH_POINT": point})
    server.start()
    rds = server.client(service="rds")
    rds.create_db_instance(DBInstanceIdentifier="resume", Engine="mysql",
                           DBInstanceClass="db.t3.micro", MasterUsername="admin",
                           MasterUserPassword=PASSWORD, AllocatedStorage=20, MultiAZ=True)
    instance = wait_for("a replicating Multi-AZ instance", lambda: in_sync(rds, ZONE_A))
    endpoint = instance["Endpoint"]["Port"]

    acknowledged = []
    with connect(endpoint, server.ca_bundle) as conn:
        cur = conn.cursor()
        cur.execute("CREATE DATABASE ledger")
        cur.execute("CREATE TABLE ledger.rows (id INT PRIMARY KEY)")
        for i in range(300):
            cur.execute("INSERT INTO ledger.rows VALUES (%s)", (i,))
            acknowledged.append(i)

    nodes = node_dirs(server.data_dir)
    os.kill(node_pid(nodes[ZONE_A]), signal.SIGKILL)
    # tandemd fails over and dies at the crash point.
    wait_for("tandemd to die at " + point, lambda: not server.running, timeout=30)
    assert point in server.log_text()
    server.kill9()  # reaps it and whatever it left in its session

    server.extra_env = {}
    server.start()
    rds = server.client(service="rds")
    wait_for("the failover to be finished and the old primary back as standby",
             lambda: in_sync(rds, ZONE_B))
    # The restarted tandemd resumed the recorded failover, not a new one.
    assert "continuing failover" in server.log_text()
    assert writable_zones(server.data_dir, server.ca_bundle) == [ZONE_B]
    with connect(endpoint, server.ca_bundle) as conn:
        cur = conn.cursor()
        cur.execute("SELECT id FROM ledger.rows")
        present = {row[0] for row in cur.fetchall()}
        cur.execute("SELECT @@global.read_only, @@hostname")
        read_only, _hostname = cur.fetchone()
    assert read_only == 0
    assert [i for i in acknowledged if i not in present] == []
    messages = [e["Message"] for e in
                rds.describe_events(SourceIdentifier="resume", SourceType="db-instance")["Events"]]
    assert "Multi-AZ instance failover started." in messages
    assert "Multi-AZ instance failover completed." in messages
