#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on loopback for the queue's tests and the
# two-replica load run: its own data directory under $HALLMARK_POSTGRES_DIR (default
# $HOME/.cache/hallmark-postgres, /var/tmp/hallmark-postgres under root), port
# ${HALLMARK_POSTGRES_PORT:-54329}, one password-authenticated (scram-sha-256) superuser `hallmark` whose password is
# HALLMARK_POSTGRES_PASSWORD (default `hallmark-dev`); tests create a database each.
#
# Installs Debian's postgresql when initdb is missing. PostgreSQL refuses to run as
# root, so under root (CI) the cluster belongs to the `postgres` user the package
# creates. Waits until the server accepts connections.
set -euo pipefail

# Under root the cluster belongs to `postgres`, who cannot enter root's home.
if [ "$(id -u)" = 0 ]; then
    dir="${HALLMARK_POSTGRES_DIR:-/var/tmp/hallmark-postgres}"
else
    dir="${HALLMARK_POSTGRES_DIR:-$HOME/.cache/hallmark-postgres}"
fi
port="${HALLMARK_POSTGRES_PORT:-54329}"
password="${HALLMARK_POSTGRES_PASSWORD:-hallmark-dev}"
url="postgres://hallmark:$password@127.0.0.1:$port/postgres"

if pg_isready -q -h 127.0.0.1 -p "$port" 2>/dev/null; then
    echo "postgres: already answering on 127.0.0.1:$port"
    exit 0
fi

bin=""
for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/initdb" ] && bin="$candidate"
done
if [ -z "$bin" ]; then
    echo "postgres: installing Debian's postgresql"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
    for candidate in /usr/lib/postgresql/*/bin; do
        [ -x "$candidate/initdb" ] && bin="$candidate"
    done
fi
[ -n "$bin" ] || { echo "postgres: no initdb after installing postgresql" >&2; exit 1; }

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

mkdir -p "$dir"
if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$dir"
fi
if [ ! -f "$dir/data/PG_VERSION" ]; then
    pwfile=$(mktemp)
    printf '%s\n' "$password" >"$pwfile"
    chmod 644 "$pwfile"
    as_owner "$bin/initdb" -D "$dir/data" -U hallmark --auth=scram-sha-256 --pwfile="$pwfile" \
        -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
        rm -f "$pwfile"
        echo "postgres: initdb failed; its log:" >&2
        cat "$dir/initdb.log" >&2
        exit 1
    }
    rm -f "$pwfile"
fi

# Loopback only; the socket in the cluster's own directory, not /run/postgresql.
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir/data -c max_connections=200 -c fsync=off" \
    start >/dev/null

for _ in $(seq 1 60); do
    if pg_isready -q -h 127.0.0.1 -p "$port"; then
        version=$(psql "$url" -Atc 'SHOW server_version')
        echo "postgres: server $version answering on 127.0.0.1:$port"
        exit 0
    fi
    sleep 1
done
echo "postgres: the server did not answer within 60 s; its log:" >&2
tail -n 40 "$dir/server.log" >&2 || true
exit 1
