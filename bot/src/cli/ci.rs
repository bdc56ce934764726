//! `hallmark ci`: checks the products a pull or merge request touches and reports
//! where the forge shows it. On GitHub Actions: a `hallmark` check run with an
//! annotation per failure, one sticky checklist comment on the pull request, the job
//! summary and the step's outputs. Everywhere: the checklist on standard output,
//! JUnit when asked, and the exit code of `hallmark check`.

use super::check::{check_project, parse_time, result_cache, run_settings};
use super::dbt::{self, DbtArgs};
use super::terminal::{stdout_is_terminal, TerminalArgs};
use super::{LevelArg, Outcome};
use anyhow::Context;
use chrono::{DateTime, Utc};
use hallmark::ci::annotations::annotations;
use hallmark::ci::codequality;
use hallmark::ci::fold::fold;
use hallmark::ci::outputs::{append_step_summary, write_outputs};
use hallmark::ci::runner::{GitHubRun, GitLabRun, Runner};
use hallmark::ci::scope::{changed_files, touched, touched_in_dbt, Scope};
use hallmark::github::check_runs::{CheckRunReport, MAX_SUMMARY};
use hallmark::github::client::{marker, GitHubClient};
use hallmark::github::limits::RetryPolicy;
use hallmark::gitlab::client::GitLabClient;
use hallmark::impact::data::{data_diff, markdown as diff_markdown, DiffPlan, Which};
use hallmark::isolated::Opener;
use hallmark_checks::dbt::DbtProject;
use hallmark_checks::render::{render, Format};
use hallmark_checks::runner::Selection;
use hallmark_checks::{Checklist, Project};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The name of the check run, and of the required check a branch rule names.
pub const CHECK_NAME: &str = "hallmark";

/// `hallmark ci`'s mark on its check runs (`external_id`): the workflow job's own
/// run (also named after the job, often `hallmark`) and the App's runs have others.
pub const CHECK_EXTERNAL_ID: &str = "hallmark-ci";

/// Who a workflow's `GITHUB_TOKEN` writes as.
const WORKFLOW_LOGIN: &str = "github-actions[bot]";

/// When the sticky checklist comment is posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CommentWhen {
    /// On every run (updated in place).
    Always,
    /// When the checks fail; a comment posted earlier is still updated once they pass.
    OnFailure,
    /// Never: the check run and the job summary only.
    Never,
}

/// What fails the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// A failed error-severity standard, or one that could not be measured.
    Error,
    /// That, or a failed warn-severity standard.
    Warn,
    /// Nothing: report only.
    Never,
}

/// Arguments of `hallmark ci`.
#[derive(Debug, clap::Args)]
pub struct CiArgs {
    /// The repository root (holding data_standards.md and products/).
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Check every product, not only those the change touches.
    #[arg(long)]
    all: bool,
    /// Compare with this commit or ref instead of the base the runner names.
    #[arg(long)]
    base: Option<String>,
    /// Check only these products (names or relations, comma-separated).
    #[arg(long, value_delimiter = ',')]
    products: Vec<String>,
    /// Check only products at this level.
    #[arg(long, value_enum)]
    level: Option<LevelArg>,
    /// Read the configuration from this file instead of PATH/.hallmark.yml.
    #[arg(long)]
    config: Option<PathBuf>,
    /// When to post the sticky checklist comment.
    #[arg(long, value_enum, default_value = "always")]
    comment: CommentWhen,
    /// What fails the job.
    #[arg(long, value_enum, default_value = "error")]
    fail_on: FailOn,
    /// Also write the checklist as JUnit XML here (GitLab: `artifacts:reports:junit`).
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Also write a GitLab Code Quality report here (`artifacts:reports:codequality`).
    #[arg(long)]
    codequality: Option<PathBuf>,
    /// The login the token's comments are written as; by default the token's own
    /// user where GitHub names it, else the workflow token's `github-actions[bot]`.
    #[arg(long)]
    comment_author: Option<String>,
    /// The reference time for freshness checks (RFC 3339); now when absent.
    #[arg(long, value_parser = parse_time)]
    as_of: Option<DateTime<Utc>>,
    /// Interrupt any single query running longer than this many seconds.
    #[arg(long, default_value_t = 300)]
    timeout_secs: u64,
    /// Check every touched product, even those unchanged since a passing run (which
    /// are otherwise reported from `.hallmark/cache/`).
    #[arg(long)]
    no_cache: bool,
    /// Leave out the data diff (each checked product built at the base too and
    /// compared by key), which the report has whenever there is a base commit.
    #[arg(long)]
    no_diff: bool,
    #[command(flatten)]
    dbt: DbtArgs,
    #[command(flatten)]
    terminal: TerminalArgs,
}

/// Runs the checks of the change and reports them.
pub fn run(args: CiArgs) -> anyhow::Result<Outcome> {
    let Some((project, dbt)) = dbt::load(&args.path, args.config.as_deref(), &args.dbt.source) else {
        return Ok(Outcome::BadInput);
    };
    let runner = Runner::detect(|k| std::env::var(k).ok())?;
    let (repo_root, scope) = scope_of(&args, &project, dbt.as_ref(), &runner)?;
    let relations: BTreeSet<String> = project
        .products
        .iter()
        .filter(|p| match &scope {
            Scope::All(_) => true,
            Scope::Products(touched) => touched.contains(&p.spec.relation()),
        })
        .filter(|p| {
            args.products.is_empty()
                || args
                    .products
                    .iter()
                    .any(|n| *n == p.spec.name || *n == p.spec.relation())
        })
        .filter(|p| {
            args.level
                .is_none_or(|l| hallmark_checks::Level::from(l) == p.spec.level)
        })
        .map(|p| p.spec.relation())
        .collect();
    let why = match &scope {
        Scope::All(why) => why.clone(),
        Scope::Products(_) => "the products this change touches".to_string(),
    };
    let checklist = if relations.is_empty() {
        None
    } else {
        let selection = Selection {
            relations: Some(relations.clone()),
            ..Selection::default()
        };
        let (mut options, limits) = run_settings(args.as_of, args.timeout_secs);
        if !args.no_cache {
            options.cache = Some(result_cache(&project.root));
        }
        if let Some(found) = &dbt {
            if let Err(e) = dbt::place(found, &args.dbt, &project, &selection, &mut options) {
                eprintln!("error: {e}");
                return Ok(Outcome::BadInput);
            }
        }
        Some(check_project(&project, &selection, &options, limits)?)
    };
    let header = match &checklist {
        None => "Hallmark: no data product is touched by this change, so nothing was checked.\n".to_string(),
        Some(_) => format!(
            "Checked {} of {} products ({why}).\n\n",
            relations.len(),
            project.products.len()
        ),
    };
    let base = args.base.as_deref().or(runner.base_sha());
    // The data diff builds each version's products/; a dbt project's are its models.
    let diff = match (&checklist, base) {
        (Some(_), Some(base)) if !args.no_diff && dbt.is_none() => Some(diff_section(&args, base, &relations)),
        _ => None,
    };
    let overlap = match (&checklist, &dbt) {
        (Some(c), Some(found)) => dbt::overlap_markdown(c, found),
        _ => String::new(),
    };
    let markdown = match &checklist {
        Some(c) => format!(
            "{header}{}{overlap}{}",
            render(c, Format::Markdown),
            diff.as_deref().map(|d| format!("\n{d}")).unwrap_or_default()
        ),
        None => header.clone(),
    };
    let failing = checklist.as_ref().is_some_and(|c| fails(c, args.fail_on));
    if let (Some(file), Some(c)) = (&args.junit, &checklist) {
        std::fs::write(file, render(c, Format::Junit)).with_context(|| format!("writing {}", file.display()))?;
    }
    if let Some(file) = &args.codequality {
        let found = checklist
            .as_ref()
            .map(|c| annotations(c, &project, &repo_root))
            .unwrap_or_default();
        let text = serde_json::to_string_pretty(&codequality::report(&found)).context("encoding the report")?;
        std::fs::write(file, text).with_context(|| format!("writing {}", file.display()))?;
    }
    match &runner {
        Runner::GitHub(run) => {
            report_to_github(&args, run, &project, &repo_root, checklist.as_ref(), &markdown, failing)?
        }
        Runner::GitLab(run) => report_to_gitlab(&args, run, checklist.is_some(), &markdown, failing)?,
        Runner::Local => {}
    }
    // Run by a person at a terminal, the checklist is the text form (the dbt overlap
    // and the data diff after it as they are); a CI log and a pipe get the markdown
    // the forge shows.
    match (&runner, &checklist) {
        (Runner::Local, Some(c)) if stdout_is_terminal() => print!(
            "{header}{}{overlap}{}",
            render(c, Format::Text(args.terminal.text_options())),
            diff.as_deref().map(|d| format!("\n{d}")).unwrap_or_default()
        ),
        _ => print!("{markdown}"),
    }
    Ok(match (&checklist, failing) {
        (_, true) => Outcome::Failed,
        _ => Outcome::Passed,
    })
}

/// The data diff of the checked `relations` (and the products built on them) from
/// `base` to the checked-out commit, as markdown; a diff that cannot be made says why
/// instead of failing the job.
fn diff_section(args: &CiArgs, base: &str, relations: &BTreeSet<String>) -> String {
    let (_, limits) = run_settings(args.as_of, args.timeout_secs);
    let plan = DiffPlan {
        base,
        head: "HEAD",
        which: Which::Relations(relations),
        config: args.config.as_deref(),
    };
    match data_diff(&args.path, &plan, limits, &Opener::default()) {
        Ok(run) => diff_markdown(&run),
        Err(e) => format!("### Data diff\n\nNot made: {e}\n"),
    }
}

/// What the change touches, and the repository root the paths are relative to.
fn scope_of(
    args: &CiArgs,
    project: &Project,
    dbt: Option<&DbtProject>,
    runner: &Runner,
) -> anyhow::Result<(PathBuf, Scope)> {
    let repo_root = git2::Repository::discover(&args.path)
        .ok()
        .and_then(|r| r.workdir().map(Path::to_path_buf))
        .unwrap_or_else(|| args.path.clone());
    if args.all {
        return Ok((repo_root, Scope::All("every product, as asked with --all".into())));
    }
    let Some(base) = args.base.as_deref().or(runner.base_sha()) else {
        return Ok((repo_root, Scope::All("no base commit to compare with".into())));
    };
    let (root, changed) = changed_files(&args.path, base)?;
    let scope = match dbt {
        Some(found) => touched_in_dbt(project, found, &root, &changed),
        None => touched(project, &root, &changed),
    };
    Ok((root, scope))
}

/// True when the checklist fails the job under `fail_on`.
fn fails(checklist: &Checklist, fail_on: FailOn) -> bool {
    match fail_on {
        FailOn::Error => !checklist.passed(),
        FailOn::Warn => !checklist.passed() || checklist.summary.warn > 0,
        FailOn::Never => false,
    }
}

/// The check run, the sticky comment, the job summary and the outputs.
fn report_to_github(
    args: &CiArgs,
    run: &GitHubRun,
    project: &Project,
    repo_root: &Path,
    checklist: Option<&Checklist>,
    markdown: &str,
    failing: bool,
) -> anyhow::Result<()> {
    let failed = checklist.map_or(0, |c| c.summary.fail + c.summary.error);
    if let Some(file) = &run.step_summary {
        append_step_summary(file, markdown)?;
    }
    if let Some(file) = &run.output {
        write_outputs(file, !failing, failed, markdown)?;
    }
    let Some(token) = &run.token else {
        eprintln!("hallmark ci: no GITHUB_TOKEN, so no check run or comment is posted");
        return Ok(());
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting a runtime")?;
    let author = match &args.comment_author {
        Some(login) => login.clone(),
        None => {
            let probe = GitHubClient::with_token(&run.api, token, WORKFLOW_LOGIN, RetryPolicy::default())?;
            runtime
                .block_on(probe.token_login())
                .context("asking GitHub who the token is")?
                .unwrap_or_else(|| WORKFLOW_LOGIN.to_string())
        }
    };
    let client = GitHubClient::with_token(&run.api, token, &author, RetryPolicy::default())?;
    let report = CheckRunReport {
        name: CHECK_NAME.into(),
        head_sha: run.head_sha.clone(),
        conclusion: match (checklist, failing) {
            (None, _) => "neutral",
            (_, true) => "failure",
            (Some(_), false) => "success",
        },
        title: match checklist {
            None => "No data product touched".into(),
            Some(c) => format!(
                "{} passed, {} failed, {} warned, {} need review",
                c.summary.pass, c.summary.fail, c.summary.warn, c.summary.manual
            ),
        },
        summary: fold(markdown, MAX_SUMMARY, run.run_url.as_deref()),
        details_url: run.run_url.clone(),
        external_id: CHECK_EXTERNAL_ID,
        annotations: checklist
            .map(|c| annotations(c, project, repo_root))
            .unwrap_or_default(),
    };
    // A token that may not write checks (a pull request from a fork or Dependabot, a
    // personal token) leaves the summary, the outputs and the exit code to carry it.
    match runtime.block_on(client.publish_check_run(0, &run.repo, &report)) {
        Ok(_) => {}
        Err(e) if e.is_permission_denied() => eprintln!(
            "hallmark ci: no check run, since the token may not write checks ({e}); a pull request from a fork or Dependabot gets a read-only GITHUB_TOKEN, and personal tokens cannot create check runs. The step summary, the outputs and the exit code carry the checklist."
        ),
        Err(e) => return Err(e).context("posting the hallmark check run"),
    }
    let Some(number) = run.pull_request else {
        return Ok(());
    };
    let body = fold(
        markdown,
        hallmark::github::client::MAX_BODY - marker("checklist").chars().count() - 1,
        run.run_url.as_deref(),
    );
    let post = match args.comment {
        CommentWhen::Always => true,
        CommentWhen::Never => false,
        CommentWhen::OnFailure => {
            failing
                || runtime
                    .block_on(client.find_comment(0, &run.repo, number, "checklist"))
                    .context("looking for the checklist comment")?
                    .is_some()
        }
    };
    if post && checklist.is_some() {
        match runtime.block_on(client.upsert_comment(0, &run.repo, number, "checklist", &body)) {
            Ok(_) => {}
            Err(e) if e.is_permission_denied() => eprintln!(
                "hallmark ci: no checklist comment, since the token may not write to pull request #{number} ({e})."
            ),
            Err(e) => return Err(e).context("posting the checklist comment"),
        }
    }
    Ok(())
}

/// The merge request's checklist note, when there is a merge request and a token.
fn report_to_gitlab(
    args: &CiArgs,
    run: &GitLabRun,
    checked: bool,
    markdown: &str,
    failing: bool,
) -> anyhow::Result<()> {
    let (Some(iid), Some(token)) = (run.merge_request, &run.token) else {
        if run.merge_request.is_some() {
            eprintln!("hallmark ci: no HALLMARK_GITLAB_TOKEN, so no merge request note is posted");
        }
        return Ok(());
    };
    if !checked || args.comment == CommentWhen::Never {
        return Ok(());
    }
    let client = GitLabClient::new(&run.api, token.clone(), RetryPolicy::default())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting a runtime")?;
    // On failure only — but a note a failure left is updated once it passes, so it
    // never keeps saying the merge request fails (as on GitHub).
    let post = match args.comment {
        CommentWhen::OnFailure if !failing => {
            let thread = hallmark::gitlab::client::Thread {
                iid,
                merge_request: true,
            };
            runtime
                .block_on(client.find_note(&run.project, thread, "checklist"))
                .context("looking for the checklist note")?
                .is_some()
        }
        _ => true,
    };
    if post {
        let body = fold(markdown, hallmark::gitlab::client::MAX_NOTE, run.job_url.as_deref());
        runtime
            .block_on(client.upsert_merge_request_note(&run.project, iid, "checklist", &body))
            .context("posting the checklist note")?;
    }
    Ok(())
}
