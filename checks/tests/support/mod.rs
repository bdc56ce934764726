//! A throw-away repository on disk for engine tests: standards, one product spec, its
//! SQL and a bronze CSV, loaded through the same path `hallmark check` uses and
//! checked on either backend.
//!
//! The ClickHouse backend needs a server (`scripts/clickhouse-server.sh` starts one).
//! Without one, its tests are skipped with a printed reason, except under `CI=true`,
//! where they fail: CI must prove both backends.
#![allow(dead_code)]

use chrono::{TimeZone, Utc};
use hallmark_checks::dialect::{ClickHouseDialect, Dialect, DuckDbDialect, ServerVersion};
use hallmark_checks::result::ProductReport;
use hallmark_checks::runner::{run_checks, NoProgress, RunOptions, Selection};
use hallmark_checks::warehouse::clickhouse::{ClickHouseWarehouse, Connection, Secret};
use hallmark_checks::warehouse::duckdb::DuckDbWarehouse;
use hallmark_checks::warehouse::{Limits, Warehouse};
use hallmark_checks::{CheckResult, Checklist, Project};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// The fixed "now" of every engine test.
pub fn reference_time() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()
}

/// A warehouse the suite runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    DuckDb,
    ClickHouse,
}

/// The test server: `HALLMARK_TEST_CLICKHOUSE_URL` (default `http://127.0.0.1:8123`),
/// user `hallmark` building products and the read-only `hallmark_reader` reading them
/// (both made by the start script), password `HALLMARK_CLICKHOUSE_PASSWORD` (default
/// the script's `hallmark-dev`). The CLI tests cover the other read path: `hallmark`
/// reading with `readonly=1` sent along.
pub fn clickhouse_connection() -> Connection {
    Connection {
        url: std::env::var("HALLMARK_TEST_CLICKHOUSE_URL").unwrap_or_else(|_| "http://127.0.0.1:8123".into()),
        database: "default".into(),
        user: "hallmark".into(),
        password: Some(Secret::new(
            std::env::var("HALLMARK_CLICKHOUSE_PASSWORD").unwrap_or_else(|_| "hallmark-dev".into()),
        )),
        reader: Some("hallmark_reader".into()),
        reader_password: None,
    }
}

/// True when the test server answers `GET /ping`.
fn clickhouse_answers(url: &str) -> bool {
    let Some(host) = url.strip_prefix("http://").map(|h| h.trim_end_matches('/')) else {
        return false;
    };
    let Ok(addrs) = std::net::ToSocketAddrs::to_socket_addrs(host) else {
        return false;
    };
    addrs.into_iter().any(|addr| {
        let Ok(mut s) = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        let mut answer = String::new();
        s.write_all(format!("GET /ping HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes())
            .is_ok()
            && s.read_to_string(&mut answer).is_ok()
            && answer.contains("Ok.")
    })
}

/// Runs one statement on the test server as the admin user over plain HTTP, for
/// fixtures the warehouse itself must not be able to create (bronze tables), and
/// returns the answer's body.
pub fn clickhouse_admin(sql: &str) -> String {
    let conn = clickhouse_connection();
    let host = conn.url.trim_start_matches("http://").trim_end_matches('/').to_string();
    let mut s = std::net::TcpStream::connect(&host).expect("ClickHouse answers");
    let password = conn
        .password
        .as_ref()
        .map(|p| p.expose().to_string())
        .unwrap_or_default();
    let request = format!(
        "POST / HTTP/1.0\r\nHost: {host}\r\nX-ClickHouse-User: {}\r\nX-ClickHouse-Key: {password}\r\nContent-Length: {}\r\n\r\n{sql}",
        conn.user,
        sql.len()
    );
    s.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    assert!(
        head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"),
        "{sql}\n{answer}"
    );
    body.to_string()
}

/// A unique name for test-owned databases and tables.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

impl Backend {
    /// ClickHouse when its server answers. Without one it is `None` (the caller
    /// skips) on a laptop, and a failure under `CI=true`.
    pub fn clickhouse() -> Option<Backend> {
        static UP: OnceLock<bool> = OnceLock::new();
        let url = clickhouse_connection().url;
        if *UP.get_or_init(|| clickhouse_answers(&url)) {
            return Some(Backend::ClickHouse);
        }
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but no ClickHouse server answers at {url}; .ci/run starts one with scripts/clickhouse-server.sh");
        }
        eprintln!("skipped: no ClickHouse server answers at {url} (start one with scripts/clickhouse-server.sh)");
        None
    }

    /// A fresh warehouse: in-memory DuckDB, or a new sandbox database on ClickHouse.
    pub fn open(self) -> Box<dyn Warehouse> {
        match self {
            Backend::DuckDb => Box::new(DuckDbWarehouse::in_memory(Limits::default()).unwrap()),
            Backend::ClickHouse => Box::new(
                ClickHouseWarehouse::connect(
                    &clickhouse_connection(),
                    &unique("hallmark_sandbox_test"),
                    Limits::default(),
                )
                .unwrap(),
            ),
        }
    }

    /// A fresh warehouse whose lexer screen is off, so only the engine's own walls
    /// stand between the SQL and the host.
    pub fn open_engine_only(self) -> Box<dyn Warehouse> {
        match self {
            Backend::DuckDb => Box::new(DuckDbWarehouse::in_memory(Limits::default()).unwrap().without_lexer()),
            Backend::ClickHouse => Box::new(
                ClickHouseWarehouse::connect(
                    &clickhouse_connection(),
                    &unique("hallmark_sandbox_test"),
                    Limits::default(),
                )
                .unwrap()
                .without_lexer(),
            ),
        }
    }

    /// The backend's spelling, without opening a warehouse.
    pub fn dialect(self) -> Box<dyn Dialect> {
        match self {
            Backend::DuckDb => Box::new(DuckDbDialect),
            Backend::ClickHouse => Box::new(ClickHouseDialect::new(ServerVersion { major: 18, minor: 16 })),
        }
    }

    /// `expr` (text) without surrounding whitespace, in this backend's SQL (18.16 has
    /// no `trim`).
    pub fn trim(self, expr: &str) -> String {
        match self {
            Backend::DuckDb => format!("trim({expr})"),
            Backend::ClickHouse => format!("replaceRegexpAll({expr}, '^\\\\s+|\\\\s+$', '')"),
        }
    }

    /// `expr` (text) as a 32-bit integer, in this backend's SQL.
    pub fn cast_int(self, expr: &str) -> String {
        match self {
            Backend::DuckDb => format!("CAST({expr} AS INTEGER)"),
            Backend::ClickHouse => format!("toInt32({expr})"),
        }
    }
}

/// Generates the per-test suites: one module per backend, one test per case, each
/// calling the case function with its backend.
#[macro_export]
macro_rules! on_every_backend {
    ($($case:ident),* $(,)?) => {
        mod duckdb {
            $(
                #[test]
                fn $case() {
                    super::$case(super::support::Backend::DuckDb)
                }
            )*
        }
        mod clickhouse {
            $(
                #[test]
                fn $case() {
                    if let Some(b) = super::support::Backend::clickhouse() {
                        super::$case(b)
                    }
                }
            )*
        }
    };
}

/// A repository being written, for one backend.
pub struct Repo {
    pub dir: tempfile::TempDir,
    pub backend: Backend,
}

impl Repo {
    /// An empty repository with a tiny bronze CSV, checked on DuckDB.
    pub fn new() -> Repo {
        Repo::on(Backend::DuckDb)
    }

    /// The same, checked on `backend`.
    pub fn on(backend: Backend) -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo { dir, backend };
        repo.write("bronze/src.csv", "Id,Name\n1,a\n2,b\n2,b\n,c\n");
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) -> &Self {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
        self
    }

    /// One standard `T-001` with `rule` (YAML), applying to silver.
    pub fn standard(&self, rule: &str) -> &Self {
        self.write(
            "data_standards.md",
            &format!("# Test standards\n\n## T-001 The rule under test\nApplies to: silver\n\n```rule\n{rule}\n```\n"),
        )
    }

    /// The product `silver.t` with the given columns block (YAML list) and SQL.
    pub fn product(&self, columns_yaml: &str, primary_key: &[&str], sql: &str) -> &Self {
        let pk = primary_key.join(", ");
        self.write(
            "products/t/silver.yml",
            &format!(
                "name: t\nlevel: silver\nowner: team@example.com\nsources:\n  - name: bronze.src\n    file: bronze/src.csv\n    key: [Id]\nprimary_key: [{pk}]\ncolumns:\n{columns_yaml}"
            ),
        );
        self.write("products/t/silver.sql", sql)
    }

    pub fn load(&self) -> Project {
        Project::load(self.path()).unwrap_or_else(|e| panic!("fixture does not load:\n{e}"))
    }

    /// Builds and checks every product on a fresh warehouse of the repo's backend.
    pub fn check(&self) -> (Checklist, Box<dyn Warehouse>) {
        let project = self.load();
        let wh = self.backend.open();
        let options = RunOptions {
            reference_time: reference_time(),
            ..RunOptions::default()
        };
        let list = run_checks(&project, wh.as_ref(), &Selection::default(), &options, &NoProgress);
        (list, wh)
    }

    /// The results of standard T-001 on `silver.t`.
    pub fn results(&self) -> Vec<CheckResult> {
        let (list, _) = self.check();
        let report: &ProductReport = list
            .products
            .iter()
            .find(|p| p.product == "silver.t")
            .expect("silver.t was checked");
        assert!(report.error.is_none(), "build failed: {:?}", report.error);
        report
            .results
            .iter()
            .filter(|r| r.standard_id == "T-001")
            .cloned()
            .collect()
    }

    /// The single result of standard T-001.
    pub fn result(&self) -> CheckResult {
        let mut r = self.results();
        assert_eq!(r.len(), 1, "expected one result, got {r:#?}");
        r.remove(0)
    }
}

/// Sample rows as plain strings, `null` for SQL NULL.
pub fn sample_rows(r: &CheckResult) -> Vec<Vec<String>> {
    r.samples
        .as_ref()
        .map(|s| {
            s.rows
                .iter()
                .map(|row| row.iter().map(|v| v.clone().unwrap_or_else(|| "null".into())).collect())
                .collect()
        })
        .unwrap_or_default()
}

/// Six typed columns, tagged for the standards under test.
pub const COLUMNS: &str = "  - { name: id, type: integer, description: Row id }
  - { name: email, type: varchar, description: Contact, tags: [email] }
  - { name: country, type: varchar, description: ISO code, tags: [country] }
  - { name: amount, type: 'decimal(18,2)', description: Total, tags: [currency] }
  - { name: ordered_at, type: timestamp, description: When, tags: [event_time] }
  - { name: status, type: varchar, description: State }
";

/// A column type of the literal fixtures.
#[derive(Debug, Clone, Copy)]
pub enum Type {
    Int,
    Text,
    Decimal,
    Timestamp,
}

impl Type {
    /// The type as the backend's catalogue names it.
    pub fn name(self, backend: Backend) -> &'static str {
        match (self, backend) {
            (Type::Int, Backend::DuckDb) => "INTEGER",
            (Type::Text, Backend::DuckDb) => "VARCHAR",
            (Type::Decimal, Backend::DuckDb) => "DECIMAL(18,2)",
            (Type::Timestamp, Backend::DuckDb) => "TIMESTAMP",
            (Type::Int, Backend::ClickHouse) => "Nullable(Int32)",
            (Type::Text, Backend::ClickHouse) => "Nullable(String)",
            (Type::Decimal, Backend::ClickHouse) => "Nullable(Decimal(18, 2))",
            (Type::Timestamp, Backend::ClickHouse) => "Nullable(DateTime('UTC'))",
        }
    }
}

/// Rows written once and spelled as a SELECT in either backend's SQL, so both
/// backends check exactly the same data. `None` is NULL; values are SQL text.
pub fn literal_table(backend: Backend, columns: &[(&str, Type)], rows: &[&[Option<&str>]]) -> String {
    let value = |v: &Option<&str>, t: Type| {
        let lit = match v {
            None => "NULL".to_string(),
            Some(text) => match t {
                Type::Int => text.to_string(),
                _ => format!("'{}'", text.replace('\'', "''")),
            },
        };
        format!("CAST({lit} AS {})", t.name(backend))
    };
    match backend {
        Backend::DuckDb => {
            let values = rows
                .iter()
                .map(|r| {
                    let cells: Vec<String> = r.iter().zip(columns).map(|(v, (_, t))| value(v, *t)).collect();
                    format!("({})", cells.join(", "))
                })
                .collect::<Vec<_>>()
                .join(",\n  ");
            let names = columns.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
            format!("SELECT * FROM (VALUES\n  {values}\n) AS t({names})")
        }
        Backend::ClickHouse => {
            let selects = rows
                .iter()
                .map(|r| {
                    let cells: Vec<String> = r
                        .iter()
                        .zip(columns)
                        .map(|(v, (n, t))| format!("{} AS {n}", value(v, *t)))
                        .collect();
                    format!("SELECT {}", cells.join(", "))
                })
                .collect::<Vec<_>>()
                .join("\n  UNION ALL ");
            format!("SELECT * FROM (\n  {selects}\n)")
        }
    }
}

const FIXTURE_COLUMNS: &[(&str, Type)] = &[
    ("id", Type::Int),
    ("email", Type::Text),
    ("country", Type::Text),
    ("amount", Type::Decimal),
    ("ordered_at", Type::Timestamp),
    ("status", Type::Text),
];

/// Four rows that meet every check of the catalogue tests.
pub fn good(backend: Backend) -> String {
    literal_table(
        backend,
        FIXTURE_COLUMNS,
        &[
            &[
                Some("1"),
                Some("ann@example.com"),
                Some("US"),
                Some("10.50"),
                Some("2024-05-01 10:00:00"),
                Some("shipped"),
            ],
            &[
                Some("2"),
                Some("bob@example.com"),
                Some("DE"),
                Some("0.00"),
                Some("2024-06-01 10:00:00"),
                Some("pending"),
            ],
            &[
                Some("3"),
                Some("cy@example.com"),
                Some("FR"),
                Some("99.99"),
                Some("2024-12-31 23:00:00"),
                Some("delivered"),
            ],
            &[
                Some("4"),
                Some("di@example.com"),
                Some("US"),
                Some("5.00"),
                Some("2024-02-01 00:00:00"),
                Some("shipped"),
            ],
        ],
    )
}

/// Six rows with a null key, a duplicate row, a future timestamp, a negative amount...
pub fn bad(backend: Backend) -> String {
    literal_table(
        backend,
        FIXTURE_COLUMNS,
        &[
            &[
                Some("1"),
                Some("ann@example.com"),
                Some("US"),
                Some("10.50"),
                Some("2024-05-01 10:00:00"),
                Some("shipped"),
            ],
            &[
                Some("2"),
                Some("Bob@Example.com"),
                Some("United States"),
                Some("-5.00"),
                Some("2030-01-01 00:00:00"),
                Some("lost"),
            ],
            &[
                Some("2"),
                Some("Bob@Example.com"),
                Some("United States"),
                Some("-5.00"),
                Some("2030-01-01 00:00:00"),
                Some("lost"),
            ],
            &[
                Some("3"),
                None,
                Some("DE"),
                Some("99.99"),
                Some("2024-12-31 23:00:00"),
                Some("pending"),
            ],
            &[
                None,
                Some("x@example.com"),
                Some("FR"),
                Some("20.00"),
                Some("2024-07-01 00:00:00"),
                Some("delivered"),
            ],
            &[
                Some("6"),
                Some("eve@example.com"),
                Some("ES"),
                Some("1000.00"),
                None,
                Some("shipped"),
            ],
        ],
    )
}
