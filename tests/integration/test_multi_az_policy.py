"""The tandem_sync_policy parameter: what a Multi-AZ instance does when its
standby cannot acknowledge writes.

- available (the default): writes go on after the 1 s semi-sync timeout, the
  instance reports the standby out of sync (StatusInfos), and if the primary
  then dies the standby is NOT promoted (it lacks acknowledged writes): the
  primary is restarted in place and nothing acknowledged is lost.
- strict: a write waits for the standby for as long as it takes.
"""

import threading
import time

import failover_tools as ft
import pymysql

from test_failover_resume import in_sync

PASSWORD = "resume-pass-1"

ZONE_A = "us-east-1a"


def create(server, ident, group=None):
    rds = server.client(service="rds")
    kwargs = {"DBParameterGroupName": group} if group else {}
    rds.create_db_instance(DBInstanceIdentifier=ident, Engine="mysql",
                           DBInstanceClass="db.t3.micro", MasterUsername="admin",
                           MasterUserPassword=PASSWORD, AllocatedStorage=20, MultiAZ=True,
                           **kwargs)
    return rds, ft.wait_until(lambda: in_sync(rds, ZONE_A, ident), 90,
                              what="a replicating Multi-AZ instance")


def status_info(rds, ident):
    i = rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]
    return i["AvailabilityZone"], (i.get("StatusInfos") or [{}])[0]


def test_available_policy_keeps_writing_and_holds_the_failover(tandemd):
    server = tandemd(engine_nodes=True)
    rds, instance = create(server, "avail")
    pids = ft.node_pids_by_zone(server, instance)
    standby_pid = pids["us-east-1b"]
    acknowledged = []
    try:
        with ft.endpoint_connect(instance, "admin", PASSWORD, server.ca_bundle) as conn:
            cur = conn.cursor()
            cur.execute("CREATE DATABASE app")
            cur.execute("CREATE TABLE app.rows (id INT PRIMARY KEY)")
            ft.sigstop(standby_pid)
            started = time.monotonic()
            for i in range(50):
                cur.execute("INSERT INTO app.rows VALUES (%s)", (i,))
                acknowledged.append(i)
            # One semi-sync timeout (1 s), then asynchronous: not one per write.
            assert time.monotonic() - started < 5.0
        ft.wait_until(lambda: status_info(rds, "avail")[1].get("Normal") is False, 30,
                      what="the standby reported out of sync")
        zone, info = status_info(rds, "avail")
        assert info["Status"] == "error" and "standby" in info["Message"]

        # The primary dies while the standby lacks acknowledged writes.
        ft.kill9(pids[ZONE_A])
        time.sleep(1.0)
    finally:
        ft.sigcont(standby_pid)
    ft.wait_until(lambda: ft.writable_nodes(server, instance, PASSWORD) == [ZONE_A], 60,
                  what="the primary restarted in place")
    ft.wait_until(lambda: status_info(rds, "avail")[1].get("Normal") is True, 60,
                  what="the standby back in sync")
    assert status_info(rds, "avail")[0] == ZONE_A  # no failover happened
    with ft.endpoint_connect(instance, "admin", PASSWORD, server.ca_bundle) as conn:
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
    standby_pid = ft.node_pids_by_zone(server, instance)["us-east-1b"]
    with ft.endpoint_connect(instance, "admin", PASSWORD, server.ca_bundle) as conn:
        cur = conn.cursor()
        cur.execute("CREATE DATABASE app")
        cur.execute("CREATE TABLE app.rows (id INT PRIMARY KEY)")
    done = threading.Event()
    errors = []

    def write():
        try:
            with ft.endpoint_connect(instance, "admin", PASSWORD, server.ca_bundle,
                                     io_timeout=60) as c:
                c.cursor().execute("INSERT INTO app.rows VALUES (1)")
            done.set()
        except Exception as e:  # reported below
            errors.append(e)

    ft.sigstop(standby_pid)
    try:
        writer = threading.Thread(target=write)
        writer.start()
        # Well past the 1 s the available policy would wait.
        assert not done.wait(4.0), "a strict write completed without the standby"
    finally:
        ft.sigcont(standby_pid)
    assert done.wait(30.0), f"the write never completed: {errors}"
    writer.join()
    assert errors == []
    assert status_info(rds, "strict")[0] == ZONE_A
