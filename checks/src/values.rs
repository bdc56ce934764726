//! What a warehouse is asked for and gives back, as plain values: how a product is
//! built, what a query was for, a catalogue column, a result's rows. The bottom of the
//! crate: it imports nothing of it, so the engines, the plan, the scan and the report
//! can all read these without reaching each other.

/// How a product is built in the scratch area. A view runs the product's SQL each
/// time it is read; a table runs it once and writes every row. The checks read a
/// product once when they can (one scan), so a view is the cheaper build unless the
/// product is read again (its own-query checks, the products built from it, samples
/// of failures), when one run and a write cost less than running the SQL again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BuildForm {
    /// `CREATE VIEW … AS` the product's SQL.
    View,
    /// `CREATE TABLE … AS` the product's SQL.
    Table,
}

impl BuildForm {
    /// The SQL keyword of the object it creates.
    pub fn keyword(self) -> &'static str {
        match self {
            BuildForm::View => "VIEW",
            BuildForm::Table => "TABLE",
        }
    }
}

impl std::fmt::Display for BuildForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BuildForm::View => "view",
            BuildForm::Table => "table",
        })
    }
}

/// What a query was for; tests use it to prove the one-scan property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum QueryKind {
    /// Binding a source or creating the scratch schema.
    Setup,
    /// Building a product from its SQL.
    Materialize,
    /// A product's SELECT run as a reader with `LIMIT 0` before it is built, so the
    /// server refuses what a reader may not do (ClickHouse).
    Preflight,
    /// Reading the catalogue (column names and types).
    Metadata,
    /// The single aggregate query over a product's rows.
    Scan,
    /// Fetching failing rows for a failed check.
    Sample,
    /// Counting the source for reconciliation.
    Source,
    /// A custom SQL check.
    Custom,
    /// Profiling a source for the promotion agent.
    Profile,
    /// A query the promotion agent (a language model) wrote.
    Agent,
    /// A guard's own measure (values kept from the source, see `crate::guards`).
    Guard,
    /// Comparing a product before and after a change (see `crate::datadiff`).
    Diff,
}

/// One query a backend ran.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueryRecord {
    /// What it was for.
    pub kind: QueryKind,
    /// The SQL as sent.
    pub sql: String,
}

/// A column as the warehouse catalogue reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ColumnInfo {
    /// The column name.
    pub name: String,
    /// The type as the warehouse spells it (`DECIMAL(18,2)`, `Nullable(String)`).
    pub type_name: String,
}

/// A query's result: column names and rows of JSON-like cells.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rows {
    /// Column names, in order.
    pub columns: Vec<String>,
    /// The rows, at most the backend's row limit.
    pub rows: Vec<Vec<serde_json::Value>>,
}

impl Rows {
    /// The cell in the first row under `column`, for single-row aggregate results.
    pub fn first(&self, column: &str) -> Option<&serde_json::Value> {
        let i = self.columns.iter().position(|c| c == column)?;
        self.rows.first()?.get(i)
    }
}
