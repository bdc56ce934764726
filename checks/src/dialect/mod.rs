//! The one place where warehouse SQL dialects differ. The check compiler above it
//! writes dialect-free plans and asks a [`Dialect`] for every expression whose
//! spelling depends on the warehouse.

mod clickhouse;
mod duckdb;

pub use clickhouse::{ClickHouseDialect, ServerVersion};
pub use duckdb::DuckDbDialect;

use crate::catalogue::Literal;

/// How a warehouse spells the expressions the checks need.
pub trait Dialect: Send + Sync {
    /// A short name for logs and results (`duckdb`, `clickhouse`).
    fn name(&self) -> &'static str;

    /// True when the engine writes a product's rows as a table for about what running
    /// its SQL as a view costs, so that a read the run only probably makes is worth a
    /// table up front (DuckDB writes in memory; ClickHouse writes MergeTree parts,
    /// which made a table read once 1.5 times a view in the `one_scan` bench).
    fn tables_cost_about_a_view(&self) -> bool {
        false
    }

    /// Quotes an identifier so any name (spaces, mixed case, keywords) is safe.
    fn quote_ident(&self, name: &str) -> String;

    /// The quoted, physical name of a logical relation (`silver.orders`). Warehouses
    /// whose sandbox is not one schema per level map the name here, so the check
    /// compiler above never knows where a product was built.
    fn quote_relation(&self, relation: &str) -> String {
        quote_dotted(self, relation)
    }

    /// A string literal with every quote escaped.
    fn string_literal(&self, text: &str) -> String {
        format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
    }

    /// A literal from check parameters.
    fn literal(&self, lit: &Literal) -> String {
        match lit {
            Literal::Bool(b) => {
                if *b {
                    "TRUE".into()
                } else {
                    "FALSE".into()
                }
            }
            Literal::Int(i) => i.to_string(),
            Literal::Float(x) => format!("{x:?}"),
            Literal::Text(s) => self.string_literal(s),
        }
    }

    /// A bound compared with a column of `column_type` (normalized, see
    /// `plan::normalize_type`). Most warehouses cast a text bound to the column's type
    /// on their own; those that do not override this.
    fn bound_literal(&self, lit: &Literal, column_type: Option<&str>) -> String {
        let _ = column_type;
        self.literal(lit)
    }

    /// Functions that product and check SQL may not call: the warehouse's readers of
    /// files, URLs and other servers, which would reach past the declared sources.
    fn forbidden_functions(&self) -> &'static [&'static str] {
        &[]
    }

    /// How the engine reads SQL text, for the screen.
    fn lexing(&self) -> crate::sandbox::Lexing {
        crate::sandbox::Lexing::DuckDb
    }

    /// Functions (a trailing `*` for a prefix) that read the engine's settings, its
    /// catalogue, the host or other users' work rather than the declared data.
    fn introspection_functions(&self) -> &'static [&'static str] {
        &[]
    }

    /// The table functions untrusted SQL may read from: those that only generate
    /// rows from their arguments.
    fn table_functions(&self) -> &'static [&'static str] {
        &[]
    }

    /// Counts rows where `predicate` holds, inside an aggregate query.
    fn count_if(&self, predicate: &str) -> String;

    /// Counts distinct values of one expression, or distinct tuples of several, among
    /// the rows where none of them is null.
    fn count_distinct(&self, exprs: &[String]) -> String;

    /// Counts distinct whole tuples of `exprs`, nulls included (two rows with the same
    /// nulls in the same places are duplicates).
    fn count_distinct_rows(&self, exprs: &[String]) -> String;

    /// The same counts as a scalar subquery over `relation` (quoted) that groups
    /// instead of holding one in-memory set, so the engine can spill it to disk:
    /// `rows` counts whole tuples nulls included ([`Dialect::count_distinct_rows`]),
    /// else tuples without nulls ([`Dialect::count_distinct`]). `None` where the
    /// plain aggregate spills already (DuckDB).
    fn count_distinct_spilling(&self, _relation: &str, _exprs: &[String], _rows: bool) -> Option<String> {
        None
    }

    /// True when the whole of `expr` (text) matches the RE2 `pattern`.
    fn regex_full_match(&self, expr: &str, pattern: &str) -> String;

    /// The length of `expr` in characters.
    fn char_length(&self, expr: &str) -> String;

    /// Any number as a double, NULL kept NULL (means and ranges of mixed types).
    fn to_double(&self, expr: &str) -> String;

    /// Which of `buckets` parts the key `exprs` falls in, `0..buckets`, by a hash: the
    /// same key in the same part on every read.
    fn key_bucket(&self, exprs: &[String], buckets: u64) -> String;

    /// `expr` as text, for samples and for pattern and length checks.
    fn cast_text(&self, expr: &str) -> String;

    /// `expr` as trimmed text, NULL when it is NULL, empty or only whitespace: what a
    /// key is when keys are counted, on either side of a reconciliation.
    fn key_text(&self, expr: &str) -> String;

    /// Seconds since the Unix epoch of a timestamp or date expression.
    fn epoch_seconds(&self, expr: &str) -> String;

    /// A timestamp literal (UTC) for the run's reference time, `YYYY-MM-DD HH:MM:SS`.
    fn timestamp_literal(&self, utc: &str) -> String;
}

/// `silver.orders` → each dotted part quoted with `dialect`'s identifier quoting.
pub(crate) fn quote_dotted<D: Dialect + ?Sized>(dialect: &D, relation: &str) -> String {
    relation
        .split('.')
        .map(|p| dialect.quote_ident(p))
        .collect::<Vec<_>>()
        .join(".")
}
