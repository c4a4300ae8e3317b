#!/usr/bin/env bash
# What the operations layer costs a request (Prometheus counters and histograms per route
# and status, the access log with the client's address): wrk -t2 -c16 --latency against
# GET /login/ of a release bitu-web, with [metrics] enabled and disabled, and its RSS.
# Compare with shared/perf/targets.md (GET sign-in page: >= 20,000 req/s, p99 <= 5 ms).
# Usage: bench/ops.sh            BENCH_SECONDS=20 bench/ops.sh   (default 10 s a run)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
seconds="${BENCH_SECONDS:-10}"
port="${BENCH_PORT:-18431}"
db=bitu_bench_ops
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
bash packaging/dev/services.sh start >/dev/null
# shellcheck disable=SC1091
. "${BITU_DEV_DIR:-$repo/.dev}/env"
cargo build --release --quiet -p bitu-web
cargo build --quiet -p bitu-cli
work="$(mktemp -d)"
trap 'rm -rf "$work"; mariadb -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS $db"' EXIT
mariadb -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"

config() { # $1: metrics enabled (true/false)
    cat <<EOC
[database]
url = "${BITU_TEST_DATABASE_URL}/$db"
[redis]
url = "${BITU_TEST_REDIS_URL}/0"
key_prefix = "bitu-bench-ops:"
[ldap]
servers = ["${BITU_TEST_LDAP_URL}"]
bind_dn = "${BITU_TEST_LDAP_BIND_DN}"
password = "${BITU_TEST_LDAP_BIND_PASSWORD}"
users_dn = "ou=people,${BITU_TEST_LDAP_BASE}"
groups_dn = "ou=groups,${BITU_TEST_LDAP_BASE}"
[site]
secret_key = "bench-ops-secret-key-0123456789abcdef"
[metrics]
enabled = $1
worker_bind = ""
EOC
}
config true >"$work/on.toml"
config false >"$work/off.toml"
target/debug/bitu --config "$work/on.toml" migrate >/dev/null

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in on off; do
    target/release/bitu-web --config "$work/$mode.toml" --bind "127.0.0.1:$port" \
        2>"$work/$mode.log" &
    pid=$!
    for _ in $(seq 1 100); do
        curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break
        sleep 0.1
    done
    wrk -t2 -c16 -d"${seconds}s" --latency "http://127.0.0.1:$port/login/" >"$work/wrk.txt"
    rps="$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")"
    p50="$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")"
    p99="$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")"
    rss="$(awk '/VmHWM/ {print $2 / 1024 " MiB"}' "/proc/$pid/status")"
    echo "metrics $mode: GET /login/ $rps req/s, p50 $p50, p99 $p99, peak RSS $rss"
    kill -TERM "$pid"
    wait "$pid" || true
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
