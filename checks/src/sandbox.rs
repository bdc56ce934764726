//! The statement guard for SQL that Hallmark did not write itself (product transforms,
//! custom checks, later the agent's queries).
//!
//! The warehouse backends add their own walls (a read-only attachment of the user's
//! database, a scratch schema); this guard makes sure the text is one read-only
//! SELECT before it ever reaches them, so a transform cannot smuggle in `DROP TABLE`
//! or a second statement.

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
    /// A string literal in table position, which some warehouses read as a file.
    #[error("a string after FROM or JOIN reads a file; declare the data as a source in the spec instead")]
    FileAsTable,
    /// A string, quoted identifier or comment that never ends.
    #[error("unterminated {0}")]
    Unterminated(&'static str),
}

/// Keywords that have no business in a read-only transform.
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
    "SYSTEM",
    "KILL",
    "USE",
];

/// Checks that `sql` is exactly one SELECT (or WITH … SELECT) with no forbidden
/// keyword outside strings, quoted identifiers and comments. Returns the statement
/// without its trailing semicolon, trailing comments and surrounding whitespace, so
/// that it can be wrapped in a subquery or `CREATE TABLE … AS`.
pub fn validate_select(sql: &str) -> Result<String, SandboxError> {
    validate_select_with(sql, &[])
}

/// [`validate_select`], also refusing calls to `functions` (a warehouse's table
/// functions that read files, URLs or other servers) and a string literal used as a
/// table (`FROM '/etc/passwd'`), since sources must be declared in the spec.
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
    for (i, t) in tokens.iter().enumerate() {
        let next = tokens.get(i + 1);
        match t.kind {
            TokenKind::Word => {
                let upper = t.text(sql).to_ascii_uppercase();
                if FORBIDDEN.contains(&upper.as_str()) {
                    return Err(SandboxError::ForbiddenKeyword(upper));
                }
                if next.is_some_and(|n| n.is_punct(sql, '('))
                    && functions.iter().any(|f| f.eq_ignore_ascii_case(t.text(sql)))
                {
                    return Err(SandboxError::ForbiddenFunction(t.text(sql).to_string()));
                }
                if matches!(upper.as_str(), "FROM" | "JOIN") && next.is_some_and(|n| n.kind == TokenKind::Str) {
                    return Err(SandboxError::FileAsTable);
                }
            }
            TokenKind::Str | TokenKind::QuotedIdent | TokenKind::Punct => {}
        }
    }
    let end = tokens.iter().rev().find(|t| !t.is_punct(sql, ';')).map_or(0, |t| t.end);
    Ok(sql[..end].trim().to_string())
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
            Err(SandboxError::FileAsTable)
        );
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
