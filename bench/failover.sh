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
# 0 lost.
#
# SINGLE_AZ=1 runs the same trials against a single-AZ instance (kill -9 and
# reboot restart the node in place; SIGSTOP holds it 2 s): no Multi-AZ
# figures, but proof that the measuring works.
#
# tandemd runs inside a network namespace this script creates and deletes
# (kernel-path endpoints never touch the host's nftables); engine nodes are
# stopped by pid at the end, whatever happened.
#   N=20 bench/failover.sh          (N trials of each kind, default 20)
#   SINGLE_AZ=1 N=3 bench/failover.sh
#   KEEP_LOG=/tmp/tandemd.log ...   (keeps tandemd's log)
# Needs root (network namespace; nodes run as the mysql account).
set -euo pipefail

trials=${N:-20}
single_az=${SINGLE_AZ:-0}
case "$trials" in ''|*[!0-9]*) echo "N must be a number of trials" >&2; exit 2 ;; esac
[ $# -eq 0 ] || { echo "usage: [N=20] [SINGLE_AZ=1] $0" >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${TANDEM_BIN_DIR:-$root/build/bin}
[ -x "$bin/tandemd" ] || { echo "build first: make build" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "$0 needs root (network namespace)" >&2; exit 1; }
PATH=$PATH:/usr/sbin

ns=tandem-bench-failover-$$
# Short, and passable by the nodes' account (mariadbd does not run as root).
work=$(mktemp -d /tmp/tfo.XXXXXX)
chmod 711 "$work"
tandemd_pid=
cleanup() {
  [ -n "$tandemd_pid" ] && kill "$tandemd_pid" 2>/dev/null && wait "$tandemd_pid" 2>/dev/null || true
  # Engine nodes outlive tandemd by design: stop the ones started here, by pid
  # (SIGKILL also ends a node left SIGSTOPped).
  for cmdline in /proc/[0-9]*/cmdline; do
    pid=${cmdline#/proc/}; pid=${pid%/cmdline}
    if { tr '\0' ' ' <"$cmdline"; } 2>/dev/null | grep -q -- "--defaults-file=$work/nodes/"; then
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  ip netns del "$ns" 2>/dev/null || true
  [ -n "${KEEP_LOG:-}" ] && cp "$work/tandemd.log" "$KEEP_LOG"
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
port=4566
# `ip netns exec` execs tandemd, so $! is tandemd itself.
ip netns exec "$ns" "$bin/tandemd" --data-dir "$work" --listen "127.0.0.1:$port" \
  --endpoint-mode kernel >"$work/tandemd.log" 2>&1 &
tandemd_pid=$!

mode=()
[ "$single_az" = 1 ] && mode=(--single-az)
ip netns exec "$ns" /usr/bin/python3 "$root/bench/failover_trials.py" \
  --data-dir "$work" --port "$port" --trials "$trials" "${mode[@]}"
