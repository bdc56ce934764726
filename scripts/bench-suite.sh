#!/usr/bin/env bash
# Runs the peer suite (benches/suite/): Hallmark's release binary against soda-core on
# seven generated workloads, whole processes, alternated, medians; prints each
# workload's ratios and the worst, and writes the table to benches/suite/RESULTS.md.
#
#   scripts/bench-suite.sh [suite.py options: --runs 5 --seed 1 --scale 1.0 --only narrow,many]
#
# soda-core-duckdb is installed, pinned, into a venv under ~/.cache/hallmark-peers; the
# release binary is built when missing (a cold build compiles DuckDB again: ~25 min on
# two cores). The generated data is kept under ~/.cache/hallmark-bench per seed and scale.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$HOME/.cache/hallmark-peers"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hallmark-target}"

if [ ! -x "$venv/bin/soda" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q soda-core-duckdb==3.5.6
fi
bin="$CARGO_TARGET_DIR/release/hallmark"
if [ ! -x "$bin" ] || [ -n "$(find "$root/checks/src" "$root/bot/src" -newer "$bin" -name '*.rs' -print -quit)" ]; then
    (cd "$root" && cargo build --release -p hallmark)
fi
exec "$venv/bin/python" "$root/benches/suite/suite.py" --hallmark "$bin" --soda "$venv/bin/soda" \
    --report "$root/benches/suite/RESULTS.md" "$@"
