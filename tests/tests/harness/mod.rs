//! The one harness the story suites start the bot with (`bot_stories`, `bot_promote`,
//! `webhooks`): the team's repository as a bare git remote, the webhook server over
//! real HTTP on loopback with its durable queue, and a worker acting on a fake forge
//! through the real clients. A suite says only what differs — which forge, which
//! secrets, extra files, the operator's trust — and keeps its own story helpers.

#![allow(dead_code)] // each suite uses the part of the harness its stories need

use hallmark::commands::Syntax;
use hallmark::forge::gitlab::GitLabForge;
use hallmark::github::client::GitHubClient;
use hallmark::github::limits::RetryPolicy;
use hallmark::github::permission::Permission;
use hallmark::gitlab::client::GitLabClient;
use hallmark::isolated::Opener;
use hallmark::queue::{Queue, QueueOptions, SqliteQueue};
use hallmark::server::{router, AppState, Metrics, ServerConfig};
use hallmark::worker::{Forges, LiveJobs, Worker};
use hallmark_checks::secret::Secret;
use hallmark_checks::trust::{AllowedEndpoints, Trust};
use hallmark_tests::fake_github::{test_app_private_key, FakeGitHub, TEST_APP_ID};
use hallmark_tests::fake_gitlab::FakeGitLab;
use hallmark_tests::remote::retail_remote_with;
use hallmark_tests::serve::Background;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The repository every story acts on.
pub const REPO: &str = "acme/retail";

/// Retries short enough for tests, long enough to ride out an injected failure.
pub fn retry() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        backoff: Duration::from_millis(10),
        max_rate_limit_wait: Duration::from_secs(5),
        secondary_wait: Duration::from_millis(20),
    }
}

/// The webhook server's settings: the secrets of the forges that are on.
pub fn server_config(github_secret: Option<&[u8]>, gitlab_secret: Option<&[u8]>) -> ServerConfig {
    ServerConfig {
        github_secret: github_secret.map(<[u8]>::to_vec),
        gitlab_secret: gitlab_secret.map(<[u8]>::to_vec),
        label: "promote".into(),
        syntax: Syntax::default(),
        max_body_bytes: 1 << 20,
    }
}

/// The fake GitHub the test app is installed on, and the bot's client for it.
pub fn github() -> (FakeGitHub, Forges) {
    let fake = FakeGitHub::for_test_app();
    let client = GitHubClient::new(&fake.url(), TEST_APP_ID, &Secret::new(test_app_private_key()), retry()).unwrap();
    let forges = Forges {
        github: Some(client),
        gitlab: None,
    };
    (fake, forges)
}

/// A fake GitLab where `token` acts as `user`, and the bot's forge for it.
pub fn gitlab(token: &str, user: &str) -> (FakeGitLab, Forges) {
    let fake = FakeGitLab::start();
    fake.with_state(|s| {
        s.tokens.insert(token.into(), user.into());
    });
    let token = Secret::new(token);
    let client = GitLabClient::new(&fake.api(), token.clone(), retry()).unwrap();
    let forges = Forges {
        github: None,
        gitlab: Some(GitLabForge { client, token }),
    };
    (fake, forges)
}

/// What differs between the suites' bots.
pub struct Options<'a> {
    /// The forges the worker acts on.
    pub forges: Forges,
    /// The webhook server's settings.
    pub config: ServerConfig,
    /// Files committed to the team's repository besides the retail example.
    pub extra_files: &'a [(&'a str, &'a str)],
    /// The endpoints the operator lets credentials go to.
    pub allowed: &'a [&'a str],
    /// The operator's model key.
    pub llm_key: Option<&'a str>,
}

impl<'a> Options<'a> {
    /// A bot for `forges` with the server `config`, nothing else set.
    pub fn new(forges: Forges, config: ServerConfig) -> Self {
        Options {
            forges,
            config,
            extra_files: &[],
            allowed: &[],
            llm_key: None,
        }
    }
}

/// A running bot: its repository, the fake forge `F` it acts on, server, queue and
/// worker.
pub struct Bot<F> {
    /// Holds the remote, the queue's file and the worker's clones.
    pub dir: tempfile::TempDir,
    /// The fake forge (or forges) the stories look at.
    pub fake: F,
    /// The team's repository, a bare remote on disk.
    pub remote: PathBuf,
    /// The durable queue the server and the worker share.
    pub queue: Arc<dyn Queue>,
    /// The webhook server.
    pub server: Background,
    /// The worker; `run_one` carries out the next job.
    pub worker: Worker,
}

impl<F> Bot<F> {
    /// Starts a bot acting on `fake` as `options` say.
    pub fn start(fake: F, options: Options<'_>) -> Bot<F> {
        let dir = tempfile::tempdir().unwrap();
        let remote = retail_remote_with(dir.path(), options.extra_files);
        let queue: Arc<dyn Queue> =
            Arc::new(SqliteQueue::open_exclusive(&dir.path().join("queue.sqlite"), QueueOptions::default()).unwrap());
        let state = Arc::new(AppState {
            config: options.config,
            queue: queue.clone(),
            metrics: Metrics::default(),
        });
        let server = Background::spawn(move |_| router(state));
        let remote_url = remote.to_str().unwrap().to_string();
        let worker = Worker {
            forges: options.forges,
            queue: queue.clone(),
            remote: Box::new(move |_, _| remote_url.clone()),
            work_dir: dir.path().join("work"),
            write_permission: Permission::Write,
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            llm_key: options.llm_key.map(Secret::new),
            concurrency: 1,
            opener: Opener {
                trust: Trust::Operator(AllowedEndpoints::parse(options.allowed.iter().copied()).unwrap()),
                isolate: None,
                stop: None,
            },
            live: LiveJobs::default(),
            job_timeout: None,
        };
        Bot {
            dir,
            fake,
            remote,
            queue,
            server,
            worker,
        }
    }
}
