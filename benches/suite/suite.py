"""The peer suite: Hallmark against soda-core on generated workloads nobody tuned for.

    python3 benches/suite/suite.py [--hallmark BIN] [--soda BIN] [--runs 5] [--seed 1]
                                   [--scale 1.0] [--only narrow,wide,...] [--dir DIR]

For each workload of `workloads.py` (drawn from `--seed`), it writes a DuckDB file with
the bronze source tables (`src_<name>`) and the same rows as deployed tables (`<name>`),
a Hallmark project whose standards are the drawn checks, and the same checks in SodaCL.
Then it times, as whole processes, alternating, `--runs` times after one untimed run
each: `hallmark check --deployed` (in place, as soda reads), `hallmark check` (building
each product from its source in the sandbox first), and `soda scan`. Every run's
failures are compared with the generator's truth — a tool that reports a different
number of failing checks than the generator planted fails the suite, so a fast wrong
answer cannot pass. It prints one line per workload with the medians and the ratios,
the worst ratio last, and writes the table as markdown to `--report`.

Needs soda-core-duckdb (scripts/bench-suite.sh installs it, pinned, in a cached venv),
whose `duckdb` module writes the data.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import duckdb

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import workloads as wl  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]


def default_hallmark() -> str:
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", pathlib.Path.home() / ".cache/hallmark-target"))
    for profile in ("release", "debug"):
        b = target / profile / "hallmark"
        if b.exists():
            return str(b)
    return "hallmark"


def write_data(w: wl.Workload, path: pathlib.Path) -> None:
    """The bronze sources and the deployed products, as DuckDB tables."""
    if path.exists():
        return
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    con.execute("SET enable_progress_bar = false")
    for t in w.tables:
        if t.level == "silver":
            con.execute(t.source_sql)
            con.execute(f"CREATE TABLE {t.name} AS SELECT * FROM src_{t.name}")
    for t in w.tables:
        if t.level == "gold":
            con.execute(f"CREATE TABLE {t.name} AS " + t.transform.replace("silver.", "main."))
    con.close()
    tmp.rename(path)


def standards(w: wl.Workload) -> str:
    """The drawn checks as Hallmark standards, one per distinct rule and level."""
    seen: dict[tuple[str, str], str] = {}
    for t in w.tables:
        for c in t.checks:
            seen.setdefault((t.level, c.rule), c.title)
    out = ["# Generated standards\n"]
    for k, ((level, rule), title) in enumerate(seen.items(), 1):
        out.append(f"## W-{k:04d} {title}\nApplies to: {level}\n```rule\n{rule}\n```\n")
    return "\n".join(out)


def spec(t: wl.Table) -> str:
    lines = [f"name: {t.name}", f"level: {t.level}", "owner: bench", "sources:"]
    for name, table in t.sources:
        lines.append(f"  - {{ name: {name}, table: {table} }}" if table else f"  - {{ name: {name} }}")
    if t.primary_key:
        lines.append(f"primary_key: [{', '.join(t.primary_key)}]")
    lines.append("columns:")
    for c in t.columns:
        lines.append(f"  - {{ name: {c.name}, type: '{c.type}' }}")
    return "\n".join(lines) + "\n"


def write_projects(w: wl.Workload, d: pathlib.Path, data: pathlib.Path) -> None:
    hm = d / "hallmark"
    shutil.rmtree(hm / "products", ignore_errors=True)
    (hm / "products").mkdir(parents=True)
    # Hallmark reads a warehouse file only inside the repository.
    (hm / ".hallmark.yml").write_text(
        f"warehouse: {{ kind: duckdb, path: {data.relative_to(hm)} }}\ndeployed: main.{{name}}\n"
    )
    (hm / "data_standards.md").write_text(standards(w))
    for t in w.tables:
        p = hm / "products" / t.name
        p.mkdir()
        (p / f"{t.level}.yml").write_text(spec(t))
        (p / f"{t.level}.sql").write_text(t.transform + "\n")
    soda = d / "soda"
    shutil.rmtree(soda, ignore_errors=True)
    soda.mkdir()
    (soda / "configuration.yml").write_text(
        f"data_source bench:\n  type: duckdb\n  path: {data}\n  read_only: true\n"
    )
    body = []
    for t in w.tables:
        body.append(f"checks for {t.name}:")
        for c in t.checks:
            body += ["  " + line for line in c.soda]
    (soda / "checks.yml").write_text("\n".join(body) + "\n")


def expected_failures(w: wl.Workload) -> int:
    return sum(c.fails for t in w.tables for c in t.checks)


def run(cmd: list[str], env=None) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    return time.perf_counter() - start, done


def hallmark_failures(out: pathlib.Path, done: subprocess.CompletedProcess, what: str) -> int:
    if done.returncode not in (0, 1) or not out.exists():
        sys.exit(f"{what} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    summary = json.loads(out.read_text())["summary"]
    if summary["error"]:
        sys.exit(f"{what}: {summary['error']} checks could not be measured; see {out}")
    return summary["fail"] + summary["warn"]


def soda_failures(out: pathlib.Path, done: subprocess.CompletedProcess, what: str) -> int:
    if done.returncode not in (0, 1, 2) or not out.exists():
        sys.exit(f"{what} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    checks = json.loads(out.read_text())["checks"]
    errors = [c for c in checks if c.get("outcome") not in ("pass", "fail", "warn")]
    if errors:
        sys.exit(f"{what}: {len(errors)} checks not evaluated, e.g. {errors[0].get('name')}\n{done.stdout[-3000:]}")
    return sum(c["outcome"] in ("fail", "warn") for c in checks)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hallmark", default=default_hallmark())
    ap.add_argument("--soda", default=shutil.which("soda") or "soda")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--only", default="")
    ap.add_argument("--dir", default=str(pathlib.Path.home() / ".cache/hallmark-bench"))
    ap.add_argument("--report", default="")
    args = ap.parse_args()
    only = {x for x in args.only.split(",") if x}
    # The data is kept per seed, scale and generator: a changed generator writes anew.
    generator = hashlib.sha256(pathlib.Path(wl.__file__).read_bytes()).hexdigest()[:8]
    base = pathlib.Path(args.dir) / f"suite-seed{args.seed}-x{args.scale:g}-{generator}"
    home = tempfile.mkdtemp()
    (pathlib.Path(home) / ".soda").mkdir()
    (pathlib.Path(home) / ".soda" / "config.yml").write_text("send_anonymous_usage_stats: false\n")
    soda_env = dict(os.environ, HOME=home)
    rows = []
    for w in wl.workloads(args.seed, args.scale):
        if only and w.name not in only:
            continue
        d = base / w.name
        (d / "hallmark").mkdir(parents=True, exist_ok=True)
        data = d / "hallmark" / "data.duckdb"
        write_data(w, data)
        write_projects(w, d, data)
        hm_dir = d / "hallmark"
        n_checks = sum(len(t.checks) for t in w.tables)
        expected = expected_failures(w)
        out_h, out_s = d / "hallmark.json", d / "soda.json"
        in_place = [args.hallmark, "check", "--deployed", "--no-cache", "--format", "json", "--output", str(out_h), str(hm_dir)]
        building = [args.hallmark, "check", "--no-cache", "--format", "json", "--output", str(out_h), str(hm_dir)]
        soda = [args.soda, "scan", "-d", "bench", "-c", str(d / "soda/configuration.yml"), "-srf", str(out_s), str(d / "soda/checks.yml")]
        timings: dict[str, list[float]] = {"in_place": [], "building": [], "soda": []}
        for k in range(args.runs + 1):
            for label, cmd, env in (("in_place", in_place, None), ("building", building, None), ("soda", soda, soda_env)):
                for f in (out_h, out_s):
                    f.unlink(missing_ok=True)
                took, done = run(cmd, env)
                what = f"{w.name}: {label}"
                got = soda_failures(out_s, done, what) if label == "soda" else hallmark_failures(out_h, done, what)
                if got != expected:
                    sys.exit(f"{what} reported {got} failing checks; the generator planted {expected} (see {d})")
                if k > 0:
                    timings[label].append(took)
        med = {k: statistics.median(v) for k, v in timings.items()}
        row = {
            "workload": w.name,
            "what": w.what,
            "checks": n_checks,
            "failing": expected,
            **{k: round(v, 3) for k, v in med.items()},
            "in_place_ratio": round(med["soda"] / med["in_place"], 2),
            "building_ratio": round(med["soda"] / med["building"], 2),
        }
        rows.append(row)
        print(
            f"{w.name:8} {w.what:45} {n_checks:4} checks ({expected} failing): soda {med['soda']:.3f} s, "
            f"hallmark in place {med['in_place']:.3f} s ({row['in_place_ratio']}x), "
            f"building {med['building']:.3f} s ({row['building_ratio']}x)",
            flush=True,
        )
    if not rows:
        sys.exit("no workload matched --only")
    worst_in = min(rows, key=lambda r: r["in_place_ratio"])
    worst_b = min(rows, key=lambda r: r["building_ratio"])
    print(f"worst in place: {worst_in['workload']} {worst_in['in_place_ratio']}x; worst building: {worst_b['workload']} {worst_b['building_ratio']}x")
    if args.report:
        lines = [
            "| workload | shape | checks (failing) | soda-core | Hallmark in place | × | Hallmark building | × |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            lines.append(
                f"| {r['workload']} | {r['what']} | {r['checks']} ({r['failing']}) | {r['soda']:.3f} s | {r['in_place']:.3f} s | "
                f"{r['in_place_ratio']} | {r['building']:.3f} s | {r['building_ratio']} |"
            )
        pathlib.Path(args.report).write_text("\n".join(lines) + "\n")
        print(f"wrote {args.report}")


if __name__ == "__main__":
    main()
