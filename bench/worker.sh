#!/usr/bin/env bash
# Worker benchmark: jobs/s drained by one bitu-rq for no-op jobs and for LDAP-modify jobs, each
# with 1 and 4 concurrent handlers, and the worker's memory (RSS at start, peak, samples every
# 0.5 s) while it drains. Runs against the dev services (packaging/dev/services.sh start).
#
# Usage: bench/worker.sh [--nosync-ldap] [NOOP_JOBS [LDAP_JOBS]]   (defaults: 20000 10000)
#
# The jobs are queued before the worker starts; the clock runs from its start until every job
# is acknowledged. Release build; the per-job log line and metrics stay on, as in production.
#
# --nosync-ldap runs the LDAP part against a private copy of the dev slapd (same schema, ACLs
# and entries) with olcDbNoSync, on a free port, removed afterwards. The dev slapd syncs every
# write to disk, so there the LDAP numbers measure the disk, not bitu-rq.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
STATE=${BITU_DEV_DIR:-$REPO/.dev}

nosync=0
if [ "${1:-}" = "--nosync-ldap" ]; then nosync=1; shift; fi
export BENCH_NOOP_JOBS=${1:-20000}
export BENCH_LDAP_JOBS=${2:-10000}

cargo build --release --quiet -p bitu-rq
cargo test --release --quiet -p bitu-e2e --test e2e --no-run

run() {
    cargo test --release --quiet -p bitu-e2e --test e2e "$@" -- \
        --ignored --nocapture --test-threads=1 2>&1 | grep -E '^BENCH|panicked|FAILED' || true
}

if [ "$nosync" = 0 ]; then
    echo "== dev services, dev slapd (syncs every write)"
    run bench_worker::bench_worker_throughput
    exit 0
fi

# A private slapd: the dev config with its own paths and olcDbNoSync, and a copy of the data.
dir=$(mktemp -d /tmp/bitu-bench-slapd.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() {
    [ -f "$dir/slapd.pid" ] && kill "$(cat "$dir/slapd.pid")" 2>/dev/null || true
    sleep 0.5
    rm -rf "$dir"
}
trap cleanup EXIT
mkdir -p "$dir/slapd.d" "$dir/data"
sed -e "s|$STATE/slapd/|$dir/|g" -e 's|^olcDbCheckpoint:.*|&\nolcDbNoSync: TRUE|' \
    "$STATE/slapd/config.ldif" > "$dir/config.ldif"
slapadd -q -n0 -F "$dir/slapd.d" -l "$dir/config.ldif"
slapcat -F "$STATE/slapd/slapd.d" -n1 2>/dev/null | slapadd -q -F "$dir/slapd.d" -n1
slapd -F "$dir/slapd.d" -h "ldap://127.0.0.1:$port/"
for _ in $(seq 50); do
    ldapsearch -x -H "ldap://127.0.0.1:$port" -s base -b "" 1.1 >/dev/null 2>&1 && break
    sleep 0.1
done
echo "== dev services, dev slapd (syncs every write)"
run bench_worker::bench_worker_throughput
echo "== private slapd (olcDbNoSync) on ldap://127.0.0.1:$port"
BITU_TEST_LDAP_URL=ldap://127.0.0.1:$port BENCH_NOOP_JOBS=0 run bench_worker::bench_worker_throughput
