#!/usr/bin/env bash
# Two `hallmark serve` replicas on one PostgreSQL queue under webhook load: each
# delivery is sent to both, the jobs run against the fake GitHub, and the report says
# how the deliveries were answered, which replica ran how many jobs, and whether any
# job ran twice (exit 1 if so). `scripts/replica-load.sh [COUNT] [CONCURRENCY]`
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hallmark-target}"
scripts/postgres-server.sh
# The dev profile: the DuckDB build is shared with the tests.
cargo build --locked -p hallmark -p hallmark-tests --bins
"$CARGO_TARGET_DIR/debug/replica-load" "$CARGO_TARGET_DIR/debug/hallmark" "${1:-2000}" "${2:-8}"
