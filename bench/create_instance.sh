#!/usr/bin/env bash
# DB instance creation time: seconds from CreateDBInstance (encrypted storage,
# single-AZ, db.t3.micro, a master password) to the first DescribeDBInstances
# that says "available", over N trials on one tandemd. Each instance is
# deleted (and gone) before the next trial starts.
#
# The client is boto3 polling every 20 ms, so the figures are the service's
# own time, without the aws CLI's start-up (about 0.5 s per command).
#
# tandemd runs inside a network namespace this script creates and deletes, so
# the kernel-path endpoints never touch the host's nftables ruleset. Engine
# nodes are stopped by pid at the end, whatever happened.
#
# Prints each trial, then min / p50 / max and whether p50 meets the 3 s target;
# appends them to $BENCH_RESULTS when it is set (bench/lib/bench_results.py).
#   bench/create_instance.sh [--trials N] [--endpoint-mode auto|kernel|userspace]
# Defaults: 5 trials; BENCH_QUICK=1: 2.
# Needs root (network namespace; nodes run as the mysql account).
set -euo pipefail

trials=5
mode=auto
if [ "${BENCH_QUICK:-0}" != 0 ]; then trials=2; fi
while [ $# -gt 0 ]; do
  case "$1" in
    --trials) trials=$2; shift 2 ;;
    --endpoint-mode) mode=$2; shift 2 ;;
    *) echo "usage: $0 [--trials N] [--endpoint-mode auto|kernel|userspace]" >&2; exit 2 ;;
  esac
done

. "$(dirname "$0")/lib/tandemd_bench.sh"
bench_init create

bench_netns
port=4566
# `ip netns exec` execs tandemd, so $! is tandemd itself.
ip netns exec "$ns" "$bin/tandemd" --data-dir "$work" --listen "127.0.0.1:$port" \
  --endpoint-mode "$mode" >"$work/tandemd.log" 2>&1 &
tandemd_pid=$!

ip netns exec "$ns" /usr/bin/python3 - "$work" "$port" "$trials" "$root" \
  "bench/create_instance.sh --trials $trials --endpoint-mode $mode" <<'EOF'
import configparser, os, statistics, sys, time, urllib.request
import boto3, botocore.config

work, port, trials = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
root, command = sys.argv[4], sys.argv[5]
sys.path.insert(0, os.path.join(root, "bench", "lib"))
from bench_results import record
url = f"http://127.0.0.1:{port}"
deadline = time.monotonic() + 10
while True:
    try:
        if urllib.request.urlopen(url + "/_tandem/health", timeout=1).status == 200:
            break
    except OSError:
        pass
    if time.monotonic() > deadline:
        sys.exit("tandemd did not become ready; see " + work + "/tandemd.log")
    time.sleep(0.05)

creds = configparser.ConfigParser()
creds.read(work + "/credentials")
rds = boto3.session.Session().client(
    "rds", endpoint_url=url, region_name="us-east-1",
    aws_access_key_id=creds["default"]["aws_access_key_id"],
    aws_secret_access_key=creds["default"]["aws_secret_access_key"],
    config=botocore.config.Config(retries={"max_attempts": 1}))

def status(ident):
    try:
        return rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]["DBInstanceStatus"]
    except rds.exceptions.DBInstanceNotFoundFault:
        return None

seconds = []
for trial in range(1, trials + 1):
    ident = f"bench-{trial}"
    started = time.monotonic()
    rds.create_db_instance(DBInstanceIdentifier=ident, Engine="mysql",
                           DBInstanceClass="db.t3.micro", AllocatedStorage=20,
                           MasterUsername="admin", MasterUserPassword="Bench-Passw0rd",
                           StorageEncrypted=True)
    while (s := status(ident)) != "available":
        if s in ("failed", "incompatible-parameters") or time.monotonic() - started > 120:
            sys.exit(f"{ident} ended {s}; see {work}/tandemd.log")
        time.sleep(0.02)
    seconds.append(time.monotonic() - started)
    print(f"trial {trial}: {seconds[-1]:.2f} s", flush=True)
    rds.delete_db_instance(DBInstanceIdentifier=ident, SkipFinalSnapshot=True)
    while status(ident) is not None:
        time.sleep(0.05)

p50 = statistics.median(seconds)
print(f"create-db-instance -> available (encrypted, single-AZ), {trials} trials: "
      f"min {min(seconds):.2f} s, p50 {p50:.2f} s, max {max(seconds):.2f} s")
print(f"target p50 < 3 s: {'met' if p50 < 3 else 'NOT met'} ({p50 / 3:.2f}x of the target)")
record("create_instance", "create-db-instance to available (encrypted, single-AZ)", p50, "s",
       better="lower", trials=[round(t, 3) for t in seconds], command=command,
       notes=f"{trials} trials, p50; boto3 polling DescribeDBInstances every 20 ms; "
             f"target p50 < 3 s")
EOF
