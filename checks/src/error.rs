//! Errors that point at the place in a user's file where the problem is.

use std::fmt;
use std::path::PathBuf;

/// A problem found in one of the user's files (standards or product specs).
///
/// Every message names the file and the 1-based line so that a data engineer can
/// jump straight to it from a terminal or a CI log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SourceError {
    /// The file the problem is in, as the user gave it.
    pub file: PathBuf,
    /// The 1-based line of the problem; 0 when it concerns the whole file.
    pub line: usize,
    /// What is wrong, phrased for a person.
    pub message: String,
}

impl SourceError {
    /// Builds an error for `file` at `line` (1-based).
    pub fn new(file: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
        }
    }
}

/// All the problems found in one pass over the user's files.
///
/// Parsers collect every error instead of stopping at the first, so one `hallmark lint`
/// run shows the whole list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SourceErrors(pub Vec<SourceError>);

impl fmt::Display for SourceErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// Finds the 1-based line (offset by `first_line - 1`) of the first line of `text`
/// containing `needle`, used to point semantic errors at the key they concern after
/// serde has already dropped positions. Falls back to `first_line`.
pub fn line_of(text: &str, needle: &str, first_line: usize) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| first_line + i)
        .unwrap_or(first_line)
}

/// Finds the first line at or after `from_line` (1-based) containing `needle`, for
/// pointing at the n-th occurrence of a repeated key in a spec. Falls back to `from_line`.
pub(crate) fn line_after(text: &str, needle: &str, from_line: usize) -> usize {
    text.lines()
        .enumerate()
        .skip(from_line.saturating_sub(1))
        .find(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .unwrap_or(from_line)
}

/// Converts a YAML error into a line relative to a block starting at `first_line`.
pub(crate) fn yaml_error_line(err: &serde_norway::Error, first_line: usize) -> usize {
    err.location()
        .map(|l| first_line + l.line().saturating_sub(1))
        .unwrap_or(first_line)
}

/// Strips serde_norway's trailing " at line X column Y" so that we can print our own,
/// file-relative position instead of the block-relative one.
pub(crate) fn yaml_error_message(err: &serde_norway::Error) -> String {
    let text = err.to_string();
    match text.find(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}
