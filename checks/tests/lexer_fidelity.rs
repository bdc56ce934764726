//! The screen's lexer must read SQL exactly as each engine does, or a relation hidden
//! in what the lexer took for a string (or a comment) would pass unchecked. For
//! generated statements full of quotes, escapes, dollar quotes and comments, the
//! relations the lexer finds are held to the ones DuckDB's own parser finds
//! (`json_serialize_sql`), and every ClickHouse string and quoted name the lexer reads
//! is held to the value the server reads.

mod support;

use hallmark_checks::sandbox::{literals, relations, Lexing};
use proptest::prelude::*;
use support::{clickhouse_admin, Backend};

/// Pieces of text that quote, escape or comment in one engine or another.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "a",
            " ",
            "\\",
            "'",
            "''",
            "$",
            "$$",
            "$q$",
            "--",
            "/*",
            "*/",
            " FROM zz ",
            "\"",
            "\n",
            "é",
            "`",
        ]),
        0..8,
    )
    .prop_map(|v| v.concat())
}

/// A DuckDB string literal holding `t`, spelled one of four ways.
fn duckdb_literal() -> impl Strategy<Value = String> {
    (0..4u8, text()).prop_filter_map("a dollar quote holding its own end", |(kind, t)| match kind {
        0 => Some(format!("'{}'", t.replace('\'', "''"))),
        1 => Some(format!("E'{}'", t.replace('\\', "\\\\").replace('\'', "\\'"))),
        2 => (!t.contains('$')).then(|| format!("$${t}$$")),
        _ => (!t.contains("$q$")).then(|| format!("$q${t}$q$")),
    })
}

fn comment() -> impl Strategy<Value = String> {
    (0..3u8, text()).prop_map(|(kind, t)| match kind {
        0 => String::new(),
        1 => format!(" -- {}\n", t.replace('\n', " ")),
        _ => format!(" /* {} */ ", t.replace("*/", "").replace("/*", "").replace('*', "")),
    })
}

fn table() -> impl Strategy<Value = (&'static str, &'static str)> {
    prop::sample::select(vec![
        ("t1", "t1"),
        ("s.t2", "s.t2"),
        ("\"S\".\"T 3\"", "s.t 3"),
        ("\"a\"\"b\".c", "a\"b.c"),
        ("x.\"$y\"", "x.$y"),
    ])
}

/// The base tables DuckDB's parser reads in `sql`, folded, in order; `None` when it
/// does not parse.
fn duckdb_relations(conn: &duckdb::Connection, sql: &str) -> Option<Vec<String>> {
    let json: String = conn
        .query_row("SELECT json_serialize_sql(?)", [sql], |r| r.get(0))
        .ok()?;
    let v: serde_json::Value = serde_json::from_str(&json).ok()?;
    if v["error"].as_bool() != Some(false) {
        return None;
    }
    let mut out = Vec::new();
    fn visit(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) => {
                if map.get("type").and_then(|t| t.as_str()) == Some("BASE_TABLE") {
                    let schema = map["schema_name"].as_str().unwrap_or_default();
                    let table = map["table_name"].as_str().unwrap_or_default();
                    let name = if schema.is_empty() {
                        table.to_string()
                    } else {
                        format!("{schema}.{table}")
                    };
                    out.push(name.to_lowercase());
                }
                map.values().for_each(|c| visit(c, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|c| visit(c, out)),
            _ => {}
        }
    }
    visit(&v["statements"], &mut out);
    Some(out)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// The lexer finds exactly the relations DuckDB's parser finds.
    #[test]
    fn the_lexer_reads_relations_as_duckdb_does(
        a in duckdb_literal(), b in duckdb_literal(), c1 in comment(), c2 in comment(),
        t1 in table(), t2 in table(), join in any::<bool>(),
    ) {
        let join = if join { format!(" JOIN {} ON true", t2.0) } else { String::new() };
        let sql = format!(
            "SELECT {a} AS v{c1} FROM {}{join}{c2} WHERE {b} <> '' AND 1 IN (SELECT 1 FROM {})",
            t1.0, t2.0
        );
        let conn = duckdb::Connection::open_in_memory().unwrap();
        let engine = duckdb_relations(&conn, &sql);
        prop_assume!(engine.is_some());
        let mut engine = engine.unwrap();
        let mut lexer = relations(&sql, Lexing::DuckDb).map_err(|e| TestCaseError::fail(format!("{e}: {sql}")))?;
        engine.sort();
        lexer.sort();
        prop_assert_eq!(lexer, engine, "{}", sql);
    }
}

/// A ClickHouse spelling of `t` inside `quote`: backslash escapes, or a doubled quote.
fn clickhouse_quoted(t: &str, quote: char, doubled: bool) -> String {
    let mut out = String::from(quote);
    for c in t.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if c == quote && doubled => {
                out.push(c);
                out.push(c);
            }
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Every string and quoted name the lexer reads is the value ClickHouse reads.
#[test]
fn the_lexer_reads_strings_and_names_as_clickhouse_does() {
    if Backend::clickhouse().is_none() {
        return;
    }
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 60,
        ..ProptestConfig::default()
    });
    runner
        .run(
            &(text(), text(), any::<bool>(), any::<bool>()),
            |(s, name, doubled, backtick)| {
                let name = name.replace('\n', " ");
                prop_assume!(!name.trim().is_empty());
                let quote = if backtick { '`' } else { '"' };
                let sql = format!(
                    "SELECT {} AS {} FORMAT JSONCompact",
                    clickhouse_quoted(&s, '\'', doubled),
                    clickhouse_quoted(&name, quote, doubled)
                );
                let lexed =
                    literals(&sql, Lexing::ClickHouse).map_err(|e| TestCaseError::fail(format!("{e}: {sql}")))?;
                let answer: serde_json::Value = serde_json::from_str(&clickhouse_admin(&sql))
                    .map_err(|e| TestCaseError::fail(format!("{e}: {sql}")))?;
                let column = answer["meta"][0]["name"].as_str().unwrap_or_default().to_string();
                let value = answer["data"][0][0].as_str().unwrap_or_default().to_string();
                prop_assert_eq!(lexed, vec![value, column], "{}", sql);
                Ok(())
            },
        )
        .unwrap();
}
