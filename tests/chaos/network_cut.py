"""Scenario 4: the network between a Multi-AZ instance's primary and its standby is cut, and the
primary dies while it is cut.

The cut is an nftables table of the scenario's own (`ip tandem_chaos_cut`) inside the
scenario's network namespace, never the host's. Both nodes listen on 127.0.0.1, so it picks
the replication traffic out by connection: a connection opened to the primary node's port
(`ct original proto-dst`) by a process of the nodes' account (`meta skuid`: the standby's
replication IO thread) is marked, and every packet of a marked connection is dropped, both
ways. Clients keep reaching the primary: through the endpoint their connections were opened
to the endpoint's port (rewritten by tandemd's DNAT), and connections tandemd relays itself
(held at the endpoint during a restart) are tandemd's, not the nodes' account's. tandemd
reaches its nodes over unix sockets, which no rule touches.

Expected, under the default policy tandem_sync_policy=available (README "Multi-AZ"): writes
through the endpoint go on after the 1 s semi-sync timeout, tandemd reports the standby out of
sync (StatusInfos Normal false, event "An error has occurred in the read replication process");
a kill -9 of the primary while cut does NOT promote the stale standby: the primary restarts
in place and no acknowledged write is lost. Once the table is deleted the standby catches up
and the instance is fully redundant again.
"""

import os
import subprocess
import time

from chaos_env import USER, Sandbox, create_instance, describe, events
from failover_tools import (
    LedgerWriter,
    endpoint_connect,
    kill9_primary,
    node_dirs,
    node_pids_by_zone,
    node_ports_by_zone,
    wait_redundant,
    wait_until,
    writable_nodes,
)

IDENT = "chaos-cut"
PASSWORD = "Chaos-Cut-Passw0rd-1"
TABLE = "tandem_chaos_cut"
CUT_MARK = "0x7a"
DEGRADED_TIMEOUT = 30.0
RESTART_TIMEOUT = 60.0
REDUNDANCY_TIMEOUT = 180.0
REPLICATION_ERROR = "An error has occurred in the read replication process"
FAILOVER_STARTED = "Multi-AZ instance failover started"


def cut(port, node_uid):
    rules = (f"table ip {TABLE} {{\n  chain out {{\n"
             "    type filter hook output priority 0; policy accept;\n"
             f"    meta l4proto tcp ct direction original ct original proto-dst {port} "
             f"meta skuid {node_uid} ct mark set {CUT_MARK}\n"
             f"    ct mark {CUT_MARK} drop\n  }}\n}}\n")
    subprocess.run(["nft", "-f", "-"], input=rules.encode(), check=True)


def restore():
    subprocess.run(["nft", "delete", "table", "ip", TABLE], check=False,
                   stderr=subprocess.DEVNULL)


def status_info(instance):
    return (instance.get("StatusInfos") or [{}])[0]


def run(tally):
    with Sandbox("network-cut") as sb:
        server = sb.server
        sb.on_exit(restore)  # inside the namespace, which goes too; kept for clarity
        tally.trials += 1
        create_instance(server, IDENT, PASSWORD, multi_az=True)
        instance = wait_redundant(server, IDENT, PASSWORD, timeout=REDUNDANCY_TIMEOUT)
        primary = instance["AvailabilityZone"]
        standby = instance["SecondaryAvailabilityZone"]
        port = node_ports_by_zone(server, instance)[primary]
        ca = server.ca_bundle
        ledger = LedgerWriter(instance, USER, PASSWORD, ca, threads=2)
        ledger.start()
        figures = {}
        try:
            time.sleep(1.0)
            failovers_before = sum(m.startswith(FAILOVER_STARTED) for m in events(server, IDENT))
            cut(port, os.stat(node_dirs(server, instance)[standby]).st_uid)
            cut_at = time.monotonic()
            acked_at_cut = len(ledger.acknowledged)
            try:
                degraded = wait_until(
                    lambda: (lambda i: i if status_info(i).get("Normal") is False else None)(
                        describe(server, IDENT)), DEGRADED_TIMEOUT, interval=0.1,
                    what="the standby reported out of sync")
                figures["out of sync reported"] = f"{time.monotonic() - cut_at:.1f} s"
                message = status_info(degraded).get("Message", "")
                tally.check("out of sync" in message and "held" in message,
                            f"StatusInfos does not say the standby is out of sync and the "
                            f"failover held: {status_info(degraded)}")
            except AssertionError as e:
                tally.violation(str(e))
            tally.check(any(m.startswith(REPLICATION_ERROR) for m in events(server, IDENT)),
                        f"no replication error event: {events(server, IDENT)}")
            try:
                wait_until(lambda: len(ledger.acknowledged) > acked_at_cut + 50, 10,
                           interval=0.1, what="writes acknowledged while cut")
            except AssertionError as e:
                tally.violation(f"writes did not continue after the cut: {e}")
            figures["writes while cut"] = str(len(ledger.acknowledged) - acked_at_cut)

            _, old_pid = kill9_primary(server, describe(server, IDENT))
            killed_at = time.monotonic()

            def restarted():
                now = describe(server, IDENT)
                pid = node_pids_by_zone(server, now).get(primary)
                return pid not in (None, old_pid) and writable_nodes(server, now) == [primary]
            try:
                wait_until(restarted, RESTART_TIMEOUT, interval=0.05,
                           what=f"the primary restarted in place in {primary}")
                acked = len(ledger.acknowledged)
                wait_until(lambda: len(ledger.acknowledged) > acked, RESTART_TIMEOUT,
                           interval=0.05, what="writes acknowledged after the restart")
                figures["writes back after kill"] = f"{time.monotonic() - killed_at:.2f} s"
            except AssertionError as e:
                tally.violation(str(e))
            after_kill = describe(server, IDENT)
            tally.check(after_kill["AvailabilityZone"] == primary,
                        f"the stale standby was promoted: primary now "
                        f"{after_kill['AvailabilityZone']}")
            started = sum(m.startswith(FAILOVER_STARTED) for m in events(server, IDENT))
            tally.check(started == failovers_before,
                        f"a failover started while the standby was out of sync: "
                        f"{events(server, IDENT)}")
            tally.check(status_info(after_kill).get("Normal") is False,
                        f"StatusInfos no longer reports the cut standby: {status_info(after_kill)}")

            restore()
            restored_at = time.monotonic()
            try:
                wait_redundant(server, IDENT, PASSWORD, timeout=REDUNDANCY_TIMEOUT,
                               also=lambda i: status_info(i).get("Normal") is True)
                figures["in sync after restore"] = f"{time.monotonic() - restored_at:.1f} s"
            except AssertionError as e:
                tally.violation(f"not fully redundant after the network came back: "
                                f"{str(e)[:800]}")
        finally:
            restore()
            ledger.stop()
        final = describe(server, IDENT)
        writable = writable_nodes(server, final)
        tally.check(writable == [final["AvailabilityZone"]], f"writable nodes {writable}")
        with endpoint_connect(final, USER, PASSWORD, ca, connect_timeout=5) as conn:
            missing = ledger.verify(conn)
        tally.check(not missing, f"{len(missing)} acknowledged ledger rows lost: {missing[:5]}; "
                                 f"{ledger.summary()}")
        for name, value in figures.items():
            tally.figure(name, value)
        tally.figure("ledger acknowledged/lost", f"{len(ledger.acknowledged)}/{len(missing)}")
