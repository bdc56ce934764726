//! The fix pull requests of a standards change: one per product that fails a changed
//! standard, on `hallmark/fix/<product>` based on the branch that changes the
//! standards, in which the drafter revises the product with the failing standards and
//! their figures as feedback, each with its checklist. A fix branch a person has
//! pushed to is left alone.

use crate::agent::job::NoEvents;
use crate::git::{checkout_detached, commit_on_branch, push_branch, track_remote_branch, DEFAULT_AUTHOR};
use crate::handlers::revise::again;
use crate::handlers::{Cx, HandlerError};
use crate::impact::run::Impact;
use hallmark_checks::Status;
use std::path::Path;

/// True when the tip of `branch` (a local branch of the clone at `dir`) was committed
/// by someone other than Hallmark.
fn pushed_by_a_person(dir: &Path, branch: &str) -> Result<bool, HandlerError> {
    let repo = git2::Repository::open(dir).map_err(crate::git::GitError::from)?;
    let tip = repo
        .find_branch(branch, git2::BranchType::Local)
        .and_then(|b| b.get().peel_to_commit())
        .map_err(crate::git::GitError::from)?;
    // Hallmark commits as the clone's git identity, else as its default author.
    let ours = repo
        .signature()
        .ok()
        .and_then(|s| s.email().ok().map(str::to_string))
        .unwrap_or_else(|| DEFAULT_AUTHOR.1.to_string());
    let author = tip.author();
    let by_hallmark = author.email().ok() == Some(ours.as_str());
    Ok(!by_hallmark)
}

/// One pull request per product of `result` that fails a changed standard, from
/// `hallmark/fix/<product>` into `base_ref` (a branch of the clone at `dir`, which is
/// left checked out detached there): the product drafted again with the failing
/// standards as feedback, committed, pushed, proposed, its checklist posted. Returns a
/// line per product for the comment or issue that links them.
pub fn open_fixes(
    cx: &Cx<'_>,
    dir: &Path,
    credentials: &crate::git::GitCredentials,
    result: &Impact,
    base_ref: &str,
    about: &str,
) -> Result<Vec<String>, HandlerError> {
    let t = cx.trigger;
    // The products failing a changed standard at the head, with what fails.
    let failing: Vec<(String, Vec<String>)> = result
        .products
        .iter()
        .filter_map(|p| {
            let broken: Vec<String> = result
                .changes
                .iter()
                .zip(&p.cells)
                .filter(|(_, c)| c.status == Some(Status::Fail))
                .map(|(change, c)| format!("- {}: {}", change.id(), c.figure))
                .collect();
            (!broken.is_empty()).then(|| (p.product.clone(), broken))
        })
        .collect();
    if failing.is_empty() {
        return Ok(Vec::new());
    }
    checkout_detached(dir, &format!("refs/remotes/origin/{base_ref}"))?;
    let (project, warehouse) = cx.project_and_warehouse(dir)?;
    let mut proposed: Vec<String> = Vec::new();
    for (relation, broken) in &failing {
        let branch = format!("hallmark/fix/{relation}");
        if track_remote_branch(dir, &branch)? && pushed_by_a_person(dir, &branch)? {
            proposed.push(format!(
                "- `{relation}`: `{branch}` has commits by a person, so it is left alone"
            ));
            continue;
        }
        let Some(spec) = project.product(relation).map(|p| p.spec.clone()) else {
            continue;
        };
        let feedback = format!(
            "The product no longer meets {about}:\n{}\nRevise it so that it does.",
            broken.join("\n")
        );
        let Some(request) = again(&spec, &feedback) else {
            proposed.push(format!(
                "- `{relation}`: it declares no source, so it cannot be drafted again"
            ));
            continue;
        };
        cx.stop_if_cancelled()?;
        let promotion = cx.promote(&project, warehouse.as_ref(), &request, &NoEvents)?;
        let committed = commit_on_branch(
            dir,
            &branch,
            promotion.files.iter(),
            &promotion.deletions,
            &promotion.commit_message,
        )?;
        push_branch(dir, &cx.remote(), &branch, Some(credentials))?;
        let title = format!("Fix {relation} for {about}");
        let body = format!(
            "Revises `{relation}`, which no longer meets {about}:\n\n{}\n\n{}",
            broken.join("\n"),
            promotion.summary_line()
        );
        let pull = cx.block_on(cx.forge.open_or_update_pull(&t.repo, &branch, base_ref, &title, &body))?;
        if let Some(checklist) = &promotion.checklist {
            let diff = cx.data_diff_section(dir, &format!("origin/{base_ref}"), &committed.commit, relation);
            cx.post_checklist(pull, &committed.commit, checklist, Some(&diff))?;
        }
        proposed.push(format!(
            "- `{relation}`: {} — {}",
            cx.forge.pull_name(pull),
            promotion.summary_line()
        ));
    }
    Ok(proposed)
}
