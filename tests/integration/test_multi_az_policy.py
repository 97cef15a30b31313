"""The tandem_sync_policy parameter: what a Multi-AZ instance does when its
standby cannot acknowledge writes.

- available (the default): writes go on after the 1 s semi-sync timeout, the
  instance reports the standby out of sync (StatusInfos), and if the primary
  then dies the standby is NOT promoted (it lacks acknowledged writes): the
  primary is restarted in place and nothing acknowledged is lost.
- strict: a write waits for the standby for as long as it takes.
"""

import os
import signal
import threading
import time

import pymysql

from test_failover_resume import connect, node_dirs, node_pid, wait_for, writable_zones

ZONE_A = "us-east-1a"


def create(server, ident, group=None):
    rds = server.client(service="rds")
    kwargs = {"DBParameterGroupName": group} if group else {}
    rds.create_db_instance(DBInstanceIdentifier=ident, Engine="mysql",
                           DBInstanceClass="db.t3.micro", MasterUsername="admin",
                           MasterUserPassword="resume-pass-1", AllocatedStorage=20, MultiAZ=True,
                           **kwargs)

    def replicating():
        i = rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]
        infos = i.get("StatusInfos") or []
        return i if i["DBInstanceStatus"] == "available" and infos and infos[0]["Normal"] else None

    return rds, wait_for("a replicating Multi-AZ instance", replicating)


def status_info(rds, ident):
    i = rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]
    return i["AvailabilityZone"], (i.get("StatusInfos") or [{}])[0]


def test_available_policy_keeps_writing_and_holds_the_failover(tandemd):
    server = tandemd(engine_nodes=True)
    rds, instance = create(server, "avail")
    endpoint = instance["Endpoint"]["Port"]
    nodes = node_dirs(server.data_dir)
    standby_pid = node_pid(nodes["us-east-1b"])
    acknowledged = []
    try:
        with connect(endpoint, server.ca_bundle) as conn:
            cur = conn.cursor()
            cur.execute("CREATE DATABASE app")
            cur.execute("CREATE TABLE app.rows (id INT PRIMARY KEY)")
            os.kill(standby_pid, signal.SIGSTOP)
            started = time.monotonic()
            for i in range(50):
                cur.execute("INSERT INTO app.rows VALUES (%s)", (i,))
                acknowledged.append(i)
            # One semi-sync timeout (1 s), then asynchronous: not one per write.
            assert time.monotonic() - started < 5.0
        wait_for("the standby reported out of sync",
                 lambda: status_info(rds, "avail")[1].get("Normal") is False)
        zone, info = status_info(rds, "avail")
        assert info["Status"] == "error" and "standby" in info["Message"]

        # The primary dies while the standby lacks acknowledged writes.
        os.kill(node_pid(nodes[ZONE_A]), signal.SIGKILL)
        time.sleep(1.0)
    finally:
        os.kill(standby_pid, signal.SIGCONT)
    wait_for("the primary restarted in place", lambda: writable_zones(server.data_dir,
                                                                      server.ca_bundle) == [ZONE_A])
    wait_for("the standby back in sync",
             lambda: status_info(rds, "avail")[1].get("Normal") is True)
    assert status_info(rds, "avail")[0] == ZONE_A  # no failover happened
    with connect(endpoint, server.ca_bundle) as conn:
        cur = conn.cursor()
        cur.execute("SELECT id FROM app.rows")
        present = {row[0] for row in cur.fetchall()}
    assert [i for i in acknowledged if i not in present] == []
    messages = [e["Message"] for e in
                rds.describe_events(SourceIdentifier="avail", SourceType="db-instance")["Events"]]
    assert "Multi-AZ instance failover started." not in messages
    assert any(m.startswith("An error has occurred in the read replication process") for m in
               messages)


def test_strict_policy_makes_writes_wait_for_the_standby(tandemd):
    server = tandemd(engine_nodes=True)
    rds = server.client(service="rds")
    rds.create_db_parameter_group(DBParameterGroupName="strict", Description="strict Multi-AZ",
                                  DBParameterGroupFamily="mysql10.11")
    rds.modify_db_parameter_group(DBParameterGroupName="strict", Parameters=[{
        "ParameterName": "tandem_sync_policy", "ParameterValue": "strict",
        "ApplyMethod": "immediate"}])
    rds, instance = create(server, "strict", group="strict")
    endpoint = instance["Endpoint"]["Port"]
    standby_pid = node_pid(node_dirs(server.data_dir)["us-east-1b"])
    with connect(endpoint, server.ca_bundle) as conn:
        cur = conn.cursor()
        cur.execute("CREATE DATABASE app")
        cur.execute("CREATE TABLE app.rows (id INT PRIMARY KEY)")
    done = threading.Event()
    errors = []

    def write():
        try:
            with pymysql.connect(host="127.0.0.1", port=endpoint, user="admin",
                                 password="resume-pass-1", autocommit=True,
                                 ssl={"ca": server.ca_bundle}, read_timeout=60) as c:
                c.cursor().execute("INSERT INTO app.rows VALUES (1)")
            done.set()
        except Exception as e:  # reported below
            errors.append(e)

    os.kill(standby_pid, signal.SIGSTOP)
    try:
        writer = threading.Thread(target=write)
        writer.start()
        # Well past the 1 s the available policy would wait.
        assert not done.wait(4.0), "a strict write completed without the standby"
    finally:
        os.kill(standby_pid, signal.SIGCONT)
    assert done.wait(30.0), f"the write never completed: {errors}"
    writer.join()
    assert errors == []
    assert status_info(rds, "strict")[0] == ZONE_A
