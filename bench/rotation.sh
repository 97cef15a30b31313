#!/usr/bin/env bash
# Secret rotation time: seconds per complete rotation of an application
# user's password on a Tandem DB instance, from the RotateSecret call to
# AWSCURRENT on the new version with the rotation engine's record gone
# (GET /_tandem/rotations), polled every 5 ms with boto3 (no aws CLI start-up
# in the figures). Two kinds, N rotations each on the same secret:
#   builtin  Tandem's built-in rotator tandem-mysql-single-user (C++, in tandemd)
#   python   AWS's single-user MySQL template as a user function
#            (tests/integration/functions/mysql_rotation_single_user.py,
#            uploaded through the Lambda API, run with /usr/bin/python3)
# After each kind the final password is checked to log in over verified TLS
# and the first one to be refused.
#
# tandemd runs on its own data directory and a free loopback port with the
# user-space endpoint (no network namespace, no nftables). tandemd and the
# engine node are stopped by pid at the end, whatever happened.
#
# Prints min / p50 / max per kind and the targets (built-in p50 < 0.3 s,
# Python function p50 < 1.5 s).
#   bench/rotation.sh [--rotations N]
# Needs root (the node runs as the mysql account; functions as nobody).
set -euo pipefail

rotations=20
while [ $# -gt 0 ]; do
  case "$1" in
    --rotations) rotations=$2; shift 2 ;;
    *) echo "usage: $0 [--rotations N]" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${TANDEM_BIN_DIR:-$root/build/bin}
[ -x "$bin/tandemd" ] || { echo "build first: make build" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "$0 needs root (engine nodes run as the mysql account)" >&2; exit 1; }

# Short, and passable by the nodes' account (mariadbd does not run as root).
work=$(mktemp -d /tmp/trb.XXXXXX)
chmod 711 "$work"
tandemd_pid=
cleanup() {
  if [ -n "$tandemd_pid" ]; then
    kill "$tandemd_pid" 2>/dev/null || true
    wait "$tandemd_pid" 2>/dev/null || true
  fi
  # Engine nodes outlive tandemd by design: stop the ones started here, by pid.
  for cmdline in /proc/[0-9]*/cmdline; do
    pid=${cmdline#/proc/}; pid=${pid%/cmdline}
    if tr '\0' ' ' <"$cmdline" 2>/dev/null | grep -q -- "--defaults-file=$work/nodes/"; then
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  [ -n "${KEEP_LOG:-}" ] && cp "$work/tandemd.log" "$KEEP_LOG"
  rm -rf "$work"
}
trap cleanup EXIT

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin/tandemd" --data-dir "$work" --listen "127.0.0.1:$port" --endpoint-mode userspace \
  >"$work/tandemd.log" 2>&1 &
tandemd_pid=$!

/usr/bin/python3 "$root/bench/rotation.py" --data-dir "$work" --port "$port" \
  --rotations "$rotations" \
  --function "$root/tests/integration/functions/mysql_rotation_single_user.py"
