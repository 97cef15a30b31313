#!/usr/bin/env bash
# Endpoint cost: sysbench oltp_point_select and oltp_read_write against one
# mariadbd node directly, through Tandem's endpoint with each mechanism (kernel
# DNAT, user-space proxy), and through HAProxy in TCP mode (1 thread), in
# interleaved rounds so every path sees the same machine.
#
# Everything runs inside a network namespace this script creates and deletes,
# so the host's nftables ruleset and conntrack table are never touched. The
# node's data lives on tmpfs: fsync cost would only blur the proxies' cost.
#
# Prints, per workload and path, the median QPS and p95 latency over the
# rounds, the ratios to direct and to HAProxy, and the CPU the proxy process
# spent per query; appends them to $BENCH_RESULTS when it is set
# (bench/lib/bench_results.py).
#   bench/proxy.sh [--duration S] [--rounds N] [--threads T] [--loops L] [--workloads W,...]
# --loops: event loops of the user-space proxy (default 0: one per core).
# Defaults: 10 s x 3 rounds of oltp_point_select,oltp_read_write; BENCH_QUICK=1:
# 2 s x 4 rounds of oltp_point_select.
# Needs root (network namespace, nftables).
set -euo pipefail

duration=10
rounds=3
threads=8
loops=0
workloads=oltp_point_select,oltp_read_write
warmup=3
if [ "${BENCH_QUICK:-0}" != 0 ]; then
  duration=2; rounds=4; workloads=oltp_point_select; warmup=1
fi
usage="usage: $0 [--duration S] [--rounds N] [--threads T] [--loops L] [--workloads W,...]"
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --loops) loops=$2; shift 2 ;;
    --workloads) workloads=$2; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
IFS=, read -r -a workload_list <<<"$workloads"
for w in "${workload_list[@]}"; do
  case "$w" in oltp_point_select | oltp_read_write) ;; *) echo "$usage" >&2; exit 2 ;; esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${TANDEM_BIN_DIR:-$root/build/bin}
[ -x "$bin/tandem-endpoint-bench" ] || { echo "build first: make build" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "$0 needs root (network namespace, nftables)" >&2; exit 1; }
for tool in mariadbd mariadb-install-db mariadb sysbench haproxy ip; do
  command -v $tool >/dev/null || [ -x /usr/sbin/$tool ] || { echo "missing $tool: scripts/deps" >&2; exit 1; }
done
PATH=$PATH:/usr/sbin

ns=tandem-bench-$$
work=$(mktemp -d "${TMPDIR_BENCH:-/dev/shm}/tandem-bench-proxy.XXXXXX")
pids=()
cleanup() {
  # Reverse order: proxies first, the node last.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[$i]}" 2>/dev/null || true
    wait "${pids[$i]}" 2>/dev/null || true
  done
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$ns"
in_ns() { ip netns exec "$ns" "$@"; }
# Background processes are started with `ip netns exec` itself, not in_ns: it
# execs the command, so $! is the process to stop and to measure.
in_ns ip link set lo up

# A fresh namespace: every port is free.
node_port=13306
declare -A port=([direct]=13306 [kernel]=13307 [user-space]=13308 [haproxy]=13309)
paths=(direct kernel user-space haproxy)

wait_for_port() {
  for _ in $(seq 200); do
    in_ns bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing answers on port $1" >&2
  return 1
}

# The node: a plain mariadbd on tmpfs.
mariadb-install-db --no-defaults --datadir="$work/db" --user=root --skip-test-db \
  --auth-root-authentication-method=normal >"$work/install.log" 2>&1 \
  || { cat "$work/install.log"; exit 1; }
ip netns exec "$ns" mariadbd --no-defaults --datadir="$work/db" --socket="$work/db.sock" \
  --pid-file="$work/db.pid" --port=$node_port --bind-address=127.0.0.1 --user=root \
  --skip-name-resolve --max-connections=500 --innodb-buffer-pool-size=256M \
  --log-error="$work/db.err" &
pids+=($!)
wait_for_port $node_port || { cat "$work/db.err"; exit 1; }
mariadb --no-defaults --socket="$work/db.sock" -uroot -e "
  CREATE DATABASE sbtest;
  CREATE USER sbtest@'127.0.0.1' IDENTIFIED BY 'sbtest';
  GRANT ALL ON sbtest.* TO sbtest@'127.0.0.1';"

# The proxies.
ip netns exec "$ns" "$bin/tandem-endpoint-bench" --mechanism kernel --port "${port[kernel]}" --node $node_port \
  >"$work/kernel.log" 2>&1 &
pids+=($!)
kernel_pid=$!
ip netns exec "$ns" "$bin/tandem-endpoint-bench" --mechanism user-space --loops "$loops" \
  --port "${port[user-space]}" --node $node_port >"$work/user-space.log" 2>&1 &
pids+=($!)
user_pid=$!
cat >"$work/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 4000
defaults
  mode tcp
  timeout connect 5s
  timeout client 1h
  timeout server 1h
listen mysql
  bind 127.0.0.1:${port[haproxy]}
  server node 127.0.0.1:$node_port
EOF
ip netns exec "$ns" haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
pids+=($!)
haproxy_pid=$!
for p in kernel user-space haproxy; do
  wait_for_port "${port[$p]}" || { cat "$work"/*.log; exit 1; }
done
echo "endpoints: $(head -1 "$work/kernel.log"); $(head -1 "$work/user-space.log")"

declare -A proxy_pid=([kernel]=$kernel_pid [user-space]=$user_pid [haproxy]=$haproxy_pid)

sb() {  # sb <workload> <port> <command> [seconds]
  in_ns sysbench "$1" --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$2" \
    --mysql-user=sbtest --mysql-password=sbtest --tables=1 --table-size=10000 \
    --threads="$threads" --time="${4:-$duration}" --percentile=95 --report-interval=0 "$3"
}

cpu_ticks() {  # user+system clock ticks of a process
  awk '{print $14 + $15}' "/proc/$1/stat"
}

sb oltp_read_write $node_port prepare >"$work/prepare.log" 2>&1 || { cat "$work/prepare.log"; exit 1; }
sb oltp_point_select $node_port run "$warmup" >/dev/null  # warm up

results=$work/results.tsv
hz=$(getconf CLK_TCK)
echo "sysbench ${threads} threads, ${duration} s per run, ${rounds} interleaved rounds, 10k rows"
for round in $(seq "$rounds"); do
  for workload in "${workload_list[@]}"; do
    # Each path runs right next to the one it is compared with (direct-kernel,
    # user-space-haproxy), so both see the same moment of the machine; the pairs
    # and the paths within them swap places from round to round, so no path
    # always runs first.
    for i in "${!paths[@]}"; do
      path=${paths[$(((i + 2 * ((round - 1) % 2)) % 4 ^ ((round - 1) / 2 % 2)))]}
      pid=${proxy_pid[$path]:-}
      before=0
      [ -n "$pid" ] && before=$(cpu_ticks "$pid")
      out=$(sb $workload "${port[$path]}" run)
      after=0
      [ -n "$pid" ] && after=$(cpu_ticks "$pid")
      queries=$(awk '/queries:/ {print $2; exit}' <<<"$out")
      qps=$(awk '/queries:/ {gsub(/[(]/, "", $3); print $3; exit}' <<<"$out")
      p95=$(awk '/95th percentile:/ {print $3; exit}' <<<"$out")
      cpu_us=-
      [ -n "$pid" ] && cpu_us=$(awk -v t=$((after - before)) -v hz="$hz" -v q="$queries" \
        'BEGIN {printf "%.1f", t / hz * 1e6 / q}')
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$workload" "$path" "$qps" "$p95" "$cpu_us" >>"$results"
      printf '  round %s %-17s %-10s %9.0f QPS  p95 %5s ms  proxy CPU/query %s us\n' \
        "$round" "$workload" "$path" "$qps" "$p95" "$cpu_us"
    done
  done
done

haproxy_version=$(haproxy -v 2>/dev/null | awk 'NR == 1 {split($3, v, "."); print v[1] "." v[2]}')
/usr/bin/python3 - "$results" "$root" "$haproxy_version" \
  "bench/proxy.sh --duration $duration --rounds $rounds --threads $threads --loops $loops --workloads $workloads" \
  "sysbench $threads threads, 10k rows, $duration s x $rounds interleaved rounds, medians" <<'PY'
import collections, os, statistics, sys
results, root, haproxy_version, command, how = sys.argv[1:6]
sys.path.insert(0, os.path.join(root, "bench", "lib"))
from bench_results import record
rows = collections.defaultdict(list)
workloads = []
for line in open(results):
    _, workload, path, qps, p95, cpu = line.rstrip("\n").split("\t")
    rows[(workload, path)].append((float(qps), float(p95), None if cpu == "-" else float(cpu)))
    if workload not in workloads:
        workloads.append(workload)
print()
print(f"{'workload':<18} {'path':<11} {'QPS':>9} {'p95 ms':>7} {'x direct':>9} {'x HAProxy':>10} {'proxy CPU/query':>16}")
peers = {"kernel": ("direct", "direct to the node"),
         "user-space": ("haproxy", f"HAProxy {haproxy_version} TCP, 1 thread")}
names = {"kernel": "kernel DNAT endpoint", "user-space": "user-space endpoint"}
for workload in workloads:
    med = {}
    for path in ("direct", "kernel", "user-space", "haproxy"):
        runs = rows[(workload, path)]
        cpus = [c for _, _, c in runs if c is not None]
        med[path] = (statistics.median(q for q, _, _ in runs), statistics.median(p for _, p, _ in runs),
                     statistics.median(cpus) if cpus else None)
    for path, (qps, p95, cpu) in med.items():
        cpu_text = "-" if cpu is None else f"{cpu:.1f} us"
        print(f"{workload:<18} {path:<11} {qps:>9,.0f} {p95:>7.2f} {qps / med['direct'][0]:>9.2f} "
              f"{qps / med['haproxy'][0]:>10.2f} {cpu_text:>16}")
    for path, (peer, peer_name) in peers.items():
        mine, theirs = rows[(workload, path)], rows[(workload, peer)]
        name = f"{workload} {{}}, {names[path]}"
        record("proxy", name.format("QPS"), med[path][0], "QPS", peer=peer_name,
               peer_value=med[peer][0], ratio=True, trials=[q for q, _, _ in mine],
               peer_trials=[q for q, _, _ in theirs], notes=how, command=command)
        record("proxy", name.format("p95 latency"), med[path][1], "ms", better="lower",
               peer=peer_name, peer_value=med[peer][1], trials=[p for _, p, _ in mine],
               peer_trials=[p for _, p, _ in theirs], notes=how, command=command)
    record("proxy", f"{workload} proxy CPU (user+system) per query, user-space endpoint",
           med["user-space"][2], "us", better="lower", peer=peers["user-space"][1],
           peer_value=med["haproxy"][2], trials=[c for _, _, c in rows[(workload, "user-space")]],
           peer_trials=[c for _, _, c in rows[(workload, "haproxy")]], notes=how,
           command=command)
PY
