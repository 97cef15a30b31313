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
# Python function p50 < 1.5 s); appends them to $BENCH_RESULTS when it is set
# (bench/lib/bench_results.py).
#   bench/rotation.sh [--rotations N]       (default 20; BENCH_QUICK=1: 3)
# Needs root (the node runs as the mysql account; functions as nobody).
set -euo pipefail

rotations=20
if [ "${BENCH_QUICK:-0}" != 0 ]; then rotations=3; fi
while [ $# -gt 0 ]; do
  case "$1" in
    --rotations) rotations=$2; shift 2 ;;
    *) echo "usage: $0 [--rotations N]" >&2; exit 2 ;;
  esac
done

. "$(dirname "$0")/lib/tandemd_bench.sh"
bench_init rotation

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin/tandemd" --data-dir "$work" --listen "127.0.0.1:$port" --endpoint-mode userspace \
  >"$work/tandemd.log" 2>&1 &
tandemd_pid=$!

/usr/bin/python3 "$root/bench/rotation.py" --data-dir "$work" --port "$port" \
  --rotations "$rotations" --command "bench/rotation.sh --rotations $rotations" \
  --function "$root/tests/integration/functions/mysql_rotation_single_user.py"
