//! The hidden marker that finds a comment or note of Hallmark's again on any forge:
//! `<!-- hallmark:<key> -->` as its first line, invisible in rendered markdown.

/// The marker of key `key` (`checklist`, `tracking`).
pub fn marker(key: &str) -> String {
    format!("<!-- hallmark:{key} -->")
}

/// A comment's text with its marker first, as the forges' upserts write it.
pub fn marked(key: &str, body: &str) -> String {
    format!("{}\n{body}", marker(key))
}
