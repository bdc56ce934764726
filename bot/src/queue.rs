//! The durable job queue, in embedded SQLite: webhook handlers only enqueue, workers
//! claim. At most one job per product runs at a time (its `key`), a job interrupted by
//! a crash is queued again on restart, jobs can be cancelled, and each delivery id is
//! remembered so a forge's retry is acknowledged without running twice.

use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;
use std::sync::Mutex;

/// Why the queue failed.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// SQLite failed.
    #[error("job queue: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// The queue. One connection behind a mutex: SQLite serializes writers anyway, and
/// every operation here is a short transaction.
pub struct Queue {
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, id);
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
";

fn job_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Job> {
    Ok(Job {
        id: row.get(0)?,
        key: row.get(1)?,
        kind: row.get(2)?,
        payload: row.get(3)?,
        state: JobState::parse(&row.get::<_, String>(4)?),
        attempts: row.get(5)?,
        error: row.get(6)?,
    })
}

const COLUMNS: &str = "id, key, kind, payload, state, attempts, error";

impl Queue {
    /// Opens (or creates) the queue at `path`, and queues again every job that was
    /// running when the previous process stopped.
    pub fn open(path: &Path) -> Result<Queue, QueueError> {
        Self::with_connection(Connection::open(path)?)
    }

    /// A queue that lives in memory, for tests and one-shot runs.
    pub fn in_memory() -> Result<Queue, QueueError> {
        Self::with_connection(Connection::open_in_memory()?)
    }

    fn with_connection(conn: Connection) -> Result<Queue, QueueError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        conn.execute(
            "UPDATE jobs SET state = 'queued', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE state = 'running'",
            [],
        )?;
        Ok(Queue { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records delivery `id` and, the first time only, queues `job` (key, kind,
    /// payload) in the same transaction, so a retry after a crash between the two can
    /// neither lose the job nor run it twice.
    pub fn accept_delivery(&self, id: &str, job: Option<(&str, &str, &str)>) -> Result<Delivery, QueueError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        if tx.execute("INSERT OR IGNORE INTO deliveries (id) VALUES (?1)", params![id])? == 0 {
            return Ok(Delivery::Repeated);
        }
        let queued = match job {
            Some((key, kind, payload)) => {
                // The same request twice (a form with the label sends `issues.opened`
                // carrying it, then `issues.labeled`): one job. Same key and payload,
                // while the first waits or runs or for ten minutes after.
                let same: Option<i64> = tx
                    .query_row(
                        "SELECT id FROM jobs WHERE key = ?1 AND kind = ?2 AND payload = ?3
                         AND (state IN ('queued', 'running')
                              OR created_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-10 minutes'))
                         ORDER BY id DESC LIMIT 1",
                        params![key, kind, payload],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(job) = same {
                    tx.commit()?;
                    return Ok(Delivery::SameRequest { job });
                }
                tx.execute(
                    "INSERT INTO jobs (key, kind, payload) VALUES (?1, ?2, ?3)",
                    params![key, kind, payload],
                )?;
                Some(tx.last_insert_rowid())
            }
            None => None,
        };
        tx.commit()?;
        Ok(Delivery::New { job: queued })
    }

    /// Queues a job.
    pub fn enqueue(&self, key: &str, kind: &str, payload: &str) -> Result<i64, QueueError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO jobs (key, kind, payload) VALUES (?1, ?2, ?3)",
            params![key, kind, payload],
        )?;
        Ok(conn.last_insert_rowid())
    }

    /// Hands the oldest queued job whose key is free to a worker, unless `max_running`
    /// jobs already run.
    pub fn claim(&self, max_running: usize) -> Result<Option<Job>, QueueError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let running: i64 = tx.query_row("SELECT count(*) FROM jobs WHERE state = 'running'", [], |r| r.get(0))?;
        if running as usize >= max_running {
            return Ok(None);
        }
        let job = tx
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM jobs j WHERE state = 'queued'
                     AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.key = j.key AND r.state = 'running')
                     ORDER BY id LIMIT 1"
                ),
                [],
                job_from_row,
            )
            .optional()?;
        let Some(mut job) = job else {
            return Ok(None);
        };
        tx.execute(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1",
            params![job.id],
        )?;
        tx.commit()?;
        job.state = JobState::Running;
        job.attempts += 1;
        Ok(Some(job))
    }

    /// Ends a running job: done, or failed with `error`. A job cancelled meanwhile
    /// stays cancelled.
    pub fn finish(&self, id: i64, error: Option<&str>) -> Result<(), QueueError> {
        let state = if error.is_some() {
            JobState::Failed
        } else {
            JobState::Done
        };
        self.conn().execute(
            "UPDATE jobs SET state = ?2, error = ?3, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1 AND state != 'cancelled'",
            params![id, state.as_str(), error],
        )?;
        Ok(())
    }

    /// Cancels every queued or running job of `key`; returns how many. A running job
    /// sees it through [`Queue::is_cancelled`] and stops at its next step.
    pub fn cancel(&self, key: &str) -> Result<usize, QueueError> {
        Ok(self.conn().execute(
            "UPDATE jobs SET state = 'cancelled', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE key = ?1 AND state IN ('queued', 'running')",
            params![key],
        )?)
    }

    /// True when the job was cancelled.
    pub fn is_cancelled(&self, id: i64) -> Result<bool, QueueError> {
        Ok(self.job(id)?.is_some_and(|j| j.state == JobState::Cancelled))
    }

    /// One job.
    pub fn job(&self, id: i64) -> Result<Option<Job>, QueueError> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"),
                params![id],
                job_from_row,
            )
            .optional()?)
    }

    /// How many jobs are in each state, for `/metrics`.
    pub fn counts(&self) -> Result<Vec<(JobState, i64)>, QueueError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT state, count(*) FROM jobs GROUP BY state ORDER BY state")?;
        let rows = stmt.query_map([], |r| Ok((JobState::parse(&r.get::<_, String>(0)?), r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_job_per_key_runs_at_a_time_within_the_bound() {
        let q = Queue::in_memory().unwrap();
        let a1 = q.enqueue("r:silver.orders", "promote", "{}").unwrap();
        let a2 = q.enqueue("r:silver.orders", "revise", "{}").unwrap();
        let b = q.enqueue("r:silver.customers", "promote", "{}").unwrap();
        let c = q.enqueue("r:gold.daily", "promote", "{}").unwrap();
        assert_eq!(q.claim(2).unwrap().unwrap().id, a1);
        // a2 waits for a1 (same product); b is next.
        assert_eq!(q.claim(2).unwrap().unwrap().id, b);
        assert_eq!(q.claim(2).unwrap(), None, "two are running: the bound holds");
        q.finish(b, None).unwrap();
        assert_eq!(q.claim(2).unwrap().unwrap().id, c);
        q.finish(a1, Some("boom")).unwrap();
        assert_eq!(q.claim(3).unwrap().unwrap().id, a2);
        assert_eq!(q.job(a1).unwrap().unwrap().error.as_deref(), Some("boom"));
        assert_eq!(q.job(b).unwrap().unwrap().state, JobState::Done);
    }

    #[test]
    fn a_job_running_at_a_crash_runs_again_after_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("queue.sqlite");
        let id = {
            let q = Queue::open(&path).unwrap();
            let id = q.enqueue("k", "promote", r#"{"issue": 7}"#).unwrap();
            assert_eq!(q.claim(1).unwrap().unwrap().attempts, 1);
            id
            // The process "dies" here with the job running.
        };
        let q = Queue::open(&path).unwrap();
        let job = q.claim(1).unwrap().unwrap();
        assert_eq!((job.id, job.attempts, job.payload.as_str()), (id, 2, r#"{"issue": 7}"#));
        q.finish(id, None).unwrap();
        assert_eq!(q.claim(1).unwrap(), None);
    }

    #[test]
    fn the_same_request_delivered_twice_is_one_job() {
        let q = Queue::in_memory().unwrap();
        let Delivery::New { job: Some(id) } = q.accept_delivery("d-1", Some(("k", "promote", "{}"))).unwrap() else {
            panic!("queued")
        };
        assert_eq!(
            q.accept_delivery("d-2", Some(("k", "promote", "{}"))).unwrap(),
            Delivery::SameRequest { job: id }
        );
        assert!(matches!(
            q.accept_delivery("d-3", Some(("k", "promote", "{\"other\": 1}")))
                .unwrap(),
            Delivery::New { job: Some(_) }
        ));
    }

    #[test]
    fn deliveries_are_seen_once_and_cancellation_sticks() {
        let q = Queue::in_memory().unwrap();
        let Delivery::New { job: Some(id) } = q.accept_delivery("abc-123", Some(("k", "promote", "{}"))).unwrap()
        else {
            panic!("queued")
        };
        assert_eq!(
            q.accept_delivery("abc-123", Some(("k", "promote", "{}"))).unwrap(),
            Delivery::Repeated
        );
        assert_eq!(q.accept_delivery("ping-1", None).unwrap(), Delivery::New { job: None });
        let queued = q.enqueue("k", "revise", "{}").unwrap();
        q.claim(1).unwrap();
        assert_eq!(q.cancel("k").unwrap(), 2);
        assert!(q.is_cancelled(id).unwrap());
        q.finish(id, None).unwrap();
        assert_eq!(q.job(id).unwrap().unwrap().state, JobState::Cancelled);
        assert_eq!(q.job(queued).unwrap().unwrap().state, JobState::Cancelled);
        assert_eq!(q.claim(1).unwrap(), None);
        assert_eq!(q.counts().unwrap(), vec![(JobState::Cancelled, 2)]);
    }
}
