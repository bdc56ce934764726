//! The durable job queue: webhook handlers only enqueue, workers claim. At most one
//! job per product runs at a time (its `key`), across every replica that shares the
//! queue; each delivery id is remembered so a forge's retry is acknowledged without
//! running twice; jobs can be cancelled.
//!
//! A claimed job carries a lease: its replica renews it ([`Queue::heartbeat`]) while it
//! lives, and a job whose lease ran out — its replica died or hung — is queued again
//! for whichever replica claims next. Two stores behind one [`Queue`] trait: SQLite in
//! the data directory (the default, one replica) and PostgreSQL (`--queue
//! postgres://…`, any number of replicas).

mod migrations;
pub mod postgres;
pub mod sqlite;

pub use postgres::PostgresQueue;
pub use sqlite::SqliteQueue;

use std::path::Path;
use std::time::Duration;

/// Why the queue failed.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// SQLite failed.
    #[error("job queue (SQLite): {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed; `doing` says at which step.
    #[error("job queue (PostgreSQL): {doing}: {detail}")]
    Postgres {
        /// What the queue was doing.
        doing: &'static str,
        /// The server's (or the client's) word, never the connection URL.
        detail: String,
    },
    /// A migration did not apply; the queue is left at the version before it.
    #[error("job queue: migration {version} ({name}) failed: {detail}")]
    Migration {
        /// The migration's number.
        version: i64,
        /// Its file name.
        name: &'static str,
        /// Why.
        detail: String,
    },
    /// The store was written by a newer Hallmark than this one.
    #[error("job queue: the store is at schema version {found}, newer than this Hallmark's {known}; upgrade Hallmark")]
    NewerSchema {
        /// The version found.
        found: i64,
        /// The newest this build knows.
        known: i64,
    },
    /// Another process holds the SQLite queue (one replica per SQLite file).
    #[error("job queue: {path} is in use by another hallmark process; an SQLite queue serves one replica, use --queue postgres://… for more")]
    InUse {
        /// The lock file.
        path: String,
    },
    /// The queue could not be set up: a URL Hallmark cannot open, a lock file it
    /// cannot create, a runtime or TLS that would not start.
    #[error("job queue: {0}")]
    Setup(String),
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Waiting for a worker.
    Queued,
    /// A worker has it.
    Running,
    /// Finished.
    Done,
    /// Finished with an error.
    Failed,
    /// Cancelled before or while it ran.
    Cancelled,
}

impl JobState {
    /// Every state, in the order `/metrics` lists them.
    pub const ALL: [JobState; 5] = [
        JobState::Queued,
        JobState::Running,
        JobState::Done,
        JobState::Failed,
        JobState::Cancelled,
    ];

    /// The state as stored and as `/metrics` labels it.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    /// How a job ended: failed with `error`, or done.
    fn ended(error: Option<&str>) -> JobState {
        match error {
            Some(_) => JobState::Failed,
            None => JobState::Done,
        }
    }

    /// Reads a stored state; the stores' CHECK constraints allow only these.
    fn parse(s: &str) -> JobState {
        match s {
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            "cancelled" => JobState::Cancelled,
            _ => JobState::Queued,
        }
    }
}

/// What became of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Seen before: acknowledge, do nothing.
    Repeated,
    /// New; `job` is the queued job, if it asked for one.
    New {
        /// The job's id.
        job: Option<i64>,
    },
    /// A new delivery of a request already queued (or just run) as `job`.
    SameRequest {
        /// The job that answers it.
        job: i64,
    },
}

/// A job to queue: what it locks, what to do, and its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewJob<'a> {
    /// One running job per key (`owner/repo:silver.orders`).
    pub key: &'a str,
    /// What to do (`promote`, `revise`, `recheck`...).
    pub kind: &'a str,
    /// The job's input, as JSON.
    pub payload: &'a str,
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Its id.
    pub id: i64,
    /// What it locks: one running job per key (`owner/repo:silver.orders`).
    pub key: String,
    /// What to do (`promote`, `revise`, `recheck`...).
    pub kind: String,
    /// The job's input, as JSON.
    pub payload: String,
    /// Where it is.
    pub state: JobState,
    /// How many times a worker has started it.
    pub attempts: i64,
    /// The error, when it failed.
    pub error: Option<String>,
}

impl Job {
    /// The same work again, as a new job (a retry queued by hand, a test's replay).
    pub fn again(&self) -> NewJob<'_> {
        NewJob {
            key: &self.key,
            kind: &self.kind,
            payload: &self.payload,
        }
    }
}

/// How a replica takes part in the queue.
#[derive(Debug, Clone)]
pub struct QueueOptions {
    /// This replica's name on the jobs it runs (pod name, pid and a nonce by default).
    pub owner: String,
    /// How long a claimed job stays this replica's without a heartbeat.
    pub lease: Duration,
    /// After this many starts a job whose lease keeps running out (it kills or hangs
    /// every replica that takes it) fails instead of being queued again.
    pub max_attempts: i64,
}

impl Default for QueueOptions {
    fn default() -> Self {
        QueueOptions {
            owner: replica_name(),
            lease: Duration::from_secs(60),
            max_attempts: 5,
        }
    }
}

/// A name for this process that no other replica shares: the pod's (or host's) name,
/// the pid and the start time's nanoseconds, so a restarted pod with the same name and
/// pid is still someone else.
pub fn replica_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "hallmark".into());
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{host}-{}-{nonce:08x}", std::process::id())
}

/// How long a "same request" stays the same: a second delivery of an identical job
/// (the form's `issues.opened` then its `issues.labeled`) within it is one job.
pub const SAME_REQUEST_WINDOW_SECS: i64 = 600;

/// The error a job ends with when its lease ran out `max` times in a row.
fn gave_up(max: i64) -> String {
    format!("gave up after {max} attempts: each time, the replica running it stopped answering")
}

/// Deliveries are remembered this long; forges retry within hours, not months.
pub const DELIVERY_MEMORY_DAYS: i64 = 30;

/// The job queue, whichever store holds it. Every method is one short transaction;
/// the PostgreSQL store runs them on a runtime of its own, so they may be called from
/// any thread that is not itself driving async tasks (workers, `spawn_blocking`).
pub trait Queue: Send + Sync {
    /// Records delivery `id` and, the first time only, queues `job` in the same
    /// transaction, so a retry after a crash between the two can neither lose the job
    /// nor run it twice — and the same id sent to two replicas is one job.
    fn accept_delivery(&self, id: &str, job: Option<NewJob<'_>>) -> Result<Delivery, QueueError>;

    /// Queues a job.
    fn enqueue(&self, job: NewJob<'_>) -> Result<i64, QueueError>;

    /// Hands the oldest queued job whose key is free (no job of that key runs on any
    /// replica, and no older one waits) to this replica, unless it already runs
    /// `max_running`. Jobs whose lease ran out are queued again first.
    fn claim(&self, max_running: usize) -> Result<Option<Job>, QueueError>;

    /// Renews the leases of this replica's running jobs among `alive` (the jobs a
    /// worker of this replica is still carrying out); returns how many. A job whose
    /// worker is gone is not renewed, so its lease runs out and it is taken over.
    fn heartbeat(&self, alive: &[i64]) -> Result<usize, QueueError>;

    /// Ends a running job of this replica: done, or failed with `error` (the job keeps
    /// the replica's name, so which replica ran what can be read later). False when
    /// the job was no longer this replica's (its lease ran out and another took it, or
    /// it was cancelled), and nothing was written.
    fn finish(&self, id: i64, error: Option<&str>) -> Result<bool, QueueError>;

    /// Gives this replica's running jobs back to the queue at once (a shutdown past its
    /// grace period), so another replica need not wait for their leases.
    fn release_mine(&self) -> Result<usize, QueueError>;

    /// Cancels every queued or running job of `key`; returns how many. A running job
    /// sees it through [`Queue::is_cancelled`] and stops at its next step.
    fn cancel(&self, key: &str) -> Result<usize, QueueError>;

    /// One job.
    fn job(&self, id: i64) -> Result<Option<Job>, QueueError>;

    /// How many jobs are in each state that has any, for `/metrics`.
    fn counts(&self) -> Result<Vec<(JobState, i64)>, QueueError>;

    /// Which store this is, for logs and `hallmark doctor` (never the password).
    fn describe(&self) -> String;

    /// True when the job was cancelled.
    fn is_cancelled(&self, id: i64) -> Result<bool, QueueError> {
        Ok(self.job(id)?.is_some_and(|j| j.state == JobState::Cancelled))
    }
}

/// Opens the queue `url` names: `postgres://…` / `postgresql://…`, or, when there is
/// none, the SQLite file in `data_dir` (held by this process alone).
pub fn open(url: Option<&str>, data_dir: &Path, options: QueueOptions) -> Result<Box<dyn Queue>, QueueError> {
    match url.map(str::trim).filter(|u| !u.is_empty()) {
        None => Ok(Box::new(SqliteQueue::open_exclusive(
            &data_dir.join("queue.sqlite"),
            options,
        )?)),
        Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
            Ok(Box::new(PostgresQueue::connect(u, options)?))
        }
        Some(u) if u.starts_with("sqlite://") => Ok(Box::new(SqliteQueue::open_exclusive(
            Path::new(&u["sqlite://".len()..]),
            options,
        )?)),
        Some(_) => Err(QueueError::Setup(
            "the queue URL must start with postgres:// (or postgresql://) or sqlite://".into(),
        )),
    }
}
