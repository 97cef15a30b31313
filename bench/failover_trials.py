#!/usr/bin/python3
"""The trials of bench/failover.sh, run inside its network namespace against the tandemd it
started (see that script for what is measured and the targets).

Each trial, on one instance:
  1. wait until it is ready: Multi-AZ fully redundant (failover_tools.redundancy_problems),
     single-AZ available with one writable node;
  2. start a LedgerWriter (4 threads) and a WriteProbe through the endpoint; 1 s of load;
  3. the event: kill -9 of the primary, SIGSTOP of the primary, or
     reboot-db-instance --force-failover (single-AZ: a plain reboot);
  4. wait for the takeover (describe names the other zone; single-AZ: a new node process,
     or the 2 s SIGSTOP hold), SIGCONT a frozen node, then for an acknowledged probe write,
     then for full redundancy again, load still running;
  5. stop the load; lost = acknowledged ledger rows missing behind the endpoint.
The trial's figure is the probe's longest write-unavailability window between the event
and the return of full redundancy (WriteProbe.unavailability). A Multi-AZ run that completes
appends its figures to $BENCH_RESULTS when that is set (bench/lib/bench_results.py).
"""

import argparse
import math
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
sys.path.insert(0, os.path.join(HERE, "lib"))

from bench_results import record  # noqa: E402

from failover_tools import (  # noqa: E402
    LedgerWriter,
    WritableWatch,
    WriteProbe,
    describe,
    endpoint_connect,
    kill9,
    node_pids_by_zone,
    redundancy_problems,
    sigcont,
    sigstop,
    wait_until,
    writable_nodes,
)
from tandem_server import TandemServer  # noqa: E402

IDENT = "bench-failover"
USER = "admin"
PASSWORD = "Bench-Passw0rd"
WARMUP_SECONDS = 1.0
SIGSTOP_HOLD_SECONDS = 2.0  # single-AZ only: how long the node stays frozen
TAKEOVER_TIMEOUT = 60.0
READY_TIMEOUT = 180.0

TARGETS = {  # kind: [(statistic, limit in ms)]
    "kill -9": [("p50", 1000), ("max", 3000)],
    "SIGSTOP": [("p50", 3000)],
    "forced": [("p50", 500)],
}
# What each Multi-AZ kind's figure is called in the results (bench_results.py).
METRICS = {
    "kill -9": "write-unavailability, primary killed (kill -9)",
    "SIGSTOP": "write-unavailability, primary frozen (SIGSTOP)",
    "forced": "write pause, forced failover (reboot --force-failover)",
}
# AWS's published failover time for an RDS Multi-AZ DB instance, "typically 60-120 seconds"
# (Amazon RDS User Guide, "Failing over a Multi-AZ DB instance for Amazon RDS"): a quoted
# anchor, not a measurement; its lower bound is the peer of each failover figure.
AWS_ANCHOR = "RDS Multi-AZ failover, quoted by AWS: typically 60-120 s"
AWS_ANCHOR_MS = 60_000


class TrialFailed(Exception):
    pass


def wait_health(server, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, doc = server.health(timeout=1.0)
            if status == 200 and isinstance(doc, dict) and doc.get("status") == "ready":
                return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.05)
    sys.exit(f"tandemd did not become ready; see {server.data_dir}/tandemd.log")


class Bench:
    def __init__(self, server, multi_az):
        self.server = server
        self.multi_az = multi_az
        self.rds = server.client(service="rds")
        self.ca = server.ca_bundle
        self.kinds = ["kill -9", "SIGSTOP", "forced" if multi_az else "reboot"]

    # --- readiness ----------------------------------------------------------------------

    def problems(self, instance):
        if self.multi_az:
            return redundancy_problems(self.server, instance, PASSWORD)
        problems = []
        if instance["DBInstanceStatus"] != "available":
            problems.append(f"status {instance['DBInstanceStatus']}")
        elif writable_nodes(self.server, instance, PASSWORD) != [instance["AvailabilityZone"]]:
            problems.append("the node is not writable yet")
        return problems

    def wait_ready(self, timeout=READY_TIMEOUT):
        deadline = time.monotonic() + timeout
        problems = ["never described"]
        while time.monotonic() < deadline:
            instance = describe(self.server, IDENT)
            problems = self.problems(instance)
            if not problems:
                return instance
            time.sleep(0.1)
        raise TrialFailed(f"not ready within {timeout:.0f} s: {problems}")

    def create(self):
        started = time.monotonic()
        self.rds.create_db_instance(DBInstanceIdentifier=IDENT, Engine="mysql",
                                    DBInstanceClass="db.t3.micro", AllocatedStorage=20,
                                    MasterUsername=USER, MasterUserPassword=PASSWORD,
                                    MultiAZ=self.multi_az)
        instance = self.wait_ready()
        print(f"{'Multi-AZ' if self.multi_az else 'single-AZ'} instance ready in "
              f"{time.monotonic() - started:.1f} s: primary {instance['AvailabilityZone']}"
              + (f", standby {instance.get('SecondaryAvailabilityZone')}" if self.multi_az else ""),
              flush=True)
        return instance

    # --- one trial ----------------------------------------------------------------------

    def trial(self, kind):
        instance = self.wait_ready()
        old = instance["AvailabilityZone"]
        new = instance["SecondaryAvailabilityZone"] if self.multi_az else old
        old_pid = node_pids_by_zone(self.server, instance)[old]
        ledger = LedgerWriter(instance, USER, PASSWORD, self.ca)
        probe = WriteProbe(instance, USER, PASSWORD, self.ca)
        watch = WritableWatch(self.server, instance)
        frozen = None
        started = []
        try:
            for worker in (ledger, probe, watch):
                worker.start()
                started.append(worker)
            time.sleep(WARMUP_SECONDS)
            if kind == "kill -9":
                kill9(old_pid)
            elif kind == "SIGSTOP":
                sigstop(old_pid)
                frozen = old_pid
            elif kind == "forced":
                self.rds.reboot_db_instance(DBInstanceIdentifier=IDENT, ForceFailover=True)
            else:
                self.rds.reboot_db_instance(DBInstanceIdentifier=IDENT)
            event_at = time.monotonic()

            if self.multi_az:
                wait_until(lambda: describe(self.server, IDENT)["AvailabilityZone"] == new,
                           TAKEOVER_TIMEOUT, what=f"describe naming {new} the primary")
            elif kind == "SIGSTOP":
                time.sleep(max(0.0, event_at + SIGSTOP_HOLD_SECONDS - time.monotonic()))
            else:
                wait_until(lambda: node_pids_by_zone(self.server, instance).get(old)
                           not in (None, old_pid), TAKEOVER_TIMEOUT,
                           what="a new node process")
            takeover_s = time.monotonic() - event_at
            if frozen is not None:
                sigcont(frozen)
                frozen = None
            probe.wait_ack_after(time.monotonic(), TAKEOVER_TIMEOUT)
            self.wait_ready()
            time.sleep(0.3)
        except AssertionError as e:
            raise TrialFailed(str(e)) from None
        finally:
            if frozen is not None:
                sigcont(frozen)
            for worker in reversed(started):
                worker.stop()

        with endpoint_connect(instance, USER, PASSWORD, self.ca, connect_timeout=5) as conn:
            lost = len(ledger.verify(conn))
        first = probe.outage()
        return {
            "kind": kind,
            "from": old,
            "takeover_ms": takeover_s * 1000,
            "outage_ms": probe.unavailability() * 1000,
            "first_ms": None if first is None else first * 1000,
            "failed_writes": len(probe.failures()),
            "acknowledged": len(ledger.acknowledged),
            "unknown": len(ledger.unknown),
            "lost": lost,
            "split": len(watch.violations),
        }


def nearest_rank(values, q):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def print_table(results, kinds):
    print()
    print(f"{'kind':<9} {'n':>3} {'min ms':>7} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} "
          f"{'acknowledged':>12} {'unknown':>7} {'lost':>5} {'split':>5}")
    stats = {}
    for kind in kinds:
        rows = [r for r in results if r["kind"] == kind]
        if not rows:
            continue
        outages = [r["outage_ms"] for r in rows]
        s = {"min": min(outages), "p50": statistics.median(outages),
             "p95": nearest_rank(outages, 0.95), "max": max(outages)}
        stats[kind] = s
        print(f"{kind:<9} {len(rows):>3} {s['min']:>7.0f} {s['p50']:>7.0f} {s['p95']:>7.0f} "
              f"{s['max']:>7.0f} {sum(r['acknowledged'] for r in rows):>12} "
              f"{sum(r['unknown'] for r in rows):>7} {sum(r['lost'] for r in rows):>5} "
              f"{sum(r['split'] for r in rows):>5}")
    return stats


def record_results(results, kinds, command):
    """Appends each kind's write-unavailability (p50 over trials, every trial in order) and
    the writes lost over all trials to $BENCH_RESULTS (bench_results.record)."""
    for kind in kinds:
        rows = [r for r in results if r["kind"] == kind]
        if not rows:
            continue
        outages = [round(r["outage_ms"], 1) for r in rows]
        targets = " and ".join(f"{stat} < {limit} ms" for stat, limit in TARGETS[kind])
        record("failover", METRICS[kind], statistics.median(outages), "ms", better="lower",
               peer=AWS_ANCHOR, peer_value=AWS_ANCHOR_MS, ratio=True, trials=outages,
               notes=f"{len(rows)} trials, p50 of the client's write-unavailability; "
                     f"{sum(r['acknowledged'] for r in rows)} acknowledged writes, "
                     f"{sum(r['lost'] for r in rows)} lost; target {targets}",
               command=command)
    record("failover", "acknowledged writes lost", sum(r["lost"] for r in results), "writes",
           better="lower",
           notes=f"over all {len(results)} trials: "
                 f"{sum(r['acknowledged'] for r in results)} acknowledged, "
                 f"{sum(r['unknown'] for r in results)} with unknown outcome, "
                 f"{sum(r['split'] for r in results)} samples with two writable nodes; "
                 f"target 0 lost",
           command=command)


def print_targets(results, stats, multi_az):
    print()
    if not multi_az:
        print("targets (for Multi-AZ failovers; this run restarted a single-AZ node in place, "
              "so these lines only show the meter works):")
    else:
        print("targets:")
    for kind, goals in TARGETS.items():
        if kind not in stats:
            continue
        for stat, limit in goals:
            value = stats[kind][stat]
            print(f"  {kind} {stat} < {limit} ms: {'met' if value < limit else 'NOT met'} "
                  f"({value:.0f} ms, {value / limit:.2f}x of the target)")
    lost = sum(r["lost"] for r in results)
    split = sum(r["split"] for r in results)
    print(f"  acknowledged writes lost = 0: {'met' if lost == 0 else 'NOT met'} ({lost} lost)")
    print(f"  never two writable nodes: {'met' if split == 0 else 'NOT met'} "
          f"({split} samples with two)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--single-az", action="store_true")
    parser.add_argument("--kinds", help="comma-separated subset of the kinds, in this order")
    parser.add_argument("--command", default="bench/failover.sh",
                        help="the command that reproduces this run, for the results")
    args = parser.parse_args()

    # A handle on the tandemd failover.sh started (never started or stopped from here).
    server = TandemServer(args.data_dir, port=args.port,
                          log_path=os.path.join(args.data_dir, "tandemd.log"))
    wait_health(server)
    bench = Bench(server, multi_az=not args.single_az)
    if args.kinds:
        kinds = args.kinds.split(",")
        unknown = [k for k in kinds if k not in bench.kinds]
        if unknown:
            sys.exit(f"unknown kinds {unknown}: choose from {', '.join(bench.kinds)}")
        bench.kinds = kinds
    print(f"failover bench: {args.trials} trials each of {', '.join(bench.kinds)}; "
          f"probe: one INSERT every 20 ms through the endpoint (TLS, connect timeout 0.5 s, "
          f"read/write timeout 2 s); ledger: 4 writer threads", flush=True)
    results = []
    failure = None
    try:
        bench.create()
        for trial in range(1, args.trials + 1):
            for kind in bench.kinds:
                r = bench.trial(kind)
                results.append(r)
                first = "-" if r["first_ms"] is None else f"{r['first_ms']:.0f} ms"
                print(f"{kind:<8} #{trial:<3} from {r['from']}: write-unavailable "
                      f"{r['outage_ms']:6.0f} ms (first failure window {first}, "
                      f"{r['failed_writes']} failed probe writes; takeover seen "
                      f"{r['takeover_ms']:.0f} ms after the event), "
                      f"{r['acknowledged']} acknowledged, {r['unknown']} unknown, "
                      f"{r['lost']} lost, {r['split']} split",
                      flush=True)
    except TrialFailed as e:
        failure = e
        print(f"\ntrial failed: {e}", flush=True)
        print("--- tandemd log (tail) ---")
        print(server.log_text()[-3000:])

    stats = print_table(results, bench.kinds)
    print_targets(results, stats, bench.multi_az)
    if failure is not None:
        sys.exit(1)
    if bench.multi_az:
        record_results(results, bench.kinds, args.command)


if __name__ == "__main__":
    main()
