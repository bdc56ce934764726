//! `hallmark serve`: the bot, for GitHub, GitLab or both from one process. The
//! webhook server answers on one runtime; `--workers` threads take jobs from the
//! durable queue and run them. Each forge is on when its secrets are set, and secrets
//! come only from the environment (never from flags, which other users can read in
//! the process list): GitHub `HALLMARK_GITHUB_WEBHOOK_SECRET` with the app's private
//! key in `HALLMARK_GITHUB_PRIVATE_KEY` or the file named by
//! `HALLMARK_GITHUB_PRIVATE_KEY_FILE` (and `--app-id`); GitLab
//! `HALLMARK_GITLAB_WEBHOOK_SECRET` with `HALLMARK_GITLAB_TOKEN`; and
//! `HALLMARK_LLM_API_KEY` for repositories that configure a language model.
//!
//! The queue is SQLite in the data directory (one replica) unless `--queue` or
//! `HALLMARK_QUEUE_URL` names a PostgreSQL database that several replicas share; a
//! password belongs in the variable (or `HALLMARK_QUEUE_PASSWORD`), not in the flag.

use super::Outcome;
use anyhow::Context;
use hallmark::agent::llm::{default_base_url, API_KEY_ENV, BASE_URL_ENV};
use hallmark::commands::Syntax;
use hallmark::events::ForgeKind;
use hallmark::forge::gitlab::GitLabForge;
use hallmark::github::client::GitHubClient;
use hallmark::github::limits::RetryPolicy;
use hallmark::github::permission::Permission;
use hallmark::gitlab::client::GitLabClient;
use hallmark::isolated::Opener;
use hallmark::queue::{self, Queue, QueueOptions};
use hallmark::server::{router, AppState, Metrics, ServerConfig};
use hallmark::worker::{timed_out, Forges, LiveJobs, Worker};
use hallmark_checks::secret::Secret;
use hallmark_checks::trust::{AllowedEndpoints, Trust};
use hallmark_checks::warehouse::CLICKHOUSE_URL_ENV;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Arguments of `hallmark serve`. Every flag an operator sets per deployment has an
/// environment variable too (`HALLMARK_GITHUB_APP_ID`, `HALLMARK_WORKERS`…, shown by
/// `--help`), so a container's environment can configure it without a new command;
/// a flag given on the command line wins.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Where to listen.
    #[arg(long, env = "HALLMARK_LISTEN", default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
    /// The GitHub App's id (needed when GitHub is on).
    #[arg(long, env = "HALLMARK_GITHUB_APP_ID")]
    app_id: Option<u64>,
    /// The GitHub API (GitHub Enterprise: `https://HOST/api/v3`).
    #[arg(long, env = "HALLMARK_GITHUB_API_URL", default_value = "https://api.github.com")]
    api_url: String,
    /// Where GitHub repositories are cloned from and pushed to; `{repo}` is `owner/name`.
    #[arg(
        long,
        env = "HALLMARK_GITHUB_GIT_URL",
        default_value = "https://github.com/{repo}.git"
    )]
    git_url: String,
    /// The GitLab instance (self-managed: its URL).
    #[arg(long, env = "HALLMARK_GITLAB_URL", default_value = "https://gitlab.com")]
    gitlab_url: String,
    /// Where GitLab projects are cloned from and pushed to; `{repo}` is the project's
    /// path; by default `<gitlab-url>/{repo}.git`.
    #[arg(long, env = "HALLMARK_GITLAB_GIT_URL")]
    gitlab_git_url: Option<String>,
    /// The queue and the jobs' clones live here.
    #[arg(long, env = "HALLMARK_DATA_DIR", default_value = ".hallmark-bot")]
    data_dir: PathBuf,
    /// The label that starts a promotion.
    #[arg(long, env = "HALLMARK_LABEL", default_value = "promote")]
    label: String,
    /// How many jobs run at once; 0 only receives and queues (workers run elsewhere,
    /// or the handler is being measured).
    #[arg(long, env = "HALLMARK_WORKERS", default_value_t = 2)]
    workers: usize,
    /// Refuse webhook bodies larger than this.
    #[arg(long, env = "HALLMARK_MAX_BODY_BYTES", default_value_t = 5 * 1024 * 1024)]
    max_body_bytes: usize,
    /// On SIGTERM or Ctrl-C, how long running jobs may take to finish before the
    /// process leaves them for another replica (they run again from the queue).
    #[arg(long, env = "HALLMARK_GRACE_SECS", default_value_t = 60)]
    grace_secs: u64,
    /// Accept only `/hallmark <verb>`, not bare `/<verb>`.
    #[arg(long, env = "HALLMARK_NO_BARE_COMMANDS")]
    no_bare_commands: bool,
    /// The job queue replicas share: `postgres://user@host/db` (password from
    /// `HALLMARK_QUEUE_PASSWORD`); or set `HALLMARK_QUEUE_URL`. By default SQLite in
    /// the data directory, for one replica.
    #[arg(long, value_name = "URL")]
    queue: Option<String>,
    /// How long a running job stays this replica's without a heartbeat; after it,
    /// another replica takes the job over. Heartbeats come every third of it.
    #[arg(long, env = "HALLMARK_LEASE_SECS", default_value_t = 60)]
    lease_secs: u64,
    /// A job still running after this many seconds fails with a message that says
    /// so, and its worker stops at its next step; 0 sets no limit.
    #[arg(long, env = "HALLMARK_JOB_TIMEOUT", default_value_t = 1800)]
    job_timeout: u64,
}

/// The environment variable holding the GitHub App's webhook secret.
pub const WEBHOOK_SECRET_ENV: &str = "HALLMARK_GITHUB_WEBHOOK_SECRET";
/// The environment variable holding the GitLab webhooks' secret token.
pub const GITLAB_WEBHOOK_SECRET_ENV: &str = "HALLMARK_GITLAB_WEBHOOK_SECRET";
/// The environment variable holding the GitLab token the bot acts with.
pub const GITLAB_TOKEN_ENV: &str = "HALLMARK_GITLAB_TOKEN";
/// The environment variable holding the queue's URL, password included.
pub const QUEUE_URL_ENV: &str = "HALLMARK_QUEUE_URL";

/// The queue's URL: the flag's (refused when it carries a password, which the
/// process list would show) or the environment's.
pub(super) fn queue_url(flag: Option<&str>) -> anyhow::Result<Option<String>> {
    if let Some(url) = flag {
        anyhow::ensure!(
            !queue::postgres::carries_password(url),
            "--queue carries a password, which other users can read in the process list: put the URL in {QUEUE_URL_ENV}, or the password in {}",
            queue::postgres::PASSWORD_ENV
        );
        return Ok(Some(url.to_string()));
    }
    Ok(env(QUEUE_URL_ENV))
}

/// A variable of the environment, when set and not empty.
pub(super) fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
/// The environment variable holding the app's private key (PEM).
pub const PRIVATE_KEY_ENV: &str = "HALLMARK_GITHUB_PRIVATE_KEY";
/// The environment variable naming a file that holds the app's private key.
pub const PRIVATE_KEY_FILE_ENV: &str = "HALLMARK_GITHUB_PRIVATE_KEY_FILE";

pub(super) fn private_key() -> anyhow::Result<Secret> {
    if let Ok(pem) = std::env::var(PRIVATE_KEY_ENV) {
        if !pem.trim().is_empty() {
            return Ok(Secret::new(pem));
        }
    }
    let file = std::env::var(PRIVATE_KEY_FILE_ENV)
        .with_context(|| format!("set {PRIVATE_KEY_ENV} or {PRIVATE_KEY_FILE_ENV} to the GitHub App's private key"))?;
    let pem = std::fs::read_to_string(&file).with_context(|| format!("reading {PRIVATE_KEY_FILE_ENV}={file}"))?;
    Ok(Secret::new(pem))
}

/// The operator's trust: credentials go only to the endpoints the operator configured
/// (`HALLMARK_CLICKHOUSE_URL`, `HALLMARK_LLM_BASE_URL`, else the model API's default)
/// or listed in `HALLMARK_ALLOWED_ENDPOINTS`.
fn operator_endpoints() -> anyhow::Result<AllowedEndpoints> {
    let llm = env(BASE_URL_ENV).unwrap_or_else(default_base_url);
    AllowedEndpoints::from_env(&[env(CLICKHOUSE_URL_ENV), Some(llm)]).map_err(anyhow::Error::msg)
}

/// Runs the server until interrupted.
pub fn run(args: ServeArgs) -> anyhow::Result<Outcome> {
    let github_secret = env(WEBHOOK_SECRET_ENV);
    let github = match &github_secret {
        None => None,
        Some(_) => {
            let app_id = args.app_id.with_context(|| {
                format!(
                    "{WEBHOOK_SECRET_ENV} is set, so GitHub is on: give the app's --app-id (or HALLMARK_GITHUB_APP_ID)"
                )
            })?;
            Some(GitHubClient::new(
                &args.api_url,
                app_id,
                &private_key()?,
                RetryPolicy::default(),
            )?)
        }
    };
    let gitlab_secret = env(GITLAB_WEBHOOK_SECRET_ENV);
    let gitlab = match (&gitlab_secret, env(GITLAB_TOKEN_ENV)) {
        (None, None) => None,
        (Some(_), Some(token)) => {
            let token = Secret::new(token);
            let api = format!("{}/api/v4", args.gitlab_url.trim_end_matches('/'));
            let client = GitLabClient::new(&api, token.clone(), RetryPolicy::default())?;
            Some(GitLabForge { client, token })
        }
        (Some(_), None) => {
            anyhow::bail!("{GITLAB_WEBHOOK_SECRET_ENV} is set: set {GITLAB_TOKEN_ENV} too, the token the bot acts with")
        }
        (None, Some(_)) => {
            anyhow::bail!("{GITLAB_TOKEN_ENV} is set: set {GITLAB_WEBHOOK_SECRET_ENV} too, the webhooks' secret token")
        }
    };
    anyhow::ensure!(
        github.is_some() || gitlab.is_some(),
        "set {WEBHOOK_SECRET_ENV} (GitHub) or {GITLAB_WEBHOOK_SECRET_ENV} and {GITLAB_TOKEN_ENV} (GitLab), or both"
    );
    let allowed = operator_endpoints()?;
    tracing::info!(allowed = %allowed.describe(), "endpoints a repository may name");
    let opener = Opener {
        trust: Trust::Operator(allowed),
        isolate: Some(std::env::current_exe().context("finding this executable, which runs each job's warehouse")?),
        stop: None,
    };
    std::fs::create_dir_all(&args.data_dir).with_context(|| format!("creating {}", args.data_dir.display()))?;
    let lease = Duration::from_secs(args.lease_secs.max(3));
    let options = QueueOptions {
        lease,
        ..QueueOptions::default()
    };
    let owner = options.owner.clone();
    let queue: Arc<dyn Queue> = Arc::from(
        queue::open(queue_url(args.queue.as_deref())?.as_deref(), &args.data_dir, options)
            .context("opening the job queue")?,
    );
    tracing::info!(queue = %queue.describe(), replica = %owner, "job queue open");
    let gitlab_git_url = args
        .gitlab_git_url
        .clone()
        .unwrap_or_else(|| format!("{}/{{repo}}.git", args.gitlab_url.trim_end_matches('/')));

    let stopping = Arc::new(AtomicBool::new(false));
    let live = LiveJobs::default();
    let job_timeout = (args.job_timeout > 0).then(|| Duration::from_secs(args.job_timeout));
    let mut workers = Vec::new();
    for n in 0..args.workers {
        let (on_github, on_gitlab) = (args.git_url.clone(), gitlab_git_url.clone());
        let worker = Worker {
            forges: Forges {
                github: github.clone(),
                gitlab: gitlab.clone(),
            },
            queue: queue.clone(),
            remote: Box::new(move |forge, repo| match forge {
                ForgeKind::GitHub => on_github.replace("{repo}", repo),
                ForgeKind::GitLab => on_gitlab.replace("{repo}", repo),
            }),
            work_dir: args.data_dir.join("work"),
            write_permission: Permission::Write,
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("starting a worker runtime")?,
            llm_key: std::env::var(API_KEY_ENV)
                .ok()
                .filter(|k| !k.is_empty())
                .map(Secret::new),
            concurrency: args.workers,
            opener: opener.clone(),
            live: live.clone(),
            job_timeout,
        };
        let stopping = stopping.clone();
        let handle = std::thread::Builder::new()
            .name(format!("hallmark-worker-{n}"))
            .spawn(move || {
                // Stop claiming once asked to; a job already claimed runs to its end.
                while !stopping.load(Ordering::SeqCst) {
                    if !worker.run_one() {
                        std::thread::sleep(Duration::from_millis(200));
                    }
                }
            })
            .context("starting a worker")?;
        workers.push(handle);
    }

    // Renew the leases of the jobs this replica's workers are on while it lives; a
    // replica that stops renewing (killed, frozen) loses its jobs to the others once
    // the lease runs out, and so does a job no worker is on any more. A job past
    // --job-timeout is failed here, and its worker stops at its next step.
    let beating = Arc::new(AtomicBool::new(true));
    let heartbeat = {
        let (queue, beating, live) = (queue.clone(), beating.clone(), live.clone());
        let every = lease / 3;
        std::thread::Builder::new()
            .name("hallmark-heartbeat".into())
            .spawn(move || {
                let mut next = std::time::Instant::now();
                while beating.load(Ordering::SeqCst) {
                    for id in live.take_overdue(std::time::Instant::now()) {
                        let limit = job_timeout.unwrap_or_default();
                        tracing::warn!(job = id, limit_secs = limit.as_secs(), "a job outlived --job-timeout");
                        if let Err(e) = queue.finish(id, Some(&timed_out(limit))) {
                            tracing::warn!(job = id, error = %e, "cannot fail the overdue job");
                        }
                    }
                    if std::time::Instant::now() >= next {
                        if let Err(e) = queue.heartbeat(&live.alive()) {
                            tracing::warn!(error = %e, "cannot renew this replica's leases");
                        }
                        next = std::time::Instant::now() + every;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
            .context("starting the heartbeat")?
    };

    let state = Arc::new(AppState {
        config: ServerConfig {
            github_secret: github_secret.map(String::into_bytes),
            gitlab_secret: gitlab_secret.map(String::into_bytes),
            label: args.label.clone(),
            syntax: Syntax {
                bare_verbs: !args.no_bare_commands,
            },
            max_body_bytes: args.max_body_bytes,
        },
        queue: queue.clone(),
        metrics: Metrics::default(),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the server runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        tracing::info!(addr = %listener.local_addr()?, workers = args.workers, "hallmark serve: listening");
        axum::serve(listener, router(state))
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("serving")
    })?;
    // Stop claiming, let running jobs finish within the grace period, then leave: a job
    // still running is claimed again from the queue by this or another replica.
    stopping.store(true, Ordering::SeqCst);
    let deadline = std::time::Instant::now() + Duration::from_secs(args.grace_secs);
    while workers.iter().any(|w| !w.is_finished()) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let unfinished = workers.iter().filter(|w| !w.is_finished()).count();
    if unfinished > 0 {
        // Hand them back now rather than when the lease runs out.
        match queue.release_mine() {
            Ok(n) => tracing::warn!(
                unfinished,
                released = n,
                "leaving running jobs for the queue after the grace period"
            ),
            Err(e) => {
                tracing::warn!(unfinished, error = %e, "leaving running jobs to their leases after the grace period")
            }
        }
    }
    beating.store(false, Ordering::SeqCst);
    let _ = heartbeat.join();
    tracing::info!("hallmark serve: stopped");
    Ok(Outcome::Passed)
}

/// Ctrl-C, or SIGTERM (what an orchestrator sends first).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("hallmark serve: stopping");
}
