//! Checks in place (`deployed`): the checks read a product where it is deployed and
//! build nothing — on DuckDB (a deployed table in the attached database file) and on
//! ClickHouse (a deployed MergeTree table in a database of its own).

mod support;

use hallmark_checks::deployed::Deployed;
use hallmark_checks::runner::{run_checks, NoProgress, RunOptions, Selection};
use hallmark_checks::warehouse::clickhouse::ClickHouseWarehouse;
use hallmark_checks::warehouse::duckdb::DuckDbWarehouse;
use hallmark_checks::warehouse::{Limits, QueryKind, Warehouse};
use hallmark_checks::Status;
use support::{clickhouse_admin, clickhouse_connection, reference_time, unique, Backend, Repo};

const STANDARD: &str = "columns: { name: amount }\ncheck: { range: { min: 0 } }";

/// A repository whose product SQL would build a clean product: only the deployed
/// rows (one negative amount) can make the check fail.
fn repo(backend: Backend) -> Repo {
    let repo = Repo::on(backend);
    repo.standard(STANDARD).product(
        "  - { name: id, type: integer, description: Row id }\n  - { name: amount, type: 'decimal(18,2)', description: Total }\n",
        &["id"],
        &format!("SELECT {} AS id, CAST(1 AS DECIMAL(18,2)) AS amount FROM bronze.src WHERE Id IS NOT NULL AND Id <> '2'", backend.cast_int("Id")),
    );
    repo
}

/// The deployed table and a warehouse that can read it; the template that names it.
fn deployed(backend: Backend, dir: &std::path::Path) -> (Box<dyn Warehouse>, String) {
    let rows = "(1, 5.00), (2, -3.00), (3, 7.50)";
    match backend {
        Backend::DuckDb => {
            let file = dir.join("prod.duckdb");
            let conn = ::duckdb::Connection::open(&file).unwrap();
            conn.execute_batch(&format!(
                "CREATE SCHEMA prod_silver; CREATE TABLE prod_silver.t (id INTEGER, amount DECIMAL(18,2)); INSERT INTO prod_silver.t VALUES {rows};"
            ))
            .unwrap();
            drop(conn);
            let wh = DuckDbWarehouse::with_database(&file, Limits::default()).unwrap();
            (Box::new(wh), "prod_{level}.{name}".into())
        }
        Backend::ClickHouse => {
            let db = unique("hallmark_deployed");
            clickhouse_admin(&format!("CREATE DATABASE {db}"));
            clickhouse_admin(&format!(
                "CREATE TABLE {db}.t (id Int32, amount Decimal(18, 2)) ENGINE = MergeTree ORDER BY id"
            ));
            clickhouse_admin(&format!("INSERT INTO {db}.t VALUES {rows}"));
            let wh = ClickHouseWarehouse::connect(
                &clickhouse_connection(),
                &unique("hallmark_sandbox_test"),
                Limits::default(),
            )
            .unwrap();
            (Box::new(wh), db)
        }
    }
}

fn deployed_rows_are_checked_in_place_and_nothing_is_built(backend: Backend) {
    let repo = repo(backend);
    let project = repo.load();
    let (wh, template) = deployed(backend, repo.path());
    let at = Deployed::parse(&template).unwrap();
    let options = RunOptions {
        reference_time: reference_time(),
        deployed: Some(at.clone()),
        ..RunOptions::default()
    };
    let list = run_checks(&project, wh.as_ref(), &Selection::default(), &options, &NoProgress);
    let report = &list.products[0];
    assert_eq!(report.error, None);
    let expected = at.relation(&project.products[0].spec);
    assert_eq!(report.deployed.as_deref(), Some(expected.as_str()));
    assert_eq!(report.rows, Some(3), "the deployed rows, not the SQL's");
    let range = report.results.iter().find(|r| r.standard_id == "T-001").unwrap();
    assert_eq!((range.status, range.failing), (Status::Fail, Some(1)), "{range:?}");
    let samples = range.samples.as_ref().expect("the failing row");
    assert!(samples.rows[0].iter().flatten().any(|c| c == "-3.00"), "{samples:?}");
    let built: Vec<_> = wh
        .queries()
        .into_iter()
        .filter(|q| matches!(q.kind, QueryKind::Materialize | QueryKind::Preflight))
        .collect();
    assert!(built.is_empty(), "nothing is built in place: {built:?}");
    assert!(
        render_markdown(&list).contains(&format!("checked in place at `{expected}`")),
        "the header says where"
    );

    // The same repository built from its SQL passes: the failure was the deployed data's.
    let fresh = backend.open();
    let built = run_checks(
        &project,
        fresh.as_ref(),
        &Selection::default(),
        &RunOptions {
            reference_time: reference_time(),
            ..RunOptions::default()
        },
        &NoProgress,
    );
    let range = built.products[0]
        .results
        .iter()
        .find(|r| r.standard_id == "T-001")
        .unwrap();
    assert_eq!(range.status, Status::Pass, "{range:?}");
    assert_eq!(built.products[0].deployed, None);
}

fn a_missing_deployed_relation_is_named_once(backend: Backend) {
    let repo = repo(backend);
    let project = repo.load();
    let (wh, _) = deployed(backend, repo.path());
    let options = RunOptions {
        reference_time: reference_time(),
        deployed: Some(Deployed::parse("nowhere_{level}.{name}").unwrap()),
        ..RunOptions::default()
    };
    let list = run_checks(&project, wh.as_ref(), &Selection::default(), &options, &NoProgress);
    let error = list.products[0].error.clone().expect("nothing to read");
    assert!(
        error.contains("the deployed relation `nowhere_silver.t` cannot be read"),
        "{error}"
    );
    assert!(list.products[0]
        .results
        .iter()
        .filter(|r| r.status == Status::Error)
        .all(|r| r.reason.is_none()));
}

fn render_markdown(list: &hallmark_checks::Checklist) -> String {
    hallmark_checks::render::render(list, hallmark_checks::render::Format::Markdown)
}

on_every_backend!(
    deployed_rows_are_checked_in_place_and_nothing_is_built,
    a_missing_deployed_relation_is_named_once
);
