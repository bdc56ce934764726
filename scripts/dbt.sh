#!/usr/bin/env bash
# Installs dbt — dbt-core and the dbt-duckdb adapter, pinned, with the DuckDB that
# Hallmark's own build embeds (2.0, so both read the same database file) — into a venv
# under $HOME/.cache/hallmark-tools (kept between runs), and prints its `dbt`.
set -euo pipefail

TOOLS="${HALLMARK_TOOLS_DIR:-$HOME/.cache/hallmark-tools}"
PINS=(dbt-core==1.11.16 dbt-duckdb==1.11.1 duckdb==2.0.1)
VENV="${TOOLS}/dbt"
STAMP="${VENV}/installed-$(printf '%s ' "${PINS[@]}" | sha256sum | cut -c1-16)"

if [ ! -e "${STAMP}" ]; then
  echo "installing dbt (${PINS[*]}) into ${VENV}" >&2
  rm -rf "${VENV}"
  python3 -m venv "${VENV}"
  "${VENV}/bin/pip" install -q --disable-pip-version-check "${PINS[@]}" >&2
  touch "${STAMP}"
fi
echo "${VENV}/bin/dbt"
