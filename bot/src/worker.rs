//! The worker: takes a job from the queue, finds the forge it came from, and hands it
//! to its handler (`crate::handlers`): a promotion for the label or the request form,
//! or the slash command's. It records how the job ended; a job that runs again (after
//! a crash, or a second trigger) is simply run again, since every handler finds what
//! an earlier run wrote instead of writing it twice.

use crate::events::{Action, ForgeKind, Trigger};
use crate::forge::github::GitHubForge;
use crate::forge::gitlab::GitLabForge;
use crate::forge::{Forge, Permission};
use crate::github::client::GitHubClient;
use crate::handlers::{self, Cx, HandlerError};
use crate::queue::{Job, Queue};
use crate::request_form::RequestForm;
use hallmark_checks::secret::Secret;
use std::path::PathBuf;
use std::sync::Arc;

/// Where a repository's git remote is on its forge (`https://github.com/owner/name.git`,
/// or a bare repository on disk in tests).
pub type RemoteFor = Box<dyn Fn(ForgeKind, &str) -> String + Send + Sync>;

/// The forges a worker can act on; a job of one that is not set up fails, saying so.
#[derive(Debug, Clone, Default)]
pub struct Forges {
    /// GitHub, as the app.
    pub github: Option<GitHubClient>,
    /// GitLab, with a token.
    pub gitlab: Option<GitLabForge>,
}

/// What a worker needs.
pub struct Worker {
    /// The forges.
    pub forges: Forges,
    /// The queue.
    pub queue: Arc<dyn Queue>,
    /// The git remote of a repository.
    pub remote: RemoteFor,
    /// Where jobs clone into.
    pub work_dir: PathBuf,
    /// The least permission that may run verbs that change something.
    pub write_permission: Permission,
    /// Drives the forge calls (the promotion itself is blocking work).
    pub runtime: tokio::runtime::Runtime,
    /// The key for repositories whose `.hallmark.yml` configures a language model.
    pub llm_key: Option<Secret>,
    /// How many jobs may run at once across every worker sharing the queue.
    pub concurrency: usize,
}

impl Worker {
    /// The forge `t` came from (GitHub acting as its installation).
    fn forge(&self, t: &Trigger) -> Result<Box<dyn Forge>, HandlerError> {
        match t.forge {
            ForgeKind::GitHub => self
                .forges
                .github
                .clone()
                .map(|client| {
                    Box::new(GitHubForge {
                        client,
                        installation: t.installation,
                    }) as Box<dyn Forge>
                })
                .ok_or(HandlerError::NotConfigured("GitHub App")),
            ForgeKind::GitLab => self
                .forges
                .gitlab
                .clone()
                .map(|forge| Box::new(forge) as Box<dyn Forge>)
                .ok_or(HandlerError::NotConfigured("GitLab token")),
        }
    }

    /// Takes one job and carries it out; false when there was none.
    pub fn run_one(&self) -> bool {
        let job = match self.queue.claim(self.concurrency.max(1)) {
            Ok(Some(job)) => job,
            Ok(None) => return false,
            Err(e) => {
                tracing::error!(error = %e, "cannot claim a job");
                return false;
            }
        };
        self.run(&job);
        true
    }

    /// Carries out a job already claimed from the queue, and records its end.
    pub fn run(&self, job: &Job) {
        let started = std::time::Instant::now();
        let outcome = self.process(job);
        let cancelled = matches!(outcome, Err(HandlerError::Cancelled));
        let outcome = outcome.map_err(|e| e.to_string());
        if let Err(e) = &outcome {
            tracing::warn!(job = job.id, error = %e, "job failed");
        }
        let label = match self.queue.finish(job.id, outcome.as_ref().err().map(String::as_str)) {
            Ok(true) if outcome.is_ok() => "done",
            Ok(true) => "failed",
            Ok(false) if cancelled => "cancelled",
            Ok(false) => {
                tracing::warn!(
                    job = job.id,
                    "the job was no longer this replica's (cancelled, or its lease ran out and another replica took it); its end is not recorded"
                );
                "lost"
            }
            Err(e) => {
                tracing::error!(job = job.id, error = %e, "cannot record the job's end");
                "unrecorded"
            }
        };
        let action = serde_json::from_str::<Trigger>(&job.payload)
            .map(|t| t.action.name())
            .unwrap_or("unreadable");
        crate::telemetry::global().job(&job.kind, action, label, started.elapsed());
    }

    fn process(&self, job: &Job) -> Result<(), HandlerError> {
        let trigger: Trigger = serde_json::from_str(&job.payload)?;
        let forge = self.forge(&trigger)?;
        let cx = Cx::new(self, job, &trigger, forge.as_ref());
        match &trigger.action {
            Action::PromoteIssue {
                source,
                level,
                product,
                owner,
                description,
                problems,
            } => {
                let form = RequestForm {
                    source: source.clone(),
                    level: *level,
                    product: product.clone(),
                    owner: owner.clone(),
                    description: description.clone(),
                    problems: problems.clone(),
                };
                handlers::promote::on_label(&cx, &form)
            }
            Action::StandardsChange {
                base_ref,
                head_ref,
                head_sha,
            } => handlers::standards::on_pull(&cx, base_ref, head_ref, head_sha),
            Action::StandardsPush { before, after } => handlers::standards::on_push(&cx, before, after),
            Action::Command {
                comment_id,
                command,
                bare,
            } => {
                if *bare && !cx.bare_commands_allowed()? {
                    tracing::info!(repo = %trigger.repo, "a bare command, turned off by the repository");
                    return Ok(());
                }
                handlers::command(&cx, *comment_id, command)
            }
        }
    }
}
