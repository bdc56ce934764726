//! DuckDB's spelling of the check expressions.

use super::Dialect;

/// DuckDB's dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct DuckDbDialect;

impl Dialect for DuckDbDialect {
    fn name(&self) -> &'static str {
        "duckdb"
    }

    fn tables_cost_about_a_view(&self) -> bool {
        true
    }

    fn quote_ident(&self, name: &str) -> String {
        format!("\"{}\"", name.replace('"', "\"\""))
    }

    fn string_literal(&self, text: &str) -> String {
        // DuckDB strings take no backslash escapes.
        format!("'{}'", text.replace('\'', "''"))
    }

    /// DuckDB's readers of files, URLs and other databases, the functions that change
    /// logging or profiling (which write files), and `getenv`. The sealed database
    /// refuses all of them on its own; the list gives the friendlier error first.
    fn forbidden_functions(&self) -> &'static [&'static str] {
        &[
            "read_csv",
            "read_csv_auto",
            "read_parquet",
            "parquet_scan",
            "parquet_metadata",
            "parquet_schema",
            "parquet_file_metadata",
            "parquet_kv_metadata",
            "parquet_full_metadata",
            "parquet_bloom_probe",
            "read_json",
            "read_json_auto",
            "read_json_objects",
            "read_json_objects_auto",
            "read_ndjson",
            "read_ndjson_auto",
            "read_ndjson_objects",
            "read_text",
            "read_blob",
            "read_duckdb",
            "glob",
            "sniff_csv",
            "iceberg_scan",
            "delta_scan",
            "read_xlsx",
            "st_read",
            "sqlite_scan",
            "postgres_scan",
            "mysql_scan",
            "arrow_scan",
            "enable_logging",
            "disable_logging",
            "truncate_duckdb_logs",
            "enable_profiling",
            "disable_profiling",
            "getenv",
        ]
    }

    fn count_if(&self, predicate: &str) -> String {
        format!("count_if({predicate})")
    }

    /// Settings (`current_setting('temp_directory')` names a host folder), the
    /// catalogue functions (`duckdb_databases()` lists files, `duckdb_settings()`
    /// every setting), the pragmas behind them, and secrets.
    fn introspection_functions(&self) -> &'static [&'static str] {
        &[
            "current_setting",
            "getenv",
            "duckdb_*",
            "pragma_*",
            "which_secret",
            "getvariable",
            "sql_auto_complete",
            "test_all_types",
            "test_vector_types",
        ]
    }

    fn table_functions(&self) -> &'static [&'static str] {
        &["range", "generate_series", "unnest"]
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

    fn key_bucket(&self, exprs: &[String], buckets: u64) -> String {
        format!("hash({}) % {buckets}", exprs.join(", "))
    }

    fn to_double(&self, expr: &str) -> String {
        format!("CAST({expr} AS DOUBLE)")
    }

    fn cast_text(&self, expr: &str) -> String {
        format!("CAST({expr} AS VARCHAR)")
    }

    fn key_text(&self, expr: &str) -> String {
        // DuckDB's `trim` strips the space separators (U+0020, U+00A0, U+3000 …),
        // of which only the space is ASCII: an ASCII text (as many characters as
        // bytes) that neither starts nor ends with a space is its own trim. The CASE
        // trims just the others, which keeps a count over a million keys from copying
        // each (a third of the time).
        let text = format!("CAST({expr} AS VARCHAR)");
        format!(
            "nullif(CASE WHEN prefix({text}, ' ') OR suffix({text}, ' ') OR length({text}) <> strlen({text}) \
             THEN trim({text}) ELSE {text} END, '')"
        )
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

    #[test]
    fn key_text_is_the_trimmed_text_or_null() {
        let db = ::duckdb::Connection::open_in_memory().unwrap();
        let d = DuckDbDialect;
        for value in [
            "a",
            " a",
            "a ",
            "  a b  ",
            "",
            " ",
            "   ",
            "\ta\n",
            "\u{a0}a",
            "a\u{3000}",
            "\u{2009}",
            "é ",
            "é",
        ] {
            let sql = format!(
                "SELECT {} IS NOT DISTINCT FROM nullif(trim(v), ''), {} FROM (SELECT {} AS v)",
                d.key_text("v"),
                d.key_text("v"),
                d.string_literal(value)
            );
            let (same, got): (bool, Option<String>) = db.query_row(&sql, [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
            assert!(same, "{value:?} became {got:?}");
            let trimmed = value.trim_matches(|c: char| c == ' ' || (!c.is_ascii() && c.is_whitespace()));
            assert_eq!(got.as_deref(), (!trimmed.is_empty()).then_some(trimmed), "{value:?}");
        }
        let sql = format!("SELECT {}", d.key_text("CAST(NULL AS INTEGER)"));
        let got: Option<String> = db.query_row(&sql, [], |r| r.get(0)).unwrap();
        assert_eq!(got, None);
    }
}
