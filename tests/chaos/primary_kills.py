"""Scenario 1: kill -9 of a Multi-AZ instance's primary node, N times, under write load.

Load in every trial, all through the instance's endpoint: sysbench oltp_write_only with 8
threads (errors during the outage are expected: statement errors are ignored, and sysbench is
started again when a lost connection ends it; see Sysbench), a LedgerWriter (failover_tools:
remembers every acknowledged insert), a WriteProbe (how long writes were unavailable) and a
WritableWatch (never two writable nodes at once).

One trial: wait until the instance is fully redundant (failover_tools.redundancy_problems:
standby attached, replicating, semi-sync ON, tandemd reporting it in sync), start the load,
kill -9 the primary, wait for the takeover (describe names the other zone; or, if tandemd
held the failover because the standby was not in sync, the old primary restarted in place),
for an acknowledged write, then for full redundancy again with the load still running.
Violations: an acknowledged ledger row missing, two writable nodes at any sample, not
exactly one writable node after the trial (@@read_only read on both nodes directly, over
their unix sockets), or the instance not fully redundant again within the bound.
"""

import os
import re
import threading
import time

from chaos_env import USER, ChildProcess, Sandbox, create_instance, describe, ms_figures
from failover_tools import (
    LedgerWriter,
    WritableWatch,
    WriteProbe,
    endpoint_connect,
    kill9_primary,
    node_pids_by_zone,
    redundancy_problems,
    wait_redundant,
    wait_until,
    writable_nodes,
)

IDENT = "chaos-kills"
PASSWORD = "Chaos-Passw0rd-1"
SYSBENCH_THREADS = 8
SYSBENCH_TABLES = 2
SYSBENCH_TABLE_SIZE = 5000
TAKEOVER_TIMEOUT = 60.0
REDUNDANCY_TIMEOUT = 180.0
REPORT_LINE = re.compile(r"tps: ([\d.]+) .* err/s: ([\d.]+)")
# Deadlock, lock wait timeout, table handler error, read-only server.
IGNORED_ERRORS = "1213,1205,1020,1290"
RESTART_DELAY = 0.1  # seconds before sysbench is started again


def sysbench_args(instance, command):
    endpoint = instance["Endpoint"]
    # Line-buffered: its per-second reports reach the log even though it is stopped by a signal.
    return ["stdbuf", "-oL", "sysbench", "oltp_write_only", "--db-driver=mysql",
            f"--mysql-host={endpoint['Address']}", f"--mysql-port={endpoint['Port']}",
            f"--mysql-user={USER}", f"--mysql-password={PASSWORD}", "--mysql-db=sbtest",
            f"--tables={SYSBENCH_TABLES}", f"--table-size={SYSBENCH_TABLE_SIZE}",
            f"--threads={SYSBENCH_THREADS}", f"--mysql-ignore-errors={IGNORED_ERRORS}",
            "--time=0", "--report-interval=1", command]


class Sysbench:
    """sysbench oltp_write_only through the endpoint until stopped, restarted whenever it exits.

    sysbench 1.0.20 cannot ride through a failover: told to ignore lost connections it
    reconnects with a closed libmariadb handle and crashes (SIGSEGV in mysql_optionsv, sysbench
    issue #527), so lost connections are fatal to it instead and a watcher thread starts it
    again at once, as an application's supervisor would. Statement errors a failover causes
    (deadlocks, lock waits, a read-only node) are ignored.
    """

    def __init__(self, instance, work_dir, n):
        self.instance = instance
        self.log_base = os.path.join(work_dir, f"sysbench-{n}")
        self.runs = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._watch, name="sysbench", daemon=True)
        self._thread.start()

    def _watch(self):
        while not self._stop.is_set():
            with self._lock:
                if self._stop.is_set():
                    return
                process = ChildProcess(sysbench_args(self.instance, "run"),
                                       f"{self.log_base}-{len(self.runs)}.log")
                self.runs.append(process)
            while process.proc.poll() is None and not self._stop.is_set():
                self._stop.wait(0.02)
            self._stop.wait(RESTART_DELAY)

    def stop(self):
        """Stops it; (transactions, errors, restarts) from its per-second reports."""
        with self._lock:
            self._stop.set()
        self._thread.join(timeout=10)
        tx = errors = 0.0
        for process in self.runs:
            process.stop()
            for line in process.output().splitlines():
                m = REPORT_LINE.search(line)
                if m:
                    tx += float(m.group(1))
                    errors += float(m.group(2))
        return int(tx), int(errors), max(0, len(self.runs) - 1)


def prepare_sysbench(sandbox, instance):
    conn = wait_until(lambda: endpoint_connect(instance, USER, PASSWORD, sandbox.server.ca_bundle),
                      30, what="a connection through the endpoint")
    with conn:
        with conn.cursor() as cur:
            cur.execute("CREATE DATABASE IF NOT EXISTS sbtest")
    prep = ChildProcess(sysbench_args(instance, "prepare"),
                        os.path.join(sandbox.data_dir, "sysbench-prepare.log"),
                        cwd=sandbox.data_dir)
    try:
        rc = prep.proc.wait(timeout=120)
    finally:
        prep.stop()
    assert rc == 0, f"sysbench prepare failed:\n{prep.output()[-2000:]}"


def trial(tally, sandbox, n, warmup):
    server = sandbox.server
    try:
        instance = wait_redundant(server, IDENT, PASSWORD, timeout=REDUNDANCY_TIMEOUT)
    except AssertionError as e:
        tally.violation(f"trial {n}: not fully redundant before the kill: {str(e)[:600]}")
        return None
    old = instance["AvailabilityZone"]
    old_pid = node_pids_by_zone(server, instance)[old]
    ca = server.ca_bundle
    sysbench = Sysbench(instance, sandbox.data_dir, n)
    ledger = LedgerWriter(instance, USER, PASSWORD, ca, threads=2)
    probe = WriteProbe(instance, USER, PASSWORD, ca)
    watch = WritableWatch(server, instance)
    started = []
    result = {"moved": None, "outage": None, "redundant": None}
    try:
        for worker in (ledger, probe, watch):
            worker.start()
            started.append(worker)
        time.sleep(warmup)
        kill9_primary(server, describe(server, IDENT))
        killed_at = time.monotonic()

        def taken_over():
            now = describe(server, IDENT)
            if now["AvailabilityZone"] != old:
                return "failover"
            pid = node_pids_by_zone(server, now).get(old)
            if pid not in (None, old_pid) and writable_nodes(server, now) == [old]:
                return "restart in place"
            return None
        result["moved"] = wait_until(taken_over, TAKEOVER_TIMEOUT, interval=0.02,
                                     what="the standby promoted or the primary restarted")
        probe.wait_ack_after(time.monotonic(), TAKEOVER_TIMEOUT)
        try:
            wait_redundant(server, IDENT, PASSWORD, timeout=REDUNDANCY_TIMEOUT)
            result["redundant"] = time.monotonic() - killed_at
        except AssertionError as e:
            tally.violation(f"trial {n}: not fully redundant again within "
                            f"{REDUNDANCY_TIMEOUT:.0f} s: {str(e)[:600]}")
    except AssertionError as e:
        tally.violation(f"trial {n}: {str(e)[:600]}")
    finally:
        for worker in reversed(started):
            worker.stop()
        tx, errors, restarts = sysbench.stop()

    after = describe(server, IDENT)
    writable = writable_nodes(server, after)
    tally.check(writable == [after["AvailabilityZone"]],
                f"trial {n}: writable nodes {writable} after the trial, want exactly the "
                f"primary {after['AvailabilityZone']}")
    tally.check(not watch.violations,
                f"trial {n}: two writable nodes at once in {len(watch.violations)} samples "
                f"(first {watch.violations[:1]})")
    conn = wait_until(lambda: endpoint_connect(after, USER, PASSWORD, ca, connect_timeout=5), 30,
                      what="a connection through the endpoint")
    with conn:
        missing = ledger.verify(conn)
    tally.check(not missing, f"trial {n}: {len(missing)} acknowledged ledger rows lost "
                             f"(first {missing[:5]}); {ledger.summary()}")
    tally.check(ledger.last_verify["acknowledged"] > 0, f"trial {n}: no write was acknowledged")
    result.update(outage=probe.unavailability(), acknowledged=len(ledger.acknowledged),
                  lost=len(missing), tx=tx, sb_errors=errors, sb_restarts=restarts)
    print(f"  kill {n}: {result['moved']}, write-unavailable {result['outage'] * 1000:.0f} ms, "
          f"redundant again after {(result['redundant'] or float('nan')):.1f} s, "
          f"{result['acknowledged']} ledger writes acknowledged, {len(missing)} lost, sysbench "
          f"{tx} transactions ({errors} errors, restarted {restarts} times)", flush=True)
    return result


def run(tally, kills, warmup=1.0):
    with Sandbox("primary-kills") as sandbox:
        create_instance(sandbox.server, IDENT, PASSWORD, multi_az=True)
        instance = wait_redundant(sandbox.server, IDENT, PASSWORD, timeout=REDUNDANCY_TIMEOUT)
        prepare_sysbench(sandbox, instance)
        results = []
        for n in range(1, kills + 1):
            tally.trials += 1
            r = trial(tally, sandbox, n, warmup)
            if r is None:
                break  # no redundant instance to kill: the rest cannot run
            results.append(r)
        last = describe(sandbox.server, IDENT)
        problems = redundancy_problems(sandbox.server, last, PASSWORD)
        tally.check(not problems, f"not fully redundant at the end: {problems}")
        done = [r for r in results if r.get("outage") is not None]
        tally.figure("failovers / in place",
                     f"{sum(r['moved'] == 'failover' for r in results)} / "
                     f"{sum(r['moved'] == 'restart in place' for r in results)}")
        tally.figure("write-unavailable", ms_figures([r["outage"] for r in done]))
        tally.figure("redundant again", ms_figures([r["redundant"] for r in results
                                                    if r["redundant"] is not None]))
        tally.figure("ledger acknowledged/lost",
                     f"{sum(r['acknowledged'] for r in done)}/{sum(r['lost'] for r in done)}")
        tally.figure("sysbench tx (errors, restarts)",
                     f"{sum(r['tx'] for r in done)} ({sum(r['sb_errors'] for r in done)}, "
                     f"{sum(r['sb_restarts'] for r in done)})")
