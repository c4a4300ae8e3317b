#!/usr/bin/env bash
# Runs every test of Bitu on this machine: formatting, lints, unit tests and the end-to-end
# tests against real slapd, MariaDB, Redis and an SMTP sink (started here when missing).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"

step() { printf '\n==> %s\n' "$*"; }

# The SSH key tests make their keys with ssh-keygen.
command -v ssh-keygen >/dev/null || { apt-get update -qq && apt-get install -y -qq openssh-client; }

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

step "cargo test"
cargo test --workspace --locked "$@"
