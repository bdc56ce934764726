//! `/hallmark recheck`: checks a pull request's head again (a fork's too, from the ref
//! the forge keeps for it) and updates its checklist.

use super::{Cx, HandlerError};
use hallmark_checks::runner::{run_checks, NoProgress, RunOptions, Selection};

/// Rechecks the pull request's head, or says it works on pull requests only.
pub fn run(cx: &Cx<'_>) -> Result<(), HandlerError> {
    if !cx.trigger.pull_request {
        return cx.reply("`/hallmark recheck` works on a pull request.");
    }
    let (dir, credentials) = cx.fresh_clone(&format!("job-{}", cx.job.id))?;
    let sha = cx.checkout_pull(&dir, &credentials)?;
    let (project, warehouse) = cx.project_and_warehouse(&dir)?;
    let checklist = run_checks(
        &project,
        warehouse.as_ref(),
        &Selection::default(),
        &RunOptions::default(),
        &NoProgress,
    );
    let _ = std::fs::remove_dir_all(&dir);
    cx.post_checklist(cx.trigger.number, &sha, &checklist, None)
}
