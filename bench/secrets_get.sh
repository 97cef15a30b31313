#!/usr/bin/env bash
# GetSecretValue throughput: tandemd (SigV4-verified, envelope-decrypted, keep-alive)
# against nginx serving the same JSON body as a static file -- the machine's HTTP
# ceiling -- measured in the same run, interleaved, with the same wrk load.
#
# Prints requests/s and p99 latency for both, the ratio, and tandemd's resident
# memory idle and under load; appends them to $BENCH_RESULTS when it is set
# (bench/lib/bench_results.py).
#   bench/secrets_get.sh [--duration S] [--rounds N] [--connections C]
# Defaults: 10 s x 3 rounds, 64 connections; BENCH_QUICK=1: 2 s x 5 rounds.
set -euo pipefail

duration=10
rounds=3
connections=64
if [ "${BENCH_QUICK:-0}" != 0 ]; then duration=2; rounds=5; fi
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    *) echo "usage: $0 [--duration S] [--rounds N] [--connections C]" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${TANDEM_BIN_DIR:-$root/build/bin}
[ -x "$bin/tandemd" ] || { echo "build first: make build" >&2; exit 1; }
for tool in wrk nginx; do
  command -v $tool >/dev/null || [ -x /usr/sbin/$tool ] || { echo "missing $tool: scripts/deps" >&2; exit 1; }
done

work=$(mktemp -d /tmp/tandem-bench.XXXXXX)
tandemd_pid=
nginx_pid=
cleanup() {
  [ -n "$tandemd_pid" ] && kill "$tandemd_pid" 2>/dev/null && wait "$tandemd_pid" 2>/dev/null || true
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

api_port=$(free_port)
"$bin/tandemd" --data-dir "$work/data" --listen "127.0.0.1:$api_port" >"$work/tandemd.log" 2>&1 &
tandemd_pid=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$api_port/_tandem/health" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$api_port/_tandem/health" >/dev/null || { cat "$work/tandemd.log"; exit 1; }

export AWS_SHARED_CREDENTIALS_FILE=$work/data/credentials AWS_CONFIG_FILE=/dev/null
endpoint=http://127.0.0.1:$api_port
secret='{"engine":"mysql","host":"db.example.internal","username":"admin","password":"bench-Pa55word-0123456789","port":3306,"dbname":"app"}'
/usr/bin/aws --endpoint-url "$endpoint" --region us-west-2 secretsmanager create-secret \
  --name bench/app --secret-string "$secret" >/dev/null

# One request signed by botocore, replayed by wrk: valid for the 15-minute window.
/usr/bin/python3 - "$endpoint" "$work" <<'PY'
import json, sys, botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
endpoint, work = sys.argv[1], sys.argv[2]
creds = botocore.session.get_session().get_credentials()
body = json.dumps({"SecretId": "bench/app"})
req = AWSRequest(method="POST", url=endpoint + "/", data=body, headers={
    "Content-Type": "application/x-amz-json-1.1",
    "X-Amz-Target": "secretsmanager.GetSecretValue"})
SigV4Auth(creds, "secretsmanager", "us-west-2").add_auth(req)
lua = ['wrk.method = "POST"', 'wrk.body = %s' % json.dumps(body)]
for k, v in req.headers.items():
    if k.lower() != "host":
        lua.append('wrk.headers[%s] = %s' % (json.dumps(k), json.dumps(v)))
open(work + "/get.lua", "w").write("\n".join(lua) + "\n")
# the body nginx will serve: exactly what tandemd answers to this request
import urllib.request
r = urllib.request.urlopen(urllib.request.Request(endpoint + "/", data=body.encode(),
                                                  headers=dict(req.headers), method="POST"))
open(work + "/body.json", "wb").write(r.read())
PY
cat >>"$work/get.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.3f %d %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
# check the replayed request really succeeds before measuring it
out=$(wrk -t1 -c1 -d1s -s "$work/get.lua" "$endpoint/" | grep RESULT)
set -- $out
if [ "$4" != "0" ]; then echo "signed request rejected by tandemd ($4 non-2xx)" >&2; exit 1; fi
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["Name"]=="bench/app"' "$work/body.json"

mkdir -p "$work/www"
cp "$work/body.json" "$work/www/secret.json"
nginx_port=$(free_port)
cat >"$work/nginx.conf" <<NGX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
    default_type application/x-amz-json-1.1;
    location / { try_files /secret.json =404; }
  }
}
NGX
/usr/sbin/nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!
sleep 0.5
sed 's/^wrk.method = "POST"/wrk.method = "GET"/' "$work/get.lua" >"$work/nginx.lua"

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$tandemd_pid/status"; }
idle_rss=$(rss_kib)

run() {  # run <lua> <url> -> "rps p99ms non2xx sockerr"
  wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$1" "$2" | awk '/^RESULT/ {print $2, $3, $4, $5}'
}

t_rps=(); t_p99=(); n_rps=(); n_p99=(); peak_rss=0
for r in $(seq "$rounds"); do
  read -r rps p99 bad err < <(run "$work/get.lua" "$endpoint/")
  [ "$bad" = "0" ] || { echo "tandemd answered $bad non-2xx responses under load" >&2; exit 1; }
  t_rps+=("$rps"); t_p99+=("$p99")
  now=$(rss_kib); [ "$now" -gt "$peak_rss" ] && peak_rss=$now
  read -r rps p99 bad err < <(run "$work/nginx.lua" "http://127.0.0.1:$nginx_port/")
  n_rps+=("$rps"); n_p99+=("$p99")
done
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$tandemd_pid/status")

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
trps=$(median "${t_rps[@]}"); tp99=$(median "${t_p99[@]}")
nrps=$(median "${n_rps[@]}"); np99=$(median "${n_p99[@]}")

echo "GetSecretValue, wrk -t2 -c$connections, ${duration}s x $rounds interleaved rounds (medians), $(nproc) cores, $(date -u +%F)"
printf '%-34s %12s %10s\n' "server" "requests/s" "p99 ms"
printf '%-34s %12.0f %10.2f\n' "tandemd (SigV4 + decrypt)" "$trps" "$tp99"
printf '%-34s %12.0f %10.2f\n' "nginx (same body, static file)" "$nrps" "$np99"
awk -v t="$trps" -v n="$nrps" 'BEGIN {printf "ratio tandemd/nginx: %.2f  (target >= 0.50; >= 20000 req/s)\n", t/n}'
awk -v i="$idle_rss" -v p="$hwm" 'BEGIN {printf "tandemd RSS: idle %.1f MiB, peak under load %.1f MiB (target < 64 MiB)\n", i/1024, p/1024}'

if [ -n "${BENCH_RESULTS:-}" ]; then
  command="bench/secrets_get.sh --duration $duration --rounds $rounds --connections $connections"
  how="wrk -t2 -c$connections, $duration s x $rounds interleaved rounds, medians"
  nginx="nginx serving the same body as a static file"
  csv() { local IFS=,; echo "$*"; }
  mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
  record() {
    /usr/bin/python3 "$root/bench/lib/bench_results.py" record --bench secrets_get \
      --bench-command "$command" "$@"
  }
  record --metric "GetSecretValue throughput" --value "$trps" --unit req/s --ratio \
    --peer "$nginx" --peer-value "$nrps" --trials "$(csv "${t_rps[@]}")" \
    --peer-trials "$(csv "${n_rps[@]}")" \
    --notes "SigV4-verified, decrypted, keep-alive; $how; target >= 0.5x and >= 20,000 req/s"
  record --metric "GetSecretValue p99 latency" --value "$tp99" --unit ms --better lower \
    --peer "$nginx" --peer-value "$np99" --trials "$(csv "${t_p99[@]}")" \
    --peer-trials "$(csv "${n_p99[@]}")" --notes "$how"
  record --metric "tandemd resident memory, idle" --value "$(mib "$idle_rss")" --unit MiB \
    --better lower --notes "VmRSS after start-up and one secret; target < 64 MiB"
  record --metric "tandemd resident memory, peak under load" --value "$(mib "$hwm")" \
    --unit MiB --better lower --notes "VmHWM after the rounds; target < 64 MiB"
fi
