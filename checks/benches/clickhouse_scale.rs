//! The 30-check workload on a ClickHouse product far larger than the server lets one
//! query hold in memory: 50,000,000 rows generated inside the server, built as a
//! MergeTree scratch table and checked, with the server's per-query memory capped
//! (start one with `HALLMARK_CLICKHOUSE_MAX_MEMORY=1000000000
//! HALLMARK_CLICKHOUSE_PORT=8124 HALLMARK_CLICKHOUSE_TCP_PORT=9001
//! HALLMARK_CLICKHOUSE_DIR=~/.cache/hallmark-clickhouse-1g scripts/clickhouse-server.sh`).
//! Prints the time of the build and of the checks, and each query's peak memory from
//! `system.query_log`.
//!
//! `cargo bench -p hallmark-checks --bench clickhouse_scale --profile dev`
//! (`HALLMARK_SCALE_ROWS`, `HALLMARK_SCALE_CLICKHOUSE_URL` change the size and server).

use hallmark_checks::runner::{run_checks, NoProgress, RunOptions, Selection};
use hallmark_checks::warehouse::{QueryKind, Warehouse};
use hallmark_checks::Project;
use std::time::Instant;
use workload::{clickhouse_table_sql, SPEC, STANDARDS};

mod workload;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let Some((rows, url, sandbox, warehouse)) = workload::scale_run("scale") else {
        return;
    };
    let cap = warehouse
        .query(
            QueryKind::Metadata,
            "SELECT value FROM system.settings WHERE name = 'max_memory_usage'",
        )
        .ok()
        .and_then(|r| r.rows.first().and_then(|row| row.first()).cloned());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data_standards.md"), STANDARDS).unwrap();
    // The spec's nominal source; the product generates its rows.
    std::fs::write(dir.path().join("none.csv"), "unused\n").unwrap();
    std::fs::create_dir_all(dir.path().join("products/big")).unwrap();
    std::fs::write(dir.path().join("products/big/silver.yml"), SPEC).unwrap();
    std::fs::write(dir.path().join("products/big/silver.sql"), clickhouse_table_sql(rows)).unwrap();
    let project = Project::load(dir.path()).unwrap();

    let started = Instant::now();
    let list = run_checks(
        &project,
        &warehouse,
        &Selection::default(),
        &RunOptions::default(),
        &NoProgress,
    );
    let took = started.elapsed();
    let report = &list.products[0];
    println!(
        "{rows} rows on {url} (max_memory_usage {}): built and checked in {:.1} s — {} checks, {} passed, {} failed, {} could not run{}",
        cap.map(|c| c.to_string()).unwrap_or_else(|| "?".into()),
        took.as_secs_f64(),
        report.results.len(),
        report.summary.pass,
        report.summary.fail,
        report.summary.error,
        report.error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default()
    );
    for r in report
        .results
        .iter()
        .filter(|r| r.status != hallmark_checks::Status::Pass)
    {
        println!(
            "  {} {}({}): {:?} {} {}",
            r.standard_id,
            r.check,
            r.columns.join(", "),
            r.status,
            r.figure,
            r.reason.as_deref().unwrap_or("")
        );
    }
    workload::print_peak_memory(&warehouse, &sandbox);
}
