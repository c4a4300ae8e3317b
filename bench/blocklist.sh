#!/usr/bin/env bash
# Block list benchmarks (release build, local services):
#   - matching one name against 10,000 Titleblacklist patterns: p50, p99, max per name;
#   - a full import of a 10,000-line page: bitu-blocksync's core run against MariaDB and a
#     local fake wiki API, first import and an unchanged re-import.
# Usage: bench/blocklist.sh            (extra arguments go to the test harness)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
bash packaging/dev/services.sh start >/dev/null
# shellcheck disable=SC1091
. "${BITU_DEV_DIR:-$repo/.dev}/env"
log="$(mktemp)"
if ! cargo test --release -p bitu-e2e --test e2e blocklist::bench -- --ignored --nocapture \
    --test-threads=1 "$@" >"$log" 2>&1; then
    tail -n 40 "$log"
    exit 1
fi
# The figures, without the harness's "test ... ..." prefixes.
grep -E 'match \((cold|warm)\)|import: |test result' "$log" |
    sed -E 's/^test blocklist::bench::[a-z0-9_]+ \.\.\. //'
rm -f "$log"
