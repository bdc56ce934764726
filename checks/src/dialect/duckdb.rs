//! DuckDB's spelling of the check expressions.

use super::Dialect;

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

    fn key_text(&self, expr: &str) -> String {
        format!("nullif(trim(CAST({expr} AS VARCHAR)), '')")
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
