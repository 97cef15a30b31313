#!/usr/bin/env bash
# Cost of Multi-AZ: sysbench oltp_write_only through the endpoint of a
# single-AZ DB instance and of a Multi-AZ one (semi-synchronous replication to
# the standby, AFTER_SYNC: every commit waits for the standby's
# acknowledgement), in interleaved rounds on one tandemd so both see the same
# machine. Prints each run, then per instance the median TPS and p95 latency
# over the rounds, and the ratio Multi-AZ / single-AZ (target >= 0.7).
#
# Clients use the master user over TLS, verified against Tandem's CA and the
# host name. sysbench 1.0's --mysql-ssl=on hard-codes client-key.pem,
# client-cert.pem and cacert.pem in its working directory, and the nodes
# refuse a client certificate their CA did not sign; so a tiny LD_PRELOAD shim
# (built here with gcc into the work directory) turns sysbench's
# mysql_ssl_set() into "no client certificate, CA = Tandem's bundle, verify
# the server". Each Multi-AZ run also reports how many commits the standby
# acknowledged (Rpl_semi_sync_master_yes_tx) and how many went async (no_tx).
#
# Until Multi-AZ works, the Multi-AZ half is reported as not measured (the
# instance never became fully redundant) and the single-AZ half still runs.
#
# tandemd runs inside a network namespace this script creates and deletes;
# engine nodes are stopped by pid at the end, whatever happened.
# Appends the figures to $BENCH_RESULTS when it is set (bench/lib/bench_results.py).
#   bench/replication_cost.sh [--duration S] [--rounds N] [--threads T]
# Defaults: 30 s per run, 2 rounds, 8 threads, 4 tables of 10k rows; BENCH_QUICK=1:
# 5 s, 1 round.
# Needs root (network namespace; nodes run as the mysql account).
set -euo pipefail

duration=30
rounds=2
threads=8
if [ "${BENCH_QUICK:-0}" != 0 ]; then duration=5; rounds=1; fi
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "usage: $0 [--duration S] [--rounds N] [--threads T]" >&2; exit 2 ;;
  esac
done

. "$(dirname "$0")/lib/tandemd_bench.sh"
bench_init repl
for tool in sysbench gcc ip; do
  command -v $tool >/dev/null || [ -x /usr/sbin/$tool ] || { echo "missing $tool: scripts/deps" >&2; exit 1; }
done
[ -f /usr/include/mariadb/mysql.h ] || { echo "missing libmariadb-dev (mysql.h)" >&2; exit 1; }

# sysbench's TLS, made usable: no client certificate, Tandem's CA, verified server.
cat >"$work/sb_tls.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <mysql.h>

int mysql_ssl_set(MYSQL *mysql, const char *key, const char *cert, const char *ca,
                  const char *capath, const char *cipher) {
  (void)key; (void)cert; (void)ca; (void)capath;
  int (*real)(MYSQL *, const char *, const char *, const char *, const char *, const char *) =
      dlsym(RTLD_NEXT, "mysql_ssl_set");
  int rc = real(mysql, NULL, NULL, getenv("SB_TLS_CA"), NULL, cipher);
  my_bool verify = 1;
  mysql_optionsv(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
  return rc;
}
EOF
gcc -shared -fPIC -O2 -Wall -I/usr/include/mariadb -o "$work/sb_tls.so" "$work/sb_tls.c" -ldl -lmariadb

bench_netns
port=4566
ip netns exec "$ns" "$bin/tandemd" --data-dir "$work" --listen "127.0.0.1:$port" \
  --endpoint-mode kernel >"$work/tandemd.log" 2>&1 &
tandemd_pid=$!

ip netns exec "$ns" /usr/bin/python3 - "$root" "$work" "$port" "$duration" "$rounds" "$threads" <<'PY'
import os, re, statistics, subprocess, sys, time

root, work, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
duration, rounds, threads = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
sys.path.insert(0, os.path.join(root, "tests", "integration"))
sys.path.insert(0, os.path.join(root, "bench", "lib"))
from bench_results import record
from failover_tools import (describe, endpoint_connect, global_status, redundancy_problems,
                            writable_nodes)
from tandem_server import TandemServer

USER, PASSWORD = "admin", "Bench-Passw0rd"
TABLES, TABLE_SIZE = 4, 10000
server = TandemServer(work, port=port, log_path=os.path.join(work, "tandemd.log"))
deadline = time.monotonic() + 10
while True:
    try:
        if server.health(timeout=1.0)[0] == 200:
            break
    except Exception:
        pass
    if time.monotonic() > deadline:
        sys.exit(f"tandemd did not become ready; see {work}/tandemd.log")
    time.sleep(0.05)
rds = server.client(service="rds")

names = {"single-AZ": "bench-single", "Multi-AZ": "bench-multi"}
for kind, ident in names.items():
    rds.create_db_instance(DBInstanceIdentifier=ident, Engine="mysql",
                           DBInstanceClass="db.t3.micro", AllocatedStorage=20,
                           MasterUsername=USER, MasterUserPassword=PASSWORD,
                           MultiAZ=(kind == "Multi-AZ"))

def ready(kind, timeout):
    """The instance once ready (Multi-AZ: fully redundant), or (None, why)."""
    deadline = time.monotonic() + timeout
    why = ["never described"]
    while time.monotonic() < deadline:
        instance = describe(server, names[kind])
        if kind == "Multi-AZ":
            why = redundancy_problems(server, instance, PASSWORD)
        elif instance["DBInstanceStatus"] != "available":
            why = [f"status {instance['DBInstanceStatus']}"]
        else:
            why = [] if writable_nodes(server, instance, PASSWORD) else ["not writable yet"]
        if not why:
            return instance, None
        time.sleep(0.2)
    return None, "; ".join(why)

instances, skipped = {}, {}
for kind in names:
    instance, why = ready(kind, 180 if kind == "Multi-AZ" else 60)
    if instance is None:
        skipped[kind] = why
        print(f"{kind}: not measured, never ready within the time allowed: {why}", flush=True)
        continue
    instances[kind] = instance
    with endpoint_connect(instance, USER, PASSWORD, server.ca_bundle, connect_timeout=5) as conn:
        with conn.cursor() as cur:
            cur.execute("CREATE DATABASE IF NOT EXISTS sbtest")
if "single-AZ" not in instances:
    sys.exit(f"the single-AZ instance never became available; see {work}/tandemd.log")

env = {**os.environ, "LD_PRELOAD": os.path.join(work, "sb_tls.so"), "SB_TLS_CA": server.ca_bundle}

def sysbench(instance, command, seconds=duration):
    endpoint = instance["Endpoint"]
    cmd = ["sysbench", "oltp_write_only", "--db-driver=mysql",
           f"--mysql-host={endpoint['Address']}", f"--mysql-port={endpoint['Port']}",
           f"--mysql-user={USER}", f"--mysql-password={PASSWORD}", "--mysql-db=sbtest",
           "--mysql-ssl=on", f"--tables={TABLES}", f"--table-size={TABLE_SIZE}",
           f"--threads={threads}", f"--time={seconds}", "--percentile=95",
           "--report-interval=0", command]
    p = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"sysbench {command} failed:\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    return p.stdout

def semi_sync_counters(instance):
    s = global_status(server, instance, instance["AvailabilityZone"], "Rpl_semi_sync_master_%")
    return (int(s.get("Rpl_semi_sync_master_yes_tx", 0)), int(s.get("Rpl_semi_sync_master_no_tx", 0)),
            s.get("Rpl_semi_sync_master_status"))

def ssl_accepts(instance):
    return int(global_status(server, instance, instance["AvailabilityZone"], "Ssl_accepts")["Ssl_accepts"])

for kind, instance in instances.items():
    started = time.monotonic()
    sysbench(instance, "prepare")
    print(f"{kind}: prepared {TABLES} x {TABLE_SIZE} rows in {time.monotonic() - started:.1f} s",
          flush=True)
    sysbench(instance, "run", 5)  # warm up

print(f"sysbench oltp_write_only, {threads} threads, {duration} s per run, {rounds} interleaved "
      f"rounds, {TABLES} tables x {TABLE_SIZE} rows, master user over verified TLS", flush=True)
results = {kind: [] for kind in instances}
semi_totals = [0, 0]  # commits the standby acknowledged, commits that went async
for rnd in range(1, rounds + 1):
    order = list(instances)
    if rnd % 2 == 0:
        order.reverse()  # neither instance always runs first
    for kind in order:
        instance = instances[kind]
        accepts = ssl_accepts(instance)
        semi = semi_sync_counters(instance) if kind == "Multi-AZ" else None
        out = sysbench(instance, "run")
        tps = float(re.search(r"transactions:\s+\d+\s+\(([\d.]+) per sec", out).group(1))
        p95 = float(re.search(r"95th percentile:\s+([\d.]+)", out).group(1))
        errors = int(re.search(r"ignored errors:\s+(\d+)", out).group(1))
        tls = ssl_accepts(instance) - accepts
        assert tls >= threads, f"sysbench did not use TLS ({tls} TLS handshakes)"
        note = ""
        if semi is not None:
            after = semi_sync_counters(instance)
            semi_totals[0] += after[0] - semi[0]
            semi_totals[1] += after[1] - semi[1]
            note = (f"  semi-sync: {after[0] - semi[0]} commits acknowledged by the standby, "
                    f"{after[1] - semi[1]} async, status {after[2]}")
        results[kind].append((tps, p95))
        print(f"  round {rnd} {kind:<9} {tps:8.1f} TPS  p95 {p95:7.2f} ms  "
              f"{errors} ignored errors{note}", flush=True)

print()
print(f"{'instance':<10} {'TPS':>8} {'p95 ms':>8} {'x single-AZ':>12}")
med = {k: (statistics.median(t for t, _ in v), statistics.median(p for _, p in v))
       for k, v in results.items()}
for kind, (tps, p95) in med.items():
    print(f"{kind:<10} {tps:>8.1f} {p95:>8.2f} {tps / med['single-AZ'][0]:>12.2f}")
for kind, why in skipped.items():
    print(f"{kind:<10} {'-':>8} {'-':>8} {'-':>12}  not measured: {why}")
if "Multi-AZ" in med:
    ratio = med["Multi-AZ"][0] / med["single-AZ"][0]
    print(f"target Multi-AZ/single-AZ TPS >= 0.7: {'met' if ratio >= 0.7 else 'NOT met'} "
          f"({ratio:.2f}); p95 {med['Multi-AZ'][1]:.2f} ms vs {med['single-AZ'][1]:.2f} ms")
    command = (f"bench/replication_cost.sh --duration {duration} --rounds {rounds} "
               f"--threads {threads}")
    how = (f"sysbench oltp_write_only, {threads} threads, {TABLES} tables x {TABLE_SIZE} rows, "
           f"master user over verified TLS, {duration} s x {rounds} interleaved rounds, medians")
    mine, theirs = results["Multi-AZ"], results["single-AZ"]
    record("replication_cost", "oltp_write_only TPS, Multi-AZ", med["Multi-AZ"][0], "TPS",
           peer="single-AZ instance", peer_value=med["single-AZ"][0], ratio=True,
           trials=[t for t, _ in mine], peer_trials=[t for t, _ in theirs], command=command,
           notes=f"{how}; semi-sync AFTER_SYNC: {semi_totals[0]} commits acknowledged by the "
                 f"standby, {semi_totals[1]} async; target >= 0.7x")
    record("replication_cost", "oltp_write_only p95 latency, Multi-AZ", med["Multi-AZ"][1],
           "ms", better="lower", peer="single-AZ instance", peer_value=med["single-AZ"][1],
           trials=[p for _, p in mine], peer_trials=[p for _, p in theirs], notes=how,
           command=command)
else:
    print("target Multi-AZ/single-AZ TPS >= 0.7: not measured (no fully redundant Multi-AZ "
          "instance)")
    sys.exit(1)
PY
