#!/usr/bin/env bash
# Loads examples/retail/bronze/*.csv into real ClickHouse tables `bronze.orders` and
# `bronze.customers` (every column Nullable(String), empty fields NULL), so the example
# can read bronze with `table:` sources. Uses HTTP on $HALLMARK_CLICKHOUSE_URL
# (default http://127.0.0.1:8123) as user $HALLMARK_CLICKHOUSE_USER (default hallmark)
# with $HALLMARK_CLICKHOUSE_PASSWORD.
set -euo pipefail
cd "$(dirname "$0")/.."
url="${HALLMARK_CLICKHOUSE_URL:-http://127.0.0.1:8123}"
user="${HALLMARK_CLICKHOUSE_USER:-hallmark}"
password="${HALLMARK_CLICKHOUSE_PASSWORD:-hallmark-dev}"

run() { curl -fsS -H "X-ClickHouse-User: $user" -H "X-ClickHouse-Key: $password" "$url/" --data-binary "$1"; }

run "CREATE DATABASE IF NOT EXISTS bronze"
for csv in examples/retail/bronze/*.csv; do
    table=$(basename "$csv" .csv)
    columns=$(head -n1 "$csv" | tr -d '\r' | awk -F, '{for (i = 1; i <= NF; i++) printf "%s`%s` Nullable(String)", (i > 1 ? ", " : ""), $i}')
    run "DROP TABLE IF EXISTS bronze.$table"
    run "CREATE TABLE bronze.$table ($columns) ENGINE = MergeTree ORDER BY tuple()"
    # 18.16 reads an empty CSV field as an empty string, not NULL: transforms use nullIf.
    tail -n +2 "$csv" | curl -fsS -H "X-ClickHouse-User: $user" -H "X-ClickHouse-Key: $password" \
        "$url/?query=INSERT%20INTO%20bronze.$table%20FORMAT%20CSV" --data-binary @-
    echo "bronze.$table: $(run "SELECT count() FROM bronze.$table") rows"
done
