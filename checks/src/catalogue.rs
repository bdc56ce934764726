//! The catalogue of check kinds and their parameters.
//!
//! A check is written the same way in a standard's `rule` block and in a product spec:
//! a bare name (`not_null`) or a one-key map with its parameters
//! (`range: { min: 0 }`). Unknown kinds and unknown parameters are rejected by serde
//! with the list of what is allowed. [`CATALOGUE`] documents each kind for people
//! (`hallmark checks`), and the mapping to dbt test names lives in [`CheckKind`]'s
//! aliases: `not_null`, `unique`, `accepted_values` and `relationships` read the same
//! as in a dbt `schema.yml`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A literal value in a check's parameters: accepted values, range bounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Literal {
    /// `true` / `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number with a fraction.
    Float(f64),
    /// Text, dates and timestamps (the warehouse casts them for comparison).
    Text(String),
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Int(i) => write!(f, "{i}"),
            Literal::Float(x) => write!(f, "{x}"),
            Literal::Text(s) => write!(f, "{s}"),
        }
    }
}

/// `accepted_values: { values: [...] }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptedValues {
    /// The only values allowed; nulls are left to `not_null`.
    pub values: Vec<Literal>,
}

/// Inclusive bounds on a value: `range: { min: 0, max: 100 }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueBounds {
    /// Smallest allowed value, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Literal>,
    /// Largest allowed value, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Literal>,
}

/// Inclusive bounds on a count: `row_count: { min: 1 }`, `length: { max: 3 }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountBounds {
    /// Smallest allowed count, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u64>,
    /// Largest allowed count, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
}

/// A regular expression (RE2 syntax, matched against the whole value).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternParams {
    /// The expression; it must match the entire value, as if wrapped in `^(?:...)$`.
    pub regex: String,
}

/// `type: { type: "decimal(18,2)" }`, or the shorthand `type:` key of a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeParams {
    /// The expected type as the warehouse names it, compared case- and space-insensitively.
    #[serde(rename = "type")]
    pub expected: String,
}

/// A list of column names or glob patterns (`*` and `?`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnNames {
    /// Column names; `forbidden_columns` also accepts globs such as `*_ssn`.
    pub columns: Vec<String>,
}

/// `null_ratio: { max: 0.05 }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NullRatioParams {
    /// Largest allowed share of null values, between 0 and 1.
    pub max: f64,
}

/// `row_count_reconciliation: { tolerance: 0.01 }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReconciliationParams {
    /// The source to reconcile against, by its name in the spec's `sources`; the first
    /// source when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Largest allowed relative difference between the product's rows and the
    /// source's distinct keys (the source's `key` in the spec), e.g. 0.01 for 1 %.
    #[serde(default)]
    pub tolerance: f64,
}

/// `freshness: { max_age: 36h }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreshnessParams {
    /// Largest allowed age of the newest value: a number and a unit (`s`, `m`, `h`, `d`).
    pub max_age: String,
}

/// `relationships: { to: silver.customers, field: customer_id }`, as in dbt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelationshipParams {
    /// The referenced relation (`<level>.<product>` or a source name).
    pub to: String,
    /// The referenced column.
    pub field: String,
}

/// `custom_sql: { sql: "SELECT * FROM {table} WHERE ..." }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomSqlParams {
    /// One SELECT whose rows are failures; `{table}` stands for the product's relation.
    pub sql: String,
}

/// Every kind of check Hallmark knows, with its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CheckKind {
    /// No nulls in the column.
    NotNull,
    /// No value appears twice (nulls ignored).
    Unique,
    /// The key columns are never null and unique together.
    PrimaryKey,
    /// Every non-null value is one of a list.
    AcceptedValues(AcceptedValues),
    /// Every non-null value lies within bounds.
    Range(ValueBounds),
    /// Every non-null value matches a regular expression.
    Pattern(PatternParams),
    /// Every non-null value's length (in characters) lies within bounds.
    Length(CountBounds),
    /// The column's type in the warehouse is the expected one.
    Type(TypeParams),
    /// Every column's name matches a regular expression.
    ColumnNamePattern(PatternParams),
    /// The listed columns exist.
    RequiredColumns(ColumnNames),
    /// No column matches the listed names or globs.
    ForbiddenColumns(ColumnNames),
    /// The share of nulls is at most `max`.
    NullRatio(NullRatioParams),
    /// The number of distinct non-null values lies within bounds.
    DistinctCount(CountBounds),
    /// The number of rows lies within bounds.
    RowCount(CountBounds),
    /// The product has as many rows as the source has distinct keys, within a tolerance.
    RowCountReconciliation(ReconciliationParams),
    /// The newest value is at most `max_age` old.
    Freshness(FreshnessParams),
    /// Every non-null value exists in another relation's column.
    Relationships(RelationshipParams),
    /// No two rows are identical in every column.
    DuplicateRows,
    /// No timestamp lies in the future.
    NoFutureTimestamps,
    /// Every column has a description in the spec.
    Documented,
    /// The spec names an owner.
    OwnerPresent,
    /// A query whose rows are failures.
    CustomSql(CustomSqlParams),
}

/// A check as written in YAML, `not_null` or `{ range: { min: 0 } }`. YAML libraries
/// now spell enums as tags (`!range`), so the one-key-map form that data teams write
/// (and dbt uses) is read through `singleton_map_recursive`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct YamlCheck(#[serde(with = "serde_norway::with::singleton_map_recursive")] pub CheckKind);

/// What a check applies to, which decides whether a rule needs a `columns:` selector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One result per selected column; a selector is required.
    Column,
    /// Selected columns together, defaulting to the primary key or all columns.
    ColumnsOptional,
    /// The whole product; a selector makes no sense.
    Table,
}

/// How a check gets its figure, which decides what it costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cost {
    /// An expression in the product's single aggregate query.
    Scan,
    /// Reads the warehouse catalogue or the spec, never the data.
    Metadata,
    /// A query of its own (custom SQL, or counting the source).
    OwnQuery,
}

impl CheckKind {
    /// The snake_case name used in YAML and in results.
    pub fn name(&self) -> &'static str {
        match self {
            CheckKind::NotNull => "not_null",
            CheckKind::Unique => "unique",
            CheckKind::PrimaryKey => "primary_key",
            CheckKind::AcceptedValues(_) => "accepted_values",
            CheckKind::Range(_) => "range",
            CheckKind::Pattern(_) => "pattern",
            CheckKind::Length(_) => "length",
            CheckKind::Type(_) => "type",
            CheckKind::ColumnNamePattern(_) => "column_name_pattern",
            CheckKind::RequiredColumns(_) => "required_columns",
            CheckKind::ForbiddenColumns(_) => "forbidden_columns",
            CheckKind::NullRatio(_) => "null_ratio",
            CheckKind::DistinctCount(_) => "distinct_count",
            CheckKind::RowCount(_) => "row_count",
            CheckKind::RowCountReconciliation(_) => "row_count_reconciliation",
            CheckKind::Freshness(_) => "freshness",
            CheckKind::Relationships(_) => "relationships",
            CheckKind::DuplicateRows => "duplicate_rows",
            CheckKind::NoFutureTimestamps => "no_future_timestamps",
            CheckKind::Documented => "documented",
            CheckKind::OwnerPresent => "owner_present",
            CheckKind::CustomSql(_) => "custom_sql",
        }
    }

    /// What the check applies to.
    pub fn scope(&self) -> Scope {
        match self {
            CheckKind::NotNull
            | CheckKind::Unique
            | CheckKind::AcceptedValues(_)
            | CheckKind::Range(_)
            | CheckKind::Pattern(_)
            | CheckKind::Length(_)
            | CheckKind::Type(_)
            | CheckKind::NullRatio(_)
            | CheckKind::DistinctCount(_)
            | CheckKind::Freshness(_)
            | CheckKind::Relationships(_)
            | CheckKind::NoFutureTimestamps => Scope::Column,
            CheckKind::PrimaryKey
            | CheckKind::ColumnNamePattern(_)
            | CheckKind::Documented
            | CheckKind::DuplicateRows => Scope::ColumnsOptional,
            CheckKind::RequiredColumns(_)
            | CheckKind::ForbiddenColumns(_)
            | CheckKind::RowCount(_)
            | CheckKind::RowCountReconciliation(_)
            | CheckKind::OwnerPresent
            | CheckKind::CustomSql(_) => Scope::Table,
        }
    }

    /// How the check is measured.
    pub fn cost(&self) -> Cost {
        match self {
            CheckKind::Type(_)
            | CheckKind::ColumnNamePattern(_)
            | CheckKind::RequiredColumns(_)
            | CheckKind::ForbiddenColumns(_)
            | CheckKind::Documented
            | CheckKind::OwnerPresent => Cost::Metadata,
            CheckKind::RowCountReconciliation(_) | CheckKind::CustomSql(_) => Cost::OwnQuery,
            _ => Cost::Scan,
        }
    }

    /// Whether the check reads the product in a query of its own: custom SQL runs as
    /// written, while a reconciliation's product side rides in the product's scan
    /// (only its source is read apart). What the choice of view or table counts.
    pub fn reads_product_alone(&self) -> bool {
        self.cost() == Cost::OwnQuery && !matches!(self, CheckKind::RowCountReconciliation(_))
    }

    /// Checks the parameters beyond what their types say (regexes compile, bounds are
    /// ordered, durations parse), so that a mistake is reported by `hallmark lint`
    /// rather than by the warehouse halfway through a run.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            CheckKind::Pattern(p) | CheckKind::ColumnNamePattern(p) => {
                regex::Regex::new(&p.regex).map(|_| ()).map_err(|e| {
                    format!(
                        "bad regex `{}` in `{}`: {}",
                        p.regex,
                        self.name(),
                        regex_error_gist(&e.to_string())
                    )
                })
            }
            CheckKind::Length(b) | CheckKind::DistinctCount(b) | CheckKind::RowCount(b) => match (b.min, b.max) {
                (None, None) => Err(format!("`{}` needs `min`, `max` or both", self.name())),
                (Some(lo), Some(hi)) if lo > hi => Err(format!("`{}` has min {lo} greater than max {hi}", self.name())),
                _ => Ok(()),
            },
            CheckKind::Range(b) => match (&b.min, &b.max) {
                (None, None) => Err("`range` needs `min`, `max` or both".into()),
                (Some(Literal::Bool(_)), _) | (_, Some(Literal::Bool(_))) => {
                    Err("`range` bounds must be numbers, dates or timestamps".into())
                }
                _ => Ok(()),
            },
            CheckKind::AcceptedValues(v) if v.values.is_empty() => {
                Err("`accepted_values` needs at least one value".into())
            }
            CheckKind::NullRatio(p) if !(0.0..=1.0).contains(&p.max) => {
                Err(format!("`null_ratio` max must be between 0 and 1, got {}", p.max))
            }
            CheckKind::RowCountReconciliation(p) if !(0.0..=1.0).contains(&p.tolerance) => Err(format!(
                "`row_count_reconciliation` tolerance must be between 0 and 1, got {}",
                p.tolerance
            )),
            CheckKind::Freshness(p) => parse_duration_secs(&p.max_age)
                .map(|_| ())
                .map_err(|e| format!("`freshness` max_age: {e}")),
            CheckKind::RequiredColumns(c) | CheckKind::ForbiddenColumns(c) if c.columns.is_empty() => {
                Err(format!("`{}` needs at least one column", self.name()))
            }
            CheckKind::Type(t) if t.expected.trim().is_empty() => Err("`type` needs a type name".into()),
            CheckKind::CustomSql(p) => crate::sandbox::validate_select(&p.sql)
                .map(|_| ())
                .map_err(|e| format!("`custom_sql`: {e}")),
            _ => Ok(()),
        }
    }
}

/// The gist of a `regex` error: its last line, without the `error: ` prefix.
pub(crate) fn regex_error_gist(s: &str) -> String {
    let last = s.lines().last().unwrap_or(s).trim();
    last.strip_prefix("error: ").unwrap_or(last).to_string()
}

/// Parses `90s`, `15m`, `36h`, `7d` into seconds.
pub fn parse_duration_secs(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 36h or 7d"))?;
    let mult = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("`{text}` has an unknown unit; use s, m, h or d")),
    };
    Ok(n * mult)
}

/// One entry of the documented catalogue.
#[derive(Debug, Clone, Copy)]
pub struct CatalogueEntry {
    /// The kind's name as written in YAML.
    pub name: &'static str,
    /// Its parameters, as an example.
    pub parameters: &'static str,
    /// What it verifies and how it is measured.
    pub description: &'static str,
}

/// Every check kind with its parameters, for `hallmark checks` and the docs.
pub const CATALOGUE: &[CatalogueEntry] = &[
    CatalogueEntry {
        name: "not_null",
        parameters: "-",
        description: "no null values; counted in the table scan",
    },
    CatalogueEntry {
        name: "unique",
        parameters: "-",
        description: "no duplicate non-null values: count(col) - count(DISTINCT col) in the scan",
    },
    CatalogueEntry {
        name: "primary_key",
        parameters: "-",
        description: "key columns (the spec's primary_key, or the selected columns) never null and unique together",
    },
    CatalogueEntry {
        name: "accepted_values",
        parameters: "{ values: [a, b] }",
        description: "every non-null value is in the list",
    },
    CatalogueEntry {
        name: "range",
        parameters: "{ min: 0, max: 100 }",
        description: "every non-null value within inclusive bounds (numbers, dates, timestamps)",
    },
    CatalogueEntry {
        name: "pattern",
        parameters: "{ regex: '[A-Z]{2}' }",
        description: "every non-null value fully matches the RE2 regex",
    },
    CatalogueEntry {
        name: "length",
        parameters: "{ min: 2, max: 2 }",
        description: "every non-null value's character length within bounds",
    },
    CatalogueEntry {
        name: "type",
        parameters: "{ type: 'decimal(18,2)' }",
        description: "the column's warehouse type; read from the catalogue",
    },
    CatalogueEntry {
        name: "column_name_pattern",
        parameters: "{ regex: '[a-z_][a-z0-9_]*' }",
        description: "column names match the regex; read from the catalogue",
    },
    CatalogueEntry {
        name: "required_columns",
        parameters: "{ columns: [id, updated_at] }",
        description: "the columns exist; read from the catalogue",
    },
    CatalogueEntry {
        name: "forbidden_columns",
        parameters: "{ columns: ['*_ssn', password] }",
        description: "no column matches a name or glob; read from the catalogue",
    },
    CatalogueEntry {
        name: "null_ratio",
        parameters: "{ max: 0.05 }",
        description: "share of nulls at most max; counted in the scan",
    },
    CatalogueEntry {
        name: "distinct_count",
        parameters: "{ min: 1, max: 250 }",
        description: "number of distinct non-null values within bounds",
    },
    CatalogueEntry {
        name: "row_count",
        parameters: "{ min: 1, max: 1000000 }",
        description: "number of rows within bounds",
    },
    CatalogueEntry {
        name: "row_count_reconciliation",
        parameters: "{ source: bronze.orders, tolerance: 0.01 }",
        description: "product rows vs the source's distinct non-null keys (after dedup), within a relative tolerance",
    },
    CatalogueEntry {
        name: "freshness",
        parameters: "{ max_age: 36h }",
        description: "the newest value is at most max_age older than the run's reference time",
    },
    CatalogueEntry {
        name: "relationships",
        parameters: "{ to: silver.customers, field: customer_id }",
        description: "every non-null value exists in the referenced column (foreign key)",
    },
    CatalogueEntry {
        name: "duplicate_rows",
        parameters: "-",
        description: "no two rows identical in every (or every selected) column: count(*) - count(DISTINCT row)",
    },
    CatalogueEntry {
        name: "no_future_timestamps",
        parameters: "-",
        description: "no value later than the run's reference time",
    },
    CatalogueEntry {
        name: "documented",
        parameters: "-",
        description: "every (selected) column has a description in the spec",
    },
    CatalogueEntry {
        name: "owner_present",
        parameters: "-",
        description: "the spec names an owner",
    },
    CatalogueEntry {
        name: "custom_sql",
        parameters: "{ sql: 'SELECT * FROM {table} WHERE a > b' }",
        description: "one SELECT whose rows are failures; runs as its own query",
    },
];
