"""Times `hallmark check --deployed` and `soda scan` on the same 1,000,000-row DuckDB
table with the same 32 checks (hallmark/ and soda/ side by side), as whole processes,
alternating, and prints both medians and the ratio.

    python3 benches/peers/compare.py [--hallmark BIN] [--soda BIN] [--runs 5]

Needs soda-core-duckdb (`pip install soda-core-duckdb`), whose `duckdb` module also
writes the table (make_table.py) when bench.duckdb is missing. Soda's anonymous usage
statistics are turned off in a throwaway home, so it does not wait on a network.
"""
import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def default_hallmark() -> str:
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", pathlib.Path.home() / ".cache/hallmark-target"))
    for profile in ("release", "debug"):
        b = target / profile / "hallmark"
        if b.exists():
            return str(b)
    return "hallmark"


def timed(cmd, env=None) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hallmark", default=default_hallmark())
    ap.add_argument("--soda", default=shutil.which("soda") or "soda")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    if not (HERE / "bench.duckdb").exists():
        subprocess.run([sys.executable, str(HERE / "make_table.py")], check=True)
    home = tempfile.mkdtemp()
    (pathlib.Path(home) / ".soda").mkdir()
    (pathlib.Path(home) / ".soda" / "config.yml").write_text("send_anonymous_usage_stats: false\n")
    soda_env = dict(os.environ, HOME=home)
    hallmark = [args.hallmark, "check", "--deployed", "--no-cache", "benches/peers/hallmark"]
    soda = [args.soda, "scan", "-d", "bench", "-c", "benches/peers/soda/configuration.yml", "benches/peers/soda/checks.yml"]
    # One untimed run each warms the page cache for both.
    timed(hallmark)
    timed(soda, soda_env)
    h, s = [], []
    for _ in range(args.runs):
        h.append(timed(hallmark))
        s.append(timed(soda, soda_env))
    hm, sm = statistics.median(h), statistics.median(s)
    print(f"hallmark check --deployed ({args.hallmark}): median {hm:.3f} s of {args.runs} ({', '.join(f'{x:.3f}' for x in h)})")
    print(f"soda scan ({args.soda}): median {sm:.3f} s of {args.runs} ({', '.join(f'{x:.3f}' for x in s)})")
    print(f"hallmark is {sm / hm:.2f}x faster than soda-core on the same 32 checks of 1,000,000 rows")


if __name__ == "__main__":
    main()
