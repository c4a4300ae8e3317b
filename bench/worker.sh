#!/usr/bin/env bash
# Worker benchmark: jobs/s drained by one bitu-rq for no-op jobs and for LDAP-modify jobs, each
# with 1 and 4 concurrent handlers, and the worker's memory (RSS at start, peak, samples every
# 0.5 s) while it drains. Runs against the dev services (packaging/dev/services.sh start).
#
# Usage: bench/worker.sh [NOOP_JOBS [LDAP_JOBS]]     (defaults: 20000 10000)
# The jobs are queued before the worker starts; the clock runs from its start until every job
# is acknowledged. Release build; the per-job log line stays on, as in production.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export BENCH_NOOP_JOBS=${1:-20000}
export BENCH_LDAP_JOBS=${2:-10000}
cargo build --release --quiet -p bitu-rq
cargo test --release --quiet -p bitu-e2e --test e2e bench_worker -- \
    --ignored --nocapture --test-threads=1 2>&1 | grep -E '^BENCH|panicked|FAILED' || true
