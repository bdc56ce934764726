#!/usr/bin/env bash
# Starts a throwaway ClickHouse server on loopback for Hallmark's tests and examples:
# its own config, data and logs under $HALLMARK_CLICKHOUSE_DIR (default
# $HOME/.cache/hallmark-clickhouse), HTTP on 127.0.0.1:${HALLMARK_CLICKHOUSE_PORT:-8123}.
#
# Two users: `hallmark` (password from HALLMARK_CLICKHOUSE_PASSWORD, default
# `hallmark-dev`) builds products in sandbox databases, and `hallmark_reader`
# (same password, profile readonly=1 with the read limits) can only read: the server
# refuses its writes, setting changes and table functions. `hallmark_lax_reader`
# (readonly=2) exists for the test that such a reader is refused. Installs Debian's
# clickhouse-server with apt when it is missing. Waits until the server answers /ping.
set -euo pipefail

dir="${HALLMARK_CLICKHOUSE_DIR:-$HOME/.cache/hallmark-clickhouse}"
port="${HALLMARK_CLICKHOUSE_PORT:-8123}"
tcp_port="${HALLMARK_CLICKHOUSE_TCP_PORT:-9000}"
password="${HALLMARK_CLICKHOUSE_PASSWORD:-hallmark-dev}"
# Each query's memory cap; GROUP BY and ORDER BY spill to disk past half of it.
max_memory="${HALLMARK_CLICKHOUSE_MAX_MEMORY:-4000000000}"
spill=$((max_memory / 2))

if curl -fsS "http://127.0.0.1:$port/ping" >/dev/null 2>&1; then
    echo "clickhouse: already answering on 127.0.0.1:$port"
    exit 0
fi

if ! command -v clickhouse-server >/dev/null 2>&1; then
    echo "clickhouse: installing Debian's clickhouse-server"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq clickhouse-server >/dev/null
fi

mkdir -p "$dir"/{data,tmp,user_files,format_schemas,log}
hash=$(printf '%s' "$password" | sha256sum | cut -d' ' -f1)

# Servers with SQL access control take per-user grants in users.xml: there the two
# users get only what they need, and none of the source privileges (URL, FILE, REMOTE,
# S3...) that table functions require. Debian's 18.16 has no access control (its
# `--version` is not even an option); there readonly=1 is the wall.
major=$(clickhouse-server --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+' | head -n1 | cut -d. -f1 || true)
builder_grants=""
reader_grants=""
if [ -n "$major" ] && [ "$major" -ge 23 ]; then
    builder_grants="<grants><query>GRANT SHOW, SELECT, INSERT, CREATE DATABASE, CREATE TABLE, DROP DATABASE, DROP TABLE ON *.*</query></grants>"
    reader_grants="<grants><query>GRANT SHOW, SELECT ON *.*</query></grants>"
fi

cat >"$dir/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>$max_memory</max_memory_usage>
            <max_bytes_before_external_group_by>$spill</max_bytes_before_external_group_by>
            <max_bytes_before_external_sort>$spill</max_bytes_before_external_sort>
            <log_queries>1</log_queries>
        </default>
        <!-- readonly=1: the server refuses every write, every setting change and
             every table function (url, file, remote...), so the limits that
             Hallmark would otherwise send with each query live here. -->
        <reader>
            <readonly>1</readonly>
            <max_memory_usage>$max_memory</max_memory_usage>
            <max_bytes_before_external_group_by>$spill</max_bytes_before_external_group_by>
            <max_bytes_before_external_sort>$spill</max_bytes_before_external_sort>
            <log_queries>1</log_queries>
            <max_execution_time>300</max_execution_time>
            <max_result_rows>10000</max_result_rows>
            <result_overflow_mode>break</result_overflow_mode>
        </reader>
        <!-- For the test that a readonly=2 reader is refused: that level allows
             table functions. -->
        <lax_reader>
            <readonly>2</readonly>
        </lax_reader>
    </profiles>
    <users>
        <hallmark>
            <password_sha256_hex>$hash</password_sha256_hex>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
            $builder_grants
        </hallmark>
        <hallmark_reader>
            <password_sha256_hex>$hash</password_sha256_hex>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>reader</profile>
            <quota>default</quota>
            $reader_grants
        </hallmark_reader>
        <hallmark_lax_reader>
            <password_sha256_hex>$hash</password_sha256_hex>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>lax_reader</profile>
            <quota>default</quota>
            $reader_grants
        </hallmark_lax_reader>
        <default>
            <password_sha256_hex>$hash</password_sha256_hex>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
XML

cat >"$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>$dir/log/server.log</log>
        <errorlog>$dir/log/server.err.log</errorlog>
        <size>10M</size>
        <count>2</count>
    </logger>
    <http_port>$port</http_port>
    <tcp_port>$tcp_port</tcp_port>
    <listen_host>127.0.0.1</listen_host>
    <max_connections>256</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>64</max_concurrent_queries>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mark_cache_size>268435456</mark_cache_size>
    <path>$dir/data/</path>
    <tmp_path>$dir/tmp/</tmp_path>
    <user_files_path>$dir/user_files/</user_files_path>
    <format_schema_path>$dir/format_schemas/</format_schema_path>
    <users_config>$dir/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>
    <!-- Every query's duration and peak memory, for the benches' reports. -->
    <query_log>
        <database>system</database>
        <table>query_log</table>
        <flush_interval_milliseconds>1000</flush_interval_milliseconds>
    </query_log>
</yandex>
XML

# Runs as the current user (root in CI); the data directory is ours.
nohup clickhouse-server --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 &
echo $! >"$dir/server.pid"

for _ in $(seq 1 60); do
    if curl -fsS "http://127.0.0.1:$port/ping" >/dev/null 2>&1; then
        version=$(curl -fsS -u "hallmark:$password" "http://127.0.0.1:$port/" --data-binary 'SELECT version()')
        echo "clickhouse: server $version answering on 127.0.0.1:$port"
        exit 0
    fi
    sleep 1
done
echo "clickhouse: the server did not answer within 60 s; its log:" >&2
tail -n 40 "$dir/log/server.err.log" "$dir/log/stdout.log" >&2 || true
exit 1
