//! The rules drafter on the retail example: profile real bronze in DuckDB, draft a
//! silver product, build and check it against the example's standards.

use hallmark::agent::profile::profile;
use hallmark::agent::rules::draft_silver;
use hallmark_checks::runner::{run_checks, NoProgress, RunOptions, Selection};
use hallmark_checks::spec::SourceSpec;
use hallmark_checks::warehouse::duckdb::DuckDbWarehouse;
use hallmark_checks::warehouse::{Limits, SourceLocation, Warehouse};
use hallmark_checks::{Project, Status};
use std::path::Path;

fn example() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/retail");
    std::fs::create_dir_all(dir.path().join("bronze")).unwrap();
    for rel in ["data_standards.md", "bronze/orders.csv", "bronze/customers.csv"] {
        std::fs::copy(src.join(rel), dir.path().join(rel)).unwrap();
    }
    dir
}

fn draft(dir: &Path, product: &str) -> Vec<(String, String, Status, String)> {
    let standards = Project::load(dir).unwrap().standards;
    let wh = DuckDbWarehouse::in_memory(Limits::default()).unwrap();
    let file = format!("bronze/{product}.csv");
    let source_name = format!("bronze.{product}");
    wh.bind_source(&source_name, &SourceLocation::File(dir.join(&file)))
        .unwrap();
    let p = profile(&wh, &source_name).unwrap();
    let source = SourceSpec {
        name: source_name,
        file: Some(file),
        table: None,
        key: Vec::new(),
    };
    let d = draft_silver(
        product,
        source,
        &p,
        &standards,
        "retail-data@example.com",
        "Drafted by the test.",
    );
    let out = dir.join("products").join(product);
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("silver.yml"), serde_norway::to_string(&d.spec).unwrap()).unwrap();
    std::fs::write(out.join("silver.sql"), &d.sql).unwrap();
    eprintln!(
        "{}\n{}\n{}",
        serde_norway::to_string(&d.spec).unwrap(),
        d.sql,
        d.notes.join("\n")
    );
    let project = Project::load(dir).unwrap_or_else(|e| panic!("{e}"));
    let wh = DuckDbWarehouse::in_memory(Limits::default()).unwrap();
    let list = run_checks(
        &project,
        &wh,
        &Selection::default(),
        &RunOptions::default(),
        &NoProgress,
    );
    let report = list
        .products
        .iter()
        .find(|r| r.product == format!("silver.{product}"))
        .unwrap();
    assert_eq!(report.error, None);
    report
        .results
        .iter()
        .map(|r| (r.standard_id.clone(), r.check.clone(), r.status, r.figure.clone()))
        .collect()
}

fn assert_all_machine_checkable_pass(product: &str) {
    let dir = example();
    let results = draft(dir.path(), product);
    for r in &results {
        eprintln!("{r:?}");
    }
    assert!(
        results.iter().filter(|r| r.2 == Status::Pass).count() >= 10,
        "{results:#?}"
    );
    let failing: Vec<_> = results
        .iter()
        .filter(|r| matches!(r.2, Status::Fail | Status::Error | Status::Warn))
        .collect();
    assert!(failing.is_empty(), "{failing:#?}");
}

#[test]
fn silver_orders_pass_every_machine_checkable_standard() {
    assert_all_machine_checkable_pass("orders");
}
