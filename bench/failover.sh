#!/usr/bin/env bash
# Failover from the client's side: a Multi-AZ DB instance's primary killed
# (kill -9), frozen (SIGSTOP, SIGCONT once the standby took over) and failed
# over on request (reboot-db-instance --force-failover), N trials of each,
# interleaved, waiting for full redundancy (standby replicating, semi-sync ON)
# before every trial.
#
# In each trial a WriteProbe (one INSERT every 20 ms through the endpoint,
# TLS) measures how long writes were unavailable, and a LedgerWriter (4
# threads inserting through the endpoint) proves that no acknowledged write
# was lost (tests/integration/failover_tools.py). Prints each trial, then per
# kind min / p50 / p95 / max write-unavailability, acknowledged writes,
# unknown outcomes, lost writes and split-brain samples, and the targets:
# kill -9 p50 < 1 s and max < 3 s, SIGSTOP p50 < 3 s, forced p50 < 0.5 s,
# 0 lost. Appends the figures to $BENCH_RESULTS when it is set
# (bench/lib/bench_results.py).
#
# SINGLE_AZ=1 runs the same trials against a single-AZ instance (kill -9 and
# reboot restart the node in place; SIGSTOP holds it 2 s): no Multi-AZ
# figures, but proof that the measuring works.
#
# tandemd runs inside a network namespace this script creates and deletes
# (kernel-path endpoints never touch the host's nftables); engine nodes are
# stopped by pid at the end, whatever happened.
#   N=20 bench/failover.sh          (N trials of each kind, default 20)
#   BENCH_QUICK=1 bench/failover.sh (kill -9 and forced only, N default 3)
#   SINGLE_AZ=1 N=3 bench/failover.sh
#   KEEP_LOG=/tmp/tandemd.log ...   (keeps tandemd's log)
# Needs root (network namespace; nodes run as the mysql account).
set -euo pipefail

quick=${BENCH_QUICK:-0}
[ "$quick" = 0 ] && trials=${N:-20} || trials=${N:-3}
single_az=${SINGLE_AZ:-0}
case "$trials" in ''|*[!0-9]*) echo "N must be a number of trials" >&2; exit 2 ;; esac
[ $# -eq 0 ] || { echo "usage: [N=20] [SINGLE_AZ=1] [BENCH_QUICK=1] $0" >&2; exit 2; }
kinds=()  # quick: the fast kinds (a SIGSTOP trial waits out the hang timeout)
[ "$quick" = 0 ] || kinds=(--kinds "kill -9,$([ "$single_az" = 1 ] && echo reboot || echo forced)")

. "$(dirname "$0")/lib/tandemd_bench.sh"
bench_init failover

bench_netns
port=4566
# `ip netns exec` execs tandemd, so $! is tandemd itself.
ip netns exec "$ns" "$bin/tandemd" --data-dir "$work" --listen "127.0.0.1:$port" \
  --endpoint-mode kernel >"$work/tandemd.log" 2>&1 &
tandemd_pid=$!

mode=()
[ "$single_az" = 1 ] && mode=(--single-az)
command="N=$trials bench/failover.sh"
[ "$quick" = 0 ] || command="BENCH_QUICK=1 $command"
ip netns exec "$ns" /usr/bin/python3 "$root/bench/failover_trials.py" \
  --data-dir "$work" --port "$port" --trials "$trials" "${mode[@]}" "${kinds[@]}" \
  --command "$command"
