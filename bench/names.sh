#!/usr/bin/env bash
# Developer-name index benchmark (release build, local services): `bitu names backfill` over
# 100,000 LDAP entries in the dev slapd (added first, not timed), then an unchanged rerun.
# Usage: bench/names.sh            (extra arguments go to the test harness)
#        BENCH_PROFILE=debug bench/names.sh   (reuse the debug build: an upper bound)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
bash packaging/dev/services.sh start >/dev/null
# shellcheck disable=SC1091
. "${BITU_DEV_DIR:-$repo/.dev}/env"
log="$(mktemp)"
profile=(--release)
[ "${BENCH_PROFILE:-release}" = debug ] && profile=()
if ! cargo test "${profile[@]}" -p bitu-e2e --test e2e names::bench -- --ignored --nocapture \
    --test-threads=1 "$@" >"$log" 2>&1; then
    tail -n 40 "$log"
    exit 1
fi
grep -E '^(setup|backfill)|test result' "$log" |
    sed -E 's/^test names::bench::[a-z0-9_]+ \.\.\. //'
rm -f "$log"
