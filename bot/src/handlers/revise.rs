//! `/hallmark revise <feedback>`: re-runs the promotion of a pull request's product on
//! its branch with the reviewer's feedback and the pull request's review comments in
//! the request, commits on top (never a force push), and updates the checklist.

use super::promote::Tracker;
use super::{Cx, HandlerError};
use crate::agent::context::PromotionRequest;
use crate::git::{checkout_branch, commit_promotion, detach_head, push_branch, track_remote_branch};
use hallmark_checks::spec::ProductSpec;
use hallmark_checks::Level;

/// Revises and answers the reviewer with the new commit and the verdict.
pub fn run(cx: &Cx<'_>, feedback: &str) -> Result<(), HandlerError> {
    if !cx.trigger.pull_request {
        return cx.reply("`/hallmark revise` works on a pull request Hallmark opened.");
    }
    let reply = revise(cx, feedback)?;
    cx.reply(&reply)
}

/// The request that drafts the product `spec` describes again, with `feedback` after
/// its description; `None` when it names no source.
pub(crate) fn again(spec: &ProductSpec, feedback: &str) -> Option<PromotionRequest> {
    let source = spec
        .sources
        .first()
        .map(|s| s.file.clone().or(s.table.clone()).unwrap_or(s.name.clone()))?;
    Some(PromotionRequest {
        source,
        level: spec.level,
        product: Some(spec.name.clone()),
        text: format!("{}\n\n{feedback}", spec.description.clone().unwrap_or_default()),
        owner: spec.owner.clone(),
    })
}

fn revise(cx: &Cx<'_>, feedback: &str) -> Result<String, HandlerError> {
    let t = cx.trigger;
    let pull = cx.block_on(cx.forge.pull_head(&t.repo, t.number))?;
    if let Some(fork) = &pull.fork {
        return Ok(format!(
            "this pull request's branch `{}` is in the fork `{fork}`, and Hallmark revises only the branches it opened in this repository.",
            pull.branch
        ));
    }
    let head = pull.branch;
    let Some((level, product)) = head
        .strip_prefix("hallmark/")
        .and_then(|rest| rest.split_once('/'))
        .and_then(|(l, p)| l.parse::<Level>().ok().map(|l| (l, p.to_string())))
    else {
        return Ok(format!(
            "`{head}` is not a branch Hallmark opened (`hallmark/<level>/<product>`), so there is nothing to revise."
        ));
    };
    let (dir, credentials) = cx.fresh_clone(&format!("job-{}", cx.job.id))?;
    track_remote_branch(&dir, &head)?;
    checkout_branch(&dir, &head)?;
    detach_head(&dir)?;
    let (project, warehouse) = cx.project_and_warehouse(&dir)?;
    let relation = format!("{level}.{product}");
    let Some(spec) = project.product(&relation).map(|p| p.spec.clone()) else {
        return Ok(format!(
            "the branch `{head}` has no product {relation}, so there is nothing to revise."
        ));
    };
    let reviews = cx.block_on(cx.forge.review_comments(&t.repo, t.number))?;
    let mut text = format!("Reviewer feedback from @{}:\n{feedback}", t.actor);
    if !reviews.is_empty() {
        text.push_str("\n\nReview comments on the pull request:\n");
        text.push_str(&reviews.iter().map(|r| format!("- {r}")).collect::<Vec<_>>().join("\n"));
    }
    let Some(request) = again(&spec, &text) else {
        return Ok(format!("{relation} declares no source, so it cannot be drafted again."));
    };
    let tracker = Tracker::new(cx);
    let promotion = cx.promote(&project, warehouse.as_ref(), &request, &tracker)?;
    cx.stop_if_cancelled()?;
    let committed = commit_promotion(&dir, &promotion)?;
    push_branch(&dir, &cx.remote(), &head, Some(&credentials))?;
    if let Some(checklist) = &promotion.checklist {
        let base = cx.block_on(cx.forge.default_branch(&t.repo))?;
        let diff = cx.data_diff_section(&dir, &format!("origin/{base}"), &committed.commit, &relation);
        cx.post_checklist(t.number, &committed.commit, checklist, Some(&diff))?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(format!(
        "@{} revised with your feedback in commit {} on `{head}` ({} drafter): {}.{}",
        t.actor,
        &committed.commit[..12.min(committed.commit.len())],
        promotion.drafter,
        promotion.summary_line(),
        if promotion.drafter == "rules" {
            " The rules drafter records feedback in PROMOTION.md; a language model configured in `.hallmark.yml` acts on it."
        } else {
            ""
        }
    ))
}
