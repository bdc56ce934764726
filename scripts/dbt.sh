#!/usr/bin/env bash
# dbt — dbt-core and the dbt-duckdb adapter, pinned, with the DuckDB that Hallmark's own
# build embeds (2.0, so both read the same database file) — installed by
# python-tool.sh; prints its `dbt`.
exec "$(dirname "$0")/python-tool.sh" dbt dbt dbt-core==1.11.16 dbt-duckdb==1.11.1 duckdb==2.0.1
