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
    let (words, end) = words_outside_literals(sql)?;
    let first = words.first().ok_or(SandboxError::Empty)?;
    if let Some(pos) = words.iter().find_map(|w| w.semicolon_then_more) {
        return Err(SandboxError::MultipleStatements(pos));
    }
    let head = first.text.to_ascii_uppercase();
    if !matches!(head.as_str(), "SELECT" | "WITH" | "FROM" | "(") {
        return Err(SandboxError::NotASelect(first.text.clone()));
    }
    if let Some(w) = words
        .iter()
        .find(|w| FORBIDDEN.contains(&w.text.to_ascii_uppercase().as_str()))
    {
        return Err(SandboxError::ForbiddenKeyword(w.text.to_ascii_uppercase()));
    }
    Ok(sql[..end].trim().to_string())
}

struct Word {
    text: String,
    /// Set on the first word after a `;`: its byte offset.
    semicolon_then_more: Option<usize>,
}

/// Splits SQL into bare words (identifiers and keywords) and `(`, skipping strings,
/// quoted identifiers and comments, and noting any word that follows a `;`. Also
/// returns the byte offset just past the last token that is not a `;` or a comment.
fn words_outside_literals(sql: &str) -> Result<(Vec<Word>, usize), SandboxError> {
    let bytes = sql.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    let mut after_semicolon = false;
    let mut end = 0;
    let push = |words: &mut Vec<Word>, text: String, at: usize, after: &mut bool| {
        words.push(Word {
            text,
            semicolon_then_more: if *after { Some(at) } else { None },
        });
        *after = false;
    };
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let close = sql[i + 2..].find("*/").ok_or(SandboxError::Unterminated("comment"))?;
                i += 2 + close + 2;
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
                if after_semicolon {
                    push(&mut words, String::from("<literal>"), i, &mut after_semicolon);
                }
                i = j + 1;
                end = i;
            }
            b';' => {
                after_semicolon = true;
                i += 1;
            }
            b'(' => {
                push(&mut words, "(".into(), i, &mut after_semicolon);
                i += 1;
                end = i;
            }
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                push(&mut words, sql[start..i].to_string(), start, &mut after_semicolon);
                end = i;
            }
            _ if c.is_ascii_whitespace() => i += 1,
            _ => {
                if after_semicolon {
                    push(&mut words, (c as char).to_string(), i, &mut after_semicolon);
                }
                i += 1;
                end = i;
            }
        }
    }
    Ok((words, end))
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
    fn unterminated_string_is_an_error() {
        assert_eq!(
            validate_select("SELECT 'abc FROM t"),
            Err(SandboxError::Unterminated("string"))
        );
    }
}
