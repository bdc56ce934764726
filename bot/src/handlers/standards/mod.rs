//! A change to the data standards (or `.hallmark.yml`), on a pull (merge) request or
//! pushed to the default branch: every product is checked at both versions. A request
//! gets one sticky comment with the impact — the products × changed standards table
//! and the products that passed before and fail now — updated by new commits; a push
//! that leaves products failing gets one tracking issue listing them. A change to
//! neither file gets nothing.

mod fixes;

use super::{parse_config, Cx, HandlerError};
use crate::forge::Thread;
use crate::git::{changed_between, has_commit, merge_base};
use crate::impact::run::impact;
use crate::impact::table::markdown;
use crate::settings::StandardsChange;
use hallmark_checks::project::CONFIG_FILE;
use hallmark_checks::runner::RunOptions;
use hallmark_checks::warehouse::Limits;

/// The standards file a `.hallmark.yml` names (`standards:`), `data_standards.md`
/// when it names none or there is none.
fn standards_named(config: Option<&serde_norway::Value>) -> String {
    config
        .and_then(|c| c.get("standards"))
        .and_then(|v| v.as_str())
        .unwrap_or("data_standards.md")
        .trim_start_matches("./")
        .to_string()
}

/// `/hallmark fix` on a pull request that changes the standards: its impact comment,
/// with the fix pull requests opened (or updated) and linked.
pub fn fix(cx: &Cx<'_>) -> Result<(), HandlerError> {
    let t = cx.trigger;
    if !t.pull_request {
        return cx.reply("`/hallmark fix` works on a pull request that changes the standards.");
    }
    let base_ref = cx.block_on(cx.forge.default_branch(&t.repo))?;
    impact_comment(cx, &base_ref, "", true)
}

/// Comments the impact when the request changes the standards or the configuration.
pub fn on_pull(cx: &Cx<'_>, base_ref: &str, head_sha: &str) -> Result<(), HandlerError> {
    let t = cx.trigger;
    let files = cx.block_on(cx.forge.pull_changed_files(&t.repo, t.number))?;
    let standards = standards_named(cx.config()?);
    if !files.iter().any(|f| *f == standards || f == CONFIG_FILE) {
        tracing::info!(repo = %t.repo, number = t.number, "no standards change in the pull request");
        return Ok(());
    }
    // `bot: { standards_change: fix }`: the fix pull requests without being asked.
    let fix = cx.settings()?.standards_change == StandardsChange::Fix;
    impact_comment(cx, base_ref, head_sha, fix)
}

/// Works out the impact of the job's pull request — at `head_sha` when the event named
/// one, else at its head now — against its merge base with `base_ref` on one fresh
/// clone, opens the fix pull requests when `fix`, and keeps the one impact comment up
/// to date with both. A request from a fork gets no fix branches: they would put the
/// fork's commits on a branch of this repository, where its CI runs with its secrets.
fn impact_comment(cx: &Cx<'_>, base_ref: &str, head_sha: &str, fix: bool) -> Result<(), HandlerError> {
    let t = cx.trigger;
    let pull = match fix {
        true => Some(cx.block_on(cx.forge.pull_head(&t.repo, t.number))?),
        false => None,
    };
    let (dir, credentials) = cx.fresh_clone(&format!("job-{}", cx.job.id))?;
    let outcome = (|| {
        // The impact reads both commits from the repository; nothing is checked out.
        let tip = cx.fetch_pull(&dir, &credentials)?;
        let head = match !head_sha.is_empty() && has_commit(&dir, head_sha) {
            true => head_sha.to_string(),
            false => tip,
        };
        let base = merge_base(&dir, &format!("refs/remotes/origin/{base_ref}"), &head)?;
        let result = impact(
            &dir,
            &base,
            &head,
            &RunOptions::default(),
            Limits::default(),
            cx.means.opener,
        )?;
        let proposed = match &pull {
            Some(pull) => match &pull.fork {
                Some(fork) => vec![format!(
                    "- none: the change comes from the fork `{fork}`, and a fix branch would put its commits on a branch of this repository, where its CI runs with this repository's secrets. Push the change to a branch here, or merge it (with `bot: {{ standards_change: fix }}` the push opens the fixes)."
                )],
                None => {
                    let about = format!("the standards change in #{}", t.number);
                    fixes::open_fixes(cx, &dir, &credentials, &result, &pull.branch, &about)?
                }
            },
            None => Vec::new(),
        };
        Ok::<_, HandlerError>((result, proposed))
    })();
    let _ = std::fs::remove_dir_all(&dir);
    let (result, proposed) = outcome?;
    let mut body = markdown(&result);
    if !proposed.is_empty() {
        body.push_str(&format!(
            "\nFixes proposed by `/hallmark fix`:\n\n{}\n",
            proposed.join("\n")
        ));
    }
    let thread = Thread {
        number: t.number,
        pull_request: true,
    };
    cx.block_on(cx.forge.upsert_comment(&t.repo, thread, "impact", &body))?;
    if fix && proposed.is_empty() {
        return cx.reply("Every product meets the changed standards; there is nothing to fix.");
    }
    Ok(())
}

/// A push to the default branch from `before` to `after`: when it changes the
/// standards and leaves products that passed before failing, one tracking issue
/// (found again by the push's head, so a redelivery changes nothing) lists them.
pub fn on_push(cx: &Cx<'_>, before: &str, after: &str) -> Result<(), HandlerError> {
    let t = cx.trigger;
    let fix = cx.settings()?.standards_change == StandardsChange::Fix;
    let (dir, credentials) = cx.fresh_clone(&format!("job-{}", cx.job.id))?;
    let outcome = (|| {
        let files = changed_between(&dir, before, after)?;
        let config = parse_config(std::fs::read_to_string(dir.join(CONFIG_FILE)).ok().as_deref())?;
        let standards = standards_named(config.as_ref());
        if !files.iter().any(|f| *f == standards || f == CONFIG_FILE) {
            tracing::info!(repo = %t.repo, "the push changes no standards");
            return Ok(None);
        }
        let result = impact(
            &dir,
            before,
            after,
            &RunOptions::default(),
            Limits::default(),
            cx.means.opener,
        )?;
        // `bot: { standards_change: fix }`: the fixes too, into the default branch.
        let proposed = match fix && !result.newly_failing().is_empty() {
            true => {
                let default = cx.block_on(cx.forge.default_branch(&t.repo))?;
                let about = format!("the standards change {}", after.chars().take(7).collect::<String>());
                fixes::open_fixes(cx, &dir, &credentials, &result, &default, &about)?
            }
            false => Vec::new(),
        };
        Ok::<_, HandlerError>(Some((result, proposed)))
    })();
    let _ = std::fs::remove_dir_all(&dir);
    let Some((result, proposed)) = outcome? else {
        return Ok(());
    };
    let failing = result.newly_failing();
    if failing.is_empty() {
        tracing::info!(repo = %t.repo, "the standards change leaves every product as it was");
        return Ok(());
    }
    let broken: Vec<&str> = result
        .changes
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            result.products.iter().any(|p| {
                failing.contains(&p.product.as_str()) && p.cells[*i].status == Some(hallmark_checks::Status::Fail)
            })
        })
        .map(|(_, c)| c.id())
        .collect();
    let title = format!(
        "Standards change {}: {} of {} products no longer meet {}",
        after.chars().take(7).collect::<String>(),
        failing.len(),
        result.products.len(),
        if broken.is_empty() {
            "the standards".to_string()
        } else {
            broken.join(", ")
        }
    );
    let mut body = format!(
        "{}\nEach product listed needs its transform revised, or the standard reconsidered.\n",
        markdown(&result)
    );
    if !proposed.is_empty() {
        body.push_str(&format!("\nFixes proposed:\n\n{}\n", proposed.join("\n")));
    }
    let key = format!("standards-change-{after}");
    cx.block_on(cx.forge.upsert_issue(&t.repo, &key, &title, &body))?;
    Ok(())
}
