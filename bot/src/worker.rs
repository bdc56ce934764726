//! The worker: takes a job from the queue, finds the forge it came from, lends the
//! job what handlers may use of this replica ([`Means`]) and hands it to
//! [`handlers::handle`], which picks the handler. It records how the job ended, under
//! a panic boundary and the job's time limit; a job that runs again (after
//! a crash, or a second trigger) is simply run again, since every handler finds what
//! an earlier run wrote instead of writing it twice.

use crate::events::{ForgeKind, Trigger};
use crate::forge::github::GitHubForge;
use crate::forge::gitlab::GitLabForge;
use crate::forge::{Forge, Permission};
use crate::github::client::GitHubClient;
use crate::handlers::{self, Cx, HandlerError, Means};
use crate::isolated::Opener;
use crate::queue::{Job, Queue};
use hallmark_checks::secret::Secret;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    /// How jobs open a repository's warehouse: where the operator lets this worker's
    /// credentials go (a repository's `warehouse.url` or `llm.base_url` outside it is
    /// refused), and the `hallmark` executable that runs each job's DuckDB warehouse in
    /// a child process the worker can kill (see [`crate::isolated`]).
    pub opener: Opener,
    /// The jobs this replica's workers are carrying out, shared with the heartbeat
    /// that renews their leases (and only theirs).
    pub live: LiveJobs,
    /// A job still running after this fails (`--job-timeout`).
    pub job_timeout: Option<Duration>,
}

/// The jobs a replica's workers are carrying out, each with its deadline. A job is in
/// it from the moment a worker starts it until the worker is done with it, however it
/// ends (a panic included), so the heartbeat never renews the lease of a job no
/// worker is on.
#[derive(Debug, Clone, Default)]
pub struct LiveJobs(Arc<Mutex<BTreeMap<i64, Option<Instant>>>>);

impl LiveJobs {
    fn jobs(&self) -> std::sync::MutexGuard<'_, BTreeMap<i64, Option<Instant>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks job `id` live until the guard is dropped.
    fn enter(&self, id: i64, deadline: Option<Instant>) -> LiveGuard<'_> {
        self.jobs().insert(id, deadline);
        LiveGuard { live: self, id }
    }

    /// The live jobs whose leases the heartbeat renews.
    pub fn alive(&self) -> Vec<i64> {
        self.jobs().keys().copied().collect()
    }

    /// The live jobs past their deadline, which the heartbeat fails and no longer
    /// renews; their workers stop at their next step.
    pub fn take_overdue(&self, now: Instant) -> Vec<i64> {
        let mut jobs = self.jobs();
        let overdue: Vec<i64> = jobs
            .iter()
            .filter(|(_, d)| d.is_some_and(|d| d <= now))
            .map(|(id, _)| *id)
            .collect();
        for id in &overdue {
            jobs.remove(id);
        }
        overdue
    }

    /// True while job `id` is live: started, not yet ended, and not past its
    /// deadline.
    pub fn is_live(&self, id: i64) -> bool {
        self.jobs()
            .get(&id)
            .is_some_and(|deadline| deadline.is_none_or(|d| Instant::now() < d))
    }
}

/// Keeps a job in [`LiveJobs`] while it runs.
struct LiveGuard<'a> {
    live: &'a LiveJobs,
    id: i64,
}

impl Drop for LiveGuard<'_> {
    fn drop(&mut self) {
        self.live.jobs().remove(&self.id);
    }
}

/// The error a job ends with when it outlives `--job-timeout`.
pub fn timed_out(limit: Duration) -> String {
    format!(
        "stopped: the job ran longer than the {} s the operator allows a job (--job-timeout)",
        limit.as_secs()
    )
}

/// The panic boundary around a job: a panic anywhere in it (a driver, a handler)
/// fails this job with its message, and the worker goes on to the next.
fn guarded(id: i64, job: impl FnOnce() -> Result<(), HandlerError>) -> Result<(), HandlerError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).unwrap_or_else(|panic| {
        let message = hallmark_checks::warehouse::panic_text(&*panic);
        tracing::error!(job = id, %message, "the job panicked");
        Err(HandlerError::Panicked(message))
    })
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
        let outcome = {
            let _live = self.live.enter(job.id, self.job_timeout.map(|t| started + t));
            guarded(job.id, || self.process(job))
        };
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
        let is_live = |id: i64| self.live.is_live(id);
        let means = Means {
            queue: self.queue.as_ref(),
            remote: &*self.remote,
            work_dir: &self.work_dir,
            write_permission: self.write_permission,
            runtime: &self.runtime,
            llm_key: self.llm_key.as_ref(),
            opener: &self.opener,
            is_live: &is_live,
        };
        handlers::handle(&Cx::new(means, job, &trigger, forge.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_job_fails_with_its_message_and_leaves_no_live_job() {
        let live = LiveJobs::default();
        let outcome = {
            let _live = live.enter(7, None);
            assert_eq!(live.alive(), [7]);
            guarded(7, || panic!("row.rs: invalid value: Null"))
        };
        match outcome {
            Err(HandlerError::Panicked(m)) => assert_eq!(m, "row.rs: invalid value: Null"),
            other => panic!("{other:?}"),
        }
        assert!(live.alive().is_empty(), "its lease is no longer renewed");
        assert!(guarded(8, || Ok(())).is_ok());
    }

    #[test]
    fn a_job_past_its_deadline_is_no_longer_live_and_is_taken_once() {
        let live = LiveJobs::default();
        let now = Instant::now();
        let _a = live.enter(1, Some(now));
        let _b = live.enter(2, Some(now + Duration::from_secs(3600)));
        let _c = live.enter(3, None);
        assert!(!live.is_live(1));
        assert!(live.is_live(2) && live.is_live(3));
        assert_eq!(live.take_overdue(Instant::now()), [1]);
        assert!(live.take_overdue(Instant::now()).is_empty());
        assert_eq!(live.alive(), [2, 3]);
    }
}
