#!/usr/bin/env bash
# A throwaway PostgreSQL for tests and benchmarks.
#
#   scripts/pg-throwaway.sh cargo test -p ticketry-postgres    # run a command against it
#   source scripts/pg-throwaway.sh                             # or export DATABASE_URL into this shell
#
# When DATABASE_URL is already set, it is used as is and no server is started.
# Otherwise a fresh cluster is made in a temporary directory (initdb + pg_ctl on a
# free port, fsync off: the data is disposable), DATABASE_URL is exported, the
# command runs, and the server is stopped and its directory removed on exit.
#
# Environment:
#   PG_BIN              directory holding initdb/pg_ctl (default: found automatically)
#   PG_THROWAWAY_OPTS   extra server options, e.g. "-c shared_buffers=1GB"
#
# initdb refuses to run as root, so as root the server runs as the `postgres`
# user (created if missing); as any other user it runs as that user.

_pgtw_sourced=0
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then _pgtw_sourced=1; fi

_pgtw_die() {
    echo "pg-throwaway: $*" >&2
    if [[ $_pgtw_sourced == 1 ]]; then return 1; else exit 1; fi
}

# Prints the directory holding initdb and pg_ctl, preferring the newest
# /usr/lib/postgresql/<version>/bin.
_pgtw_find_bin() {
    if [[ -n "${PG_BIN:-}" ]]; then
        [[ -x "$PG_BIN/initdb" && -x "$PG_BIN/pg_ctl" ]] && { echo "$PG_BIN"; return 0; }
        echo "pg-throwaway: PG_BIN=$PG_BIN has no initdb/pg_ctl" >&2
        return 1
    fi
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -V -r) \
        /usr/local/pgsql/bin /usr/pgsql-*/bin; do
        if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then echo "$d"; return 0; fi
    done
    if command -v pg_config >/dev/null 2>&1; then
        d="$(pg_config --bindir 2>/dev/null)"
        if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then echo "$d"; return 0; fi
    fi
    local i c
    i="$(command -v initdb 2>/dev/null)"; c="$(command -v pg_ctl 2>/dev/null)"
    if [[ -n "$i" && -n "$c" ]]; then
        d="$(dirname "$(readlink -f "$i")")"
        if [[ -x "$d/pg_ctl" ]]; then echo "$d"; else echo "$(dirname "$i")"; fi
        return 0
    fi
    return 1
}

# A TCP port nobody listens on (a start on a port taken meanwhile is retried).
_pgtw_free_port() {
    local port tries=0
    while ((tries < 200)); do
        port=$((15000 + RANDOM % 17000)) # below the ephemeral range (32768+)
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
        tries=$((tries + 1))
    done
    return 1
}

_pgtw_cleanup() {
    if [[ -n "${_PGTW_DIR:-}" && -d "$_PGTW_DIR" ]]; then
        (cd "$_PGTW_DIR" && ${_PGTW_AS[@]+"${_PGTW_AS[@]}"} "$_PGTW_BIN/pg_ctl" -D "$_PGTW_DIR/data" \
            -m immediate -w stop >/dev/null 2>&1) || true
        rm -rf "$_PGTW_DIR"
    fi
    _PGTW_DIR=
}

_pgtw_start() {
    _PGTW_BIN="$(_pgtw_find_bin)"
    if [[ -z "$_PGTW_BIN" ]]; then
        if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
            echo "pg-throwaway: installing PostgreSQL (apt-get install postgresql)" >&2
            (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2 \
                || { echo "pg-throwaway: apt-get install postgresql failed" >&2; return 1; }
            _PGTW_BIN="$(_pgtw_find_bin)"
        fi
        [[ -n "$_PGTW_BIN" ]] || { echo "pg-throwaway: no PostgreSQL binaries (initdb, pg_ctl) found; set PG_BIN" >&2; return 1; }
    fi
    _PGTW_AS=()
    local owner
    owner="$(id -un)"
    if [[ $(id -u) == 0 ]]; then
        if ! id postgres >/dev/null 2>&1; then
            useradd --system --no-create-home --shell /usr/sbin/nologin postgres \
                || { echo "pg-throwaway: cannot create user postgres" >&2; return 1; }
        fi
        _PGTW_AS=(runuser -u postgres --)
        owner=postgres
    fi
    _PGTW_DIR="$(mktemp -d "${TMPDIR:-/tmp}/ticketry-pg.XXXXXX")" || return 1
    chmod 755 "$_PGTW_DIR"
    chown "$owner" "$_PGTW_DIR"
    if ! (cd "$_PGTW_DIR" && "${_PGTW_AS[@]}" "$_PGTW_BIN/initdb" -D "$_PGTW_DIR/data" -U postgres \
        -A trust -E UTF8 --no-locale --no-sync >"$_PGTW_DIR/initdb.log" 2>&1); then
        cat "$_PGTW_DIR/initdb.log" >&2
        echo "pg-throwaway: initdb failed" >&2
        return 1
    fi
    local port attempt
    for attempt in 1 2 3 4 5; do
        port="$(_pgtw_free_port)" || { echo "pg-throwaway: no free port" >&2; return 1; }
        # shellcheck disable=SC2086
        if (cd "$_PGTW_DIR" && "${_PGTW_AS[@]}" "$_PGTW_BIN/pg_ctl" -D "$_PGTW_DIR/data" \
            -l "$_PGTW_DIR/server.log" -w -t 60 \
            -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$_PGTW_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 ${PG_THROWAWAY_OPTS:-}" \
            start >/dev/null); then
            export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
            echo "pg-throwaway: PostgreSQL ($("$_PGTW_BIN/postgres" --version | awk '{print $3}')) at $DATABASE_URL" >&2
            return 0
        fi
        echo "pg-throwaway: start on port $port failed (attempt $attempt)" >&2
        tail -5 "$_PGTW_DIR/server.log" >&2 2>/dev/null
    done
    return 1
}

if [[ -n "${DATABASE_URL:-}" ]]; then
    # Use the given database.
    if [[ $_pgtw_sourced == 0 && $# -gt 0 ]]; then exec "$@"; fi
else
    if [[ $_pgtw_sourced == 1 ]]; then
        _pgtw_start || { _pgtw_cleanup; return 1; }
        trap _pgtw_cleanup EXIT
    else
        set -u
        trap _pgtw_cleanup EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM
        _pgtw_start || _pgtw_die "could not start a throwaway PostgreSQL"
        if [[ $# -gt 0 ]]; then
            "$@"
            exit $?
        fi
        echo "pg-throwaway: no command given; the server stops now (source this script to keep it)" >&2
    fi
fi
