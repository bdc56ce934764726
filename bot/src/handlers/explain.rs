//! `/hallmark explain <standard-id>`: the standard's text and how Hallmark checks it,
//! from the repository's default branch; open to everyone.

use super::{Cx, HandlerError};
use hallmark_checks::Project;

/// Answers with the standard, or the ids there are when `id` is none of them.
pub fn run(cx: &Cx<'_>, comment: u64, id: &str) -> Result<(), HandlerError> {
    let (dir, _) = cx.fresh_clone(&format!("explain-{comment}"))?;
    let loaded = Project::load(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    let project = loaded.map_err(HandlerError::Project)?;
    let Some(s) = project.standards.iter().find(|s| s.id.eq_ignore_ascii_case(id)) else {
        let ids: Vec<&str> = project.standards.iter().map(|s| s.id.as_str()).collect();
        return cx.reply(&format!(
            "`{id}` is not a standard in `{}`; its standards are {}.",
            project.config.standards.display(),
            ids.join(", ")
        ));
    };
    cx.reply(&s.explanation())
}
