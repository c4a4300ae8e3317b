#!/usr/bin/env bash
# Local services for Bitu development and tests.
#
# Usage: packaging/dev/services.sh COMMAND
#
#   start        install missing Debian packages and start everything:
#                  - a private OpenLDAP instance (ldap://127.0.0.1:3389)
#                  - an SMTP sink writing to a Maildir (127.0.0.1:2525)
#                  - the test OpenID Connect provider, with MediaWiki and
#                    Phabricator OAuth 2.0 look-alikes (http://127.0.0.1:9090;
#                    packaging/dev/oidc, npm's oidc-provider on Node.js)
#                  - MariaDB (127.0.0.1:3306, root without password)
#                  - Redis (127.0.0.1:6379)
#                then write $STATE/env. Idempotent; a second run is fast.
#   stop         stop slapd, the SMTP sink and the OIDC provider (and
#                MariaDB/Redis only if this script started them)
#   status       one line per service (exit status 0 only if all are up)
#   env          print $STATE/env (export lines for the test suite)
#   start-smtp   start only the SMTP sink
#   stop-smtp    stop only the SMTP sink (tests use it to simulate an outage)
#   demo-data    load packaging/ldap/demo.ldif (existing entries are skipped)
#
# State directory: ${BITU_DEV_DIR:-<repo>/.dev}
# Environment overrides: BITU_DEV_LDAP_PORT (3389), BITU_DEV_SMTP_PORT (2525),
# BITU_DEV_OIDC_PORT (9090), BITU_DEV_WEB_PORT (8000: the provider's static
# client "bitu" may return to http://localhost:<it>/complete/oidc/),
# BITU_DEV_SLAPD_DEBUG (slapd -d level, default "stats": one log line per
# LDAP operation step in $STATE/slapd/slapd.log; the previous log of a
# restarted slapd is kept as slapd.log.1).
#
# Meant for Debian 12 (bookworm) dev/test machines; packages are installed with
# apt-get (as root, or through sudo) only when missing.
set -euo pipefail
export LC_ALL=C

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)
LDAP_SRC=$REPO/packaging/ldap

STATE=${BITU_DEV_DIR:-$REPO/.dev}
mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd)

# Bump when the way the cn=config LDIF is generated changes (forces a rebuild).
CONFIG_GENERATION=2

LDAP_HOST=127.0.0.1
LDAP_PORT=${BITU_DEV_LDAP_PORT:-3389}
LDAP_URL=ldap://$LDAP_HOST:$LDAP_PORT
LDAP_SUFFIX=dc=example,dc=org
LDAP_ADMIN_DN=cn=admin,$LDAP_SUFFIX
LDAP_ADMIN_PASSWORD=admin-secret
LDAP_BIND_DN=cn=bitu,ou=profile,$LDAP_SUFFIX
LDAP_BIND_PASSWORD=bitu-secret
LDAP_PEOPLE_DN=ou=people,$LDAP_SUFFIX
LDAP_GROUPS_DN=ou=groups,$LDAP_SUFFIX
LDAP_MODULE_PATH=/usr/lib/ldap
DEBIAN_SCHEMA_DIR=/etc/ldap/schema
DEBIAN_SCHEMAS=(core cosine inetorgperson)
# rfc2307bis instead of Debian's nis: posixGroup auxiliary, beside groupOfNames (as in production).
PROJECT_SCHEMAS=(rfc2307bis wikimedia openssh-lpk)
SLAPD_DEBUG=${BITU_DEV_SLAPD_DEBUG:-stats}

SMTP_HOST=127.0.0.1
SMTP_PORT=${BITU_DEV_SMTP_PORT:-2525}
AIOSMTPD_REQ='aiosmtpd>=1.4,<2'

OIDC_HOST=127.0.0.1
OIDC_PORT=${BITU_DEV_OIDC_PORT:-9090}
OIDC_URL=http://$OIDC_HOST:$OIDC_PORT
OIDC_SRC=$REPO/packaging/dev/oidc
WEB_PORT=${BITU_DEV_WEB_PORT:-8000}

MARIADB_HOST=127.0.0.1
MARIADB_PORT=3306
REDIS_HOST=127.0.0.1
REDIS_PORT=6379

SLAPD_DIR=$STATE/slapd
SLAPD_CONF_DIR=$SLAPD_DIR/slapd.d
SLAPD_DATA=$SLAPD_DIR/data
SLAPD_PID=$SLAPD_DIR/slapd.pid
SLAPD_ARGS=$SLAPD_DIR/slapd.args
SLAPD_LOG=$SLAPD_DIR/slapd.log
SLAPD_SOCK=$SLAPD_DIR/ldapi
SLAPD_STAMP=$SLAPD_DIR/build.stamp
SLAPD_MATCH=" -F $SLAPD_CONF_DIR -h "  # identifies our slapd in /proc/PID/cmdline
VENV=$STATE/venv
MAILDIR=$STATE/maildir
SMTP_PID=$STATE/smtp.pid
SMTP_LOG=$STATE/smtp.log
SMTP_MATCH=" aiosmtpd.handlers.Mailbox $MAILDIR "  # identifies our SMTP sink
OIDC_PID=$STATE/oidc.pid
OIDC_LOG=$STATE/oidc.log
OIDC_MATCH=" $OIDC_SRC/server.js --port $OIDC_PORT "  # identifies our provider
MARIADB_MARKER=$STATE/mariadb.started-by-us
REDIS_MARKER=$STATE/redis.started-by-us
REDIS_DIR=$STATE/redis
ENV_FILE=$STATE/env
WAIT_SECONDS=30

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif have sudo; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

# ---------------------------------------------------------------- packages --

APT_UPDATED=0
INSTALLED_NOW=()

pkg_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

ensure_packages() {
    local missing=() p i
    for p in "$@"; do
        pkg_installed "$p" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    have apt-get || die "missing packages (${missing[*]}) and no apt-get to install them"
    if [ "$APT_UPDATED" -eq 0 ]; then
        log "apt-get update"
        # The lists lock is not covered by DPkg::Lock::Timeout: retry a bit.
        for i in 1 2 3 4 5 6 7 8 9 10; do
            if as_root apt-get -o DPkg::Lock::Timeout=600 -qq update; then
                APT_UPDATED=1
                break
            fi
            log "apt-get update failed (attempt $i), retrying in 10s"
            sleep 10
        done
        [ "$APT_UPDATED" -eq 1 ] || die "apt-get update failed"
    fi
    log "installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
        install -y -q --no-install-recommends "${missing[@]}" >&2 \
        || die "apt-get install ${missing[*]} failed"
    INSTALLED_NOW+=("${missing[@]}")
}

installed_now() {
    local p
    for p in "${INSTALLED_NOW[@]+"${INSTALLED_NOW[@]}"}"; do
        [ "$p" = "$1" ] && return 0
    done
    return 1
}

# ----------------------------------------------------------------- helpers --

# wait_for NAME CMD...: run CMD until it succeeds, at most $WAIT_SECONDS.
wait_for() {
    local name=$1 deadline=$((SECONDS + WAIT_SECONDS))
    shift
    until "$@"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            return 1
        fi
        sleep 0.2
    done
}

# wait_daemon NAME PIDFILE PATTERN LOGFILE READY-CMD...: wait until READY-CMD
# succeeds; fail early if the daemon exits, after $WAIT_SECONDS otherwise.
wait_daemon() {
    local name=$1 pidfile=$2 pattern=$3 logfile=$4 deadline=$((SECONDS + WAIT_SECONDS))
    shift 4
    until "$@"; do
        if ! pid_alive "$pidfile" "$pattern" >/dev/null; then
            tail -n 20 "$logfile" >&2 || true
            die "$name: exited during startup (log: $logfile)"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            tail -n 20 "$logfile" >&2 || true
            die "$name: not answering after ${WAIT_SECONDS}s (log: $logfile)"
        fi
        sleep 0.2
    done
}

urlencode() {
    local s=$1 out='' c hex i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
            [A-Za-z0-9._~-]) out+=$c ;;
            *) printf -v hex '%%%02X' "'$c"; out+=$hex ;;
        esac
    done
    printf '%s' "$out"
}

# cmdline_of PID: the command line of PID, arguments joined by spaces, plus a
# trailing space.
cmdline_of() {
    local args=()
    [ -r "/proc/$1/cmdline" ] || return 1
    mapfile -d '' -t args 2>/dev/null <"/proc/$1/cmdline" || return 1
    [ ${#args[@]} -gt 0 ] || return 1
    printf '%s ' "${args[@]}"
}

# pid_alive PIDFILE PATTERN: print the pid of our daemon whose command line
# contains PATTERN: the one recorded in PIDFILE or, if PIDFILE is missing or
# stale, a matching process found in /proc (PIDFILE is then rewritten).
pid_alive() {
    local pidfile=$1 pattern=$2 pid='' f cmd
    if [ -s "$pidfile" ] && read -r pid <"$pidfile" && [[ $pid =~ ^[0-9]+$ ]] \
        && cmd=$(cmdline_of "$pid") && [[ $cmd == *"$pattern"* ]]; then
        echo "$pid"
        return 0
    fi
    for f in /proc/[0-9]*; do
        pid=${f#/proc/}
        if [ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ]; then continue; fi
        cmd=$(cmdline_of "$pid") || continue
        case $cmd in
            "bash -c "*) continue ;; # spawn() wrapper that is about to exec
            *"$pattern"*)
                echo "$pid" >"$pidfile" 2>/dev/null || true
                echo "$pid"
                return 0
                ;;
        esac
    done
    return 1
}

# stop_pid NAME PIDFILE PATTERN
stop_pid() {
    local name=$1 pidfile=$2 pattern=$3 pid i
    if ! pid=$(pid_alive "$pidfile" "$pattern"); then
        rm -f "$pidfile"
        log "$name: not running"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "$name: did not stop after 10s, killing"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.2
    fi
    rm -f "$pidfile"
    log "$name: stopped (pid $pid)"
}

# spawn PIDFILE LOGFILE CMD...: run CMD detached in its own session; the
# process itself writes PIDFILE (so the recorded pid is the real one).
spawn() {
    local pidfile=$1 logfile=$2
    shift 2
    rm -f "$pidfile"
    # fd 9 is the lock on $STATE/.lock: the daemon must not inherit it.
    # shellcheck disable=SC2016 # $$ and $@ are expanded by the inner bash
    setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" \
        >>"$logfile" 2>&1 </dev/null 9>&- &
    local i
    for ((i = 0; i < 50; i++)); do
        [ -s "$pidfile" ] && return 0
        sleep 0.1
    done
    die "could not start $1 (see $logfile)"
}

# ------------------------------------------------------------------- LDAP --

ldap_listen_urls() {
    local urls="ldap://$LDAP_HOST:$LDAP_PORT/"
    if [ ${#SLAPD_SOCK} -le 100 ]; then
        urls+=" ldapi://$(urlencode "$SLAPD_SOCK")/"
    fi
    printf '%s' "$urls"
}

# Probes are wrapped in `timeout`: something else listening on the port must
# not make them hang.
ldap_up() {
    timeout 5 ldapsearch -x -H "$LDAP_URL" -o nettimeout=2 -LLL -s base -b "" 1.1 >/dev/null 2>&1
}

slapd_running() {
    pid_alive "$SLAPD_PID" "$SLAPD_MATCH" >/dev/null
}

ldap_source_files() {
    local s
    printf '%s\n' "$LDAP_SRC/config.ldif.in"
    for s in "${DEBIAN_SCHEMAS[@]}"; do printf '%s\n' "$DEBIAN_SCHEMA_DIR/$s.ldif"; done
    for s in "${PROJECT_SCHEMAS[@]}"; do printf '%s\n' "$LDAP_SRC/schema/$s.ldif"; done
}

# Everything the generated cn=config depends on (except the salted hash).
ldap_build_fingerprint() {
    local f
    printf 'generation=%s\nstate=%s\nmodules=%s\nuid=%s gid=%s\n' \
        "$CONFIG_GENERATION" "$STATE" "$LDAP_MODULE_PATH" "$(id -u)" "$(id -g)"
    while read -r f; do
        printf '%s %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$f"
    done < <(ldap_source_files)
}

render_config() {
    local s schema_files=()
    for s in "${DEBIAN_SCHEMAS[@]}"; do schema_files+=("$DEBIAN_SCHEMA_DIR/$s.ldif"); done
    for s in "${PROJECT_SCHEMAS[@]}"; do schema_files+=("$LDAP_SRC/schema/$s.ldif"); done
    R_PID_FILE=$SLAPD_PID \
    R_ARGS_FILE=$SLAPD_ARGS \
    R_MODULE_PATH=$LDAP_MODULE_PATH \
    R_DATA_DIR=$SLAPD_DATA \
    R_ROOT_PW_HASH=$(slappasswd -h '{SSHA}' -s "$LDAP_ADMIN_PASSWORD") \
    R_CONFIG_ADMIN="gidNumber=$(id -g)+uidNumber=$(id -u),cn=peercred,cn=external,cn=auth" \
    R_SUFFIX=$LDAP_SUFFIX \
    R_ROOT_DN=$LDAP_ADMIN_DN \
    R_BIND_DN=$LDAP_BIND_DN \
    R_PEOPLE_DN=$LDAP_PEOPLE_DN \
    R_GROUPS_DN=$LDAP_GROUPS_DN \
    awk '
        function lit(s, from, to,    i, out) {
            out = ""
            while ((i = index(s, from)) > 0) {
                out = out substr(s, 1, i - 1) to
                s = substr(s, i + length(from))
            }
            return out s
        }
        BEGIN {
            n = split("PID_FILE ARGS_FILE MODULE_PATH DATA_DIR ROOT_PW_HASH CONFIG_ADMIN SUFFIX ROOT_DN BIND_DN PEOPLE_DN GROUPS_DN", keys, " ")
            nschemas = ARGC - 2
            for (i = 2; i < ARGC; i++) schemas[i - 1] = ARGV[i]
            ARGC = 2
        }
        $0 == "@SCHEMAS@" {
            for (i = 1; i <= nschemas; i++) {
                print ""
                while ((getline line < schemas[i]) > 0) print line
                close(schemas[i])
                print ""
            }
            next
        }
        {
            for (i = 1; i <= n; i++) $0 = lit($0, "@" keys[i] "@", ENVIRON["R_" keys[i]])
            if ($0 !~ /^#/ && $0 ~ /@[A-Z_]+@/) { print "unknown placeholder: " $0 > "/dev/stderr"; exit 1 }
            print
        }
    ' "$LDAP_SRC/config.ldif.in" "${schema_files[@]}"
}

build_slapd_config() {
    local tmp=$SLAPD_DIR/slapd.d.new ldif=$SLAPD_DIR/config.ldif f sources
    mapfile -t sources < <(ldap_source_files)
    for f in "${sources[@]}"; do
        [ -r "$f" ] || die "LDAP config source missing: $f"
    done
    for f in back_mdb ppolicy argon2; do
        [ -e "$LDAP_MODULE_PATH/$f.so" ] || die "slapd module missing: $LDAP_MODULE_PATH/$f.so"
    done
    log "ldap: building private cn=config in $SLAPD_CONF_DIR (wipes LDAP data)"
    rm -rf "$tmp" "$SLAPD_CONF_DIR" "$SLAPD_DATA" "$SLAPD_STAMP"
    mkdir -p "$tmp" "$SLAPD_DATA"
    chmod 700 "$SLAPD_DIR"
    render_config >"$ldif" || die "could not render $ldif"
    if ! slapadd -n0 -F "$tmp" -l "$ldif" >"$SLAPD_DIR/slapadd.log" 2>&1; then
        cat "$SLAPD_DIR/slapadd.log" >&2
        die "slapadd of $ldif failed"
    fi
    mv "$tmp" "$SLAPD_CONF_DIR"
    ldap_build_fingerprint >"$SLAPD_STAMP"
}

ldap_needs_rebuild() {
    [ -d "$SLAPD_CONF_DIR" ] && [ -f "$SLAPD_CONF_DIR/cn=config.ldif" ] || return 0
    [ -f "$SLAPD_STAMP" ] || return 0
    [ -d "$SLAPD_DATA" ] || return 0
    # Cheap check first: nothing newer than the stamp and same parameters.
    local newer sources
    mapfile -t sources < <(ldap_source_files)
    newer=$(find "${sources[@]}" -newer "$SLAPD_STAMP" -print 2>/dev/null | head -n1)
    if [ -z "$newer" ] && head -n4 "$SLAPD_STAMP" | cmp -s - <(ldap_build_fingerprint | head -n4); then
        return 1
    fi
    # Something is newer: rebuild only if the content really changed.
    if ldap_build_fingerprint | cmp -s - "$SLAPD_STAMP"; then
        touch "$SLAPD_STAMP"
        return 1
    fi
    return 0
}

start_slapd() {
    local urls pid
    urls=$(ldap_listen_urls)
    if pid=$(pid_alive "$SLAPD_PID" "$SLAPD_MATCH"); then
        if [[ $(cmdline_of "$pid") == *" -h $urls "* ]]; then
            return 0
        fi
        log "ldap: listen addresses changed, restarting slapd"
        stop_pid slapd "$SLAPD_PID" "$SLAPD_MATCH"
    fi
    log "ldap: starting slapd on $urls"
    rm -f "$SLAPD_SOCK"
    [ ! -f "$SLAPD_LOG" ] || mv -f "$SLAPD_LOG" "$SLAPD_LOG.1"
    (
        # slapd sizes its connection table after the fd limit; keep it sane.
        ulimit -n 4096 2>/dev/null || true
        spawn "$SLAPD_PID.launcher" "$SLAPD_LOG" \
            slapd -d "$SLAPD_DEBUG" -F "$SLAPD_CONF_DIR" -h "$urls"
    )
    # slapd writes its own pid file (olcPidFile) as well; prefer the launcher's.
    mv -f "$SLAPD_PID.launcher" "$SLAPD_PID"
    wait_daemon "ldap: slapd on $LDAP_URL" "$SLAPD_PID" "$SLAPD_MATCH" "$SLAPD_LOG" ldap_up
}

# load_ldif FILE: add the entries of FILE as the rootDN, skipping entries that
# already exist. Entries are added in file order (parents first).
load_ldif() {
    local file=$1 tmp rec dn rc added=0 skipped=0
    [ -r "$file" ] || die "missing $file"
    tmp=$(mktemp -d "$STATE/ldif.XXXXXX")
    # Split into one file per entry; unfold continuation lines, drop comments.
    awk -v dir="$tmp" '
        function flush() {
            if (rec != "" && rec ~ /^dn:/) {
                n++
                f = sprintf("%s/%04d.ldif", dir, n)
                printf "%s\n", rec > f
                close(f)
            }
            rec = ""
        }
        /^#/ { next }
        /^[ \t]*$/ { flush(); next }
        /^ / { rec = rec substr($0, 2); next }
        { rec = (rec == "" ? $0 : rec "\n" $0) }
        END { flush() }
    ' "$file"
    for rec in "$tmp"/*.ldif; do
        [ -e "$rec" ] || continue
        dn=$(sed -n 's/^dn: *//p' "$rec" | head -n1)
        [ -n "$dn" ] || { rm -rf "$tmp"; die "$file: entry without a plain 'dn:' line"; }
        rc=0
        ldapsearch -x -H "$LDAP_URL" -D "$LDAP_ADMIN_DN" -w "$LDAP_ADMIN_PASSWORD" \
            -LLL -s base -b "$dn" 1.1 >/dev/null 2>&1 || rc=$?
        case $rc in
            0) skipped=$((skipped + 1)) ;;
            32)
                if ! ldapadd -x -H "$LDAP_URL" -D "$LDAP_ADMIN_DN" -w "$LDAP_ADMIN_PASSWORD" \
                    -f "$rec" >/dev/null 2>"$tmp/err"; then
                    cat "$tmp/err" >&2
                    rm -rf "$tmp"
                    die "could not add \"$dn\" from $file"
                fi
                added=$((added + 1))
                ;;
            *) rm -rf "$tmp"; die "ldapsearch for \"$dn\" failed (rc=$rc)" ;;
        esac
    done
    rm -rf "$tmp"
    if [ "$added" -gt 0 ] || [ "${2:-}" = verbose ]; then
        log "ldap: $(basename "$file"): added $added entries, $skipped already present"
    fi
}

ensure_ldap() {
    ensure_packages slapd ldap-utils
    if installed_now slapd; then
        # The package may have started Debian's system instance; we only use
        # our private one, so do not leave the system one running.
        as_root service slapd stop >/dev/null 2>&1 || true
    fi
    mkdir -p "$SLAPD_DIR"
    if ldap_needs_rebuild; then
        if slapd_running; then
            log "ldap: config sources changed, stopping slapd for a rebuild"
            stop_pid slapd "$SLAPD_PID" "$SLAPD_MATCH"
        fi
        build_slapd_config
    fi
    start_slapd
    load_ldif "$LDAP_SRC/base.ldif"
}

# ------------------------------------------------------------------- SMTP --

system_python() {
    if [ -x /usr/bin/python3 ]; then
        echo /usr/bin/python3
    elif have python3; then
        command -v python3
    else
        ensure_packages python3
        echo /usr/bin/python3
    fi
}

ensure_venv() {
    [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import aiosmtpd' 2>/dev/null && return 0
    local py
    py=$(system_python)
    log "smtp: creating $VENV with $AIOSMTPD_REQ"
    rm -rf "$VENV"
    if ! "$py" -m venv "$VENV" >/dev/null 2>&1; then
        rm -rf "$VENV"
        ensure_packages python3-venv
        "$py" -m venv "$VENV" >&2 || die "python3 -m venv $VENV failed"
    fi
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$AIOSMTPD_REQ" >&2 \
        || die "pip install $AIOSMTPD_REQ failed"
}

smtp_up() {
    timeout 10 "$VENV/bin/python" - "$SMTP_HOST" "$SMTP_PORT" >/dev/null 2>&1 <<'EOF'
import smtplib, sys
s = smtplib.SMTP(sys.argv[1], int(sys.argv[2]), timeout=2)
s.ehlo()
s.quit()
EOF
}

start_smtp() {
    ensure_venv
    mkdir -p "$MAILDIR/cur" "$MAILDIR/new" "$MAILDIR/tmp"
    local pid listen="$SMTP_HOST:$SMTP_PORT"
    if pid=$(pid_alive "$SMTP_PID" "$SMTP_MATCH"); then
        if [[ $(cmdline_of "$pid") == *" -l $listen "* ]]; then
            return 0
        fi
        log "smtp: listen address changed, restarting"
        stop_pid smtp "$SMTP_PID" "$SMTP_MATCH"
    fi
    log "smtp: starting aiosmtpd on $listen (Maildir $MAILDIR)"
    # -n: do not setuid to nobody; -u: offer SMTPUTF8. The Mailbox handler
    # accepts any sender and recipient; AUTH is neither offered nor required
    # (no authenticator configured), so clients must not try to log in.
    [ ! -f "$SMTP_LOG" ] || [ "$(stat -c %s "$SMTP_LOG")" -lt 10485760 ] || mv -f "$SMTP_LOG" "$SMTP_LOG.1"
    spawn "$SMTP_PID" "$SMTP_LOG" \
        "$VENV/bin/python" -m aiosmtpd -n -u -l "$listen" \
        -c aiosmtpd.handlers.Mailbox "$MAILDIR"
    wait_daemon "smtp: aiosmtpd on $listen" "$SMTP_PID" "$SMTP_MATCH" "$SMTP_LOG" smtp_up
}

stop_smtp() {
    stop_pid smtp "$SMTP_PID" "$SMTP_MATCH"
}

# ------------------------------------------------------------------- OIDC --

oidc_up() {
    timeout 5 bash -c "exec 3<>/dev/tcp/$OIDC_HOST/$OIDC_PORT" 2>/dev/null
}

# The provider's npm packages, installed from the committed lock file when it changed.
ensure_oidc_packages() {
    if ! have node || ! have npm; then
        ensure_packages nodejs npm
    fi
    local stamp=$OIDC_SRC/node_modules/.package-lock.json
    if [ -f "$stamp" ] && [ ! "$OIDC_SRC/package-lock.json" -nt "$stamp" ]; then
        return 0
    fi
    log "oidc: npm ci in $OIDC_SRC"
    (cd "$OIDC_SRC" && npm ci --no-audit --no-fund >&2) || die "npm ci in $OIDC_SRC failed"
}

start_oidc() {
    ensure_oidc_packages
    pid_alive "$OIDC_PID" "$OIDC_MATCH" >/dev/null && return 0
    log "oidc: starting the test provider on $OIDC_URL"
    local redirects="http://localhost:$WEB_PORT/complete/oidc/,http://127.0.0.1:$WEB_PORT/complete/oidc/"
    BITU_DEV_OIDC_REDIRECTS=$redirects spawn "$OIDC_PID" "$OIDC_LOG" \
        node "$OIDC_SRC/server.js" --port "$OIDC_PORT" --host "$OIDC_HOST"
    wait_daemon "oidc: provider on $OIDC_URL" "$OIDC_PID" "$OIDC_MATCH" "$OIDC_LOG" oidc_up
}

stop_oidc() {
    stop_pid oidc "$OIDC_PID" "$OIDC_MATCH"
}

# ---------------------------------------------------------------- MariaDB --

mariadb_up() {
    timeout 10 mariadb -uroot -h"$MARIADB_HOST" -P"$MARIADB_PORT" --connect-timeout=2 \
        -e 'select 1' >/dev/null 2>&1
}

# Server alive (even if the root login over TCP is refused).
mariadb_alive() {
    timeout 10 mariadb-admin -h"$MARIADB_HOST" -P"$MARIADB_PORT" --connect-timeout=2 ping >/dev/null 2>&1
}

ensure_mariadb() {
    if ! have mariadb || ! have mariadb-admin; then
        ensure_packages mariadb-client
    fi
    mariadb_up && return 0
    if ! mariadb_alive; then
        ensure_packages mariadb-server mariadb-client
        if ! mariadb_alive; then
            log "mariadb: starting"
            if [ -x /etc/init.d/mariadb ] && have service; then
                as_root service mariadb start >&2 || true
                echo service >"$MARIADB_MARKER"
            fi
            if ! mariadb_alive; then
                as_root install -d -o mysql -g mysql /run/mysqld
                as_root start-stop-daemon --start --oknodo --background \
                    --exec /usr/sbin/mariadbd -- --user=mysql
                echo admin >"$MARIADB_MARKER"
            fi
            wait_for mariadb mariadb_alive \
                || die "mariadb: server did not come up on $MARIADB_HOST:$MARIADB_PORT within ${WAIT_SECONDS}s"
        fi
    fi
    if ! mariadb_up; then
        # Fresh Debian: root@localhost only has unix_socket auth. Allow a
        # password-less root login over TCP (dev/test machines only!).
        log "mariadb: enabling password-less root login over TCP (dev/test only)"
        as_root mariadb -uroot --protocol=socket <<'EOF' || die "mariadb: could not adjust root accounts"
ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('');
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED VIA mysql_native_password USING PASSWORD('');
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
FLUSH PRIVILEGES;
EOF
    fi
    wait_for mariadb mariadb_up \
        || die "mariadb: 'mariadb -uroot -h$MARIADB_HOST -P$MARIADB_PORT' does not work after ${WAIT_SECONDS}s"
}

stop_mariadb() {
    [ -f "$MARIADB_MARKER" ] || return 0
    log "mariadb: stopping (started by this script)"
    case $(cat "$MARIADB_MARKER") in
        service) as_root service mariadb stop >&2 || true ;;
        *) as_root mariadb-admin -uroot --protocol=socket shutdown >&2 || true ;;
    esac
    rm -f "$MARIADB_MARKER"
}

# ------------------------------------------------------------------ Redis --

redis_up() {
    [ "$(timeout 5 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]
}

ensure_redis() {
    have redis-cli || ensure_packages redis-tools
    redis_up && return 0
    ensure_packages redis-server
    if ! redis_up; then
        log "redis: starting"
        mkdir -p "$REDIS_DIR"
        redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" \
            --save "" --appendonly no --dir "$REDIS_DIR" \
            --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" >&2
        touch "$REDIS_MARKER"
    fi
    wait_for redis redis_up \
        || die "redis: no PONG from $REDIS_HOST:$REDIS_PORT within ${WAIT_SECONDS}s"
}

stop_redis() {
    [ -f "$REDIS_MARKER" ] || return 0
    log "redis: stopping (started by this script)"
    redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    rm -f "$REDIS_MARKER"
}

# -------------------------------------------------------------------- env --

env_line() {
    local name=$1 value=$2
    if [[ $value =~ ^[A-Za-z0-9_./:,=@+%-]*$ ]]; then
        printf 'export %s=%s\n' "$name" "$value"
    else
        printf "export %s='%s'\n" "$name" "${value//\'/\'\\\'\'}"
    fi
}

write_env() {
    local tmp=$ENV_FILE.tmp
    {
        echo "# Generated by packaging/dev/services.sh start; source it: . $ENV_FILE"
        env_line BITU_TEST_LDAP_URL "$LDAP_URL"
        env_line BITU_TEST_LDAP_ADMIN_DN "$LDAP_ADMIN_DN"
        env_line BITU_TEST_LDAP_ADMIN_PASSWORD "$LDAP_ADMIN_PASSWORD"
        env_line BITU_TEST_LDAP_BIND_DN "$LDAP_BIND_DN"
        env_line BITU_TEST_LDAP_BIND_PASSWORD "$LDAP_BIND_PASSWORD"
        env_line BITU_TEST_LDAP_BASE "$LDAP_SUFFIX"
        env_line BITU_TEST_DATABASE_URL "mysql://root@$MARIADB_HOST:$MARIADB_PORT"
        env_line BITU_TEST_REDIS_URL "redis://$REDIS_HOST:$REDIS_PORT"
        env_line BITU_TEST_SMTP_HOST "$SMTP_HOST"
        env_line BITU_TEST_SMTP_PORT "$SMTP_PORT"
        env_line BITU_TEST_MAILDIR "$MAILDIR"
        env_line BITU_TEST_OIDC_URL "$OIDC_URL"
        env_line BITU_DEV_DIR "$STATE"
    } >"$tmp"
    if ! cmp -s "$tmp" "$ENV_FILE" 2>/dev/null; then
        mv -f "$tmp" "$ENV_FILE"
    else
        rm -f "$tmp"
    fi
}

print_summary() {
    cat <<EOF
Bitu local services (state: $STATE)
  LDAP     $LDAP_URL  base $LDAP_SUFFIX
           admin $LDAP_ADMIN_DN / $LDAP_ADMIN_PASSWORD
           bind  $LDAP_BIND_DN / $LDAP_BIND_PASSWORD
           log   $SLAPD_LOG
  SMTP     smtp://$SMTP_HOST:$SMTP_PORT  (no auth, any recipient) -> Maildir $MAILDIR
  OIDC     $OIDC_URL  client bitu / bitu-dev-oidc-secret, any login
           MediaWiki $OIDC_URL/w/ (secret mediawiki-dev-secret), Phabricator $OIDC_URL/
           (secret phabricator-dev-secret); log $OIDC_LOG
  MariaDB  mysql://root@$MARIADB_HOST:$MARIADB_PORT$( [ -f "$MARIADB_MARKER" ] && echo '  (started by this script)' || echo '  (pre-existing, not managed)')
  Redis    redis://$REDIS_HOST:$REDIS_PORT$( [ -f "$REDIS_MARKER" ] && echo '  (started by this script)' || echo '  (pre-existing, not managed)')
Environment: . $ENV_FILE   (or: eval "\$(packaging/dev/services.sh env)")
Stop:        packaging/dev/services.sh stop
EOF
}

# --------------------------------------------------------------- commands --

lock() {
    exec 9>"$STATE/.lock"
    flock -w 600 9 || die "could not lock $STATE/.lock"
}

cmd_start() {
    lock
    ensure_ldap
    start_smtp
    start_oidc
    ensure_mariadb
    ensure_redis
    write_env
    print_summary
}

cmd_stop() {
    lock
    stop_pid slapd "$SLAPD_PID" "$SLAPD_MATCH"
    stop_smtp
    stop_oidc
    stop_mariadb
    stop_redis
}

cmd_status() {
    local ok=0 pid
    if pid=$(pid_alive "$SLAPD_PID" "$SLAPD_MATCH") && ldap_up; then
        echo "ldap     up    $LDAP_URL (pid $pid)"
    else
        echo "ldap     down  $LDAP_URL"; ok=1
    fi
    if pid=$(pid_alive "$SMTP_PID" "$SMTP_MATCH") && smtp_up; then
        echo "smtp     up    smtp://$SMTP_HOST:$SMTP_PORT (pid $pid, Maildir $MAILDIR)"
    else
        echo "smtp     down  smtp://$SMTP_HOST:$SMTP_PORT"; ok=1
    fi
    if pid=$(pid_alive "$OIDC_PID" "$OIDC_MATCH") && oidc_up; then
        echo "oidc     up    $OIDC_URL (pid $pid)"
    else
        echo "oidc     down  $OIDC_URL"; ok=1
    fi
    if have mariadb && mariadb_up; then
        echo "mariadb  up    mysql://root@$MARIADB_HOST:$MARIADB_PORT"
    else
        echo "mariadb  down  mysql://root@$MARIADB_HOST:$MARIADB_PORT"; ok=1
    fi
    if have redis-cli && redis_up; then
        echo "redis    up    redis://$REDIS_HOST:$REDIS_PORT"
    else
        echo "redis    down  redis://$REDIS_HOST:$REDIS_PORT"; ok=1
    fi
    return $ok
}

cmd_env() {
    [ -f "$ENV_FILE" ] || die "$ENV_FILE does not exist; run: packaging/dev/services.sh start"
    cat "$ENV_FILE"
}

cmd_demo_data() {
    lock
    ldap_up || die "LDAP is not running; run: packaging/dev/services.sh start"
    load_ldif "$LDAP_SRC/demo.ldif" verbose
    log "demo data loaded (users alice, bob, carol; password demo-password-1)"
}

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

main() {
    case ${1:-} in
        start) cmd_start ;;
        stop) cmd_stop ;;
        status) cmd_status ;;
        env) cmd_env ;;
        start-smtp) lock; start_smtp ;;
        stop-smtp) lock; stop_smtp ;;
        demo-data) cmd_demo_data ;;
        -h | --help | help) usage ;;
        *) usage >&2; exit 2 ;;
    esac
}

# Keep this the last line: bash reads scripts incrementally, and `exit` makes
# editing this file safe while an invocation is still running.
main "$@"; exit $?
