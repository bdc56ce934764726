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
    /// A function that tells about the host, the server or its other users (settings,
    /// the catalogue, the environment) rather than the declared data.
    #[error("`{0}(...)` reads the engine's settings or catalogue, not the declared data")]
    Introspection(String),
    /// A relation the product did not declare: another database, a system table,
    /// another job's scratch tables.
    #[error("`{0}` is not a relation this SQL may read: name a declared source, an upstream product or a CTE (may read: {1})")]
    UndeclaredRelation(String, String),
    /// A table function that is not one of the few that only generate rows.
    #[error("`{0}(...)` is not a table function this SQL may read from (allowed: {1})")]
    TableFunction(String, String),
    /// A string literal or a path-like quoted name in table position, which some
    /// warehouses read as a file.
    #[error("`{0}` after FROM or JOIN reads a file; declare the data as a source in the spec instead")]
    FileAsTable(String),
    /// A string, quoted identifier or comment that never ends.
    #[error("unterminated {0}")]
    Unterminated(&'static str),
    /// Text the engines could read in more than one way, refused rather than guessed.
    #[error("{0} at byte {1} is not allowed: the engine and the sandbox could read it differently")]
    Ambiguous(&'static str, usize),
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

/// Keywords that end a FROM clause's list of relations at its own depth. (`ON` and
/// `USING` do not: `FROM a JOIN b ON a.id = b.id, c` names `c` too.)
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
    "SELECT",
    "PREWHERE",
    "SETTINGS",
    "FORMAT",
    "SAMPLE",
    "FINAL",
    "ARRAY",
];

/// How an engine reads SQL text: which quotes take backslash escapes, which strings
/// exist. The screen must read a statement exactly as its engine does, or a name
/// hidden in what it took for a string would pass unseen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lexing {
    /// DuckDB (PostgreSQL's scanner): `'...'` and `"..."` escape their quote by
    /// doubling it, a backslash is an ordinary character except in `E'...'`;
    /// `$tag$...$tag$` strings; `$` may continue a name.
    #[default]
    DuckDb,
    /// ClickHouse: `'...'`, `"..."` and `` `...` `` take backslash escapes as well as
    /// a doubled quote; `$tag$...$tag$` heredocs (newer releases).
    ClickHouse,
}

/// What the screen allows a statement to name, per engine: the relations the run
/// declared, the table functions that only generate rows, and the functions that
/// read files or the engine's own state.
#[derive(Debug, Clone, Default)]
pub struct Rules<'a> {
    /// How the engine reads text.
    pub lexing: Lexing,
    /// Functions that read files, URLs or other servers.
    pub readers: &'a [&'a str],
    /// Functions (and prefixes ending in `_`) that read settings, the catalogue or
    /// the host.
    pub introspection: &'a [&'a str],
    /// Table functions that only generate rows (`range`, `unnest`).
    pub table_functions: &'a [&'a str],
    /// The relations the statement may read, by their logical names; `None` checks
    /// no relation (a statement screened before any warehouse exists).
    pub relations: Option<&'a std::collections::BTreeSet<String>>,
}

impl Rules<'_> {
    /// `name` as the engine compares it: DuckDB folds case even in quotes.
    fn fold(&self, name: &str) -> String {
        match self.lexing {
            Lexing::DuckDb => name.to_lowercase(),
            Lexing::ClickHouse => name.to_string(),
        }
    }

    fn is_introspection(&self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        self.introspection.iter().any(|f| {
            let f = f.to_ascii_lowercase();
            match f.strip_suffix('*') {
                Some(prefix) => lower.starts_with(prefix),
                None => lower == f,
            }
        })
    }
}

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

    /// Screens `sql` by `rules` unless switched off; returns the statement to run.
    pub fn apply(&self, sql: &str, rules: &Rules<'_>) -> Result<String, SandboxError> {
        if self.lexer_off {
            let trimmed = sql.trim().trim_end_matches(';').trim_end();
            return if trimmed.is_empty() {
                Err(SandboxError::Empty)
            } else {
                Ok(trimmed.to_string())
            };
        }
        screen(sql, rules)
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
/// since sources must be declared in the spec. Relations are not checked.
pub fn validate_select_with(sql: &str, functions: &[&str]) -> Result<String, SandboxError> {
    screen(
        sql,
        &Rules {
            readers: functions,
            ..Rules::default()
        },
    )
}

/// The statement's relations as the screen reads them: every name in a relation's
/// position (a CTE's too, where it is read), resolved as the engine resolves it
/// (unquoted, folded, dotted parts joined by `.`), in order. The property tests hold
/// it to what the engine's own parser finds.
pub fn relations(sql: &str, lexing: Lexing) -> Result<Vec<String>, SandboxError> {
    let tokens = lex(sql, lexing)?;
    let rules = Rules {
        lexing,
        ..Rules::default()
    };
    Ok(walk(sql, &tokens, &rules)?
        .into_iter()
        .filter(|r| !r.cte)
        .map(|r| r.name)
        .collect())
}

/// The strings and quoted names of `sql` as the screen reads them (unquoted,
/// unescaped), in order, for the test that holds each to the engine's reading.
pub fn literals(sql: &str, lexing: Lexing) -> Result<Vec<String>, SandboxError> {
    Ok(lex(sql, lexing)?
        .into_iter()
        .filter(|t| matches!(t.kind, TokenKind::Str | TokenKind::QuotedIdent))
        .map(|t| t.value)
        .collect())
}

/// The screen itself: one SELECT, no forbidden keyword or function, and only the
/// relations and table functions `rules` allows.
pub fn screen(sql: &str, rules: &Rules<'_>) -> Result<String, SandboxError> {
    let tokens = lex(sql, rules.lexing)?;
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
    for (i, t) in tokens.iter().enumerate() {
        if t.kind == TokenKind::Word {
            let upper = t.text(sql).to_ascii_uppercase();
            if FORBIDDEN.contains(&upper.as_str()) {
                return Err(SandboxError::ForbiddenKeyword(upper));
            }
        }
        if t.is_identifier() && tokens.get(i + 1).is_some_and(|n| n.is_punct(sql, '(')) {
            // Both engines resolve function names without regard to case or quotes,
            // and a schema qualifier (`main.`, `system.`) names the same function.
            let name = t.value.as_str();
            if EXECUTES_SQL.iter().any(|f| f.eq_ignore_ascii_case(name)) {
                return Err(SandboxError::ExecutesSql(name.to_string()));
            }
            if rules.readers.iter().any(|f| f.eq_ignore_ascii_case(name)) {
                return Err(SandboxError::ForbiddenFunction(name.to_string()));
            }
            if rules.is_introspection(name) {
                return Err(SandboxError::Introspection(name.to_string()));
            }
        }
    }
    let named = walk(sql, &tokens, rules)?;
    if let Some(allowed) = rules.relations {
        let ctes: Vec<&str> = named.iter().filter(|r| r.cte).map(|r| r.name.as_str()).collect();
        for r in named.iter().filter(|r| !r.cte) {
            let declared = allowed.iter().any(|a| rules.fold(a) == r.name);
            let a_cte = !r.name.contains('.') && ctes.contains(&r.name.as_str());
            if !declared && !a_cte {
                let list = allowed.iter().cloned().collect::<Vec<_>>().join(", ");
                return Err(SandboxError::UndeclaredRelation(r.shown.clone(), list));
            }
        }
    }
    let end = tokens.iter().rev().find(|t| !t.is_punct(sql, ';')).map_or(0, |t| t.end);
    Ok(sql[..end].trim().to_string())
}

/// A name the statement reads from.
#[derive(Debug)]
struct Named {
    /// As the engine resolves it.
    name: String,
    /// As written, for messages.
    shown: String,
    /// True for a CTE's own name where it is defined.
    cte: bool,
}

/// Words that may stand where a relation is expected without being one.
const NOT_RELATIONS: &[&str] = &[
    "SELECT",
    "WITH",
    "VALUES",
    "RECURSIVE",
    "LATERAL",
    "ONLY",
    "TABLE",
    "SUMMARIZE",
    "DESCRIBE",
    "SHOW",
];

/// Of [`NOT_RELATIONS`], those a relation follows (`LATERAL t`, `(SUMMARIZE t)`).
const BEFORE_RELATIONS: &[&str] = &["LATERAL", "ONLY", "TABLE", "SUMMARIZE", "DESCRIBE", "SHOW"];

/// Goes through the statement once, finding every relation it names (and refusing
/// table functions, strings and paths where a relation stands).
fn walk(sql: &str, tokens: &[Token], rules: &Rules<'_>) -> Result<Vec<Named>, SandboxError> {
    let mut named = Vec::new();
    let mut depth = 0usize;
    let mut open_lists: Vec<usize> = Vec::new();
    let mut expect = false;
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        let upper = match t.kind {
            TokenKind::Word => t.text(sql).to_ascii_uppercase(),
            _ => String::new(),
        };
        // A CTE: `name AS (`, `name AS [NOT] MATERIALIZED (`, `name (cols) AS (`.
        if t.is_identifier() && is_cte_definition(sql, tokens, i) {
            named.push(Named {
                name: rules.fold(&t.value),
                shown: t.text(sql).to_string(),
                cte: true,
            });
        }
        if expect {
            match t.kind {
                TokenKind::Str => return Err(SandboxError::FileAsTable(t.text(sql).to_string())),
                TokenKind::Punct if t.is_punct(sql, '(') => {
                    // A subquery, or a parenthesized join whose first relation
                    // stands right inside: the next token is looked at too.
                    depth += 1;
                    i += 1;
                    continue;
                }
                TokenKind::Word if NOT_RELATIONS.contains(&upper.as_str()) => {
                    expect = BEFORE_RELATIONS.contains(&upper.as_str());
                    i += 1;
                    continue;
                }
                TokenKind::Word | TokenKind::QuotedIdent if upper != "FROM" => {
                    // A dotted name, then perhaps a call.
                    let mut parts = vec![t.value.clone()];
                    let mut j = i;
                    while tokens.get(j + 1).is_some_and(|d| d.is_punct(sql, '.'))
                        && tokens.get(j + 2).is_some_and(Token::is_identifier)
                    {
                        parts.push(tokens[j + 2].value.clone());
                        j += 2;
                    }
                    let shown = sql[t.start..tokens[j].end].to_string();
                    if tokens.get(j + 1).is_some_and(|n| n.is_punct(sql, '(')) {
                        let name = parts.last().cloned().unwrap_or_default();
                        let allowed =
                            parts.len() == 1 && rules.table_functions.iter().any(|f| f.eq_ignore_ascii_case(&name));
                        if !allowed && rules.relations.is_some() {
                            return Err(SandboxError::TableFunction(shown, rules.table_functions.join(", ")));
                        }
                    } else {
                        if t.kind == TokenKind::QuotedIdent && parts.len() == 1 && looks_like_path(&t.value) {
                            return Err(SandboxError::FileAsTable(t.text(sql).to_string()));
                        }
                        named.push(Named {
                            name: rules.fold(&parts.join(".")),
                            shown,
                            cte: false,
                        });
                    }
                    expect = false;
                    i = j + 1;
                    continue;
                }
                _ => expect = false,
            }
        }
        if t.is_punct(sql, '(') {
            depth += 1;
        } else if t.is_punct(sql, ')') {
            open_lists.retain(|&d| d < depth);
            depth = depth.saturating_sub(1);
        } else if t.is_punct(sql, ',') && open_lists.last() == Some(&depth) {
            expect = true;
        } else if t.kind == TokenKind::Word {
            let after_paren = i > 0 && tokens[i - 1].is_punct(sql, '(');
            match upper.as_str() {
                "FROM" => {
                    open_lists.retain(|&d| d != depth);
                    open_lists.push(depth);
                    expect = true;
                }
                // `ARRAY JOIN` joins an array column, not a relation (ClickHouse).
                "JOIN" => expect = !(i > 0 && tokens[i - 1].text(sql).eq_ignore_ascii_case("ARRAY")),
                "PIVOT" | "UNPIVOT" | "PIVOT_WIDER" | "PIVOT_LONGER" => expect = true,
                // DuckDB runs these inside a subquery: `FROM (SUMMARIZE t)`.
                "SUMMARIZE" | "DESCRIBE" | "SHOW" if after_paren => expect = true,
                // ClickHouse reads `x IN t` as a table's rows (`x IN tuple(1, 2)` is
                // a value).
                "IN" if rules.lexing == Lexing::ClickHouse => {
                    expect = tokens.get(i + 1).is_some_and(Token::is_identifier)
                        && !tokens.get(i + 2).is_some_and(|n| n.is_punct(sql, '('));
                }
                w if ENDS_FROM_LIST.contains(&w) => open_lists.retain(|&d| d != depth),
                _ => {}
            }
        }
        i += 1;
    }
    Ok(named)
}

/// True when token `i` names a CTE being defined: after `WITH`, `RECURSIVE` or a
/// comma, followed by `AS (`.
fn is_cte_definition(sql: &str, tokens: &[Token], i: usize) -> bool {
    let word = |k: usize, w: &str| {
        tokens
            .get(k)
            .is_some_and(|t| t.kind == TokenKind::Word && t.text(sql).eq_ignore_ascii_case(w))
    };
    let paren = |k: usize| tokens.get(k).is_some_and(|t| t.is_punct(sql, '('));
    let starts_definition =
        i > 0 && (word(i - 1, "WITH") || word(i - 1, "RECURSIVE") || tokens[i - 1].is_punct(sql, ','));
    if !starts_definition {
        return false;
    }
    let mut k = i + 1;
    if paren(k) {
        // `name (a, b) AS (`: skip the column list.
        let mut depth = 0;
        while let Some(t) = tokens.get(k) {
            if t.is_punct(sql, '(') {
                depth += 1;
            } else if t.is_punct(sql, ')') {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            k += 1;
        }
        k += 1;
    }
    if !word(k, "AS") {
        return false;
    }
    k += 1;
    if word(k, "NOT") {
        k += 1;
    }
    if word(k, "MATERIALIZED") {
        k += 1;
    }
    paren(k)
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

/// Replaces every qualified relation reference `a.b` (bare or quoted parts, outside
/// strings and comments) for which `resolve("a.b")` answers with its answer. A
/// warehouse whose sandbox is not one schema per level uses it to point a product's
/// SQL at where its sources and upstream products really are. It reads the SQL as
/// ClickHouse does, the one engine that needs it.
pub fn rewrite_relations(sql: &str, resolve: impl Fn(&str) -> Option<String>) -> Result<String, SandboxError> {
    let tokens = lex(sql, Lexing::ClickHouse)?;
    let mut out = String::with_capacity(sql.len());
    let mut copied = 0;
    let mut i = 0;
    while i + 2 < tokens.len() {
        let (a, dot, b) = (&tokens[i], &tokens[i + 1], &tokens[i + 2]);
        let qualified_before = i > 0 && tokens[i - 1].is_punct(sql, '.');
        let qualified_after = tokens.get(i + 3).is_some_and(|t| t.is_punct(sql, '.'));
        if a.is_identifier() && dot.is_punct(sql, '.') && b.is_identifier() && !qualified_before && !qualified_after {
            let name = format!("{}.{}", a.value, b.value);
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
    /// `'text'`, `E'text'`, `$$text$$`.
    Str,
    /// Anything else, one character (or a run of digits) at a time.
    Punct,
}

#[derive(Debug, Clone)]
struct Token {
    kind: TokenKind,
    start: usize,
    end: usize,
    /// A word as written; a quoted name or a string as the engine reads it
    /// (unquoted, unescaped).
    value: String,
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
}

/// Reads a quoted piece starting at `open` (the quote), as `lexing` reads it: the
/// doubled quote always stands for itself; a backslash escapes the next character
/// where `backslash` says so. Returns the byte after the closing quote and the
/// unescaped content.
fn quoted(sql: &str, open: usize, backslash: bool, what: &'static str) -> Result<(usize, String), SandboxError> {
    let bytes = sql.as_bytes();
    let q = bytes[open];
    let mut value = String::new();
    let mut j = open + 1;
    loop {
        match bytes.get(j) {
            None => return Err(SandboxError::Unterminated(what)),
            Some(&b) if b == q && bytes.get(j + 1) == Some(&q) => {
                value.push(q as char);
                j += 2;
            }
            Some(&b) if b == q => return Ok((j + 1, value)),
            Some(&b'\\') if backslash => {
                let next = sql[j + 1..].chars().next().ok_or(SandboxError::Unterminated(what))?;
                value.push(match next {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    '0' => '\0',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    other => other,
                });
                j += 1 + next.len_utf8();
            }
            Some(_) => {
                let c = sql[j..].chars().next().unwrap_or('\0');
                value.push(c);
                j += c.len_utf8().max(1);
            }
        }
    }
}

/// The tag of a dollar quote opening at `i` (`$$` → "", `$x$` → "x"), if one does.
fn dollar_tag(sql: &str, i: usize) -> Option<&str> {
    let rest = &sql[i + 1..];
    let close = rest.find('$')?;
    let tag = &rest[..close];
    let ok = tag.is_empty()
        || (tag.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || !c.is_ascii())
            && tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii()));
    ok.then_some(tag)
}

/// True for a character that continues a bare name in `lexing`.
fn continues_word(c: char, lexing: Lexing) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii() || (c == '$' && lexing == Lexing::DuckDb)
}

/// Splits SQL into tokens as the engine's scanner does, skipping whitespace and
/// comments. What two engines (or two releases) could read differently is refused:
/// a comment inside a comment, ClickHouse's `#`.
fn lex(sql: &str, lexing: Lexing) -> Result<Vec<Token>, SandboxError> {
    let bytes = sql.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let (kind, value) = match c {
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let body = &sql[i + 2..];
                let close = body.find("*/").ok_or(SandboxError::Unterminated("comment"))?;
                if let Some(inner) = body[..close].find("/*") {
                    return Err(SandboxError::Ambiguous("a comment inside a comment", i + 2 + inner));
                }
                i += 2 + close + 2;
                continue;
            }
            b'#' if lexing == Lexing::ClickHouse => {
                return Err(SandboxError::Ambiguous(
                    "`#` (a comment on some ClickHouse releases)",
                    i,
                ));
            }
            b'\'' => {
                let (end, value) = quoted(sql, i, lexing == Lexing::ClickHouse, "string")?;
                i = end;
                (TokenKind::Str, value)
            }
            b'"' => {
                let (end, value) = quoted(sql, i, lexing == Lexing::ClickHouse, "quoted identifier")?;
                i = end;
                (TokenKind::QuotedIdent, value)
            }
            b'`' if lexing == Lexing::ClickHouse => {
                let (end, value) = quoted(sql, i, true, "quoted identifier")?;
                i = end;
                (TokenKind::QuotedIdent, value)
            }
            b'$' if dollar_tag(sql, i).is_some() => {
                let tag = dollar_tag(sql, i).unwrap_or_default();
                let delimiter = format!("${tag}$");
                let body = i + delimiter.len();
                let close = sql[body..]
                    .find(&delimiter)
                    .ok_or(SandboxError::Unterminated("dollar-quoted string"))?;
                i = body + close + delimiter.len();
                (TokenKind::Str, sql[body..body + close].to_string())
            }
            _ if c.is_ascii_alphabetic() || c == b'_' || !c.is_ascii() => {
                // `E'...'`: DuckDB's string with backslash escapes.
                if lexing == Lexing::DuckDb && (c == b'e' || c == b'E') && bytes.get(i + 1) == Some(&b'\'') {
                    let (end, value) = quoted(sql, i + 1, true, "string")?;
                    i = end;
                    tokens.push(Token {
                        kind: TokenKind::Str,
                        start,
                        end: i,
                        value,
                    });
                    continue;
                }
                while let Some(ch) = sql[i..].chars().next().filter(|&ch| continues_word(ch, lexing)) {
                    i += ch.len_utf8();
                }
                (TokenKind::Word, sql[start..i].to_string())
            }
            _ if c.is_ascii_digit() => {
                while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                (TokenKind::Punct, sql[start..i].to_string())
            }
            _ if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            _ => {
                i += sql[i..].chars().next().map_or(1, char::len_utf8);
                (TokenKind::Punct, sql[start..i].to_string())
            }
        };
        tokens.push(Token {
            kind,
            start,
            end: i,
            value,
        });
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
            // Back-quoted names are ClickHouse's.
            let rules = Rules {
                lexing: if sql.contains('`') {
                    Lexing::ClickHouse
                } else {
                    Lexing::DuckDb
                },
                readers: &readers,
                ..Rules::default()
            };
            assert_eq!(
                screen(sql, &rules),
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
        let readers = Rules {
            readers: &["read_csv"],
            ..Rules::default()
        };
        assert_eq!(
            screen.apply("  SELECT * FROM read_csv('/x'); ", &readers).unwrap(),
            "SELECT * FROM read_csv('/x')"
        );
        assert_eq!(screen.apply(" ; ", &readers), Err(SandboxError::Empty));
        assert!(Screen::default()
            .apply("SELECT * FROM read_csv('/x')", &readers)
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

    fn scoped<'a>(lexing: Lexing, declared: &'a std::collections::BTreeSet<String>) -> Rules<'a> {
        Rules {
            lexing,
            readers: &[],
            introspection: &["current_setting", "duckdb_*", "hostName"],
            table_functions: &["range", "unnest"],
            relations: Some(declared),
        }
    }

    fn declared() -> std::collections::BTreeSet<String> {
        ["bronze.orders", "silver.orders"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn only_declared_relations_and_ctes_may_be_named() {
        let d = declared();
        let duck = scoped(Lexing::DuckDb, &d);
        for ok in [
            "SELECT * FROM bronze.orders",
            "SELECT * FROM \"BRONZE\".\"Orders\" o JOIN silver.orders s ON o.id = s.id",
            "WITH x AS (SELECT * FROM bronze.orders), y (a) AS MATERIALIZED (SELECT 1) SELECT * FROM x, y",
            "SELECT * FROM range(10) r, unnest([1, 2]) u",
            "SELECT (SELECT max(id) FROM bronze.orders) AS m",
            "SELECT o.id, o.x FROM bronze.orders AS o WHERE o.id IN (SELECT id FROM silver.orders)",
            "SELECT show, describe FROM bronze.orders",
        ] {
            assert!(screen(ok, &duck).is_ok(), "{ok}: {:?}", screen(ok, &duck));
        }
        for (bad, named) in [
            ("SELECT * FROM information_schema.tables", "information_schema.tables"),
            ("SELECT * FROM bronze.orders, duckdb_tables", "duckdb_tables"),
            (
                "SELECT * FROM (sqlite_master JOIN bronze.orders ON true)",
                "sqlite_master",
            ),
            (
                "SELECT * FROM bronze.orders a JOIN bronze.orders b ON a.id = b.id, other.t",
                "other.t",
            ),
            ("SELECT * FROM memory.bronze.orders", "memory.bronze.orders"),
            ("SELECT * FROM bronze.orders WHERE id IN (FROM secret.t)", "secret.t"),
            ("SELECT * FROM (SUMMARIZE secret.t)", "secret.t"),
            ("SELECT * FROM LATERAL secret.t", "secret.t"),
            ("SELECT * FROM x", "x"),
        ] {
            match screen(bad, &duck) {
                Err(SandboxError::UndeclaredRelation(n, _)) => assert_eq!(n, named, "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert!(matches!(
            screen("SELECT * FROM generate_series(1, 3)", &duck),
            Err(SandboxError::TableFunction(..))
        ));
        for f in [
            "SELECT current_setting('temp_directory') AS x",
            "SELECT * FROM duckdb_settings()",
            "SELECT * FROM main.\"DUCKDB_EXTENSIONS\"()",
        ] {
            assert!(matches!(screen(f, &duck), Err(SandboxError::Introspection(_))), "{f}");
        }
        let ch = scoped(Lexing::ClickHouse, &d);
        assert!(screen("SELECT tag FROM bronze.orders ARRAY JOIN tags AS tag, more AS m", &ch).is_ok());
        match screen("SELECT 1 FROM bronze.orders WHERE id IN system.processes", &ch) {
            Err(SandboxError::UndeclaredRelation(n, _)) => assert_eq!(n, "system.processes"),
            other => panic!("{other:?}"),
        }
        assert!(screen("SELECT 1 FROM bronze.orders WHERE id IN (1, 2)", &ch).is_ok());
        assert!(screen("SELECT 1 FROM bronze.orders WHERE id IN tuple(1, 2)", &ch).is_ok());
        assert!(matches!(
            screen("SELECT * FROM Bronze.orders", &ch),
            Err(SandboxError::UndeclaredRelation(..))
        ));
    }

    #[test]
    fn strings_and_names_are_read_as_each_engine_reads_them() {
        let d = declared();
        let duck = scoped(Lexing::DuckDb, &d);
        let ch = scoped(Lexing::ClickHouse, &d);
        // DuckDB: a backslash ends nothing, so what follows the string is read.
        let sql = r"SELECT 'a\' AS x FROM secret.t --'";
        assert!(matches!(screen(sql, &duck), Err(SandboxError::UndeclaredRelation(..))));
        // ClickHouse: the same backslash escapes the quote; all of it is one string.
        assert!(screen(sql, &ch).is_ok(), "{:?}", screen(sql, &ch));
        assert_eq!(literals(sql, Lexing::ClickHouse).unwrap(), ["a' AS x FROM secret.t --"]);
        // DuckDB's E'' strings do take backslashes.
        assert!(screen(r"SELECT E'a\' FROM secret.t' AS x FROM bronze.orders", &duck).is_ok());
        // Dollar quotes hide nothing from the screen.
        let sql = "SELECT $$ ' $$ AS x, * FROM secret.t --'";
        assert!(matches!(screen(sql, &duck), Err(SandboxError::UndeclaredRelation(..))));
        let sql = "SELECT $tag$ ' $$ $tag$ AS x FROM secret.t --'";
        assert!(matches!(screen(sql, &duck), Err(SandboxError::UndeclaredRelation(..))));
        // ClickHouse: `\"` stays inside a quoted name.
        let sql = r#"SELECT 1 AS "x\" ' ", * FROM system.processes -- '"#;
        assert!(matches!(screen(sql, &ch), Err(SandboxError::UndeclaredRelation(..))));
        let sql = r"SELECT 1 AS `x\` ' `, * FROM system.processes -- '";
        assert!(matches!(screen(sql, &ch), Err(SandboxError::UndeclaredRelation(..))));
        // What engines or releases read differently is refused.
        for (sql, rules) in [
            ("SELECT 1 /* /* */ ' */ FROM secret.t --'", &duck),
            ("SELECT 1 AS x # ' \n FROM system.processes --'", &ch),
        ] {
            assert!(matches!(screen(sql, rules), Err(SandboxError::Ambiguous(..))), "{sql}");
        }
        assert_eq!(
            relations("SELECT * FROM \"a\"\"b\".c, d.\"E\"", Lexing::DuckDb).unwrap(),
            ["a\"b.c", "d.e"]
        );
        assert_eq!(
            relations(r"SELECT * FROM `a\`b`.c, d.`E`", Lexing::ClickHouse).unwrap(),
            ["a`b.c", "d.E"]
        );
    }
}
