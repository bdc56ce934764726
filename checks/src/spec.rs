//! Reads a product spec (`products/<name>/<level>.yml`) and the SQL beside it.
//!
//! The spec is kept close to what data teams already write: its column `checks` read
//! like dbt's `schema.yml` tests (`not_null`, `unique`, `accepted_values`,
//! `relationships`), and its fields (name, owner, description, columns with types,
//! descriptions and tags) are the ones an Open Data Contract Standard contract carries.

use crate::catalogue::{CheckKind, Scope};
use crate::error::{line_after, line_of, yaml_error_line, yaml_error_message, SourceError, SourceErrors};
use crate::level::Level;
use crate::standards::explain_yaml;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Where a source's rows come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// The name the product's SQL uses for it, e.g. `bronze.orders` or `silver.orders`.
    pub name: String,
    /// A CSV, Parquet or JSON file, relative to the repository root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// A table in the configured warehouse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// The source's business key, used to reconcile row counts after dedup.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key: Vec<String>,
    /// Per source column, the values it writes for "no value" beyond the universal
    /// markers (`-999` among temperatures, `1900-01-01` among hire dates): the product
    /// holds NULL for them, and the kept-values guard does not count them as lost (it
    /// says how many it left out). Written by whoever decided it, so a reviewer sees it.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub missing_values: std::collections::BTreeMap<String, Vec<String>>,
}

impl SourceSpec {
    /// True when the source is another product of the repository (no file, no table).
    pub fn is_product(&self) -> bool {
        self.file.is_none() && self.table.is_none()
    }
}

/// A column of the product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// The column name in the built table.
    pub name: String,
    /// The declared warehouse type (`varchar`, `decimal(18,2)`, `timestamp`...).
    #[serde(rename = "type")]
    pub type_name: String,
    /// What the column means, for people; the `documented` check looks for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Tags that standards select columns by (`pii`, `currency`, `event_time`...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Checks of the product's own on this column.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "serde_norway::with::singleton_map_recursive"
    )]
    pub checks: Vec<CheckKind>,
}

/// A product spec as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductSpec {
    /// The product's name, snake_case; it is built as `<level>.<name>`.
    pub name: String,
    /// The product's level.
    pub level: Level,
    /// What the product is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Who answers for it (a team or a person).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Where its rows come from.
    #[serde(default)]
    pub sources: Vec<SourceSpec>,
    /// The columns that identify a row.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub primary_key: Vec<String>,
    /// The columns, in order.
    pub columns: Vec<ColumnSpec>,
    /// Table-level checks of the product's own.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "serde_norway::with::singleton_map_recursive"
    )]
    pub checks: Vec<CheckKind>,
}

impl ProductSpec {
    /// The relation name the product is built as, e.g. `silver.orders`.
    pub fn relation(&self) -> String {
        format!("{}.{}", self.level, self.name)
    }

    /// The spec's column by name.
    pub fn column(&self, name: &str) -> Option<&ColumnSpec> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// A product spec together with its SQL and where both came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    /// The parsed spec.
    pub spec: ProductSpec,
    /// The SELECT that builds the product from its sources.
    pub sql: String,
    /// The spec file.
    pub spec_path: PathBuf,
    /// The SQL file.
    pub sql_path: PathBuf,
    /// Transforms written for one warehouse's SQL (`silver.clickhouse.sql`), by
    /// dialect name, used instead of `sql` on that warehouse.
    pub dialect_sql: Vec<DialectSql>,
    /// The SELECT of the rows the product holds back (`silver.quarantine.sql`), built
    /// as `<level>.<name>_quarantine`, when the product has one.
    pub quarantine: Option<QuarantineSql>,
}

/// The SELECT of a product's quarantined rows, and its file.
#[derive(Debug, Clone, PartialEq)]
pub struct QuarantineSql {
    /// The SELECT.
    pub sql: String,
    /// Its file.
    pub path: PathBuf,
}

/// The file next to a spec that holds its quarantine SELECT: `silver.yml` →
/// `silver.quarantine.sql`.
pub fn quarantine_path(spec_path: &Path) -> PathBuf {
    spec_path.with_extension("quarantine.sql")
}

/// A product transform in one warehouse's SQL dialect.
#[derive(Debug, Clone, PartialEq)]
pub struct DialectSql {
    /// The dialect's name (`clickhouse`).
    pub dialect: String,
    /// The SELECT.
    pub sql: String,
    /// Its file.
    pub path: PathBuf,
}

impl Product {
    /// The relation the quarantined rows are built as, `silver.orders_quarantine`.
    pub fn quarantine_relation(&self) -> String {
        format!("{}_quarantine", self.spec.relation())
    }

    /// The transform to run on a warehouse speaking `dialect`, and its file: the
    /// dialect's own (`silver.clickhouse.sql`) when there is one, else `silver.sql`.
    pub fn transform(&self, dialect: &str) -> (&str, &Path) {
        self.dialect_sql
            .iter()
            .find(|v| v.dialect == dialect)
            .map_or((self.sql.as_str(), self.sql_path.as_path()), |v| {
                (v.sql.as_str(), v.path.as_path())
            })
    }

    /// True when checking the product may run the kept-values count by key
    /// (`crate::guards`), which reads the product a second time: a silver product over
    /// one bronze source, keyed by one column. Whether it does is known only after its
    /// scan (a product column with a NULL), so a run that builds the product counts it
    /// as a probable read.
    pub fn may_count_kept_values_by_key(&self) -> bool {
        let spec = &self.spec;
        matches!(spec.sources.as_slice(), [s] if !s.is_product())
            && spec.level == crate::Level::Silver
            && spec.primary_key.len() == 1
    }

    /// True when the transform for `dialect` is `SELECT * FROM` its one source (case,
    /// spacing, a trailing `;` and `--` comments aside): a view of it reads the source
    /// itself, so reading the view again costs what reading a table of it would.
    pub fn is_its_source(&self, dialect: &str) -> bool {
        let [source] = self.spec.sources.as_slice() else {
            return false;
        };
        let (sql, _) = self.transform(dialect);
        let code: Vec<String> = sql
            .lines()
            .map(|l| l.split("--").next().unwrap_or_default().to_string())
            .collect();
        let words: Vec<String> = code
            .join(" ")
            .trim()
            .trim_end_matches(';')
            .split_whitespace()
            .map(str::to_ascii_lowercase)
            .collect();
        words == ["select", "*", "from", source.name.to_ascii_lowercase().as_str()]
    }
}

fn identifier_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^[a-z][a-z0-9_]*$").expect("static regex"))
}

fn relation_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$").expect("static regex"))
}

/// Parses a spec's YAML. `file` is used in messages; `expected_level` is the level the
/// file name implies (`silver.yml`, `gold_revenue.yml`), when there is one.
pub fn parse_spec(text: &str, file: &Path, expected_level: Option<Level>) -> Result<ProductSpec, SourceErrors> {
    let spec: ProductSpec = serde_norway::from_str(text).map_err(|e| {
        SourceErrors(vec![SourceError::new(
            file,
            yaml_error_line(&e, 1),
            explain_yaml(&yaml_error_message(&e)),
        )])
    })?;
    let mut errors = Vec::new();
    let at = |needle: &str| line_of(text, needle, 1);
    if !identifier_re().is_match(&spec.name) {
        errors.push(SourceError::new(
            file,
            at("name:"),
            format!(
                "product name `{}` must be snake_case: lowercase letters, digits and `_`, starting with a letter",
                spec.name
            ),
        ));
    }
    if let Some(level) = expected_level {
        if spec.level != level {
            errors.push(SourceError::new(
                file,
                at("level:"),
                format!("the file is a {level} spec but says `level: {}`", spec.level),
            ));
        }
    }
    if spec.level == Level::Bronze {
        errors.push(SourceError::new(
            file,
            at("level:"),
            "a product spec must be silver or gold; bronze is the source",
        ));
    }
    if spec.columns.is_empty() {
        errors.push(SourceError::new(file, at("columns:"), "the spec lists no columns"));
    }
    if spec.sources.is_empty() {
        errors.push(SourceError::new(
            file,
            1,
            "the spec lists no `sources:`; name at least the bronze source",
        ));
    }
    for s in &spec.sources {
        if !relation_re().is_match(&s.name) {
            errors.push(SourceError::new(
                file,
                at(&s.name),
                format!("source name `{}` must look like `bronze.orders`", s.name),
            ));
        }
        if s.file.is_some() && s.table.is_some() {
            errors.push(SourceError::new(
                file,
                at(&s.name),
                format!("source `{}` has both `file` and `table`; keep one", s.name),
            ));
        }
        if let Some(f) = &s.file {
            // A spec may come from a pull request or a model: it must not point the
            // warehouse at files outside the repository.
            let inside = !f.is_empty()
                && Path::new(f)
                    .components()
                    .all(|c| matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir));
            if !inside {
                errors.push(SourceError::new(
                    file,
                    at(f),
                    format!(
                        "source `{}` reads `{f}`, which is outside the repository; use a path inside it, without a leading `/` or `..`",
                        s.name
                    ),
                ));
            }
        }
        if s.is_product()
            && s.name
                .split('.')
                .next()
                .and_then(|l| l.parse::<Level>().ok())
                .is_none_or(|l| l == Level::Bronze)
        {
            errors.push(SourceError::new(
                file,
                at(&s.name),
                format!(
                    "source `{}` has no `file` or `table`; only another product (`silver.<name>`) may be named alone",
                    s.name
                ),
            ));
        }
    }
    let mut names = HashSet::new();
    let mut cursor = at("columns:");
    for c in &spec.columns {
        let line = line_after(text, &format!("name: {}", c.name), cursor);
        cursor = line + 1;
        if !names.insert(c.name.as_str()) {
            errors.push(SourceError::new(
                file,
                line,
                format!("column `{}` is listed twice", c.name),
            ));
        }
        for check in &c.checks {
            if check.scope() == Scope::Table {
                errors.push(SourceError::new(
                    file,
                    line_after(text, check.name(), line),
                    format!("check `{}` on column `{}` applies to the whole table; move it to the spec's top-level `checks:`", check.name(), c.name),
                ));
            }
            if let Err(e) = check.validate() {
                errors.push(SourceError::new(
                    file,
                    line_after(text, check.name(), line),
                    format!("column `{}`: {e}", c.name),
                ));
            }
        }
    }
    for k in &spec.primary_key {
        if !names.contains(k.as_str()) {
            errors.push(SourceError::new(
                file,
                at("primary_key"),
                format!("primary key column `{k}` is not among the columns"),
            ));
        }
    }
    for check in &spec.checks {
        if check.scope() == Scope::Column {
            errors.push(SourceError::new(
                file,
                at(check.name()),
                format!(
                    "check `{}` needs a column; put it under that column's `checks:`",
                    check.name()
                ),
            ));
        }
        if let Err(e) = check.validate() {
            errors.push(SourceError::new(file, at(check.name()), e));
        }
    }
    if errors.is_empty() {
        Ok(spec)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(SourceErrors(errors))
    }
}

/// The level a spec file's name implies: `silver.yml` → silver, `gold_*.yml` → gold,
/// `bronze.yml` → bronze (the recorded source profile, not a product).
pub fn level_from_file_name(path: &Path) -> Option<Level> {
    let stem = path.file_stem()?.to_str()?;
    Level::ALL
        .into_iter()
        .find(|l| stem == l.as_str() || stem.strip_prefix(l.as_str()).is_some_and(|rest| rest.starts_with('_')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_files_stay_inside_the_repository() {
        for bad in ["/etc/passwd", "../secrets.csv", "bronze/../../x.csv"] {
            let text = format!(
                "name: o\nlevel: silver\nsources:\n  - name: bronze.o\n    file: {bad}\ncolumns:\n  - {{ name: a, type: bigint }}\n"
            );
            let err = parse_spec(&text, Path::new("products/o/silver.yml"), Some(Level::Silver)).unwrap_err();
            let msg = err.to_string();
            assert!(
                msg.contains("outside the repository") && msg.contains(":5:"),
                "{bad}: {msg}"
            );
        }
    }

    #[test]
    fn a_transform_is_its_source_only_when_it_selects_all_of_it_as_it_is() {
        let text = "name: o\nlevel: silver\nsources:\n  - name: bronze.o\n    file: bronze/o.csv\ncolumns:\n  - { name: a, type: bigint }\n";
        let spec = parse_spec(text, Path::new("products/o/silver.yml"), Some(Level::Silver)).expect("a spec");
        let product = |sql: &str| Product {
            spec: spec.clone(),
            sql: sql.into(),
            spec_path: "products/o/silver.yml".into(),
            sql_path: "products/o/silver.sql".into(),
            dialect_sql: Vec::new(),
            quarantine: None,
        };
        for sql in ["SELECT * FROM bronze.o", "-- drafted\nselect *\n  from BRONZE.O;\n"] {
            assert!(product(sql).is_its_source("duckdb"), "{sql}");
        }
        for sql in [
            "SELECT * FROM bronze.o WHERE a > 0",
            "SELECT a FROM bronze.o",
            "SELECT DISTINCT * FROM bronze.o",
            "SELECT * FROM bronze.o -- all\nLIMIT 5",
            "SELECT * FROM bronze.o /* c */",
            "SELECT * FROM bronze.other",
        ] {
            assert!(!product(sql).is_its_source("duckdb"), "{sql}");
        }
    }

    #[test]
    fn level_from_names() {
        assert_eq!(level_from_file_name(Path::new("p/silver.yml")), Some(Level::Silver));
        assert_eq!(level_from_file_name(Path::new("p/gold_revenue.yml")), Some(Level::Gold));
        assert_eq!(level_from_file_name(Path::new("p/goldilocks.yml")), None);
    }
}
