//! `/hallmark recheck`: checks a pull request's branch again and updates its checklist.

use super::{Cx, HandlerError};
use crate::git::{checkout_branch, head_commit, track_remote_branch};
use hallmark_checks::runner::{run_checks, NoProgress, RunOptions, Selection};

/// Rechecks the pull request's head, or says it works on pull requests only.
pub fn run(cx: &Cx<'_>) -> Result<(), HandlerError> {
    if !cx.t.pull_request {
        return cx.reply("`/hallmark recheck` works on a pull request.");
    }
    let head = cx.block_on(cx.forge.pull_head(&cx.t.repo, cx.t.number))?;
    let (dir, _) = cx.fresh_clone(&format!("job-{}", cx.job.id))?;
    track_remote_branch(&dir, &head)?;
    checkout_branch(&dir, &head)?;
    let sha = head_commit(&dir)?;
    let (project, warehouse) = cx.project_and_warehouse(&dir)?;
    let checklist = run_checks(
        &project,
        warehouse.as_ref(),
        &Selection::default(),
        &RunOptions::default(),
        &NoProgress,
    );
    let _ = std::fs::remove_dir_all(&dir);
    cx.post_checklist(cx.t.number, &sha, &checklist)
}
