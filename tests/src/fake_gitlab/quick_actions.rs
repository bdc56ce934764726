//! GitLab's quick actions: a line of a note or of an issue's or merge request's
//! description that starts with `/<command>` (outside a fenced code block) is run as
//! its writer and removed from the text; a note of nothing but quick actions is not
//! saved at all (202 with `commands_changes` and `summary`). The fake records what it
//! would have run, so a test sees when the bot's own text would have closed, merged or
//! relabelled something.

use super::Project;

/// The commands GitLab knows (Free and Premium), lower case.
const COMMANDS: &[&str] = &[
    "approve",
    "assign",
    "assign_reviewer",
    "award",
    "blocked_by",
    "blocks",
    "clone",
    "close",
    "confidential",
    "copy_metadata",
    "done",
    "draft",
    "due",
    "duplicate",
    "epic",
    "estimate",
    "label",
    "lock",
    "merge",
    "milestone",
    "move",
    "promote",
    "promote_to_incident",
    "ready",
    "reassign",
    "reassign_reviewer",
    "rebase",
    "relabel",
    "relate",
    "remove_due_date",
    "remove_estimate",
    "remove_milestone",
    "reopen",
    "request_review",
    "shrug",
    "spend",
    "submit_review",
    "subscribe",
    "tableflip",
    "target_branch",
    "title",
    "todo",
    "unapprove",
    "unassign",
    "unassign_reviewer",
    "unlabel",
    "unlock",
    "unsubscribe",
    "weight",
];

/// A quick action GitLab ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuickAction {
    /// Who wrote it: GitLab runs it with this user's permissions.
    pub author: String,
    /// The whole line, e.g. `/close`.
    pub line: String,
}

/// `text` with its quick-action lines removed, each recorded as run by `author`.
pub(crate) fn run(p: &mut Project, author: &str, text: &str) -> String {
    let mut fenced = false;
    let mut kept = Vec::new();
    for line in text.split('\n') {
        let rest = line.trim_start_matches(' ');
        if rest.starts_with("```") || rest.starts_with("~~~") {
            fenced = !fenced;
        }
        let command = line
            .strip_prefix('/')
            .map(|c| c.split(' ').next().unwrap_or_default().to_lowercase());
        match command {
            Some(c) if !fenced && COMMANDS.contains(&c.as_str()) => p.quick_actions.push(QuickAction {
                author: author.to_string(),
                line: line.to_string(),
            }),
            _ => kept.push(line),
        }
    }
    kept.join("\n").trim().to_string()
}
