//! The queue in embedded SQLite, the default for one replica: the file lives in the
//! data directory, and `hallmark serve` holds it alone (a lock file beside it), so at
//! start every job left running by the previous process is queued again at once.
//! Other handles on the same file — tests standing in for a second replica — share it
//! through WAL and write transactions taken up front, and rely on leases like
//! PostgreSQL's.

use super::migrations::{self, Migration};
use super::{Delivery, Job, JobState, NewJob, Queue, QueueError, QueueOptions};
use super::{DELIVERY_MEMORY_DAYS, SAME_REQUEST_WINDOW_SECS};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// SQLite's clock, in the text form every timestamp column holds (sorts as it reads).
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

const COLUMNS: &str = "id, key, kind, payload, state, attempts, error";

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

/// An SQLite queue. One connection behind a mutex: SQLite serializes writers anyway,
/// and every operation is a short transaction.
pub struct SqliteQueue {
    conn: Mutex<Connection>,
    options: QueueOptions,
    path: Option<PathBuf>,
    /// Held while this process serves the file alone; released on drop.
    _lock: Option<File>,
}

impl SqliteQueue {
    /// Opens (or creates) the queue at `path` for this process alone, and queues again
    /// every job the previous process left running. A second process on the same file
    /// is refused, naming the lock.
    pub fn open_exclusive(path: &Path, options: QueueOptions) -> Result<SqliteQueue, QueueError> {
        let mut lock_path = path.as_os_str().to_owned();
        lock_path.push(".lock");
        let lock_path = PathBuf::from(lock_path);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| QueueError::Setup(format!("cannot open {}: {e}", lock_path.display())))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(QueueError::InUse {
                    path: lock_path.display().to_string(),
                })
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(QueueError::Setup(format!("cannot lock {}: {e}", lock_path.display())))
            }
        }
        let mut queue = Self::with_connection(Connection::open(path)?, options, Some(path))?;
        queue._lock = Some(lock);
        queue.write(|tx, q| q.reap(tx, true))?;
        Ok(queue)
    }

    /// Opens (or creates) the queue at `path` beside other handles on it, each a
    /// replica of its own: a job left running is queued again only when its lease
    /// runs out.
    pub fn open(path: &Path, options: QueueOptions) -> Result<SqliteQueue, QueueError> {
        Self::with_connection(Connection::open(path)?, options, Some(path))
    }

    /// A queue that lives in memory, for tests and one-shot runs.
    pub fn in_memory() -> Result<SqliteQueue, QueueError> {
        Self::with_connection(Connection::open_in_memory()?, QueueOptions::default(), None)
    }

    fn with_connection(
        conn: Connection,
        options: QueueOptions,
        path: Option<&Path>,
    ) -> Result<SqliteQueue, QueueError> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let queue = SqliteQueue {
            conn: Mutex::new(conn),
            options,
            path: path.map(Path::to_path_buf),
            _lock: None,
        };
        queue.migrate(migrations::SQLITE)?;
        Ok(queue)
    }

    /// Applies the migrations the file lacks, each with its version in one write
    /// transaction, so two handles opening a new file at once apply each once.
    fn migrate(&self, list: &[Migration]) -> Result<(), QueueError> {
        let latest = migrations::latest(list);
        let mut conn = self.conn();
        for m in list {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            if found > latest {
                return Err(QueueError::NewerSchema { found, known: latest });
            }
            if found >= m.version {
                continue;
            }
            let failed = |e: rusqlite::Error| QueueError::Migration {
                version: m.version,
                name: m.name,
                detail: e.to_string(),
            };
            tx.execute_batch(m.sql).map_err(failed)?;
            tx.pragma_update(None, "user_version", m.version).map_err(failed)?;
            tx.commit()?;
        }
        Ok(())
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` in a write transaction taken up front, so two handles on one file
    /// never both read a job as free and then both take it.
    fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>, &Self) -> Result<T, QueueError>,
    ) -> Result<T, QueueError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx, self)?;
        tx.commit()?;
        Ok(out)
    }

    fn lease(&self) -> String {
        format!("+{:.3} seconds", self.options.lease.as_secs_f64())
    }

    /// Queues again the running jobs whose lease ran out (every running job when
    /// `all`: this process holds the file alone); a job started `max_attempts` times
    /// fails instead.
    fn reap(&self, tx: &rusqlite::Transaction<'_>, all: bool) -> Result<usize, QueueError> {
        let max = self.options.max_attempts;
        let gave_up = super::gave_up(max);
        Ok(tx.execute(
            &format!(
                "UPDATE jobs SET state = CASE WHEN attempts >= ?1 THEN 'failed' ELSE 'queued' END,
                     error = CASE WHEN attempts >= ?1 THEN ?2 ELSE error END,
                     owner = NULL, lease_until = NULL, updated_at = {NOW}
                 WHERE state = 'running' AND (?3 OR lease_until < {NOW})"
            ),
            params![max, gave_up, all],
        )?)
    }

    fn insert(tx: &rusqlite::Transaction<'_>, job: NewJob<'_>) -> Result<i64, QueueError> {
        tx.execute(
            "INSERT INTO jobs (key, kind, payload) VALUES (?1, ?2, ?3)",
            params![job.key, job.kind, job.payload],
        )?;
        Ok(tx.last_insert_rowid())
    }
}

impl Queue for SqliteQueue {
    fn accept_delivery(&self, id: &str, job: Option<NewJob<'_>>) -> Result<Delivery, QueueError> {
        self.write(|tx, _| {
            if tx.execute("INSERT OR IGNORE INTO deliveries (id) VALUES (?1)", params![id])? == 0 {
                return Ok(Delivery::Repeated);
            }
            let Some(job) = job else {
                return Ok(Delivery::New { job: None });
            };
            // The same request twice (a form with the label sends `issues.opened`
            // carrying it, then `issues.labeled`): one job. Same key and payload,
            // while the first waits or runs or for a while after.
            let same: Option<i64> = tx
                .query_row(
                    "SELECT id FROM jobs WHERE key = ?1 AND kind = ?2 AND payload = ?3
                     AND (state IN ('queued', 'running')
                          OR created_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?4))
                     ORDER BY id DESC LIMIT 1",
                    params![
                        job.key,
                        job.kind,
                        job.payload,
                        format!("-{SAME_REQUEST_WINDOW_SECS} seconds")
                    ],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(match same {
                Some(job) => Delivery::SameRequest { job },
                None => Delivery::New {
                    job: Some(Self::insert(tx, job)?),
                },
            })
        })
    }

    fn enqueue(&self, job: NewJob<'_>) -> Result<i64, QueueError> {
        self.write(|tx, _| Self::insert(tx, job))
    }

    fn claim(&self, max_running: usize) -> Result<Option<Job>, QueueError> {
        self.write(|tx, q| {
            q.reap(tx, false)?;
            let mine: i64 = tx.query_row(
                "SELECT count(*) FROM jobs WHERE state = 'running' AND owner = ?1",
                params![q.options.owner],
                |r| r.get(0),
            )?;
            if mine as usize >= max_running {
                return Ok(None);
            }
            let job = tx
                .query_row(
                    &format!(
                        "SELECT {COLUMNS} FROM jobs j WHERE state = 'queued'
                         AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.key = j.key AND r.state = 'running')
                         AND NOT EXISTS (SELECT 1 FROM jobs o WHERE o.key = j.key AND o.state = 'queued' AND o.id < j.id)
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
                &format!(
                    "UPDATE jobs SET state = 'running', attempts = attempts + 1, owner = ?2,
                         lease_until = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?3), updated_at = {NOW}
                     WHERE id = ?1"
                ),
                params![job.id, q.options.owner, q.lease()],
            )?;
            job.state = JobState::Running;
            job.attempts += 1;
            Ok(Some(job))
        })
    }

    fn heartbeat(&self, alive: &[i64]) -> Result<usize, QueueError> {
        let alive = serde_json::to_string(alive).unwrap_or_else(|_| "[]".into());
        self.write(|tx, q| {
            let renewed = tx.execute(
                "UPDATE jobs SET lease_until = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?2)
                 WHERE state = 'running' AND owner = ?1 AND id IN (SELECT value FROM json_each(?3))",
                params![q.options.owner, q.lease(), alive],
            )?;
            tx.execute(
                "DELETE FROM deliveries WHERE received_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?1)",
                params![format!("-{DELIVERY_MEMORY_DAYS} days")],
            )?;
            Ok(renewed)
        })
    }

    fn finish(&self, id: i64, error: Option<&str>) -> Result<bool, QueueError> {
        let state = JobState::ended(error);
        self.write(|tx, q| {
            Ok(tx.execute(
                &format!(
                    "UPDATE jobs SET state = ?2, error = ?3, lease_until = NULL, updated_at = {NOW}
                     WHERE id = ?1 AND state = 'running' AND owner = ?4"
                ),
                params![id, state.as_str(), error, q.options.owner],
            )? == 1)
        })
    }

    fn release_mine(&self) -> Result<usize, QueueError> {
        self.write(|tx, q| {
            Ok(tx.execute(
                &format!(
                    "UPDATE jobs SET state = 'queued', owner = NULL, lease_until = NULL, updated_at = {NOW}
                     WHERE state = 'running' AND owner = ?1"
                ),
                params![q.options.owner],
            )?)
        })
    }

    fn cancel(&self, key: &str) -> Result<usize, QueueError> {
        self.write(|tx, _| {
            Ok(tx.execute(
                &format!(
                    "UPDATE jobs SET state = 'cancelled', updated_at = {NOW}
                     WHERE key = ?1 AND state IN ('queued', 'running')"
                ),
                params![key],
            )?)
        })
    }

    fn job(&self, id: i64) -> Result<Option<Job>, QueueError> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"),
                params![id],
                job_from_row,
            )
            .optional()?)
    }

    fn counts(&self) -> Result<Vec<(JobState, i64)>, QueueError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT state, count(*) FROM jobs GROUP BY state ORDER BY state")?;
        let rows = stmt.query_map([], |r| Ok((JobState::parse(&r.get::<_, String>(0)?), r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn describe(&self) -> String {
        match &self.path {
            Some(p) => format!("SQLite at {}", p.display()),
            None => "SQLite in memory".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job<'a>(key: &'a str, payload: &'a str) -> NewJob<'a> {
        NewJob {
            key,
            kind: "promote",
            payload,
        }
    }

    #[test]
    fn a_job_running_at_a_crash_runs_again_at_once_after_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("queue.sqlite");
        let id = {
            let q = SqliteQueue::open_exclusive(&path, QueueOptions::default()).unwrap();
            let id = q.enqueue(job("k", r#"{"issue": 7}"#)).unwrap();
            assert_eq!(q.claim(1).unwrap().unwrap().attempts, 1);
            id
            // The process "dies" here with the job running, its lease an hour away.
        };
        let q = SqliteQueue::open_exclusive(&path, QueueOptions::default()).unwrap();
        let job = q.claim(1).unwrap().unwrap();
        assert_eq!((job.id, job.attempts, job.payload.as_str()), (id, 2, r#"{"issue": 7}"#));
        assert!(q.finish(id, None).unwrap());
        assert_eq!(q.claim(1).unwrap(), None);
    }

    #[test]
    fn a_second_process_on_the_same_file_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("queue.sqlite");
        let _first = SqliteQueue::open_exclusive(&path, QueueOptions::default()).unwrap();
        let Err(e) = SqliteQueue::open_exclusive(&path, QueueOptions::default()) else {
            panic!("two processes on one SQLite queue")
        };
        let text = e.to_string();
        assert!(
            text.contains("queue.sqlite.lock") && text.contains("postgres://"),
            "{text}"
        );
    }

    #[test]
    fn a_file_from_before_versioned_migrations_is_brought_up_to_date_keeping_its_jobs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("queue.sqlite");
        {
            // The schema the first release wrote, with a job it left running.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(migrations::SQLITE[0].sql).unwrap();
            conn.execute(
                "INSERT INTO jobs (key, kind, payload, state, attempts) VALUES ('k', 'promote', '{}', 'running', 1)",
                [],
            )
            .unwrap();
            conn.execute("INSERT INTO deliveries (id) VALUES ('old-delivery')", [])
                .unwrap();
        }
        let q = SqliteQueue::open(&path, QueueOptions::default()).unwrap();
        assert_eq!(q.accept_delivery("old-delivery", None).unwrap(), Delivery::Repeated);
        let job = q.claim(1).unwrap().unwrap();
        assert_eq!((job.key.as_str(), job.attempts), ("k", 2));
        let version: i64 = q.conn().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, migrations::latest(migrations::SQLITE));
    }

    #[test]
    fn a_file_from_a_newer_hallmark_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("queue.sqlite");
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let Err(e) = SqliteQueue::open(&path, QueueOptions::default()) else {
            panic!("a newer schema was opened")
        };
        assert!(matches!(e, QueueError::NewerSchema { found: 99, .. }), "{e}");
    }
}
