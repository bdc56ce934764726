//! A pull (merge) request that changes the data standards (or `.hallmark.yml`): every
//! product is checked at the request's head and at its merge base, and one sticky
//! comment on the request shows the impact — the products × changed standards table
//! and the products that passed before and fail now. New commits update the same
//! comment; a request that changes neither file gets nothing.

use super::{Cx, HandlerError};
use crate::forge::Thread;
use crate::git::merge_base;
use crate::impact::run::impact;
use crate::impact::table::markdown;
use hallmark_checks::project::CONFIG_FILE;
use hallmark_checks::runner::RunOptions;
use hallmark_checks::warehouse::Limits;

/// The standards file the repository names (`standards:` in `.hallmark.yml` on its
/// default branch), `data_standards.md` by default.
fn standards_file(cx: &Cx<'_>) -> Result<String, HandlerError> {
    let Some(text) = cx.block_on(cx.forge.file_text(&cx.t.repo, CONFIG_FILE))? else {
        return Ok("data_standards.md".into());
    };
    let config: serde_norway::Value = serde_norway::from_str(&text).map_err(|e| HandlerError::Config {
        file: CONFIG_FILE.into(),
        problem: format!("not valid YAML: {e}"),
    })?;
    Ok(config
        .get("standards")
        .and_then(|v| v.as_str())
        .unwrap_or("data_standards.md")
        .trim_start_matches("./")
        .to_string())
}

/// Comments the impact when the request changes the standards or the configuration.
pub fn on_pull(cx: &Cx<'_>, base_ref: &str, head_ref: &str, head_sha: &str) -> Result<(), HandlerError> {
    let t = cx.t;
    let files = cx.block_on(cx.forge.pull_changed_files(&t.repo, t.number))?;
    let standards = standards_file(cx)?;
    if !files.iter().any(|f| *f == standards || f == CONFIG_FILE) {
        tracing::info!(repo = %t.repo, number = t.number, "no standards change in the pull request");
        return Ok(());
    }
    let (dir, _) = cx.fresh_clone(&format!("job-{}", cx.job.id))?;
    // The commit the event named, else the branch as it is now.
    let head = match head_sha.is_empty() {
        true => format!("refs/remotes/origin/{head_ref}"),
        false => head_sha.to_string(),
    };
    let base = merge_base(&dir, &format!("refs/remotes/origin/{base_ref}"), &head)?;
    let result = impact(&dir, &base, &head, &RunOptions::default(), Limits::default());
    let _ = std::fs::remove_dir_all(&dir);
    let body = markdown(&result?);
    let thread = Thread {
        number: t.number,
        pull_request: true,
    };
    cx.block_on(cx.forge.upsert_comment(&t.repo, thread, "impact", &body))?;
    Ok(())
}
