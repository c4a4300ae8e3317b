#!/usr/bin/env bash
# Runs every test of Bitu on this machine: formatting, lints, unit tests and the end-to-end
# tests against real slapd, MariaDB, Redis and an SMTP sink (started here when missing).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"

step() { printf '\n==> %s\n' "$*"; }

# Tools the tests drive: ssh-keygen makes SSH keys, Chromium and its driver render pages.
missing=()
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
# Node.js and npm run the test OpenID Connect provider (packaging/dev/oidc; services.sh
# installs its npm packages from the committed lock file).
command -v node >/dev/null || missing+=(nodejs)
# npm installs axe-core (tests/axe), which the browser tests inject to check accessibility.
command -v npm >/dev/null || missing+=(npm)
# kill stops and restarts the daemons under test (procps, usually present).
command -v kill >/dev/null || missing+=(procps)
# systemd-analyze verifies the units (systemd need not be running).
command -v systemd-analyze >/dev/null || missing+=(systemd)
if ((${#missing[@]})); then
    step "install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

step "axe-core for the accessibility checks (tests/axe, pinned by its package-lock.json)"
if [[ ! -f tests/axe/node_modules/axe-core/axe.min.js ]]; then
    npm ci --prefix tests/axe --ignore-scripts --no-audit --no-fund
fi
echo "browser test screenshots: $repo/target/screenshots/"

step "local services"
bash packaging/dev/services.sh start
# shellcheck disable=SC1091
. "${BITU_DEV_DIR:-$repo/.dev}/env"

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "build the binaries the end-to-end tests run"
cargo build --workspace --bins --locked

step "Debian package: build with cargo-deb, dpkg -i, bitu check-config"
bash packaging/dev/deb-check.sh

# schema.rs is generated from migrations/; a migration without its regenerated schema fails here.
step "diesel schema.rs matches a freshly migrated database"
cargo test -p bitu-e2e --test e2e --locked -- schema::

step "cargo test"
cargo test --workspace --locked "$@"
