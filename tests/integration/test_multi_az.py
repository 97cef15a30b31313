"""Multi-AZ DB instances end to end: a primary in <region>a, a semi-sync standby in
<region>b, automatic failover on a crash or a hang, forced failover, conversion, and
tandemd killed in the middle of a failover; measured from the client's side with
failover_tools (LedgerWriter: no acknowledged write lost; WriteProbe: how long writes were
unavailable; WritableWatch / writable_nodes: never two writable nodes).

The first tests check the tools themselves against what single-AZ instances do (a node
killed or rebooted is restarted in place), so that a Multi-AZ failure is the service's,
not the meter's.

Like test_rds_instances.py, everything runs inside a network namespace of the module's
own (its `netns` fixture), endpoints on the kernel path; every process started here is
stopped by pid in teardown, pass or fail, and a SIGSTOPped node is always continued.
"""

import os
import shutil
import statistics
import time

import pymysql
import pytest
from botocore.exceptions import ClientError

from conftest import ServerLauncher
from failover_tools import (
    LedgerWriter,
    WritableWatch,
    WriteProbe,
    admin_connect,
    global_status,
    global_variables,
    instance_nodes_dir,
    kill9,
    kill9_primary,
    node_pid_file,
    node_pids_by_zone,
    node_ports_by_zone,
    process_alive,
    process_state,
    replica_status,
    sigcont,
    sigstop,
    wait_redundant,
    wait_until,
    writable_nodes,
)
from test_rds_instances import (  # noqa: F401 - netns is a fixture used by name
    ENDPOINT_PORTS,
    connect,
    create,
    describe,
    event_messages,
    netns,
    query,
    rds,
    wait_gone,
    wait_status,
)

REGION = "us-east-1"
ZONE_A = f"{REGION}a"
ZONE_B = f"{REGION}b"
USER = "admin"
PASSWORD = "Master-Passw0rd"
FAILOVER_TIMEOUT = 30.0     # kill/hang -> describe names the new primary
REDUNDANCY_TIMEOUT = 120.0  # -> both nodes back, standby replicating, semi-sync ON
# What a gap between two acknowledged probe writes includes beyond the stall itself: the
# probe's 20 ms interval and a write's own latency.
GAP_SLACK = 0.1
FAILOVER_STARTED = "Multi-AZ instance failover started"
FAILOVER_COMPLETED = "Multi-AZ instance failover completed"


# ----- fixtures ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def maz_tandemd(netns, tmp_path_factory):
    """One tandemd for the module, endpoints on the kernel path, in the module's namespace."""
    keep = tmp_path_factory.mktemp("multi-az")
    launcher = ServerLauncher(str(keep))
    try:
        server = launcher("--endpoint-mode", "kernel", engine_nodes=True)
        yield server
    finally:
        # The data directory goes with the launcher: keep tandemd's log among pytest's
        # temporary directories for a failure's post-mortem.
        for s in launcher.servers:
            if os.path.exists(s.log_path):
                shutil.copy(s.log_path, keep / "tandemd.log")
        launcher.stop_all()


@pytest.fixture
def cleanup():
    """Collects (server, ident) and deletes those instances after the test, pass or fail, so
    that a failed test leaves no instance for the shared tandemd's one loop to work on."""
    made = []
    yield made
    for server, ident in made:
        try:
            rds(server).delete_db_instance(DBInstanceIdentifier=ident, SkipFinalSnapshot=True)
        except Exception:  # noqa: BLE001 - already gone, or tandemd down
            continue
    for server, ident in made:
        try:
            wait_gone(server, ident, timeout=60)
        except Exception:  # noqa: BLE001 - teardown kills the nodes by pid anyway
            pass


# ----- helpers ------------------------------------------------------------------------

def other_zone(zone):
    return ZONE_B if zone == ZONE_A else ZONE_A


def create_single_az(server, ident, cleanup, **kwargs):
    cleanup.append((server, ident))
    return create(server, ident, MasterUserPassword=PASSWORD, **kwargs)


def create_multi_az(server, ident, cleanup, **kwargs):
    """CreateDBInstance --multi-az, then waits for full redundancy (failover_tools)."""
    cleanup.append((server, ident))
    create(server, ident, MasterUserPassword=PASSWORD, MultiAZ=True, **kwargs)
    instance = wait_redundant(server, ident, PASSWORD, timeout=REDUNDANCY_TIMEOUT)
    assert instance["AvailabilityZone"] == ZONE_A, instance["AvailabilityZone"]
    assert instance["SecondaryAvailabilityZone"] == ZONE_B
    return instance


def ledger_for(server, instance, threads=4):
    return LedgerWriter(instance, USER, PASSWORD, server.ca_bundle, threads=threads)


def probe_for(server, instance):
    return WriteProbe(instance, USER, PASSWORD, server.ca_bundle)


def endpoint_conn(server, instance, timeout=30.0):
    """A connection through the endpoint, retried until it opens."""
    return wait_until(lambda: connect(instance, USER, PASSWORD, ca=server.ca_bundle), timeout,
                      what="a connection through the endpoint")


def assert_nothing_lost(server, instance, ledger):
    """Every acknowledged row of ledger is on the node behind the endpoint."""
    with endpoint_conn(server, instance) as conn:
        missing = ledger.verify(conn)
    assert ledger.last_verify["acknowledged"] > 0, ledger.summary()
    assert missing == [], (f"{len(missing)} acknowledged rows lost (first {missing[:10]}); "
                           f"{ledger.summary()}; {ledger.last_verify}")
    assert ledger.last_verify["unexpected"] in (None, []), ledger.last_verify


def endpoint_node_port(server, instance):
    """The port of the node the endpoint reaches now (@@port through the endpoint)."""
    with endpoint_conn(server, instance) as conn:
        return int(query(conn, "SELECT @@port")[0][0])


def count_messages(server, ident, prefix):
    return sum(1 for m in event_messages(server, ident) if m.startswith(prefix))


def wait_messages(server, ident, prefix, at_least, timeout=15.0):
    wait_until(lambda: count_messages(server, ident, prefix) >= at_least, timeout,
               what=f"{at_least} event(s) '{prefix}' for {ident}: {event_messages(server, ident)}")


def wait_primary(server, ident, zone, timeout=FAILOVER_TIMEOUT):
    """Waits until describe names zone as the primary's; returns the instance."""
    def primary_moved():
        instance = describe(server, ident)
        return instance if instance["AvailabilityZone"] == zone else None
    try:
        return wait_until(primary_moved, timeout, what=f"{ident}: primary in {zone}")
    except AssertionError as e:
        raise AssertionError(f"{e}\n--- tandemd log ---\n{server.log_text()[-4000:]}") from None


class running:
    """Starts workers (LedgerWriter, WriteProbe, WritableWatch) in order and stops every one
    it started when the block ends, pass or fail: `with running(a, b) as (a, b):`."""

    def __init__(self, *workers):
        self.workers = workers
        self.started = []

    def __enter__(self):
        try:
            for w in self.workers:
                w.start()
                self.started.append(w)
        except BaseException:
            self.__exit__()
            raise
        return self.workers if len(self.workers) > 1 else self.workers[0]

    def __exit__(self, *exc):
        for w in reversed(self.started):
            try:
                w.stop()
            except Exception:  # noqa: BLE001 - stop the others; the test reports
                pass
        self.started = []


# ----- the tools, against single-AZ instances (these pass without Multi-AZ) -----------------

def test_tools_measure_single_az_restarts_and_find_no_loss(maz_tandemd, cleanup):
    """The meter itself: a single-AZ node killed, rebooted and frozen. The instance restarts
    the node in place, so the probe sees a short outage, the ledger loses nothing, and there
    is never more than one writable node."""
    server = maz_tandemd
    ident = "tools-single"
    instance = create_single_az(server, ident, cleanup)
    zone = instance["AvailabilityZone"]
    assert zone == ZONE_A

    # Where the node is, from its files and /proc; what it answers, two ways.
    pids = node_pids_by_zone(server, instance)
    assert list(pids) == [zone], pids
    assert node_pid_file(server, instance, zone) == pids[zone]
    ports = node_ports_by_zone(server, instance)
    assert endpoint_node_port(server, instance) == ports[zone]
    assert writable_nodes(server, instance, PASSWORD) == [zone]  # master user, TLS, TCP
    assert writable_nodes(server, instance) == [zone]            # root, unix socket
    with admin_connect(server, instance, zone) as conn:
        assert query(conn, "SELECT CURRENT_USER()")[0][0] == "root@localhost"
    assert replica_status(server, instance, zone) == {}  # replicates from nobody

    # Nothing happens: no outage, no gap.
    with running(probe_for(server, instance)) as probe:
        time.sleep(1.0)
    assert probe.outage() is None, probe.summary()
    assert len(probe.acks()) >= 20, probe.summary()
    assert probe.max_gap() < 0.5, probe.summary()

    with running(WritableWatch(server, instance)) as watch:
        # kill -9 under load: restarted in place.
        with running(ledger_for(server, instance), probe_for(server, instance)) as (ledger, probe):
            time.sleep(1.0)
            before = len(ledger.acknowledged)
            killed_zone, old_pid = kill9_primary(server, describe(server, ident))
            killed_at = time.monotonic()
            assert killed_zone == zone
            probe.wait_ack_after(time.monotonic(), 60)
            wait_until(lambda: len(ledger.acknowledged) > before + 100, 30,
                       what="the ledger writing again")
        print(f"\nkill -9, single-AZ: {probe.summary()}; {ledger.summary()}")
        outage = probe.outage()
        assert outage is not None and 0 < outage < 30, probe.summary()
        first_from, first_to, _ = probe.outages()[0]
        assert first_from <= killed_at + 0.05 and killed_at < first_to, probe.outages()
        assert ledger.error_count() > 0, "the writers must have seen the crash"
        assert min(t for ts in ledger.error_times().values() for t in ts) >= killed_at - 0.05
        assert_nothing_lost(server, instance, ledger)
        assert not process_alive(old_pid)
        new_pids = node_pids_by_zone(server, instance)
        assert list(new_pids) == [zone] and new_pids[zone] != old_pid, new_pids
        assert writable_nodes(server, instance, PASSWORD) == [zone]

        # reboot-db-instance under load: restarted in place too.
        wait_status(server, ident, "available")
        with running(ledger_for(server, instance), probe_for(server, instance)) as (ledger, probe):
            time.sleep(1.0)
            rds(server).reboot_db_instance(DBInstanceIdentifier=ident)
            wait_status(server, ident, "available",
                        also=lambda i: node_pids_by_zone(server, i).get(zone) not in
                        (None, new_pids[zone]))
            probe.wait_ack_after(time.monotonic(), 60)
        print(f"reboot, single-AZ: {probe.summary()}; {ledger.summary()}")
        assert 0 < probe.unavailability() < 30, probe.summary()
        assert_nothing_lost(server, instance, ledger)

        # A frozen node: writes hang, the clients' timeouts turn them into failures, and
        # after SIGCONT (or a restart by tandemd, if it acts on hung nodes) they come back.
        pid = node_pids_by_zone(server, instance)[zone]
        with running(ledger_for(server, instance), probe_for(server, instance)) as (ledger, probe):
            time.sleep(1.0)
            sigstop(pid)
            try:
                stopped_at = time.monotonic()
                wait_until(lambda: any(a[1] >= stopped_at for a in probe.failures()), 10,
                           what="a probe failure while the node is frozen")
                asked = time.monotonic()
                writable = writable_nodes(server, instance, PASSWORD, timeout=1.0)
                assert time.monotonic() - asked < 5, "writable_nodes must not hang on a frozen node"
                if process_state(pid) == "T":  # still frozen: it answers nobody
                    assert writable == [], writable
                time.sleep(max(0.0, stopped_at + 2.5 - time.monotonic()))
            finally:
                sigcont(pid)
            probe.wait_ack_after(time.monotonic(), 60)
        print(f"SIGSTOP 2.5 s, single-AZ: {probe.summary()}; {ledger.summary()}")
        assert 0.5 < probe.unavailability() < 30, probe.summary()
        assert_nothing_lost(server, instance, ledger)
    assert watch.violations == [], watch.violations
    assert len(watch.history) > 20
    assert {z for _, zones in watch.history for z in zones} == {zone}


def test_force_failover_of_a_single_az_instance_is_refused(maz_tandemd, cleanup):
    server = maz_tandemd
    create_single_az(server, "no-standby", cleanup)
    with pytest.raises(ClientError) as refused:
        rds(server).reboot_db_instance(DBInstanceIdentifier="no-standby", ForceFailover=True)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterCombination"
    rc, _, err = server.aws("rds", "reboot-db-instance", "--db-instance-identifier", "no-standby",
                            "--force-failover")
    assert rc != 0 and "InvalidParameterCombination" in err, err
    instance = describe(server, "no-standby")
    assert instance["DBInstanceStatus"] == "available"
    assert instance["MultiAZ"] is False


# ----- Multi-AZ -------------------------------------------------------------------------------

def test_create_multi_az_standby_in_b_replicates_semi_sync_over_tls(maz_tandemd, cleanup):
    server = maz_tandemd
    ident = "maz-create"
    cleanup.append((server, ident))
    rc, out, err = server.aws("rds", "create-db-instance", "--db-instance-identifier", ident,
                              "--engine", "mysql", "--db-instance-class", "db.t3.micro",
                              "--allocated-storage", "20", "--master-username", USER,
                              "--master-user-password", PASSWORD, "--multi-az",
                              "--storage-encrypted")
    assert rc == 0, err
    assert out["DBInstance"]["MultiAZ"] is True
    started = time.monotonic()
    instance = wait_status(server, ident, "available")
    ENDPOINT_PORTS.add(instance["Endpoint"]["Port"])
    instance = wait_redundant(server, ident, PASSWORD, timeout=REDUNDANCY_TIMEOUT)
    print(f"\ncreate-db-instance --multi-az -> fully redundant: "
          f"{time.monotonic() - started:.2f} s")

    rc, out, err = server.aws("rds", "describe-db-instances", "--db-instance-identifier", ident)
    assert rc == 0, err
    described = out["DBInstances"][0]
    assert described["MultiAZ"] is True
    assert described["AvailabilityZone"] == ZONE_A
    assert described["SecondaryAvailabilityZone"] == ZONE_B
    assert described["DBInstanceStatus"] == "available"

    # Two nodes, one per zone; the endpoint reaches the primary; only it is writable.
    pids = node_pids_by_zone(server, instance)
    assert sorted(pids) == [ZONE_A, ZONE_B], pids
    ports = node_ports_by_zone(server, instance)
    assert endpoint_node_port(server, instance) == ports[ZONE_A]
    assert writable_nodes(server, instance, PASSWORD) == [ZONE_A]
    assert writable_nodes(server, instance) == [ZONE_A]

    # The standby replicates from the primary with GTID, over verified TLS.
    status = replica_status(server, instance, ZONE_B)
    assert status["Slave_IO_Running"] == "Yes", status
    assert status["Slave_SQL_Running"] == "Yes", status
    assert int(status["Master_Port"]) == ports[ZONE_A], status
    assert status["Master_SSL_Allowed"] == "Yes", status
    assert status["Master_SSL_Verify_Server_Cert"] == "Yes", status
    assert status["Using_Gtid"] in ("Slave_Pos", "Current_Pos"), status
    assert replica_status(server, instance, ZONE_A) == {}
    # Semi-sync: the primary waits for the standby's acknowledgement.
    primary_semi = global_status(server, instance, ZONE_A, "Rpl_semi_sync_master_%")
    assert primary_semi["Rpl_semi_sync_master_status"] == "ON", primary_semi
    assert int(primary_semi["Rpl_semi_sync_master_clients"]) == 1, primary_semi
    standby_semi = global_status(server, instance, ZONE_B, "Rpl_semi_sync_slave_status")
    assert standby_semi["Rpl_semi_sync_slave_status"] == "ON", standby_semi
    for zone in (ZONE_A, ZONE_B):
        v = global_variables(server, instance, zone, "gtid_strict_mode")
        assert v["gtid_strict_mode"] == "ON", (zone, v)
        v = global_variables(server, instance, zone, "rpl_semi_sync_master_wait_point")
        assert v["rpl_semi_sync_master_wait_point"] == "AFTER_SYNC", (zone, v)
    # Both nodes encrypted alike (a physical copy needs the same keys).
    encrypt = [global_variables(server, instance, z, "innodb_encrypt_tables")
               for z in (ZONE_A, ZONE_B)]
    assert encrypt[0] == encrypt[1] and encrypt[0]["innodb_encrypt_tables"] != "OFF", encrypt

    # The standby is a copy of the primary: its users, and the rows written since.
    with admin_connect(server, instance, ZONE_B) as conn:
        assert query(conn, "SELECT COUNT(*) FROM mysql.global_priv WHERE User = %s",
                     (USER,))[0][0] == 1
        hostname, read_only = query(conn, "SELECT @@hostname, @@read_only")[0]
        assert hostname.startswith("ip-10-0-2-") and read_only == 1
    with endpoint_conn(server, instance) as conn:
        query(conn, "CREATE DATABASE app")
        query(conn, "CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(32))")
        query(conn, "INSERT INTO app.t VALUES (1, 'one'), (2, 'two')")
        assert query(conn, "SELECT @@hostname")[0][0].startswith("ip-10-0-1-")

    def standby_has_rows():
        with admin_connect(server, instance, ZONE_B) as conn:
            return query(conn, "SELECT COUNT(*) FROM app.t")[0][0] == 2
    wait_until(standby_has_rows, 10, what="the rows on the standby")

    # Deleting removes both nodes and their files.
    rds(server).delete_db_instance(DBInstanceIdentifier=ident, SkipFinalSnapshot=True)
    wait_gone(server, ident)
    assert not any(process_alive(p) for p in pids.values())
    assert not os.path.exists(instance_nodes_dir(server, instance))


def test_kill9_of_the_primary_under_load_ten_times_loses_nothing(maz_tandemd, cleanup):
    """kill -9 of whichever node is primary, 10 times under a LedgerWriter load, waiting
    each time for full redundancy (the old primary back as the standby) before the next."""
    server = maz_tandemd
    ident = "maz-kill-loop"
    instance = create_multi_az(server, ident, cleanup)
    outages = []
    with running(ledger_for(server, instance), WritableWatch(server, instance)) as (ledger, watch):
        for i in range(10):
            instance = describe(server, ident)
            old, new = instance["AvailabilityZone"], instance["SecondaryAvailabilityZone"]
            completed = count_messages(server, ident, FAILOVER_COMPLETED)
            with running(probe_for(server, instance)) as probe:
                time.sleep(0.5)
                _, old_pid = kill9_primary(server, instance)
                instance = wait_primary(server, ident, new)
                probe.wait_ack_after(time.monotonic(), 10)
            outages.append(probe.unavailability())
            print(f"\nkill -9 #{i + 1} of {old}: {probe.summary()}")
            assert probe.outage() is not None, "the probe's connection died with the primary"
            assert outages[-1] < 5.0, probe.summary()
            assert instance["SecondaryAvailabilityZone"] == old
            assert endpoint_node_port(server, instance) == node_ports_by_zone(server, instance)[new]
            assert_nothing_lost(server, instance, ledger)
            wait_messages(server, ident, FAILOVER_COMPLETED, completed + 1)
            instance = wait_redundant(
                server, ident, PASSWORD, timeout=REDUNDANCY_TIMEOUT,
                also=lambda i: i["AvailabilityZone"] == new and
                i["SecondaryAvailabilityZone"] == old)
            assert not process_alive(old_pid)
            assert writable_nodes(server, instance, PASSWORD) == [new]
            assert watch.violations == [], watch.violations
    assert_nothing_lost(server, instance, ledger)
    print(f"{ledger.summary()}; outages ms: {[round(o * 1000) for o in outages]}")
    assert statistics.median(outages) < 1.0, outages
    messages = event_messages(server, ident)
    assert sum(m.startswith(FAILOVER_STARTED) for m in messages) >= 10, messages
    assert sum(m.startswith(FAILOVER_COMPLETED) for m in messages) >= 10, messages
    assert watch.violations == [], watch.violations


def test_frozen_primary_is_failed_over_and_never_writable_again(maz_tandemd, cleanup):
    """SIGSTOP of the primary: failover to the standby; SIGCONT: the old primary must not
    serve writes again on its own, and it is rebuilt as the standby."""
    server = maz_tandemd
    ident = "maz-frozen"
    instance = create_multi_az(server, ident, cleanup)
    with running(ledger_for(server, instance), probe_for(server, instance),
                 WritableWatch(server, instance)) as (ledger, probe, watch):
        time.sleep(1.0)
        pid = node_pids_by_zone(server, instance)[ZONE_A]
        sigstop(pid)
        try:
            instance = wait_primary(server, ident, ZONE_B)
            probe.wait_ack_after(time.monotonic(), 10)
            assert writable_nodes(server, instance, PASSWORD, timeout=1.0) == [ZONE_B]
        finally:
            continued = sigcont(pid)
        continued_at = time.monotonic()
        print(f"\nSIGSTOP of the primary: {probe.summary()}; the old node "
              f"{'was continued' if continued else 'was already gone'}")
        assert probe.unavailability() < 5.0, probe.summary()
        # Continued, the old primary is never writable again without tandemd.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            assert writable_nodes(server, instance, PASSWORD, timeout=1.0) in ([ZONE_B], []), \
                "the continued old primary serves writes"
            time.sleep(0.1)
        instance = wait_redundant(server, ident, PASSWORD, timeout=REDUNDANCY_TIMEOUT,
                                  also=lambda i: i["AvailabilityZone"] == ZONE_B and
                                  i["SecondaryAvailabilityZone"] == ZONE_A)
        assert writable_nodes(server, instance, PASSWORD) == [ZONE_B]
        time.sleep(0.5)
    assert ZONE_A not in watch.writable_since(continued_at), watch.history[-40:]
    assert watch.violations == [], watch.violations
    assert_nothing_lost(server, instance, ledger)
    wait_messages(server, ident, FAILOVER_COMPLETED, 1)


def test_primary_alive_but_unreachable_by_tandemd_is_fenced_and_failed_over(maz_tandemd,
                                                                            cleanup):
    """A zone cut as tandemd sees it: the primary's process runs but tandemd cannot reach it
    (its admin socket is moved away and tandemd's open sessions on it are killed, so every
    probe fails while clients could still talk to it). After the hang timeout tandemd fences it (kills it), promotes the standby and
    points the endpoint there: one writable node, no acknowledged write lost."""
    server = maz_tandemd
    ident = "maz-cutoff"
    instance = create_multi_az(server, ident, cleanup)
    socket = os.path.join(instance_nodes_dir(server, instance), ZONE_A, "run", "mariadbd.sock")
    with running(ledger_for(server, instance), probe_for(server, instance),
                 WritableWatch(server, instance)) as (ledger, probe, watch):
        time.sleep(1.0)
        pid = node_pids_by_zone(server, instance)[ZONE_A]
        os.rename(socket, socket + ".cut")
        cut = pymysql.connect(unix_socket=socket + ".cut", user="root", autocommit=True)
        with cut:
            for (session,) in query(cut, "SELECT id FROM information_schema.processlist "
                                         "WHERE user = 'root' AND id <> CONNECTION_ID()"):
                try:
                    query(cut, f"KILL CONNECTION {int(session)}")
                except pymysql.err.OperationalError:
                    pass  # already gone
        instance = wait_primary(server, ident, ZONE_B)
        probe.wait_ack_after(time.monotonic(), 10)
        assert not process_alive(pid), "the unreachable primary was not fenced"
        instance = wait_redundant(server, ident, PASSWORD, timeout=REDUNDANCY_TIMEOUT,
                                  also=lambda i: i["AvailabilityZone"] == ZONE_B)
        time.sleep(0.5)
    print(f"\nprimary unreachable by tandemd: {probe.summary()}")
    assert probe.unavailability() < 5.0, probe.summary()
    assert writable_nodes(server, instance, PASSWORD) == [ZONE_B]
    assert watch.violations == [], watch.violations
    assert_nothing_lost(server, instance, ledger)
    messages = event_messages(server, ident)
    assert any(m.startswith(FAILOVER_COMPLETED) for m in messages), messages


def test_killed_standby_does_not_interrupt_the_primary_and_is_restarted(maz_tandemd, cleanup):
    server = maz_tandemd
    ident = "maz-standby-crash"
    instance = create_multi_az(server, ident, cleanup)
    with running(ledger_for(server, instance), probe_for(server, instance)) as (ledger, probe):
        time.sleep(1.0)
        old_pid = node_pids_by_zone(server, instance)[ZONE_B]
        kill9(old_pid)
        time.sleep(3.0)
        assert describe(server, ident)["AvailabilityZone"] == ZONE_A
        instance = wait_redundant(
            server, ident, PASSWORD, timeout=REDUNDANCY_TIMEOUT,
            also=lambda i: i["AvailabilityZone"] == ZONE_A and
            node_pids_by_zone(server, i).get(ZONE_B) not in (None, old_pid))
        time.sleep(0.5)
    print(f"\nkill -9 of the standby: {probe.summary()}; {ledger.summary()}")
    # Never interrupted: no write failed, and none waited more than the 1 s bound (plus
    # the probe's own interval and a write's latency, which every gap includes).
    assert probe.failures() == [], probe.summary()
    assert probe.max_gap() < 1.0 + GAP_SLACK, probe.summary()
    assert ledger.error_count() == 0, ledger.errors
    assert writable_nodes(server, instance, PASSWORD) == [ZONE_A]
    assert_nothing_lost(server, instance, ledger)
    assert count_messages(server, ident, FAILOVER_STARTED) == 0


def test_force_failover_swaps_zones_with_a_short_pause_and_no_loss(maz_tandemd, cleanup):
    server = maz_tandemd
    ident = "maz-switchover"
    instance = create_multi_az(server, ident, cleanup)
    with running(WritableWatch(server, instance)) as watch:
        for target in (ZONE_B, ZONE_A):
            with running(ledger_for(server, instance),
                         probe_for(server, instance)) as (ledger, probe):
                time.sleep(1.0)
                rds(server).reboot_db_instance(DBInstanceIdentifier=ident, ForceFailover=True)
                instance = wait_redundant(
                    server, ident, PASSWORD, timeout=REDUNDANCY_TIMEOUT,
                    also=lambda i: i["AvailabilityZone"] == target and
                    i["SecondaryAvailabilityZone"] == other_zone(target))
                probe.wait_ack_after(time.monotonic(), 10)
            print(f"\n--force-failover to {target}: {probe.summary()}; {ledger.summary()}")
            assert probe.unavailability() < 2.0, probe.summary()
            assert endpoint_node_port(server, instance) == \
                node_ports_by_zone(server, instance)[target]
            assert writable_nodes(server, instance, PASSWORD) == [target]
            assert_nothing_lost(server, instance, ledger)
    assert watch.violations == [], watch.violations
    assert describe(server, ident)["AvailabilityZone"] == ZONE_A


def test_kill9_right_after_a_switchover_with_no_write_since_fails_over(maz_tandemd, cleanup):
    """After --force-failover the ex-primary is the standby and its own last transactions
    are in its binlog only (not in gtid_slave_pos): a kill -9 of the new primary before any
    write must still fail over to it, not wait forever for MASTER_GTID_WAIT."""
    server = maz_tandemd
    ident = "maz-switch-kill"
    instance = create_multi_az(server, ident, cleanup)
    with running(ledger_for(server, instance)) as ledger:
        time.sleep(0.5)
    rds(server).reboot_db_instance(DBInstanceIdentifier=ident, ForceFailover=True)
    instance = wait_redundant(server, ident, PASSWORD, timeout=REDUNDANCY_TIMEOUT,
                              also=lambda i: i["AvailabilityZone"] == ZONE_B)
    completed = count_messages(server, ident, FAILOVER_COMPLETED)
    kill9_primary(server, instance)
    instance = wait_primary(server, ident, ZONE_A)
    wait_messages(server, ident, FAILOVER_COMPLETED, completed + 1)
    assert writable_nodes(server, instance, PASSWORD) == [ZONE_A]
    assert_nothing_lost(server, instance, ledger)


@pytest.mark.parametrize("delay", [0.0, 0.2], ids=["at-once", "mid-failover"])
def test_tandemd_killed_right_after_the_primary_recovers_without_split_brain(netns, tandemd,
                                                                             cleanup, delay):
    """kill -9 of the primary, then of tandemd (at once, or while it fails over); the
    restarted tandemd leaves exactly one writable node, nothing acknowledged lost, and the
    instance available with both nodes replicating (whichever zone ends up primary)."""
    server = tandemd("--endpoint-mode", "kernel", engine_nodes=True)
    ident = "maz-resume"
    instance = create_multi_az(server, ident, cleanup)
    with running(ledger_for(server, instance), WritableWatch(server, instance)) as (ledger, watch):
        time.sleep(1.0)
        kill9_primary(server, instance)
        if delay:
            time.sleep(delay)
        server.kill9()
        # Without tandemd nothing may promote anything.
        time.sleep(1.0)
        assert len(writable_nodes(server, instance, PASSWORD, timeout=1.0)) <= 1
        server.start()
        instance = wait_redundant(server, ident, PASSWORD, timeout=REDUNDANCY_TIMEOUT)
        primary = instance["AvailabilityZone"]
        assert writable_nodes(server, instance, PASSWORD) == [primary]
        time.sleep(0.5)
    print(f"\ntandemd killed {delay:.1f} s after the primary: primary now {primary}; "
          f"{ledger.summary()}")
    assert watch.violations == [], watch.violations
    assert endpoint_node_port(server, instance) == node_ports_by_zone(server, instance)[primary]
    assert_nothing_lost(server, instance, ledger)


def test_convert_single_az_to_multi_az_under_load_then_fail_over(maz_tandemd, cleanup):
    server = maz_tandemd
    ident = "maz-convert"
    instance = create_single_az(server, ident, cleanup, StorageEncrypted=True)
    with running(ledger_for(server, instance), probe_for(server, instance)) as (ledger, probe):
        time.sleep(1.0)
        rds(server).modify_db_instance(DBInstanceIdentifier=ident, MultiAZ=True,
                                       ApplyImmediately=True)
        instance = wait_redundant(
            server, ident, PASSWORD, timeout=REDUNDANCY_TIMEOUT,
            also=lambda i: "MultiAZ" not in i.get("PendingModifiedValues", {}))
        time.sleep(0.5)
    print(f"\nconversion to Multi-AZ under load: {probe.summary()}; {ledger.summary()}")
    assert instance["AvailabilityZone"] == ZONE_A
    assert instance["SecondaryAvailabilityZone"] == ZONE_B
    assert_nothing_lost(server, instance, ledger)
    wait_messages(server, ident,
                  "Finished applying modification to convert to a Multi-AZ DB instance", 1)

    # And it fails over like one created Multi-AZ.
    with running(ledger_for(server, instance), probe_for(server, instance)) as (ledger, probe):
        time.sleep(0.5)
        kill9_primary(server, instance)
        instance = wait_primary(server, ident, ZONE_B)
        probe.wait_ack_after(time.monotonic(), 10)
        instance = wait_redundant(server, ident, PASSWORD, timeout=REDUNDANCY_TIMEOUT,
                                  also=lambda i: i["AvailabilityZone"] == ZONE_B)
    print(f"kill -9 after the conversion: {probe.summary()}; {ledger.summary()}")
    assert probe.outage() is not None, "the probe's connection died with the primary"
    assert probe.unavailability() < 5.0, probe.summary()
    assert writable_nodes(server, instance, PASSWORD) == [ZONE_B]
    assert_nothing_lost(server, instance, ledger)
    wait_messages(server, ident, FAILOVER_COMPLETED, 1)


def test_reboot_stop_start_back_to_single_az_and_delete(maz_tandemd, cleanup):
    server = maz_tandemd
    ident = "maz-lifecycle"
    instance = create_multi_az(server, ident, cleanup)
    with endpoint_conn(server, instance) as conn:
        query(conn, "CREATE DATABASE app")
        query(conn, "CREATE TABLE app.t (id INT PRIMARY KEY)")
        query(conn, "INSERT INTO app.t VALUES (1)")

    # A reboot without failover restarts the primary in place: no zone swap.
    rds(server).reboot_db_instance(DBInstanceIdentifier=ident)
    instance = wait_redundant(server, ident, PASSWORD, timeout=REDUNDANCY_TIMEOUT,
                              also=lambda i: i["DBInstanceStatus"] == "available")
    assert instance["AvailabilityZone"] == ZONE_A
    assert count_messages(server, ident, FAILOVER_STARTED) == 0

    # Stop takes both nodes down; start brings the pair back, still replicating.
    rds(server).stop_db_instance(DBInstanceIdentifier=ident)
    wait_status(server, ident, "stopped")
    assert node_pids_by_zone(server, instance) == {}
    rds(server).start_db_instance(DBInstanceIdentifier=ident)
    instance = wait_redundant(server, ident, PASSWORD, timeout=REDUNDANCY_TIMEOUT,
                              also=lambda i: i["DBInstanceStatus"] == "available")
    with endpoint_conn(server, instance) as conn:
        query(conn, "INSERT INTO app.t VALUES (2)")
    assert writable_nodes(server, instance, PASSWORD) == [ZONE_A]

    # Back to Single-AZ: the standby goes, with its files; the primary serves on.
    rds(server).modify_db_instance(DBInstanceIdentifier=ident, MultiAZ=False,
                                   ApplyImmediately=True)
    wait_messages(server, ident,
                  "Finished applying modification to convert to a standard (Single-AZ)", 1,
                  timeout=60)
    instance = wait_until(
        lambda: (lambda i: i if i["DBInstanceStatus"] == "available"
                 and "SecondaryAvailabilityZone" not in i and "StatusInfos" not in i
                 else None)(describe(server, ident)), 60, what="a single-AZ instance")
    assert instance["MultiAZ"] is False
    assert list(node_pids_by_zone(server, instance)) == [ZONE_A]
    assert not os.path.exists(os.path.join(instance_nodes_dir(server, instance), ZONE_B))
    with endpoint_conn(server, instance) as conn:
        query(conn, "INSERT INTO app.t VALUES (3)")
        assert [r[0] for r in query(conn, "SELECT id FROM app.t ORDER BY id")] == [1, 2, 3]

    rds(server).delete_db_instance(DBInstanceIdentifier=ident, SkipFinalSnapshot=True)
    wait_gone(server, ident)
    assert node_pids_by_zone(server, instance) == {}
    assert not os.path.exists(instance_nodes_dir(server, instance))
