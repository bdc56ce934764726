//! The JSON checklist. Its shape is [`crate::result::Checklist`]; the JSON Schema
//! that documents it is [`SCHEMA`].

use crate::result::Checklist;

/// The JSON Schema (draft 2020-12) of the checklist document, version 1.
pub const SCHEMA: &str = include_str!("../../schema/checklist.v1.json");

/// Pretty-printed JSON with a trailing newline.
pub fn render(checklist: &Checklist) -> String {
    let mut s = serde_json::to_string_pretty(checklist).expect("a checklist always serializes");
    s.push('\n');
    s
}
