#!/usr/bin/env bash
# Builds the Debian package with cargo-deb, installs it here with dpkg -i, and checks that
# the installed `bitu check-config` reads the installed /etc/bitu/bitu.toml. Idempotent:
# reinstalling the same version is fine, and nothing is started (the package starts no
# unit, and systemd is not PID 1 on dev machines), so running dev services are untouched.
#
#   packaging/dev/deb-check.sh                      package the debug binaries (fast; CI)
#   BITU_DEB_PROFILE=release packaging/dev/deb-check.sh   build and package a release
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
profile="${BITU_DEB_PROFILE:-dev}"
out="${BITU_DEB_DIR:-$repo/target/debian}"
# Pinned: 3.x accepts --profile dev with --no-build (with a warning), which the fast path uses.
cargo_deb_version=3.8.0

if ! cargo deb --version 2>/dev/null | grep -q "$cargo_deb_version"; then
    cargo install cargo-deb --version "$cargo_deb_version" --locked
fi
command -v adduser >/dev/null || { apt-get update -qq && apt-get install -y -qq adduser; }

if [[ $profile == dev ]]; then
    # The test run built these already; package them stripped instead of building a release.
    cargo build --workspace --bins --locked
    cargo deb -p bitu-cli --no-build --profile dev --fast -o "$out" 2>&1 |
        grep -v 'dev profile is not supported\|To enable debug symbols' || true
else
    cargo deb -p bitu-cli --profile "$profile" --locked -o "$out"
fi
deb="$(find "$out" -maxdepth 1 -name 'bitu_*.deb' -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2-)"
echo "package: $deb ($(du -h "$deb" | cut -f1))"
dpkg-deb --info "$deb" | sed -n '/Package:/,/Depends:/p'

# Never ask about a locally edited /etc/bitu/bitu.toml: keep it.
DEBIAN_FRONTEND=noninteractive dpkg -i --force-confdef --force-confold "$deb"
getent passwd bitu >/dev/null || { echo "postinst did not create the bitu user" >&2; exit 1; }
test -d /var/log/bitu || { echo "postinst did not create /var/log/bitu" >&2; exit 1; }
[[ "$(stat -c '%U:%G %a' /etc/bitu/bitu.toml)" == "root:bitu 640" ]] ||
    { echo "/etc/bitu/bitu.toml: wrong owner or mode" >&2; exit 1; }
for unit in bitu-web.socket bitu-web.service bitu-rq.service bitu-blocksync.service \
    bitu-blocksync.timer bitu-expire.service bitu-expire.timer bitu-permissions.service \
    bitu-permissions.timer bitu-failure@.service; do
    test -f "/lib/systemd/system/$unit" || { echo "missing unit $unit" >&2; exit 1; }
done
systemd-analyze verify --man=no /lib/systemd/system/bitu-{web.socket,web.service,rq.service,blocksync.service,blocksync.timer,expire.service,expire.timer,permissions.service,permissions.timer}
for bin in bitu bitu-web bitu-rq bitu-blocksync bitu-expire; do
    "/usr/bin/$bin" --version >/dev/null
done
# The installed command against the installed config.
(cd / && env -u BITU_CONFIG /usr/bin/bitu check-config)
echo "deb-check: OK"
