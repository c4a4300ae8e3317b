#!/usr/bin/env bash
# Brings the whole of Bitu up locally with demo data: services (slapd, MariaDB, Redis, an
# SMTP sink), migrations, bitu-web and bitu-rq, one run of each timer; prints the URL.
#   packaging/dev/up.sh          start (or restart) everything
#   packaging/dev/up.sh stop     stop Bitu's daemons and the services this project started
#   packaging/dev/up.sh mail     list the mail the sink received (newest last)
#   packaging/dev/up.sh status   what runs
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
state="${BITU_DEV_DIR:-$repo/.dev}"
port="${BITU_DEV_WEB_PORT:-8000}"
config="$state/bitu.toml"
bin="$repo/target/debug"
export BITU_CONFIG="$config"

stop_daemon() {
    local name=$1 pidfile="$state/$1.pid"
    if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        kill -TERM "$(cat "$pidfile")"
        for _ in $(seq 1 100); do
            kill -0 "$(cat "$pidfile")" 2>/dev/null || break
            sleep 0.1
        done
    fi
    rm -f "$pidfile"
}

start_daemon() {
    local name=$1
    shift
    stop_daemon "$name"
    nohup "$bin/$name" "$@" >>"$state/logs/$name.log" 2>&1 &
    echo $! >"$state/$name.pid"
}

write_config() {
    # One secret per dev setup, kept so restarts sign no one out.
    if [[ ! -s $state/secret_key ]]; then
        head -c 48 /dev/urandom | base64 | tr -d '\n' >"$state/secret_key"
        chmod 600 "$state/secret_key"
    fi
    cat >"$config" <<EOC
# Local development configuration written by packaging/dev/up.sh.
[database]
url = "mysql://root@127.0.0.1:3306/bitu_dev"

[redis]
url = "${BITU_TEST_REDIS_URL}/0"
key_prefix = "bitu-dev:"

[ldap]
servers = ["${BITU_TEST_LDAP_URL}"]
bind_dn = "${BITU_TEST_LDAP_BIND_DN}"
password = "${BITU_TEST_LDAP_BIND_PASSWORD}"
users_dn = "ou=people,${BITU_TEST_LDAP_BASE}"
groups_dn = "ou=groups,${BITU_TEST_LDAP_BASE}"
ppolicy_dn = "cn=disabled,ou=ppolicies,${BITU_TEST_LDAP_BASE}"

[site]
base_url = "http://localhost:${port}"
secret_key_file = "${state}/secret_key"

[mail]
from = "Bitu <bitu@localhost>"
admins = ["admins@localhost"]

[mail.smtp]
host = "${BITU_TEST_SMTP_HOST}"
port = ${BITU_TEST_SMTP_PORT}

[authz]
account_manager_groups = ["cn=bitu-account-managers,ou=groups,dc=example,dc=org"]

[web]
bind = "127.0.0.1:${port}"

# The test identity provider that services.sh runs (any login name; try alice).
[oidc]
enabled = true
issuer = "${BITU_TEST_OIDC_URL}"
client_id = "bitu"
client_secret = "bitu-dev-oidc-secret"

[linking.mediawiki]
enabled = true
url = "${BITU_TEST_OIDC_URL}/w/"
client_id = "bitu-dev"
client_secret = "mediawiki-dev-secret"

[linking.phabricator]
enabled = true
url = "${BITU_TEST_OIDC_URL}/"
client_id = "PHID-OASC-bitu-dev"
client_secret = "phabricator-dev-secret"

[logging.handlers.console]
level = "info"

[logging.handlers.debugfile]
kind = "file"
path = "${state}/logs/bitu_debug.log"
level = "debug"

[logging.loggers.bitu]
level = "debug"
handlers = ["debugfile"]
EOC
}

cmd_up() {
    if ! command -v curl >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl
    fi
    bash "$repo/packaging/dev/services.sh" start
    # shellcheck disable=SC1091
    . "$state/env"
    bash "$repo/packaging/dev/services.sh" demo-data
    mkdir -p "$state/logs"
    (cd "$repo" && cargo build --workspace --bins --locked)
    mariadb -uroot -h127.0.0.1 -e "CREATE DATABASE IF NOT EXISTS bitu_dev CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
    write_config
    "$bin/bitu" check-config
    "$bin/bitu" migrate
    start_daemon bitu-rq
    start_daemon bitu-web
    "$bin/bitu-blocksync" >>"$state/logs/bitu-blocksync.log" 2>&1
    "$bin/bitu-expire" >>"$state/logs/bitu-expire.log" 2>&1
    local url="http://localhost:${port}/"
    for _ in $(seq 1 100); do
        curl -fsS -o /dev/null "${url}healthz" 2>/dev/null && break
        sleep 0.2
    done
    if ! curl -fsS -o /dev/null "${url}healthz"; then
        echo "bitu-web did not come up; see $state/logs/bitu-web.log" >&2
        tail -n 20 "$state/logs/bitu-web.log" >&2
        exit 1
    fi
    cat <<EOT

Bitu is up: ${url}
  demo users (password demo-password-1): alice, bob, carol
  or sign in at the test identity provider: ${BITU_TEST_OIDC_URL} (any password)
  config:     $config
  logs:       $state/logs/ (debug log of target bitu: bitu_debug.log)
  mail sink:  SMTP 127.0.0.1:${BITU_TEST_SMTP_PORT}, messages in $state/maildir/new
              read them with: packaging/dev/up.sh mail
  stop:       packaging/dev/up.sh stop
EOT
}

cmd_stop() {
    stop_daemon bitu-web
    stop_daemon bitu-rq
    bash "$repo/packaging/dev/services.sh" stop
}

cmd_mail() {
    python3 - "$state/maildir" <<'EOP'
import mailbox, sys
box = mailbox.Maildir(sys.argv[1], create=False)
messages = sorted(box, key=lambda m: m.get_date())
for message in messages:
    print("-" * 72)
    for header in ("Date", "From", "To", "Subject"):
        print(f"{header}: {message[header]}")
    body = message.get_payload(decode=True) if not message.is_multipart() else None
    if message.is_multipart():
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                body = part.get_payload(decode=True)
                break
    print()
    print((body or b"").decode("utf-8", "replace").strip())
print("-" * 72)
print(f"{len(messages)} message(s) in {sys.argv[1]}")
EOP
}

cmd_status() {
    bash "$repo/packaging/dev/services.sh" status
    for name in bitu-web bitu-rq; do
        if [[ -f $state/$name.pid ]] && kill -0 "$(cat "$state/$name.pid")" 2>/dev/null; then
            echo "$name: up (pid $(cat "$state/$name.pid"))"
        else
            echo "$name: down"
        fi
    done
}

case "${1:-up}" in
    up | start) cmd_up ;;
    stop) cmd_stop ;;
    mail) cmd_mail ;;
    status) cmd_status ;;
    *)
        echo "usage: $0 [up|stop|mail|status]" >&2
        exit 2
        ;;
esac
