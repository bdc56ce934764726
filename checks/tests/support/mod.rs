//! A throw-away repository on disk for engine tests: standards, one product spec, its
//! SQL and a bronze CSV, loaded through the same path `hallmark check` uses.
#![allow(dead_code)]

use chrono::{TimeZone, Utc};
use hallmark_checks::result::ProductReport;
use hallmark_checks::runner::{run_checks, NoProgress, RunOptions, Selection};
use hallmark_checks::warehouse::duckdb::{DuckDbWarehouse, Limits};
use hallmark_checks::{CheckResult, Checklist, Project};
use std::path::Path;

/// The fixed "now" of every engine test.
pub fn reference_time() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()
}

/// A repository being written.
pub struct Repo {
    pub dir: tempfile::TempDir,
}

impl Repo {
    /// An empty repository with a tiny bronze CSV.
    pub fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo { dir };
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

    /// Builds and checks every product on a fresh in-memory DuckDB.
    pub fn check(&self) -> (Checklist, DuckDbWarehouse) {
        let project = self.load();
        let wh = DuckDbWarehouse::in_memory(Limits::default()).unwrap();
        let options = RunOptions {
            reference_time: reference_time(),
            sample_limit: 5,
        };
        let list = run_checks(&project, &wh, &Selection::default(), &options, &NoProgress);
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

/// Four rows that meet every check of the catalogue tests.
pub const GOOD: &str = "SELECT * FROM (VALUES
  (1::INTEGER, 'ann@example.com'::VARCHAR, 'US'::VARCHAR, 10.50::DECIMAL(18,2), TIMESTAMP '2024-05-01 10:00:00', 'shipped'::VARCHAR),
  (2, 'bob@example.com', 'DE', 0.00, TIMESTAMP '2024-06-01 10:00:00', 'pending'),
  (3, 'cy@example.com', 'FR', 99.99, TIMESTAMP '2024-12-31 23:00:00', 'delivered'),
  (4, 'di@example.com', 'US', 5.00, TIMESTAMP '2024-02-01 00:00:00', 'shipped')
) AS t(id, email, country, amount, ordered_at, status)";

/// Six rows with a null key, a duplicate row, a future timestamp, a negative amount...
pub const BAD: &str = "SELECT * FROM (VALUES
  (1::INTEGER, 'ann@example.com'::VARCHAR, 'US'::VARCHAR, 10.50::DECIMAL(18,2), TIMESTAMP '2024-05-01 10:00:00', 'shipped'::VARCHAR),
  (2, 'Bob@Example.com', 'United States', -5.00, TIMESTAMP '2030-01-01 00:00:00', 'lost'),
  (2, 'Bob@Example.com', 'United States', -5.00, TIMESTAMP '2030-01-01 00:00:00', 'lost'),
  (3, NULL, 'DE', 99.99, TIMESTAMP '2024-12-31 23:00:00', 'pending'),
  (NULL, 'x@example.com', 'FR', 20.00, TIMESTAMP '2024-07-01 00:00:00', 'delivered'),
  (6, 'eve@example.com', 'ES', 1000.00, NULL, 'shipped')
) AS t(id, email, country, amount, ordered_at, status)";
