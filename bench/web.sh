#!/usr/bin/env bash
# Web benchmarks (release build, local services, wrk -t2 -c16 --latency as the original was
# measured): GET /login/, POST /login/, GET /account/ signed in, POST /signup/api/username/
# with no and with 10,000 block-list patterns, POST /signup/ with 10,000 patterns; and the
# peak memory of bitu-web. 1,002 users are in the directory.
# Usage: bench/web.sh              BENCH_SECONDS=20 bench/web.sh   (default 10 s a scenario)
#        BENCH_ONLY=account,login-page bench/web.sh   (scenarios: username-empty, login-page,
#        username, sign-in, account, signup)
#        BENCH_PERF=/tmp/perf bench/web.sh   (perf record -a -g per scenario into that directory)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
if [[ -n "${BENCH_PERF:-}" ]]; then
    command -v perf >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-perf; }
    mkdir -p "$BENCH_PERF"
    BENCH_PERF="$(cd "$BENCH_PERF" && pwd)"
    export BENCH_PERF
fi
bash packaging/dev/services.sh start >/dev/null
# shellcheck disable=SC1091
. "${BITU_DEV_DIR:-$repo/.dev}/env"
cargo build --release --quiet -p bitu-web
log="$(mktemp)"
if ! cargo test --release -p bitu-e2e --test e2e bench_web -- --ignored --nocapture \
    --test-threads=1 >"$log" 2>&1; then
    tail -n 40 "$log"
    exit 1
fi
grep -oE 'BENCH.*|test result.*' "$log"
rm -f "$log"
