#!/usr/bin/env bash
# Throwaway PostgreSQL 15 for tests.
#
# Two ways to use it:
#   tests/lib/pg.sh <command> [args...]
#       starts a server, runs the command with VIA_TEST_PG (a libpq connection string) and
#       PGHOST/PGPORT/PGUSER/PGDATABASE exported, stops the server, deletes its directory and
#       exits with the command's status.
#   source tests/lib/pg.sh; via_pg_start; ...; (stopped by an EXIT trap, or call via_pg_stop)
#
# The cluster lives in a fresh directory under ${TMPDIR:-/tmp}, listens on 127.0.0.1 on a free
# port (tried at random until one binds) and on a Unix socket inside that directory, and trusts
# local connections: it exists only for the life of one test. PostgreSQL refuses to run as root,
# so when run as root the server runs as the unprivileged user VIA_PG_USER (default `nobody`)
# through runuser; the test itself still connects as the cluster's superuser `via`.
# VIA_PG_BIN overrides the server binaries' folder (default /usr/lib/postgresql/15/bin).

via_pg_bin=${VIA_PG_BIN:-/usr/lib/postgresql/15/bin}
via_pg_dir=""
via_pg_runas=()

via_pg_log() { echo "pg.sh: $*" >&2; }

via_pg_stop() {
    if [ -n "$via_pg_dir" ] && [ -d "$via_pg_dir" ]; then
        if [ -f "$via_pg_dir/data/postmaster.pid" ]; then
            "${via_pg_runas[@]}" "$via_pg_bin/pg_ctl" -D "$via_pg_dir/data" -m immediate -w stop \
                >/dev/null 2>&1 || true
        fi
        rm -rf "$via_pg_dir"
    fi
    via_pg_dir=""
}

via_pg_start() {
    if [ ! -x "$via_pg_bin/initdb" ] || [ ! -x "$via_pg_bin/pg_ctl" ]; then
        via_pg_log "no initdb/pg_ctl in $via_pg_bin (install postgresql-15 or set VIA_PG_BIN)"
        return 1
    fi
    via_pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/via-pg.XXXXXX") || { via_pg_log "mktemp failed"; return 1; }
    trap via_pg_stop EXIT
    trap 'via_pg_stop; exit 130' INT TERM
    via_pg_runas=()
    if [ "$(id -u)" -eq 0 ]; then
        local user=${VIA_PG_USER:-nobody}
        if ! id "$user" >/dev/null 2>&1; then
            via_pg_log "user $user does not exist; set VIA_PG_USER to an unprivileged user"
            return 1
        fi
        chown "$user" "$via_pg_dir"
        chmod 0755 "$via_pg_dir"
        via_pg_runas=(runuser -u "$user" --)
    fi
    if ! (cd "$via_pg_dir" && "${via_pg_runas[@]}" "$via_pg_bin/initdb" -D "$via_pg_dir/data" \
            -U via -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$via_pg_dir/initdb.log" 2>&1); then
        via_pg_log "initdb failed:"; cat "$via_pg_dir/initdb.log" >&2
        return 1
    fi
    local attempt port
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        if (cd "$via_pg_dir" && "${via_pg_runas[@]}" "$via_pg_bin/pg_ctl" -D "$via_pg_dir/data" \
                -l "$via_pg_dir/server.log" -w -t 30 \
                -o "-p $port -k $via_pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
                start >/dev/null 2>&1); then
            export PGHOST=127.0.0.1 PGPORT=$port PGUSER=via PGDATABASE=postgres
            export VIA_TEST_PG="host=127.0.0.1 port=$port user=via dbname=postgres"
            export VIA_PG_DIR=$via_pg_dir
            return 0
        fi
        # Most likely the port was taken; anything else shows up in the log on the last try.
    done
    via_pg_log "could not start postgres after 10 ports; server log:"
    cat "$via_pg_dir/server.log" >&2 2>/dev/null
    return 1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -u
    if [ $# -eq 0 ]; then
        echo "usage: $0 <command> [args...]   (runs the command with VIA_TEST_PG set)" >&2
        exit 2
    fi
    via_pg_start || exit 1
    "$@"
    status=$?
    via_pg_stop
    trap - EXIT
    exit $status
fi
