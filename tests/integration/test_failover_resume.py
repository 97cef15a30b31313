"""A tandemd killed in the middle of a failover finishes it when it restarts.

tandemd is armed (TANDEM_TEST_CRASH_POINT) to kill itself with SIGKILL at one of
the failover's phase boundaries: right after fencing the dead primary, right
after recording the new roles (the standby recorded as primary, still
read-only), and right after making it writable (the endpoint not yet switched).
The restarted tandemd must finish the failover: the standby's zone becomes the
primary's, every acknowledged write is there, exactly one node is writable, and
the old primary rejoins as the standby.
"""

import failover_tools as ft
import pytest

PASSWORD = "resume-pass-1"
ZONE_A = "us-east-1a"
ZONE_B = "us-east-1b"


def in_sync(rds, zone, ident="resume"):
    instance = rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]
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
    instance = ft.wait_until(lambda: in_sync(rds, ZONE_A), 90, what="a replicating Multi-AZ instance")

    acknowledged = []
    with ft.endpoint_connect(instance, "admin", PASSWORD, server.ca_bundle) as conn:
        cur = conn.cursor()
        cur.execute("CREATE DATABASE ledger")
        cur.execute("CREATE TABLE ledger.rows (id INT PRIMARY KEY)")
        for i in range(300):
            cur.execute("INSERT INTO ledger.rows VALUES (%s)", (i,))
            acknowledged.append(i)

    ft.kill9(ft.node_pids_by_zone(server, instance)[ZONE_A])
    # tandemd fails over and dies at the crash point.
    ft.wait_until(lambda: not server.running, 30, what="tandemd to die at " + point)
    assert point in server.log_text()
    server.kill9()  # reaps it and whatever it left in its session

    server.extra_env = {}
    server.start()
    rds = server.client(service="rds")
    ft.wait_until(lambda: in_sync(rds, ZONE_B), 90,
                  what="the failover finished and the old primary back as standby")
    # The restarted tandemd resumed the recorded failover, not a new one.
    assert "continuing failover" in server.log_text()
    assert ft.writable_nodes(server, instance, PASSWORD) == [ZONE_B]
    with ft.endpoint_connect(instance, "admin", PASSWORD, server.ca_bundle) as conn:
        cur = conn.cursor()
        cur.execute("SELECT id FROM ledger.rows")
        present = {row[0] for row in cur.fetchall()}
        cur.execute("SELECT @@global.read_only, @@global.sync_binlog, "
                    "@@global.innodb_flush_log_at_trx_commit")
        read_only, sync_binlog, flush_at_commit = cur.fetchone()
    assert read_only == 0
    # Promoted from a standby (which does not sync every commit): a primary's
    # durability before its first write.
    assert (sync_binlog, flush_at_commit) == (1, 1)
    assert [i for i in acknowledged if i not in present] == []
    messages = [e["Message"] for e in
                rds.describe_events(SourceIdentifier="resume", SourceType="db-instance")["Events"]]
    assert "Multi-AZ instance failover started." in messages
    assert "Multi-AZ instance failover completed." in messages
