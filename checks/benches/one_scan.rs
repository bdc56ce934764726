//! 30 checks on a generated 1,000,000-row table, beside one plain full scan of the same
//! table (`SELECT count(*), sum(...)` over every column), on embedded DuckDB and, when
//! a server answers at `HALLMARK_TEST_CLICKHOUSE_URL` (default 127.0.0.1:8123), on
//! ClickHouse. Run with `cargo bench --workspace --bench one_scan --profile dev`; the last lines
//! print both medians and the ratio per backend, then the same checks on a product
//! built from text bronze as a view and as a table (the evidence for
//! `hallmark_checks::holding`).

use criterion::{criterion_group, Criterion};
use hallmark_checks::plan::{plan_product, PlanItem};
use hallmark_checks::result::BuiltAs;
use hallmark_checks::runner::{check_product, RunOptions};
use hallmark_checks::warehouse::clickhouse::ClickHouseWarehouse;
use hallmark_checks::warehouse::duckdb::DuckDbWarehouse;
use hallmark_checks::warehouse::Limits;
use hallmark_checks::warehouse::{BuildForm, QueryKind, Warehouse};
use hallmark_checks::Project;
use std::time::{Duration, Instant};
use workload::{SPEC, STANDARDS};

mod workload;

const ROWS: u64 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    DuckDb,
    ClickHouse,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::DuckDb => "duckdb",
            Backend::ClickHouse => "clickhouse",
        }
    }

    /// The same million rows in each backend's SQL.
    fn table_sql(self) -> String {
        match self {
            Backend::DuckDb => workload::duckdb_table_sql(ROWS),
            Backend::ClickHouse => workload::clickhouse_table_sql(ROWS),
        }
    }

    fn open(self) -> Option<Box<dyn Warehouse>> {
        match self {
            Backend::DuckDb => Some(Box::new(DuckDbWarehouse::in_memory(Limits::default()).unwrap())),
            Backend::ClickHouse => {
                let conn = workload::clickhouse_connection(
                    std::env::var("HALLMARK_TEST_CLICKHOUSE_URL").unwrap_or_else(|_| "http://127.0.0.1:8123".into()),
                );
                let sandbox = format!("hallmark_sandbox_bench_{}", std::process::id());
                match ClickHouseWarehouse::connect(&conn, &sandbox, Limits::default()) {
                    Ok(w) => Some(Box::new(w)),
                    Err(e) => {
                        eprintln!("ClickHouse skipped: {e}");
                        None
                    }
                }
            }
        }
    }
}

fn plain_scan_sql(f: &Fixture) -> String {
    format!(
        "SELECT count(*), sum(id), sum(length(email)), sum(length(country)), sum(amount), \
         max(ordered_at), sum(length(status)) FROM {}",
        f.warehouse.dialect().quote_relation("silver.big")
    )
}

struct Fixture {
    project: Project,
    warehouse: Box<dyn Warehouse>,
}

fn fixture(backend: Backend) -> Option<(tempfile::TempDir, Fixture)> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data_standards.md"), STANDARDS).unwrap();
    std::fs::create_dir_all(dir.path().join("products/big")).unwrap();
    std::fs::write(dir.path().join("products/big/silver.yml"), SPEC).unwrap();
    std::fs::write(dir.path().join("products/big/silver.sql"), backend.table_sql()).unwrap();
    let project = Project::load(dir.path()).unwrap();
    let warehouse = backend.open()?;
    warehouse
        .materialize("silver.big", &backend.table_sql(), BuildForm::Table)
        .unwrap();
    Some((dir, Fixture { project, warehouse }))
}

fn run_checks_once(f: &Fixture) -> usize {
    let product = &f.project.products[0];
    let columns = f.warehouse.describe("silver.big").unwrap();
    let report = check_product(
        &f.project,
        product,
        Ok(columns),
        None,
        f.warehouse.as_ref(),
        &RunOptions::default(),
    );
    assert_eq!(report.summary.fail + report.summary.error, 0, "{:#?}", report.results);
    report.results.len()
}

/// The product built again from its SQL (a pull request changed it), then checked.
fn build_and_check_once(f: &Fixture, backend: Backend) -> usize {
    f.warehouse
        .materialize("silver.big", &backend.table_sql(), BuildForm::Table)
        .unwrap();
    run_checks_once(f)
}

fn plain_scan_once(f: &Fixture) {
    f.warehouse.query(QueryKind::Scan, &plain_scan_sql(f)).unwrap();
}

fn bench(c: &mut Criterion) {
    for backend in [Backend::DuckDb, Backend::ClickHouse] {
        bench_backend(c, backend);
    }
}

fn bench_backend(c: &mut Criterion, backend: Backend) {
    let Some((_dir, f)) = fixture(backend) else { return };
    let planned = plan_product(&f.project.standards, &f.project.products[0].spec)
        .iter()
        .filter(|i| matches!(i, PlanItem::Check(_)))
        .count();
    assert!(planned >= 30, "the bench must run at least 30 checks, plans {planned}");
    let mut group = c.benchmark_group(format!("{}/{planned}_checks_vs_full_scan_1M_rows", backend.name()));
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    group.bench_function("checks", |b| b.iter(|| run_checks_once(&f)));
    group.bench_function("build_and_check", |b| b.iter(|| build_and_check_once(&f, backend)));
    group.bench_function("plain_full_scan", |b| b.iter(|| plain_scan_once(&f)));
    group.finish();
}

/// The median of seven timed runs.
fn median_of(mut run: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..7)
        .map(|_| {
            let t = Instant::now();
            run();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// Both medians and their ratio, printed after criterion's report so the note can
/// quote one line.
fn summary(backend: Backend) {
    let Some((_dir, f)) = fixture(backend) else { return };
    let before = f.warehouse.queries().len();
    let results = run_checks_once(&f);
    let ran = f.warehouse.queries().split_off(before);
    let scans = ran.iter().filter(|q| q.kind == QueryKind::Scan).count();
    if std::env::var_os("HALLMARK_BENCH_QUERIES").is_some() {
        // Each query the checks ran, timed alone, to find the expensive one.
        for q in &ran {
            let t = Instant::now();
            let outcome = f.warehouse.query(QueryKind::Custom, &q.sql).map(|_| ());
            println!(
                "{:?} {:.1} ms {outcome:?}\n{}\n",
                q.kind,
                t.elapsed().as_secs_f64() * 1e3,
                q.sql
            );
        }
    }
    let checks = median_of(|| {
        run_checks_once(&f);
    });
    let plain = median_of(|| plain_scan_once(&f));
    let built = median_of(|| {
        build_and_check_once(&f, backend);
    });
    println!(
        "one-scan summary, {}, {ROWS} rows: {results} checks in {scans} scan query: in place median {:.1} ms, built then checked {:.1} ms; plain full scan: median {:.1} ms; ratios {:.2}x in place, {:.2}x built",
        backend.name(),
        checks.as_secs_f64() * 1e3,
        built.as_secs_f64() * 1e3,
        plain.as_secs_f64() * 1e3,
        checks.as_secs_f64() / plain.as_secs_f64(),
        built.as_secs_f64() / plain.as_secs_f64(),
    );
}

/// The same checks on a product built from text bronze as a view and as a table,
/// for a transform that parses each value and one that also deduplicates: the build
/// and the checks of one run, timed together, as `hallmark check` on a changed SQL
/// pays them. Prints one line per transform with both medians.
fn view_or_table(backend: Backend) {
    let Some(warehouse) = backend.open() else { return };
    let clickhouse = backend == Backend::ClickHouse;
    warehouse
        .materialize(
            "bronze.big_text",
            &workload::text_bronze_sql(clickhouse, &backend.table_sql()),
            BuildForm::Table,
        )
        .unwrap();
    for (name, sql) in workload::text_transforms(clickhouse) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("data_standards.md"), STANDARDS).unwrap();
        std::fs::create_dir_all(dir.path().join("products/big")).unwrap();
        let spec = SPEC.replace(
            "sources: [{ name: bronze.none, file: none.csv }]",
            "sources: [{ name: bronze.big_text, table: big_text }]",
        );
        std::fs::write(dir.path().join("products/big/silver.yml"), spec).unwrap();
        std::fs::write(dir.path().join("products/big/silver.sql"), &sql).unwrap();
        let project = Project::load(dir.path()).unwrap();
        let product = &project.products[0];
        // `extra` more full reads after the checks: a product built from this one.
        let run = |form: BuildForm, extra: usize| {
            warehouse.materialize("silver.big", &sql, form).unwrap();
            let columns = warehouse.describe("silver.big").unwrap();
            let build = BuiltAs {
                form,
                why: "the bench".into(),
            };
            let report = check_product(
                &project,
                product,
                Ok(columns),
                Some(build),
                warehouse.as_ref(),
                &RunOptions::default(),
            );
            assert_eq!(report.summary.fail + report.summary.error, 0, "{:#?}", report.results);
            assert_eq!(report.rows, Some(ROWS));
            let d = warehouse.dialect();
            let again = format!(
                "SELECT count(*), count({}), count({}), count({}) FROM {}",
                d.quote_ident("id"),
                d.quote_ident("amount"),
                d.quote_ident("ordered_at"),
                d.quote_relation("silver.big")
            );
            for _ in 0..extra {
                warehouse.query(QueryKind::Custom, &again).unwrap();
            }
        };
        for extra in [0, 1] {
            let view = median_of(|| run(BuildForm::View, extra));
            let table = median_of(|| run(BuildForm::Table, extra));
            println!(
                "view-or-table summary, {}, {name}, {ROWS} text rows read {}: built as a view and checked {:.1} ms, as a table {:.1} ms (table/view {:.2})",
                backend.name(),
                if extra == 0 { "once" } else { "twice" },
                view.as_secs_f64() * 1e3,
                table.as_secs_f64() * 1e3,
                table.as_secs_f64() / view.as_secs_f64()
            );
        }
    }
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    summary(Backend::DuckDb);
    summary(Backend::ClickHouse);
    view_or_table(Backend::DuckDb);
    view_or_table(Backend::ClickHouse);
}
