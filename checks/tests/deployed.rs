//! Checks in place (`deployed`): the checks read a product where it is deployed and
//! build nothing — on DuckDB (a deployed table in the attached database file) and on
//! ClickHouse (a deployed MergeTree table in a database of its own). And when
//! ClickHouse does build, what it builds is on disk.

mod support;

use hallmark_checks::deployed::Deployed;
use hallmark_checks::runner::{run_checks, NoProgress, RunOptions, Selection};
use hallmark_checks::warehouse::clickhouse::ClickHouseWarehouse;
use hallmark_checks::warehouse::duckdb::DuckDbWarehouse;
use hallmark_checks::warehouse::{BuildForm, Limits, QueryKind, Warehouse};
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

/// A test's own ClickHouse database, dropped with it.
struct OwnDatabase(Option<String>);

impl Drop for OwnDatabase {
    fn drop(&mut self) {
        if let Some(db) = &self.0 {
            clickhouse_admin(&format!("DROP DATABASE IF EXISTS {db}"));
        }
    }
}

/// The deployed table and a warehouse that can read it; the template that names it;
/// the database it lives in, dropped when the test ends.
fn deployed(backend: Backend, dir: &std::path::Path) -> (Box<dyn Warehouse>, String, OwnDatabase) {
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
            (Box::new(wh), "prod_{level}.{name}".into(), OwnDatabase(None))
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
            (Box::new(wh), db.clone(), OwnDatabase(Some(db)))
        }
    }
}

fn deployed_rows_are_checked_in_place_and_nothing_is_built(backend: Backend) {
    let repo = repo(backend);
    let project = repo.load();
    let (wh, template, _db) = deployed(backend, repo.path());
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
    let (wh, _, _db) = deployed(backend, repo.path());
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

/// On ClickHouse a loaded CSV source and a product built as a table live on disk
/// (MergeTree), so neither has to fit in the server's memory; a product read once is
/// a view, which holds no rows at all.
#[test]
fn clickhouse_scratch_tables_are_merge_tree() {
    let Some(backend) = Backend::clickhouse() else {
        return;
    };
    let repo = repo(backend);
    let project = repo.load();
    let wh = ClickHouseWarehouse::connect(
        &clickhouse_connection(),
        &unique("hallmark_sandbox_test"),
        Limits::default(),
    )
    .unwrap();
    let list = run_checks(
        &project,
        &wh,
        &Selection::default(),
        &RunOptions::default(),
        &NoProgress,
    );
    assert_eq!(list.products[0].error, None);
    assert_eq!(
        list.products[0].built_as.as_ref().map(|b| b.form),
        Some(BuildForm::View)
    );
    wh.materialize("silver.t2", "SELECT Id FROM bronze.src", BuildForm::Table)
        .unwrap();
    let engines = clickhouse_admin(&format!(
        "SELECT name, engine FROM system.tables WHERE database = '{}' ORDER BY name FORMAT TabSeparated",
        wh.sandbox()
    ));
    assert_eq!(
        engines,
        "bronze__src\tMergeTree\nsilver__t\tView\nsilver__t2\tMergeTree\n"
    );
}

/// ClickHouse's spillable distinct counts (by grouping) equal its in-memory ones
/// (`uniqExact`) on keys with nulls and repeats: with nulls skipped for `unique` and
/// primary keys, and kept for duplicate rows.
#[test]
fn clickhouse_distinct_counts_by_grouping_equal_the_in_memory_ones() {
    let Some(backend) = Backend::clickhouse() else {
        return;
    };
    let wh = backend.open();
    wh.materialize(
        "silver.keys",
        "SELECT if(number % 7 = 0, NULL, toNullable(number % 13)) AS a, \
                if(number % 5 = 0, NULL, toNullable(toString(number % 3))) AS b \
         FROM (SELECT number FROM system.numbers LIMIT 5000)",
        BuildForm::Table,
    )
    .unwrap();
    let d = wh.dialect();
    let rel = d.quote_relation("silver.keys");
    let keys = vec![d.quote_ident("a"), d.quote_ident("b")];
    let one = vec![d.quote_ident("a")];
    let sql = format!(
        "SELECT {}, {}, {}, {}, {}, {} FROM {rel}",
        d.count_distinct(&one),
        d.count_distinct_spilling(&rel, &one, false).unwrap(),
        d.count_distinct(&keys),
        d.count_distinct_spilling(&rel, &keys, false).unwrap(),
        d.count_distinct_rows(&keys),
        d.count_distinct_spilling(&rel, &keys, true).unwrap(),
    );
    let row = wh.query(QueryKind::Scan, &sql).unwrap().rows.remove(0);
    let n: Vec<u64> = row
        .iter()
        .map(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())).unwrap())
        .collect();
    assert_eq!((n[0], n[2], n[4]), (n[1], n[3], n[5]), "{n:?}");
    assert_eq!(n[0], 13, "a's distinct values without its nulls");
    assert!(n[4] > n[2], "tuples with nulls count as rows: {n:?}");
}

/// A ClickHouse warehouse whose server runs out of memory on any in-memory distinct
/// set (`uniqExact`), as a 50,000,000-row key does under a 1 GB cap.
struct ShortOfMemory(Box<dyn Warehouse>);

impl Warehouse for ShortOfMemory {
    fn dialect(&self) -> &dyn hallmark_checks::dialect::Dialect {
        self.0.dialect()
    }
    fn bind_source(
        &self,
        name: &str,
        location: &hallmark_checks::warehouse::SourceLocation,
    ) -> Result<(), hallmark_checks::warehouse::WarehouseError> {
        self.0.bind_source(name, location)
    }
    fn materialize(
        &self,
        relation: &str,
        sql: &str,
        form: BuildForm,
    ) -> Result<(), hallmark_checks::warehouse::WarehouseError> {
        self.0.materialize(relation, sql, form)
    }
    fn describe(
        &self,
        relation: &str,
    ) -> Result<Vec<hallmark_checks::warehouse::ColumnInfo>, hallmark_checks::warehouse::WarehouseError> {
        self.0.describe(relation)
    }
    fn query(
        &self,
        kind: QueryKind,
        sql: &str,
    ) -> Result<hallmark_checks::warehouse::Rows, hallmark_checks::warehouse::WarehouseError> {
        if kind == QueryKind::Scan && sql.contains("uniqExact(") {
            return Err(hallmark_checks::warehouse::WarehouseError::Sql {
                message:
                    "Memory limit (for query) exceeded: would use 1.01 GiB, maximum: 953.67 MiB (ClickHouse error 241)"
                        .into(),
            });
        }
        self.0.query(kind, sql)
    }
    fn screen(&self, sql: &str) -> Result<String, hallmark_checks::sandbox::SandboxError> {
        self.0.screen(sql)
    }
    fn query_untrusted(
        &self,
        kind: QueryKind,
        sql: &str,
    ) -> Result<hallmark_checks::warehouse::Rows, hallmark_checks::warehouse::WarehouseError> {
        self.0.query_untrusted(kind, sql)
    }
    fn queries(&self) -> Vec<hallmark_checks::warehouse::QueryRecord> {
        self.0.queries()
    }
}

/// When the scan runs out of memory, the distinct counts are counted again by
/// grouping and every check is still measured, with the same verdicts as in memory.
#[test]
fn a_scan_short_of_memory_counts_distinct_values_by_grouping() {
    let Some(backend) = Backend::clickhouse() else {
        return;
    };
    let repo = Repo::on(backend);
    repo.write(
        "data_standards.md",
        "## T-001 Keys\nApplies to: silver\n```rule\ncheck: primary_key\n```\n\
         ## T-002 Unique amounts\nApplies to: silver\n```rule\ncolumns: { name: amount }\ncheck: unique\n```\n\
         ## T-003 No duplicate rows\nApplies to: silver\n```rule\ncheck: duplicate_rows\n```\n\
         ## T-004 Varied\nApplies to: silver\n```rule\ncolumns: { name: id }\ncheck: { distinct_count: { min: 3 } }\n```\n",
    )
    .product(
        "  - { name: id, type: integer, description: Row id }\n  - { name: amount, type: 'decimal(18,2)', description: Total }\n",
        &["id"],
        "SELECT toInt32(number % 4) AS id, CAST(number % 3 AS Decimal(18, 2)) AS amount FROM (SELECT number FROM system.numbers LIMIT 6)",
    );
    let project = repo.load();
    let in_memory = run_checks(
        &project,
        backend.open().as_ref(),
        &Selection::default(),
        &RunOptions::default(),
        &NoProgress,
    );
    let short = ShortOfMemory(backend.open());
    let grouped = run_checks(
        &project,
        &short,
        &Selection::default(),
        &RunOptions::default(),
        &NoProgress,
    );
    let verdicts = |l: &hallmark_checks::Checklist| -> Vec<(String, Status, String)> {
        l.products[0]
            .results
            .iter()
            .map(|r| (r.standard_id.clone(), r.status, r.figure.clone()))
            .collect()
    };
    assert_eq!(verdicts(&grouped), verdicts(&in_memory));
    assert!(
        grouped.products[0].results.iter().all(|r| r.status != Status::Error),
        "{:?}",
        verdicts(&grouped)
    );
    assert!(
        verdicts(&grouped).iter().any(|(_, s, _)| *s == Status::Fail),
        "the fixture has duplicates to find: {:?}",
        verdicts(&grouped)
    );
    let grouping = short
        .queries()
        .iter()
        .filter(|q| q.kind == QueryKind::Scan && q.sql.contains("GROUP BY"))
        .count();
    assert!(grouping >= 4, "{grouping} grouping queries");
}
