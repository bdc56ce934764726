//! A job's DuckDB warehouse in a child process (`hallmark warehouse-worker`): it
//! checks a repository exactly as the in-process warehouse does, and a statement that
//! ignores interruption (one long function call, which DuckDB cannot stop between
//! chunks) is stopped at its time limit plus a grace period by killing the child,
//! where in process it runs on past its limit (the control).

use hallmark::isolated::IsolatedWarehouse;
use hallmark_checks::project::WarehouseConfig;
use hallmark_checks::runner::{run_checks, NoProgress, RunOptions, Selection};
use hallmark_checks::warehouse::duckdb::DuckDbWarehouse;
use hallmark_checks::warehouse::{Limits, QueryKind, Warehouse, WarehouseError};
use hallmark_checks::Project;
use std::path::Path;
use std::time::{Duration, Instant};

fn isolated(limits: Limits, grace: Duration) -> IsolatedWarehouse {
    IsolatedWarehouse::spawn(
        Path::new(env!("CARGO_BIN_EXE_hallmark")),
        &WarehouseConfig::Duckdb { path: None },
        Path::new("."),
        "isolated",
        limits,
        grace,
    )
    .unwrap()
}

/// One scalar call of a few billion steps: DuckDB checks for an interrupt between
/// chunks, never inside it.
const UNINTERRUPTIBLE: &str = "SELECT levenshtein(repeat('a', 90000), repeat('b', 90000)) AS d";

#[test]
fn a_repository_is_checked_in_the_child_as_in_process() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/retail");
    let project = Project::load(&root).unwrap();
    let options = RunOptions {
        reference_time: chrono::DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc),
        reference_pinned: true,
        ..RunOptions::default()
    };
    let here = DuckDbWarehouse::in_memory(Limits::default()).unwrap();
    let there = isolated(Limits::default(), Duration::from_secs(10));
    let a = run_checks(&project, &here, &Selection::default(), &options, &NoProgress);
    let b = run_checks(&project, &there, &Selection::default(), &options, &NoProgress);
    let verdicts = |l: &hallmark_checks::Checklist| {
        l.products
            .iter()
            .flat_map(|p| {
                p.results
                    .iter()
                    .map(|r| (r.standard_id.clone(), r.check.clone(), r.status, r.figure.clone()))
            })
            .collect::<Vec<_>>()
    };
    assert!(!verdicts(&a).is_empty());
    assert_eq!(verdicts(&a), verdicts(&b));
    assert!(there.queries().iter().any(|q| q.kind == QueryKind::Scan));
    // The screen holds in the worker: the child never sees a refused statement.
    let refused = there
        .query_untrusted(QueryKind::Agent, "SELECT current_setting('temp_directory') AS x")
        .unwrap_err()
        .to_string();
    assert!(refused.contains("current_setting"), "{refused}");
}

#[test]
fn a_statement_that_ignores_interruption_is_stopped_by_killing_the_child() {
    let limits = Limits {
        timeout: Duration::from_secs(1),
        ..Limits::default()
    };
    let grace = Duration::from_secs(1);
    // The control: in process, the statement runs on past its limit.
    let here = DuckDbWarehouse::in_memory(limits).unwrap();
    let started = Instant::now();
    let _ = here.query(QueryKind::Custom, UNINTERRUPTIBLE);
    let in_process = started.elapsed();
    assert!(
        in_process > limits.timeout + grace + Duration::from_secs(2),
        "the control ended in {in_process:?}, within the bound: it proves nothing"
    );

    let there = isolated(limits, grace);
    let started = Instant::now();
    let outcome = there.query(QueryKind::Custom, UNINTERRUPTIBLE);
    let elapsed = started.elapsed();
    assert!(matches!(outcome, Err(WarehouseError::Timeout(_))), "{outcome:?}");
    assert!(
        elapsed < in_process && elapsed < limits.timeout + grace + Duration::from_secs(5),
        "stopped after {elapsed:?} (in process: {in_process:?})"
    );
    let later = there.query(QueryKind::Custom, "SELECT 1 AS x").unwrap_err().to_string();
    assert!(
        later.contains("the warehouse was stopped") && later.contains("1 s time limit"),
        "{later}"
    );
}
