# Sourced by the benches that run a tandemd of their own with its engine
# nodes: where things are, a work directory, and a cleanup (on exit, whatever
# happened) that stops tandemd and every engine node started under the work
# directory by pid, deletes the bench's network namespace if it made one, and
# keeps tandemd's log when KEEP_LOG names a file.
#
#   . "$(dirname "$0")/lib/tandemd_bench.sh"
#   bench_init <name>          # sets root, bin, ns, work, tandemd_pid; traps cleanup
#   bench_netns                # optional: creates the namespace $ns with lo up
#   ...  tandemd_pid=$!        # the bench starts tandemd and records its pid
#
# A bench may define bench_extra_cleanup; it runs first.

bench_init() {
  root=$(cd "$(dirname "$0")/.." && pwd)
  bin=${TANDEM_BIN_DIR:-$root/build/bin}
  [ -x "$bin/tandemd" ] || { echo "build first: make build" >&2; exit 1; }
  [ "$(id -u)" -eq 0 ] || { echo "$0 needs root (network namespace; nodes run as mysql)" >&2; exit 1; }
  PATH=$PATH:/usr/sbin
  ns=tandem-bench-$1-$$
  ns_made=0
  # Short, and passable by the nodes' account (mariadbd does not run as root).
  work=$(mktemp -d "/tmp/tb-$1.XXXXXX")
  chmod 711 "$work"
  tandemd_pid=
  trap bench_cleanup EXIT
}

bench_netns() {
  ip netns add "$ns"
  ns_made=1
  ip netns exec "$ns" ip link set lo up
}

bench_cleanup() {
  if declare -F bench_extra_cleanup >/dev/null; then bench_extra_cleanup || true; fi
  if [ -n "$tandemd_pid" ]; then
    kill "$tandemd_pid" 2>/dev/null || true
    wait "$tandemd_pid" 2>/dev/null || true
  fi
  # Engine nodes outlive tandemd by design: stop the ones started here, by pid
  # (SIGKILL also ends a node left SIGSTOPped).
  for cmdline in /proc/[0-9]*/cmdline; do
    pid=${cmdline#/proc/}; pid=${pid%/cmdline}
    if { tr '\0' ' ' <"$cmdline"; } 2>/dev/null | grep -q -- "--defaults-file=$work/nodes/"; then
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  [ "$ns_made" = 1 ] && ip netns del "$ns" 2>/dev/null
  if [ -n "${KEEP_LOG:-}" ] && [ -f "$work/tandemd.log" ]; then cp "$work/tandemd.log" "$KEEP_LOG"; fi
  rm -rf "$work"
}
