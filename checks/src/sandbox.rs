//! The statement guard for SQL that Hallmark did not write itself (product transforms,
//! custom checks, the agent's queries).
//!
//! It is the first wall, not the last: the warehouses refuse on their own (a DuckDB
//! connection with external access, extension loading and configuration changes locked
//! off; ClickHouse reads under `readonly = 1`, which forbids every table function). A
//! list of names can never be complete, since both engines add readers every release,
//! so the guard exists to give a friendly error that names what was refused before the
//! engine's own, terser refusal. It resolves names as the engines do (quoted,
//! case-folded, schema-qualified) before comparing them.

/// Why a piece of SQL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SandboxError {
    /// Nothing but whitespace and comments.
    #[error("the SQL is empty")]
    Empty,
    /// A second statement after a `;`.
    #[error("only one statement is allowed, found a second one after `;` at byte {0}")]
    MultipleStatements(usize),
    /// The statement does not start with SELECT, WITH or FROM.
    #[error("only a SELECT is allowed, but the statement starts with `{0}`")]
    NotASelect(String),
    /// A keyword that changes data, schema or session state.
    #[error("`{0}` is not allowed in a SELECT that Hallmark runs")]
    ForbiddenKeyword(String),
    /// A function that reaches outside the declared sources.
    #[error("`{0}(...)` reads outside the declared sources; declare the data as a source in the spec instead")]
    ForbiddenFunction(String),
    /// A function that runs SQL given to it as a string, which no guard can read.
    #[error("`{0}(...)` runs SQL from a string, which the sandbox cannot inspect; write the query itself")]
    ExecutesSql(String),
    /// A string literal or a path-like quoted name in table position, which some
    /// warehouses read as a file.
    #[error("`{0}` after FROM or JOIN reads a file; declare the data as a source in the spec instead")]
    FileAsTable(String),
    /// A string, quoted identifier or comment that never ends.
    #[error("unterminated {0}")]
    Unterminated(&'static str),
}

/// Keywords that have no business in a read-only transform. (ClickHouse's `SYSTEM`
/// statements are caught as statements that do not start with SELECT; the word itself
/// names the `system` database, which a SELECT may read.)
const FORBIDDEN: &[&str] = &[
    "INSERT",
    "UPDATE",
    "DELETE",
    "MERGE",
    "UPSERT",
    "DROP",
    "CREATE",
    "ALTER",
    "TRUNCATE",
    "RENAME",
    "ATTACH",
    "DETACH",
    "COPY",
    "EXPORT",
    "IMPORT",
    "INSTALL",
    "LOAD",
    "PRAGMA",
    "SET",
    "RESET",
    "CALL",
    "GRANT",
    "REVOKE",
    "VACUUM",
    "CHECKPOINT",
    "OPTIMIZE",
    "KILL",
    "USE",
    "PREPARE",
    "EXECUTE",
    "DEALLOCATE",
    "OUTFILE",
];

/// Functions of any engine that execute SQL passed to them as text (DuckDB's
/// `query`, `query_table` and the JSON extension's serialized-SQL runner): whatever
/// the string says would be invisible to this guard.
const EXECUTES_SQL: &[&str] = &["query", "query_table", "json_execute_serialized_sql"];

/// Keywords that end a FROM clause's list of relations at its own depth.
const ENDS_FROM_LIST: &[&str] = &[
    "WHERE",
    "GROUP",
    "HAVING",
    "QUALIFY",
    "WINDOW",
    "ORDER",
    "LIMIT",
    "OFFSET",
    "UNION",
    "EXCEPT",
    "INTERSECT",
    "ON",
    "USING",
    "SELECT",
    "PREWHERE",
    "SETTINGS",
    "FORMAT",
    "SAMPLE",
    "FINAL",
];

/// The guard's switch. It is always on outside the attack suite, which turns it off
/// to prove that the engines refuse the same statements on their own; nothing a
/// repository, a request or a model says can reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Screen {
    lexer_off: bool,
}

impl Screen {
    /// A screen that lets everything through to the engine (the statement only
    /// trimmed), for the test that proves the engine's own walls.
    #[doc(hidden)]
    pub fn engine_only() -> Screen {
        Screen { lexer_off: true }
    }

    /// Screens `sql` against `functions` (the warehouse's readers) unless switched
    /// off; returns the statement to run.
    pub fn apply(&self, sql: &str, functions: &[&str]) -> Result<String, SandboxError> {
        if self.lexer_off {
            let trimmed = sql.trim().trim_end_matches(';').trim_end();
            return if trimmed.is_empty() {
                Err(SandboxError::Empty)
            } else {
                Ok(trimmed.to_string())
            };
        }
        validate_select_with(sql, functions)
    }
}

/// Checks that `sql` is exactly one SELECT (or WITH … SELECT) with no forbidden
/// keyword outside strings, quoted identifiers and comments. Returns the statement
/// without its trailing semicolon, trailing comments and surrounding whitespace, so
/// that it can be wrapped in a subquery or `CREATE TABLE … AS`.
pub fn validate_select(sql: &str) -> Result<String, SandboxError> {
    validate_select_with(sql, &[])
}

/// [`validate_select`], also refusing calls to `functions` (a warehouse's table
/// functions that read files, URLs or other servers) and to functions that execute
/// SQL from a string, however the name is spelled (`"READ_CSV"`, `main.read_csv`),
/// and a string or a path-like quoted name used as a table (`FROM '/etc/passwd'`),
/// since sources must be declared in the spec.
pub fn validate_select_with(sql: &str, functions: &[&str]) -> Result<String, SandboxError> {
    let tokens = lex(sql)?;
    let first = tokens.first().ok_or(SandboxError::Empty)?;
    if let Some(pos) = tokens
        .windows(2)
        .find(|w| w[0].is_punct(sql, ';') && !w[1].is_punct(sql, ';'))
        .map(|w| w[1].start)
    {
        return Err(SandboxError::MultipleStatements(pos));
    }
    let head = first.text(sql).to_ascii_uppercase();
    if !matches!(head.as_str(), "SELECT" | "WITH" | "FROM" | "(") {
        return Err(SandboxError::NotASelect(first.text(sql).to_string()));
    }
    let mut relations = RelationPositions::default();
    for (i, t) in tokens.iter().enumerate() {
        let next = tokens.get(i + 1);
        if t.kind == TokenKind::Word {
            let upper = t.text(sql).to_ascii_uppercase();
            if FORBIDDEN.contains(&upper.as_str()) {
                return Err(SandboxError::ForbiddenKeyword(upper));
            }
        }
        if t.is_identifier() && next.is_some_and(|n| n.is_punct(sql, '(')) {
            // Both engines resolve function names without regard to case or quotes,
            // and a schema qualifier (`main.`, `system.`) names the same function.
            let name = t.identifier(sql);
            if EXECUTES_SQL.iter().any(|f| f.eq_ignore_ascii_case(&name)) {
                return Err(SandboxError::ExecutesSql(name));
            }
            if functions.iter().any(|f| f.eq_ignore_ascii_case(&name)) {
                return Err(SandboxError::ForbiddenFunction(name));
            }
        }
        if relations.is_table_position(sql, &tokens, i) {
            let path_like = match t.kind {
                TokenKind::Str => true,
                TokenKind::QuotedIdent => looks_like_path(&t.identifier(sql)),
                _ => false,
            };
            if path_like {
                return Err(SandboxError::FileAsTable(t.text(sql).to_string()));
            }
        }
        relations.advance(sql, t);
    }
    let end = tokens.iter().rev().find(|t| !t.is_punct(sql, ';')).map_or(0, |t| t.end);
    Ok(sql[..end].trim().to_string())
}

/// True for a name that a warehouse would take for a file, a glob or a URL rather
/// than a table (`"data/orders.csv"`, `"*.parquet"`, `"s3://bucket/x"`).
fn looks_like_path(name: &str) -> bool {
    const FILE_EXTENSIONS: &[&str] = &[
        ".csv", ".tsv", ".txt", ".parquet", ".json", ".jsonl", ".ndjson", ".gz", ".zst", ".arrow", ".xlsx", ".db",
        ".duckdb", ".sqlite",
    ];
    let lower = name.to_ascii_lowercase();
    name.contains(['/', '\\', '*', '?', '~'])
        || lower.contains("://")
        || FILE_EXTENSIONS.iter().any(|e| lower.ends_with(e))
}

/// Tracks where the guard is in the statement's FROM clauses, so that a string in a
/// relation's position (`FROM 'x'`, `JOIN 'x'`, `FROM t, 'x'`) is told apart from a
/// string argument (`replace(a, '/', '-')`).
#[derive(Default)]
struct RelationPositions {
    /// Parenthesis depth of the current token.
    depth: usize,
    /// Depths at which a FROM list is open.
    open_lists: Vec<usize>,
}

impl RelationPositions {
    /// True when token `i` stands where a relation is named.
    fn is_table_position(&self, sql: &str, tokens: &[Token], i: usize) -> bool {
        let Some(prev) = i.checked_sub(1).map(|p| &tokens[p]) else {
            return false;
        };
        let after_keyword =
            prev.kind == TokenKind::Word && matches!(prev.text(sql).to_ascii_uppercase().as_str(), "FROM" | "JOIN");
        let after_comma_in_list = prev.is_punct(sql, ',') && self.open_lists.last() == Some(&self.depth);
        after_keyword || after_comma_in_list
    }

    /// Moves past `t`.
    fn advance(&mut self, sql: &str, t: &Token) {
        if t.is_punct(sql, '(') {
            self.depth += 1;
        } else if t.is_punct(sql, ')') {
            self.open_lists.retain(|&d| d < self.depth);
            self.depth = self.depth.saturating_sub(1);
        } else if t.kind == TokenKind::Word {
            let upper = t.text(sql).to_ascii_uppercase();
            if upper == "FROM" {
                self.open_lists.retain(|&d| d != self.depth);
                self.open_lists.push(self.depth);
            } else if ENDS_FROM_LIST.contains(&upper.as_str()) {
                self.open_lists.retain(|&d| d != self.depth);
            }
        }
    }
}

/// Replaces every qualified relation reference `a.b` (bare or quoted parts, outside
/// strings and comments) for which `resolve("a.b")` answers with its answer. A
/// warehouse whose sandbox is not one schema per level uses it to point a product's
/// SQL at where its sources and upstream products really are.
pub fn rewrite_relations(sql: &str, resolve: impl Fn(&str) -> Option<String>) -> Result<String, SandboxError> {
    let tokens = lex(sql)?;
    let mut out = String::with_capacity(sql.len());
    let mut copied = 0;
    let mut i = 0;
    while i + 2 < tokens.len() {
        let (a, dot, b) = (&tokens[i], &tokens[i + 1], &tokens[i + 2]);
        let qualified_before = i > 0 && tokens[i - 1].is_punct(sql, '.');
        let qualified_after = tokens.get(i + 3).is_some_and(|t| t.is_punct(sql, '.'));
        if a.is_identifier() && dot.is_punct(sql, '.') && b.is_identifier() && !qualified_before && !qualified_after {
            let name = format!("{}.{}", a.identifier(sql), b.identifier(sql));
            if let Some(physical) = resolve(&name) {
                out.push_str(&sql[copied..a.start]);
                out.push_str(&physical);
                copied = b.end;
                i += 3;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&sql[copied..]);
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenKind {
    /// A bare identifier or keyword.
    Word,
    /// `"name"` or `` `name` ``.
    QuotedIdent,
    /// `'text'`.
    Str,
    /// Anything else, one character (or a run of digits) at a time.
    Punct,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: TokenKind,
    start: usize,
    end: usize,
}

impl Token {
    fn text<'s>(&self, sql: &'s str) -> &'s str {
        &sql[self.start..self.end]
    }

    fn is_punct(&self, sql: &str, c: char) -> bool {
        self.kind == TokenKind::Punct && self.text(sql).starts_with(c) && self.end - self.start == c.len_utf8()
    }

    fn is_identifier(&self) -> bool {
        matches!(self.kind, TokenKind::Word | TokenKind::QuotedIdent)
    }

    /// The identifier's name, unquoted and unescaped.
    fn identifier(&self, sql: &str) -> String {
        let text = self.text(sql);
        match self.kind {
            TokenKind::QuotedIdent => {
                let q = &text[..1];
                text[1..text.len() - 1].replace(&format!("{q}{q}"), q)
            }
            _ => text.to_string(),
        }
    }
}

/// Splits SQL into tokens, skipping whitespace and comments.
fn lex(sql: &str) -> Result<Vec<Token>, SandboxError> {
    let bytes = sql.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let kind = match c {
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let close = sql[i + 2..].find("*/").ok_or(SandboxError::Unterminated("comment"))?;
                i += 2 + close + 2;
                continue;
            }
            b'\'' | b'"' | b'`' => {
                let what = if c == b'\'' { "string" } else { "quoted identifier" };
                let mut j = i + 1;
                loop {
                    match bytes.get(j) {
                        None => return Err(SandboxError::Unterminated(what)),
                        Some(&b) if b == c && bytes.get(j + 1) == Some(&c) => j += 2,
                        Some(&b'\\') if c != b'"' => j += 2,
                        Some(&b) if b == c => break,
                        _ => j += 1,
                    }
                }
                i = j + 1;
                if c == b'\'' {
                    TokenKind::Str
                } else {
                    TokenKind::QuotedIdent
                }
            }
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                TokenKind::Word
            }
            _ if c.is_ascii_digit() => {
                while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                TokenKind::Punct
            }
            _ if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            _ => {
                i += sql[i..].chars().next().map_or(1, char::len_utf8);
                TokenKind::Punct
            }
        };
        tokens.push(Token { kind, start, end: i });
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_select_with_trailing_semicolon_and_comments() {
        let sql = "-- build silver\nWITH x AS (SELECT 1 AS a) SELECT a FROM x; -- done\n";
        assert_eq!(
            validate_select(sql).unwrap(),
            "-- build silver\nWITH x AS (SELECT 1 AS a) SELECT a FROM x"
        );
    }

    #[test]
    fn refuses_ddl_dml_and_two_statements() {
        assert_eq!(
            validate_select("DROP TABLE bronze.orders"),
            Err(SandboxError::NotASelect("DROP".into()))
        );
        assert_eq!(
            validate_select("SELECT 1; DELETE FROM bronze.orders"),
            Err(SandboxError::MultipleStatements(10))
        );
        assert_eq!(
            validate_select("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d"),
            Err(SandboxError::ForbiddenKeyword("DELETE".into()))
        );
    }

    #[test]
    fn keywords_inside_strings_and_identifiers_are_data() {
        assert!(validate_select("SELECT 'drop table x; insert' AS \"delete\" FROM t").is_ok());
        assert!(validate_select("SELECT number FROM system.numbers LIMIT 3").is_ok());
        assert_eq!(
            validate_select("SYSTEM RELOAD DICTIONARIES"),
            Err(SandboxError::NotASelect("SYSTEM".into()))
        );
    }

    #[test]
    fn refuses_table_functions_and_files_as_tables() {
        assert_eq!(
            validate_select_with("SELECT * FROM url('http://x', CSV, 'a String')", &["url"]),
            Err(SandboxError::ForbiddenFunction("url".into()))
        );
        assert!(validate_select_with("SELECT url AS link FROM t", &["url"]).is_ok());
        assert_eq!(
            validate_select("SELECT * FROM '/etc/passwd'"),
            Err(SandboxError::FileAsTable("'/etc/passwd'".into()))
        );
    }

    /// Every spelling the engines resolve to the same reader is refused by its name.
    #[test]
    fn function_names_are_resolved_as_the_engines_resolve_them() {
        let readers = ["read_csv", "url"];
        for (sql, name) in [
            ("SELECT * FROM \"read_csv\"('/x')", "read_csv"),
            ("SELECT * FROM \"READ_CSV\"('/x')", "READ_CSV"),
            ("SELECT * FROM main.read_csv('/x')", "read_csv"),
            ("SELECT * FROM \"main\".\"read_csv\"('/x')", "read_csv"),
            ("SELECT * FROM system.read_csv /* gap */ ('/x')", "read_csv"),
            ("SELECT * FROM `url`('http://127.0.0.1/', CSV, 'a String')", "url"),
            ("SELECT * FROM \"url\"('http://127.0.0.1/', CSV, 'a String')", "url"),
        ] {
            assert_eq!(
                validate_select_with(sql, &readers),
                Err(SandboxError::ForbiddenFunction(name.into())),
                "{sql}"
            );
        }
    }

    #[test]
    fn functions_that_run_sql_from_strings_are_refused() {
        for (sql, name) in [
            ("SELECT * FROM query('SELECT * FROM read_csv(''/x'')')", "query"),
            ("SELECT * FROM \"Query_Table\"('t')", "Query_Table"),
            (
                "SELECT * FROM json_execute_serialized_sql('{}')",
                "json_execute_serialized_sql",
            ),
        ] {
            assert_eq!(
                validate_select(sql),
                Err(SandboxError::ExecutesSql(name.into())),
                "{sql}"
            );
        }
        assert!(
            validate_select("SELECT query, query_table FROM t").is_ok(),
            "columns of that name are data"
        );
    }

    #[test]
    fn strings_and_paths_in_table_position_are_files() {
        for sql in [
            "SELECT * FROM t, '/etc/passwd'",
            "SELECT * FROM t JOIN 'x.csv' USING (id)",
            "SELECT * FROM \"data/orders.csv\"",
            "SELECT * FROM \"orders.parquet\"",
            "SELECT * FROM (SELECT 1) a, \"s3://bucket/key\"",
        ] {
            assert!(
                matches!(validate_select(sql), Err(SandboxError::FileAsTable(_))),
                "{sql}: {:?}",
                validate_select(sql)
            );
        }
        for sql in [
            "SELECT replace(a, '/', '-'), concat(b, '.csv') FROM t",
            "SELECT * FROM t WHERE a IN ('x', '/y')",
            "SELECT * FROM \"bronze\".\"orders\" o, \"bronze\".\"customers\" c WHERE o.id = c.id",
            "SELECT (SELECT max(x) FROM u), '/y' FROM t",
        ] {
            assert!(validate_select(sql).is_ok(), "{sql}: {:?}", validate_select(sql));
        }
    }

    #[test]
    fn prepared_statements_and_outfiles_are_refused() {
        assert_eq!(
            validate_select("SELECT 1 INTO OUTFILE '/tmp/x'"),
            Err(SandboxError::ForbiddenKeyword("OUTFILE".into()))
        );
        assert_eq!(
            validate_select("WITH x AS (SELECT 1) EXECUTE p"),
            Err(SandboxError::ForbiddenKeyword("EXECUTE".into()))
        );
    }

    #[test]
    fn the_engine_only_screen_trims_and_passes_everything() {
        let screen = Screen::engine_only();
        assert_eq!(
            screen.apply("  SELECT * FROM read_csv('/x'); ", &["read_csv"]).unwrap(),
            "SELECT * FROM read_csv('/x')"
        );
        assert_eq!(screen.apply(" ; ", &[]), Err(SandboxError::Empty));
        assert!(Screen::default()
            .apply("SELECT * FROM read_csv('/x')", &["read_csv"])
            .is_err());
    }

    #[test]
    fn rewrites_qualified_relations_outside_literals() {
        let map = |name: &str| (name == "bronze.orders").then(|| "`sb`.`bronze__orders`".to_string());
        let sql =
            "SELECT o.id, 'bronze.orders' FROM bronze.orders AS o JOIN \"bronze\".\"orders\" p ON 1 -- bronze.orders";
        assert_eq!(
            rewrite_relations(sql, map).unwrap(),
            "SELECT o.id, 'bronze.orders' FROM `sb`.`bronze__orders` AS o JOIN `sb`.`bronze__orders` p ON 1 -- bronze.orders"
        );
        assert_eq!(
            rewrite_relations("SELECT * FROM db.bronze.orders", map).unwrap(),
            "SELECT * FROM db.bronze.orders",
            "a three-part name is someone else's"
        );
    }

    #[test]
    fn unterminated_string_is_an_error() {
        assert_eq!(
            validate_select("SELECT 'abc FROM t"),
            Err(SandboxError::Unterminated("string"))
        );
    }
}
