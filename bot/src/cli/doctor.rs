//! `hallmark doctor`: checks what `hallmark serve` needs before it is deployed — the
//! webhook secrets, the GitHub App's key and id (GitHub is asked with the app's JWT),
//! the GitLab token (GitLab is asked who it is), and a repository's standards, specs
//! and warehouse connection, and the job queue (PostgreSQL is connected to, not
//! migrated) — and says what is wrong, one line each. Exit 0 when
//! nothing is wrong, 1 otherwise. Secrets are never printed.

use super::serve::{
    env, private_key, queue_url, GITLAB_TOKEN_ENV, GITLAB_WEBHOOK_SECRET_ENV, QUEUE_URL_ENV, WEBHOOK_SECRET_ENV,
};
use super::Outcome;
use anyhow::Context;
use hallmark::github::client::GitHubClient;
use hallmark::github::limits::RetryPolicy;
use hallmark::gitlab::client::GitLabClient;
use hallmark_checks::secret::Secret;
use hallmark_checks::warehouse::{job_name, open, Limits};
use hallmark_checks::Project;
use std::path::PathBuf;

/// A webhook secret shorter than this is guessable.
const SHORT_SECRET: usize = 16;

/// Arguments of `hallmark doctor`.
#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// The GitHub App's id, as `hallmark serve` gets it.
    #[arg(long)]
    app_id: Option<u64>,
    /// The GitHub API.
    #[arg(long, default_value = "https://api.github.com")]
    api_url: String,
    /// The GitLab instance.
    #[arg(long, default_value = "https://gitlab.com")]
    gitlab_url: String,
    /// Also load this repository (standards, specs) and connect to its warehouse.
    #[arg(long)]
    repo: Option<PathBuf>,
    /// The job queue, as `hallmark serve` gets it (or `HALLMARK_QUEUE_URL`).
    #[arg(long, value_name = "URL")]
    queue: Option<String>,
    /// Where `hallmark serve` keeps its SQLite queue when there is no queue URL.
    #[arg(long, default_value = ".hallmark-bot")]
    data_dir: PathBuf,
}

/// What one check found.
enum Finding {
    Ok(String),
    Off(String),
    Wrong(String),
}

/// Runs every check and prints a line for each.
pub fn run(args: DoctorArgs) -> anyhow::Result<Outcome> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting a runtime")?;
    let mut findings = vec![github(&args, &runtime), gitlab(&args, &runtime), queue(&args)];
    if let Some(repo) = &args.repo {
        findings.push(repository(repo));
    }
    let mut wrong = 0;
    for f in &findings {
        match f {
            Finding::Ok(text) => println!("✅ {text}"),
            Finding::Off(text) => println!("— {text}"),
            Finding::Wrong(text) => {
                wrong += 1;
                println!("❌ {text}");
            }
        }
    }
    if findings[..2].iter().all(|f| matches!(f, Finding::Off(_))) {
        println!("❌ neither GitHub nor GitLab is configured: `hallmark serve` would refuse to start");
        wrong += 1;
    }
    Ok(if wrong == 0 { Outcome::Passed } else { Outcome::Failed })
}

fn github(args: &DoctorArgs, runtime: &tokio::runtime::Runtime) -> Finding {
    let Some(secret) = env(WEBHOOK_SECRET_ENV) else {
        return Finding::Off(format!("GitHub: off ({WEBHOOK_SECRET_ENV} is not set)"));
    };
    if secret.len() < SHORT_SECRET {
        return Finding::Wrong(format!(
            "GitHub: {WEBHOOK_SECRET_ENV} has {} characters; use at least {SHORT_SECRET} random ones",
            secret.len()
        ));
    }
    let Some(app_id) = args.app_id else {
        return Finding::Wrong("GitHub: give the app's --app-id".into());
    };
    let key = match private_key() {
        Ok(k) => k,
        Err(e) => return Finding::Wrong(format!("GitHub: {e:#}")),
    };
    let client = match GitHubClient::new(&args.api_url, app_id, &key, RetryPolicy::default()) {
        Ok(c) => c,
        Err(e) => return Finding::Wrong(format!("GitHub: {e}")),
    };
    match runtime.block_on(client.app_check()) {
        Ok((name, 0)) => Finding::Wrong(format!(
            "GitHub: app {app_id} ({name}) accepts the key but is installed nowhere: install it on the repositories"
        )),
        Ok((name, n)) => Finding::Ok(format!(
            "GitHub: app {app_id} ({name}) accepts the key; installed {n} time(s)"
        )),
        Err(e) => Finding::Wrong(format!("GitHub: the app's key or id is refused: {e}")),
    }
}

fn gitlab(args: &DoctorArgs, runtime: &tokio::runtime::Runtime) -> Finding {
    match (env(GITLAB_WEBHOOK_SECRET_ENV), env(GITLAB_TOKEN_ENV)) {
        (None, None) => Finding::Off(format!(
            "GitLab: off ({GITLAB_WEBHOOK_SECRET_ENV} and {GITLAB_TOKEN_ENV} are not set)"
        )),
        (Some(_), None) => Finding::Wrong(format!(
            "GitLab: {GITLAB_WEBHOOK_SECRET_ENV} is set but {GITLAB_TOKEN_ENV} is not"
        )),
        (None, Some(_)) => Finding::Wrong(format!(
            "GitLab: {GITLAB_TOKEN_ENV} is set but {GITLAB_WEBHOOK_SECRET_ENV} is not"
        )),
        (Some(secret), Some(_)) if secret.len() < SHORT_SECRET => Finding::Wrong(format!(
            "GitLab: {GITLAB_WEBHOOK_SECRET_ENV} has {} characters; use at least {SHORT_SECRET} random ones",
            secret.len()
        )),
        (Some(_), Some(token)) => {
            let api = format!("{}/api/v4", args.gitlab_url.trim_end_matches('/'));
            let client = match GitLabClient::new(&api, Secret::new(token), RetryPolicy::default()) {
                Ok(c) => c,
                Err(e) => return Finding::Wrong(format!("GitLab: {e}")),
            };
            match runtime.block_on(client.username()) {
                Ok(user) => Finding::Ok(format!("GitLab: the token acts as @{user} on {}", args.gitlab_url)),
                Err(e) => Finding::Wrong(format!("GitLab: the token is refused: {e}")),
            }
        }
    }
}

fn queue(args: &DoctorArgs) -> Finding {
    let url = match queue_url(args.queue.as_deref()) {
        Ok(u) => u,
        Err(e) => return Finding::Wrong(format!("queue: {e:#}")),
    };
    match url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            match hallmark::queue::PostgresQueue::probe(&url) {
                Ok(what) => Finding::Ok(format!("queue: {what}; replicas may share it")),
                Err(e) => Finding::Wrong(format!("queue: {e}")),
            }
        }
        Some(_) => Finding::Wrong(format!(
            "queue: {QUEUE_URL_ENV} (or --queue) must be a postgres:// URL; leave it unset for SQLite"
        )),
        None => {
            let dir = &args.data_dir;
            match std::fs::create_dir_all(dir).and_then(|_| tempfile::tempfile_in(dir)) {
                Ok(_) => Finding::Ok(format!(
                    "queue: SQLite in {} (one replica; set {QUEUE_URL_ENV} to a PostgreSQL database for more)",
                    dir.display()
                )),
                Err(e) => Finding::Wrong(format!("queue: cannot write in {}: {e}", dir.display())),
            }
        }
    }
}

fn repository(repo: &std::path::Path) -> Finding {
    let project = match Project::load(repo) {
        Ok(p) => p,
        Err(errors) => {
            return Finding::Wrong(format!(
                "{}: the standards or specs do not load:\n{errors}",
                repo.display()
            ))
        }
    };
    match open(&project.config.warehouse, &project.root, &job_name(), Limits::default()) {
        Ok(_) => Finding::Ok(format!(
            "{}: {} standards, {} products; the warehouse answers",
            repo.display(),
            project.standards.len(),
            project.products.len()
        )),
        Err(e) => Finding::Wrong(format!("{}: the warehouse does not answer: {e}", repo.display())),
    }
}
