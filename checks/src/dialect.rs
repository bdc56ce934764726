//! The one place where warehouse SQL dialects differ. The check compiler above it
//! writes dialect-free plans and asks a [`Dialect`] for every expression whose
//! spelling depends on the warehouse.

use crate::catalogue::Literal;

/// How a warehouse spells the expressions the checks need.
pub trait Dialect: Send + Sync {
    /// A short name for logs and results (`duckdb`, `clickhouse`).
    fn name(&self) -> &'static str;

    /// Quotes an identifier so any name (spaces, mixed case, keywords) is safe.
    fn quote_ident(&self, name: &str) -> String;

    /// Quotes a possibly schema-qualified relation name, `silver.orders`.
    fn quote_relation(&self, relation: &str) -> String {
        relation
            .split('.')
            .map(|p| self.quote_ident(p))
            .collect::<Vec<_>>()
            .join(".")
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

    /// Counts rows where `predicate` holds, inside an aggregate query.
    fn count_if(&self, predicate: &str) -> String;

    /// Counts distinct values of one expression, or distinct tuples of several, among
    /// the rows where none of them is null.
    fn count_distinct(&self, exprs: &[String]) -> String;

    /// Counts distinct whole tuples of `exprs`, nulls included (two rows with the same
    /// nulls in the same places are duplicates).
    fn count_distinct_rows(&self, exprs: &[String]) -> String;

    /// True when the whole of `expr` (text) matches the RE2 `pattern`.
    fn regex_full_match(&self, expr: &str, pattern: &str) -> String;

    /// The length of `expr` in characters.
    fn char_length(&self, expr: &str) -> String;

    /// `expr` as text, for samples and for pattern and length checks.
    fn cast_text(&self, expr: &str) -> String;

    /// Seconds since the Unix epoch of a timestamp or date expression.
    fn epoch_seconds(&self, expr: &str) -> String;

    /// A timestamp literal (UTC) for the run's reference time, `YYYY-MM-DD HH:MM:SS`.
    fn timestamp_literal(&self, utc: &str) -> String;
}

/// DuckDB's dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct DuckDbDialect;

impl Dialect for DuckDbDialect {
    fn name(&self) -> &'static str {
        "duckdb"
    }

    fn quote_ident(&self, name: &str) -> String {
        format!("\"{}\"", name.replace('"', "\"\""))
    }

    fn string_literal(&self, text: &str) -> String {
        // DuckDB strings take no backslash escapes.
        format!("'{}'", text.replace('\'', "''"))
    }

    fn count_if(&self, predicate: &str) -> String {
        format!("count_if({predicate})")
    }

    fn count_distinct(&self, exprs: &[String]) -> String {
        match exprs {
            [one] => format!("count(DISTINCT {one})"),
            many => {
                let all_set = many
                    .iter()
                    .map(|e| format!("{e} IS NOT NULL"))
                    .collect::<Vec<_>>()
                    .join(" AND ");
                format!("count(DISTINCT CASE WHEN {all_set} THEN row({}) END)", many.join(", "))
            }
        }
    }

    fn count_distinct_rows(&self, exprs: &[String]) -> String {
        format!("count(DISTINCT row({}))", exprs.join(", "))
    }

    fn regex_full_match(&self, expr: &str, pattern: &str) -> String {
        format!("regexp_full_match({expr}, {})", self.string_literal(pattern))
    }

    fn char_length(&self, expr: &str) -> String {
        format!("length({expr})")
    }

    fn cast_text(&self, expr: &str) -> String {
        format!("CAST({expr} AS VARCHAR)")
    }

    fn epoch_seconds(&self, expr: &str) -> String {
        format!("epoch(CAST({expr} AS TIMESTAMP))")
    }

    fn timestamp_literal(&self, utc: &str) -> String {
        format!("TIMESTAMP '{utc}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes() {
        let d = DuckDbDialect;
        assert_eq!(d.quote_ident("Order \"ID\""), "\"Order \"\"ID\"\"\"");
        assert_eq!(d.quote_relation("silver.orders"), "\"silver\".\"orders\"");
        assert_eq!(d.string_literal("O'Brien"), "'O''Brien'");
    }
}
