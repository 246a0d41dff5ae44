#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the warehouse integration tests.
#
#   scripts/postgres-test-cluster.sh start   # create + start (idempotent); prints an export line
#   scripts/postgres-test-cluster.sh env     # print the export line (cluster must be running)
#   scripts/postgres-test-cluster.sh status  # exit 0 when running
#   scripts/postgres-test-cluster.sh stop    # stop and delete the cluster
#   scripts/postgres-test-cluster.sh halt    # stop (pg_ctl -m fast) but keep the data; `start` resumes it
#
#   eval "$(scripts/postgres-test-cluster.sh start)"   # sets PEREGRINE_PG_CONNINFO
#
# Installs nothing: it needs the Debian `postgresql` package (server binaries under
# /usr/lib/postgresql/<major>/bin). Exit 3 when they are missing. As root it runs the server
# as the `postgres` user (PostgreSQL refuses to run as root). fsync is off: the data is
# disposable. Settings: PEREGRINE_PG_PORT (54329), PEREGRINE_PG_BASE (/tmp/peregrine-pg-$PORT),
# PEREGRINE_PG_BINDIR (auto-detected).
set -euo pipefail

PORT="${PEREGRINE_PG_PORT:-54329}"
BASE="${PEREGRINE_PG_BASE:-/tmp/peregrine-pg-$PORT}"
DATA="$BASE/data"
LOG="$BASE/server.log"
LOCK="/tmp/peregrine-pg-$PORT.lock"
CONNINFO="host=$BASE port=$PORT user=postgres dbname=postgres"

log() { echo "postgres-test-cluster: $*" >&2; }

find_bindir() {
    if [[ -n "${PEREGRINE_PG_BINDIR:-}" ]]; then echo "$PEREGRINE_PG_BINDIR"; return; fi
    local best
    # The newest major version (version sort: 15 beats 9.6).
    best=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | while read -r d; do
        [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && echo "$d"; done | tail -n 1)
    if [[ -z "$best" ]] && command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        best=$(dirname "$(command -v initdb)")
    fi
    echo "$best"
}

BINDIR=$(find_bindir)
if [[ ( -z "$BINDIR" || ! -x "$BINDIR/initdb" || ! -x "$BINDIR/pg_ctl" ) && "${1:-}" != "stop" && "${1:-}" != "env" ]]; then
    log "PostgreSQL server binaries (initdb, pg_ctl) not found${BINDIR:+ in $BINDIR} (looked under /usr/lib/postgresql/*/bin and PATH)."
    log "Install them with: apt-get install -y postgresql   (or set PEREGRINE_PG_BINDIR)"
    exit 3
fi

# The server must not inherit the lock descriptor (fd 9), or it would hold the lock forever.
# Run a command as the cluster owner: `postgres` when we are root, ourselves otherwise.
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        if ! id postgres >/dev/null 2>&1; then
            log "running as root but there is no 'postgres' user (the Debian postgresql package creates it)"
            exit 3
        fi
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

is_running() {
    [[ -f "$DATA/PG_VERSION" ]] && as_owner "$BINDIR/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

# Running and answering: a postmaster killed with -9 can leave a pid that still exists (an
# unreaped zombie), which fools `pg_ctl status`.
is_accepting() {
    is_running && "$BINDIR/pg_isready" -q -h "$BASE" -p "$PORT" -t 3 >/dev/null 2>&1
}

print_env() { echo "export PEREGRINE_PG_CONNINFO='$CONNINFO'"; }

start() {
    if is_accepting; then print_env; return; fi
    if is_running || [[ -f "$DATA/postmaster.pid" ]]; then
        # Half-dead or stale (e.g. a previous session's server was killed): start over.
        as_owner "$BINDIR/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
        rm -rf "$BASE"
    fi
    if [[ ! -f "$DATA/PG_VERSION" ]]; then
        rm -rf "$BASE"
        mkdir -p "$BASE"
        [[ $(id -u) -eq 0 ]] && chown postgres: "$BASE"
        chmod 700 "$BASE"
        as_owner "$BINDIR/initdb" -A trust -U postgres -E UTF8 --locale=C -D "$DATA" >"$BASE/initdb.log" 2>&1 \
            || { log "initdb failed:"; cat "$BASE/initdb.log" >&2; exit 1; }
    fi
    # Root must be able to reach the socket folder; the server owns it.
    chmod 755 "$BASE"
    as_owner "$BINDIR/pg_ctl" -D "$DATA" -l "$LOG" -w -t 30 \
        -o "-p $PORT -k $BASE -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null 9>&- \
        || { log "pg_ctl start failed:"; tail -n 20 "$LOG" >&2; exit 1; }
    log "started on 127.0.0.1:$PORT and socket dir $BASE (data $DATA)"
    print_env
}

stop() {
    if [[ -n "$BINDIR" && -f "$DATA/PG_VERSION" ]]; then
        as_owner "$BINDIR/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$BASE"
    log "stopped and removed $BASE"
}

# A server outage for reconnect tests: fast shutdown (clients get 57P01), data kept.
halt() {
    if is_running; then
        as_owner "$BINDIR/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
        log "halted (data kept in $DATA; 'start' resumes it)"
    fi
}

exec 9>"$LOCK"
flock 9
case "${1:-}" in
    start) start ;;
    stop) stop ;;
    halt) halt ;;
    env) if is_running; then print_env; else log "not running (use start)"; exit 1; fi ;;
    status) is_running ;;
    *) echo "usage: $0 start|stop|halt|env|status" >&2; exit 2 ;;
esac
