//! Promotions: an issue's request (the `promote` label, the request form, or
//! `/hallmark promote`) drafted on a fresh clone, pushed as `hallmark/<level>/<product>`,
//! proposed as a pull (merge) request that closes the issue, with the checklist as
//! one comment; one tracking comment on the issue follows the job. A job that runs
//! again (after a crash, or a second trigger) commits on top of its branch and
//! updates the same pull request and comments.

use super::{Cx, HandlerError};
use crate::agent::context::{resolve, PromotionRequest};
use crate::agent::dbt_model::{commit_model, dbt_project_of, CommitModelError};
use crate::agent::job::{Events, Promotion, Stage};
use crate::forge::Reaction;
use crate::git::{commit_promotion, push_branch, track_remote_branch};
use crate::marker::marked;
use crate::request_form::{parse_issue_body, RequestForm};
use hallmark_checks::Level;

/// Keeps the tracking comment up to date as the promotion moves. The comment is found
/// (or posted) once; later updates edit it by id instead of listing the comments again.
pub struct Tracker<'a> {
    cx: &'a Cx<'a>,
    comment: std::cell::Cell<Option<u64>>,
}

impl<'a> Tracker<'a> {
    /// A tracker for the job's issue.
    pub fn new(cx: &'a Cx<'a>) -> Self {
        Self {
            cx,
            comment: std::cell::Cell::new(None),
        }
    }

    /// Replaces what the tracking comment says; a failure is only logged.
    pub fn say(&self, text: &str) {
        let (cx, t) = (self.cx, self.cx.trigger);
        let body = format!("**Hallmark** is working on this request.\n\n{text}");
        let updated = match self.comment.get() {
            Some(id) => cx.block_on(
                cx.forge
                    .edit_comment(&t.repo, t.thread(), id, &marked("tracking", &body)),
            ),
            None => cx
                .block_on(cx.forge.upsert_comment(&t.repo, t.thread(), "tracking", &body))
                .map(|id| self.comment.set(Some(id))),
        };
        if let Err(e) = updated {
            tracing::warn!(error = %e, "cannot update the tracking comment");
        }
    }
}

impl Events for Tracker<'_> {
    fn stage(&self, stage: &Stage) {
        self.say(&match stage {
            Stage::Profiling { source } => format!("- [x] queued\n- [ ] profiling `{source}`…"),
            Stage::Drafting => "- [x] queued\n- [x] profiled\n- [ ] drafting…".into(),
            Stage::Checking { round } => format!("- [x] queued\n- [x] profiled\n- [x] drafted\n- [ ] checking draft {round}…"),
            Stage::Revising { round, problems } => format!(
                "- [x] queued\n- [x] profiled\n- [x] drafted\n- [ ] revising (draft {round}, {problems} problem(s) to fix)…"
            ),
        });
    }
}

/// A promotion the label or the request form started: only for someone with the
/// permission `/hallmark promote` needs (anyone who can open an issue can send
/// `issues.opened` with the label), with a polite answer for the others.
pub fn on_label(cx: &Cx<'_>, form: &RequestForm) -> Result<(), HandlerError> {
    let required = cx.promote_permission()?;
    if cx.actor_permission()? < required {
        tracing::info!(repo = %cx.trigger.repo, actor = %cx.trigger.actor, "a promotion request below the required permission");
        return cx.reply(&format!(
            "@{} thanks for the request! Starting a promotion here needs {} access; a maintainer can comment `/hallmark promote` on this issue to start it.",
            cx.trigger.actor,
            required.name()
        ));
    }
    request(cx, form)
}

/// `/hallmark promote [level] [source]` on a request issue: its form, with what the
/// command names instead.
pub fn on_command(cx: &Cx<'_>, level: Option<Level>, source: Option<&str>) -> Result<(), HandlerError> {
    if cx.trigger.pull_request {
        return cx.reply("`/hallmark promote` works on an issue that requests a data product.");
    }
    let body = cx.block_on(cx.forge.issue_body(&cx.trigger.repo, cx.trigger.number))?;
    let mut form = parse_issue_body(&body);
    if level.is_some() {
        form.level = level;
    }
    if let Some(s) = source {
        form.source = Some(s.to_string());
    }
    request(cx, &form)
}

/// Promotes what `form` asks for, or asks for what is missing.
fn request(cx: &Cx<'_>, form: &RequestForm) -> Result<(), HandlerError> {
    let t = cx.trigger;
    let tracker = Tracker::new(cx);
    let mut missing: Vec<String> = Vec::new();
    if form.source.is_none() {
        missing.push("the **source** (a bronze file or table, e.g. `bronze/orders.csv`)".into());
    }
    if form.level.is_none() {
        missing.push("the **target level** (`silver` or `gold`)".into());
    }
    missing.extend(form.problems.iter().cloned());
    if !missing.is_empty() {
        tracker.say(&format!(
            "I need a little more before I can start:\n\n{}\n\nEdit the issue, then comment `/hallmark promote`.",
            missing.iter().map(|m| format!("- {m}")).collect::<Vec<_>>().join("\n")
        ));
        return Ok(());
    }
    if let Err(e) = cx.block_on(cx.forge.react_to_thread(&t.repo, t.thread(), Reaction::Eyes)) {
        tracing::warn!(error = %e, "cannot react to the issue");
    }
    tracker.say("- [ ] queued…");
    let request = PromotionRequest {
        source: form.source.clone().unwrap_or_default(),
        level: form.level.unwrap_or(Level::Silver),
        product: form.product.clone(),
        // A confidential issue's words never reach the public branch or request.
        text: match t.confidential {
            true => String::new(),
            false => form.description.clone().unwrap_or_default(),
        },
        owner: form.owner.clone(),
    };
    let withheld = match t.confidential {
        true => "\n\nThis issue is confidential, so its text was not used: the branch and the merge request are visible to everyone who can see the project. Say what the product needs in a review of the merge request, and `/hallmark revise` will use it.",
        false => "",
    };
    match promote_and_open_pull(cx, &request, &tracker) {
        Ok((promotion, pull)) => {
            tracker.say(&format!(
                "{} proposes `{}` on `{}`: {}{withheld}",
                cx.forge.pull_name(pull),
                promotion.target.relation(),
                promotion.target.branch(),
                promotion.summary_line()
            ));
            Ok(())
        }
        Err(e) => {
            tracker.say(&format!("❌ The promotion failed: {e}"));
            Err(e)
        }
    }
}

/// Drafts, commits, pushes, and opens (or updates) the pull request with its checklist.
fn promote_and_open_pull(
    cx: &Cx<'_>,
    request: &PromotionRequest,
    tracker: &Tracker<'_>,
) -> Result<(Promotion, u64), HandlerError> {
    let t = cx.trigger;
    let (dir, credentials) = cx.fresh_clone(&format!("job-{}", cx.job.id))?;
    let (project, warehouse) = cx.project_and_warehouse(&dir)?;
    let dbt = dbt_project_of(&dir, &project).map_err(HandlerError::Project)?;
    let project = dbt.as_ref().map_or(&project, |(p, _)| p);
    let (_, target) = resolve(project, request)?;
    let branch_known = track_remote_branch(&dir, &target.branch())?;
    tracing::info!(job = cx.job.id, branch_known, dbt = dbt.is_some(), "promoting");
    let promotion = cx.promote(project, warehouse.as_ref(), request, tracker)?;
    cx.stop_if_cancelled()?;
    let committed = match &dbt {
        // In a dbt project the product is a dbt model; dbt itself is never run here
        // (the repository's Jinja and macros are its code): its CI builds the branch.
        Some((p, found)) => {
            commit_model(&dir, &promotion, p, found)
                .map_err(|e| match e {
                    CommitModelError::Git(g) => HandlerError::Git(g),
                    CommitModelError::Model(m) => HandlerError::Config {
                        file: "dbt project".into(),
                        problem: m.to_string(),
                    },
                })?
                .1
        }
        None => commit_promotion(&dir, &promotion)?,
    };
    push_branch(&dir, &cx.remote(), &promotion.target.branch(), Some(&credentials))?;
    let base = cx.block_on(cx.forge.default_branch(&t.repo))?;
    let title = format!(
        "Promote {} to {}",
        promotion.source.spec.name,
        promotion.target.relation()
    );
    let body = format!(
        "Closes #{}\n\n{}\n\n<details><summary>Schema: source → product</summary>\n\n```diff\n{}```\n\n</details>\n\n`PROMOTION.md` has the plan and every round.",
        t.number,
        promotion.commit_message.lines().skip(2).collect::<Vec<_>>().join("\n"),
        promotion.schema_diff
    );
    let pull = cx.block_on(
        cx.forge
            .open_or_update_pull(&t.repo, &promotion.target.branch(), &base, &title, &body),
    )?;
    if let Some(checklist) = &promotion.checklist {
        // The data diff builds products/ at both commits; a dbt model is not there.
        let diff = dbt.is_none().then(|| {
            cx.data_diff_section(
                &dir,
                &format!("origin/{base}"),
                &committed.commit,
                &promotion.target.relation(),
            )
        });
        cx.post_checklist(pull, &committed.commit, checklist, diff.as_deref())?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok((promotion, pull))
}
