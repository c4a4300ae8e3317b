#!/usr/bin/env bash
# bitu-web's memory with 10,000 block-list patterns (the synthetic page of bench/blocklist.sh):
# RSS after start, once the list is compiled, and after 4,000 sign-up name checks from 4
# clients, with the peak (VmHWM), read from /proc. A release bitu-web driven by the (debug)
# test harness, so only bitu-web is built in release mode.
# Usage: bench/memory.sh      BENCH_WORKERS=1 bench/memory.sh   ([web] workers, default 2)
#        BENCH_PROFILE=debug bench/memory.sh   (the debug bitu-web, no release build)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
bash packaging/dev/services.sh start >/dev/null
# shellcheck disable=SC1091
. "${BITU_DEV_DIR:-$repo/.dev}/env"
profile="${BENCH_PROFILE:-release}"
if [[ "$profile" == release ]]; then
    cargo build --release --quiet -p bitu-web
else
    cargo build --quiet -p bitu-web
fi
log="$(mktemp)"
if ! env "CARGO_BIN_EXE_bitu-web=$repo/target/$profile/bitu-web" \
    cargo test -p bitu-e2e --test e2e bench_memory -- --ignored --nocapture \
    --test-threads=1 >"$log" 2>&1; then
    tail -n 40 "$log"
    exit 1
fi
grep -oE 'BENCH.*|test result.*' "$log"
rm -f "$log"
