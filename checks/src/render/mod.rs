//! The forms a checklist is shown in: markdown for PR comments, text for terminals,
//! JSON for machines, JUnit XML for CI test reports.

pub mod json;
pub mod junit;
pub mod markdown;
pub mod text;

use crate::result::Checklist;

/// An output format, as chosen on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// GitHub/GitLab-flavoured markdown.
    Markdown,
    /// The versioned JSON document (`checks/schema/checklist.v1.json`).
    Json,
    /// JUnit XML, one test case per result.
    Junit,
    /// Lines for a person at a terminal.
    Text(text::TextOptions),
}

/// Renders `checklist` in `format`.
pub fn render(checklist: &Checklist, format: Format) -> String {
    match format {
        Format::Markdown => markdown::render(checklist),
        Format::Json => json::render(checklist),
        Format::Junit => junit::render(checklist),
        Format::Text(options) => text::render(checklist, &options),
    }
}
