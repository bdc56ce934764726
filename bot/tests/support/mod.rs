//! Helpers the promotion tests share.

use hallmark::agent::context::PromotionRequest;
use hallmark::agent::job::{promote, JobError, JobOptions, NoEvents, Promotion};
use hallmark::agent::rules::RulesDrafter;
use hallmark::git::{checkout_branch, commit_promotion};
use hallmark_checks::runner::{run_checks, NoProgress, RunOptions, Selection};
use hallmark_checks::warehouse::duckdb::DuckDbWarehouse;
use hallmark_checks::warehouse::Limits;
use hallmark_checks::{Checklist, Project, Status};
use std::collections::BTreeMap;
use std::path::Path;

/// Status per standard id: the worst of its checks.
pub fn statuses(p: &Promotion) -> BTreeMap<String, Status> {
    let mut out: BTreeMap<String, Status> = BTreeMap::new();
    for r in &p.checklist.as_ref().expect("the last draft was checked").products[0].results {
        let e = out.entry(r.standard_id.clone()).or_insert(r.status);
        if r.status != Status::Pass && r.status != Status::NotApplicable {
            *e = r.status;
        }
    }
    out
}

/// Commits the promotion, checks its branch out, and runs `hallmark check` on it as a
/// user would: load, build and check every product from the files on disk.
pub fn commit_checkout_and_check(root: &Path, p: &Promotion) -> (Checklist, DuckDbWarehouse) {
    commit_promotion(root, p).unwrap();
    checkout_branch(root, &p.target.branch()).unwrap();
    let project = Project::load(root).unwrap_or_else(|e| panic!("{e}"));
    let wh = DuckDbWarehouse::in_memory(Limits::default()).unwrap();
    let list = run_checks(
        &project,
        &wh,
        &Selection::default(),
        &RunOptions::default(),
        &NoProgress,
    );
    (list, wh)
}

/// Promotes `request` in the repository at `root` with the rules drafter, on a fresh
/// in-memory DuckDB.
pub fn promote_with_rules(root: &Path, request: &PromotionRequest) -> Result<Promotion, JobError> {
    let project = Project::load(root).unwrap_or_else(|e| panic!("{e}"));
    let wh = DuckDbWarehouse::in_memory(Limits::default()).unwrap();
    promote(
        &project,
        &wh,
        request,
        &mut RulesDrafter::default(),
        &JobOptions::default(),
        &NoEvents,
    )
}

/// Writes `csv` as `bronze/<name>.csv` and `standards` as `data_standards.md` under
/// `root`, and promotes that file to silver with the rules drafter for `owner`.
pub fn promote_bronze_csv(root: &Path, name: &str, csv: &str, standards: &str, owner: &str) -> Promotion {
    std::fs::create_dir_all(root.join("bronze")).unwrap();
    std::fs::write(root.join(format!("bronze/{name}.csv")), csv).unwrap();
    std::fs::write(root.join("data_standards.md"), standards).unwrap();
    let request = PromotionRequest {
        source: format!("bronze/{name}.csv"),
        level: hallmark_checks::Level::Silver,
        product: None,
        text: String::new(),
        owner: Some(owner.into()),
    };
    promote_with_rules(root, &request).unwrap_or_else(|e| panic!("{e}"))
}

/// A DuckDB connection of the test's own (no Hallmark code between): `bronze/<name>.csv`
/// under `root` as the view `bronze.<name>`, and the drafted `sql` built as the table
/// `product`.
pub fn build_drafted(root: &Path, name: &str, sql: &str) -> duckdb::Connection {
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let path = root
        .join(format!("bronze/{name}.csv"))
        .to_string_lossy()
        .replace('\'', "''");
    conn.execute_batch(&format!(
        "CREATE SCHEMA bronze; CREATE VIEW bronze.{name} AS SELECT * FROM read_csv('{path}', header = true, all_varchar = true); CREATE TABLE product AS {sql}"
    ))
    .unwrap();
    conn
}
