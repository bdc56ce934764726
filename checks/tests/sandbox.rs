//! The sandbox holds on both backends: product SQL that tries to drop or write the
//! bronze table, runs two statements, or reads a file outside the declared sources
//! is refused with a reason that names the problem, and the bronze table is unchanged.
//! Reads go through a read-only path, so even a write that got past the guard fails.

mod support;

use hallmark_checks::runner::{run_checks, NoProgress, RunOptions, Selection};
use hallmark_checks::warehouse::duckdb::DuckDbWarehouse;
use hallmark_checks::warehouse::{Limits, QueryKind, Warehouse};
use support::{clickhouse_admin, unique, Backend, Repo};

/// A bronze table of two rows that a product may only read: where it lives, how the
/// spec names it, and how to count it from outside the warehouse under test.
struct Bronze {
    backend: Backend,
    /// The `table:` of the spec's source.
    table: String,
    /// The DuckDB file, for DuckDB.
    file: Option<std::path::PathBuf>,
    /// Whether dropping this drops the table's ClickHouse database.
    owned: bool,
}

impl Bronze {
    fn create(b: Backend, repo: &Repo) -> Bronze {
        match b {
            Backend::DuckDb => {
                let file = repo.path().join("warehouse.duckdb");
                let conn = ::duckdb::Connection::open(&file).unwrap();
                conn.execute_batch(
                    "CREATE SCHEMA raw; CREATE TABLE raw.src AS SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS t(id, name);",
                )
                .unwrap();
                Bronze {
                    backend: b,
                    table: "raw.src".into(),
                    file: Some(file),
                    owned: true,
                }
            }
            Backend::ClickHouse => {
                let db = unique("hallmark_test_bronze");
                clickhouse_admin(&format!("CREATE DATABASE {db}"));
                clickhouse_admin(&format!(
                    "CREATE TABLE {db}.src (id Int32, name String) ENGINE = Memory"
                ));
                clickhouse_admin(&format!("INSERT INTO {db}.src VALUES (1, 'a'), (2, 'b')"));
                Bronze {
                    backend: b,
                    table: format!("{db}.src"),
                    file: None,
                    owned: true,
                }
            }
        }
    }

    fn open(&self) -> Box<dyn Warehouse> {
        match self.backend {
            Backend::DuckDb => {
                Box::new(DuckDbWarehouse::with_database(self.file.as_ref().unwrap(), Limits::default()).unwrap())
            }
            Backend::ClickHouse => self.backend.open(),
        }
    }

    /// The rows of the bronze table, counted by a connection of the test's own.
    fn rows(&self) -> Vec<String> {
        match self.backend {
            Backend::DuckDb => {
                let conn = ::duckdb::Connection::open(self.file.as_ref().unwrap()).unwrap();
                let mut stmt = conn
                    .prepare("SELECT id || ':' || name FROM raw.src ORDER BY id")
                    .unwrap();
                stmt.query_map([], |r| r.get::<_, String>(0))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect()
            }
            Backend::ClickHouse => clickhouse_admin(&format!(
                "SELECT concat(toString(id), ':', name) FROM {} ORDER BY id",
                self.table
            ))
            .lines()
            .map(str::to_string)
            .collect(),
        }
    }
}

impl Drop for Bronze {
    fn drop(&mut self) {
        if self.owned && self.backend == Backend::ClickHouse {
            let db = self.table.split('.').next().unwrap_or_default();
            clickhouse_admin(&format!("DROP DATABASE IF EXISTS {db}"));
        }
    }
}

/// Builds `silver.t` from `sql` over the bronze table; returns the build error, if any.
fn build(bronze: &Bronze, repo: &Repo, sql: &str) -> Option<String> {
    repo.write(
        "data_standards.md",
        "## T-001 Rows\nApplies to: silver\n```rule\ncheck: { row_count: { min: 1 } }\n```\n",
    );
    repo.write(
        "products/t/silver.yml",
        &format!(
            "name: t\nlevel: silver\nsources:\n  - name: bronze.src\n    table: {}\ncolumns: [{{ name: id, type: integer }}, {{ name: name, type: varchar }}]\n",
            bronze.table
        ),
    );
    repo.write("products/t/silver.sql", sql);
    let wh = bronze.open();
    let list = run_checks(
        &repo.load(),
        wh.as_ref(),
        &Selection::default(),
        &RunOptions::default(),
        &NoProgress,
    );
    list.products[0].error.clone()
}

fn attacks_on_bronze_are_refused_and_bronze_is_unchanged(b: Backend) {
    let repo = Repo::on(b);
    let bronze = Bronze::create(b, &repo);
    assert_eq!(bronze.rows(), ["1:a", "2:b"]);
    let file_reader = match b {
        Backend::DuckDb => "SELECT * FROM read_csv('/etc/passwd')",
        Backend::ClickHouse => "SELECT * FROM file('/etc/passwd', CSV, 'line String')",
    };
    let cases = [
        (
            "DROP TABLE bronze.src",
            "refused by the sandbox: only a SELECT is allowed, but the statement starts with `DROP`",
        ),
        (
            "INSERT INTO bronze.src SELECT * FROM bronze.src",
            "refused by the sandbox: only a SELECT is allowed, but the statement starts with `INSERT`",
        ),
        (
            "SELECT * FROM bronze.src; DROP TABLE bronze.src",
            "refused by the sandbox: only one statement is allowed, found a second one after `;` at byte 26",
        ),
        (
            "WITH doomed AS (SELECT 1) DELETE FROM bronze.src",
            "refused by the sandbox: `DELETE` is not allowed in a SELECT that Hallmark runs",
        ),
        (file_reader, "reads outside the declared sources"),
    ];
    for (sql, expected) in cases {
        let error = build(&bronze, &repo, sql).unwrap_or_else(|| panic!("`{sql}` was not refused"));
        assert!(error.contains(expected), "`{sql}`: {error}");
        assert!(error.contains("silver.sql"), "the error names the file: {error}");
    }
    assert_eq!(bronze.rows(), ["1:a", "2:b"], "bronze is unchanged");
    assert_eq!(
        build(&bronze, &repo, "SELECT id, name FROM bronze.src"),
        None,
        "reading is allowed"
    );
}

fn the_read_path_cannot_write_even_past_the_guard(b: Backend) {
    let repo = Repo::on(b);
    let bronze = Bronze::create(b, &repo);
    let wh = bronze.open();
    let physical = match b {
        Backend::DuckDb => format!("warehouse.{}", bronze.table),
        Backend::ClickHouse => bronze.table.clone(),
    };
    for sql in [
        format!("DROP TABLE {physical}"),
        format!("INSERT INTO {physical} SELECT * FROM {physical}"),
    ] {
        let err = wh.query(QueryKind::Custom, &sql).expect_err(&sql).to_string();
        assert!(
            err.to_lowercase().contains("read-only") || err.to_lowercase().contains("readonly"),
            "`{sql}` failed for the wrong reason: {err}"
        );
    }
    drop(wh);
    assert_eq!(bronze.rows(), ["1:a", "2:b"]);
}

fn a_missing_bronze_table_is_named(b: Backend) {
    let repo = Repo::on(b);
    let bronze = Bronze::create(b, &repo);
    let missing = Bronze {
        backend: b,
        table: format!("{}_missing", bronze.table),
        file: bronze.file.clone(),
        owned: false,
    };
    let error = build(&missing, &repo, "SELECT id, name FROM bronze.src").expect("a missing table fails the build");
    assert!(error.contains("source `bronze.src` is unusable"), "{error}");
    assert!(error.contains("src_missing"), "{error}");
}

on_every_backend!(
    attacks_on_bronze_are_refused_and_bronze_is_unchanged,
    the_read_path_cannot_write_even_past_the_guard,
    a_missing_bronze_table_is_named,
);
