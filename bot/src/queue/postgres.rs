//! The queue in PostgreSQL, for more than one replica. Claims take the oldest free job
//! with `FOR UPDATE SKIP LOCKED`, so replicas never wait on each other's candidates;
//! the per-product lock is a partial unique index (one running job per key), so two
//! replicas claiming the same product at once cannot both win; a delivery id is a
//! primary key, so one delivery sent to two replicas is one job; leases on the
//! server's clock decide when a silent replica's job is taken over.
//!
//! tokio-postgres is async and the queue is called from blocking worker threads, so
//! the store owns a small runtime that drives its connection pool (deadpool).

use super::migrations::{self, Migration};
use super::{Delivery, Job, JobState, NewJob, Queue, QueueError, QueueOptions};
use super::{DELIVERY_MEMORY_DAYS, SAME_REQUEST_WINDOW_SECS};
use deadpool_postgres::{Client, Manager, ManagerConfig, Pool, RecyclingMethod};
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::error::SqlState;
use tokio_postgres::Row;

const COLUMNS: &str = "id, key, kind, payload, state, attempts, error";

/// Held (session-level) while one replica migrates, so replicas starting together
/// apply each migration once.
const MIGRATION_LOCK: i64 = 0x4841_4c4c_4d41_524b; // "HALLMARK"

/// How many times a claim that lost a race for a product's lock tries another job.
const CLAIM_RACES: usize = 5;

fn job_from_row(row: &Row) -> Result<Job, tokio_postgres::Error> {
    Ok(Job {
        id: row.try_get(0)?,
        key: row.try_get(1)?,
        kind: row.try_get(2)?,
        payload: row.try_get(3)?,
        state: JobState::parse(row.try_get(4)?),
        attempts: row.try_get(5)?,
        error: row.try_get(6)?,
    })
}

/// The server's word (message and SQLSTATE) when it gave one, else the client's.
fn detail(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

/// Why no connection could be had: the server's word when it refused one (a wrong
/// password, a missing database), else the pool's.
fn pool_detail(e: deadpool_postgres::PoolError) -> String {
    match e {
        deadpool_postgres::PoolError::Backend(e) => format!("cannot connect: {}", detail(&e)),
        other => other.to_string(),
    }
}

fn failed(doing: &'static str) -> impl Fn(tokio_postgres::Error) -> QueueError {
    move |e| QueueError::Postgres {
        doing,
        detail: detail(&e),
    }
}

/// The environment variable holding the queue's password when its URL has none.
pub const PASSWORD_ENV: &str = "HALLMARK_QUEUE_PASSWORD";

/// True when `url` is a PostgreSQL URL with a password in it.
pub fn carries_password(url: &str) -> bool {
    url.parse::<tokio_postgres::Config>()
        .is_ok_and(|c| c.get_password().is_some())
}

/// A PostgreSQL queue: a pool of connections and the runtime that drives them.
pub struct PostgresQueue {
    pool: Pool,
    runtime: Option<tokio::runtime::Runtime>,
    options: QueueOptions,
    target: String,
}

impl Drop for PostgresQueue {
    fn drop(&mut self) {
        // The last handle may go inside another runtime, where a blocking shutdown
        // would panic.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// TLS for `sslmode=prefer` (the default: used when the server offers it) and
/// `require`, verified against the platform's roots like every other connection.
fn tls() -> Result<tokio_postgres_rustls::MakeRustlsConnect, QueueError> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(|e| QueueError::Setup(format!("cannot set up TLS for PostgreSQL: {e}")))?
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

impl PostgresQueue {
    /// Connects to the database `url` names (`postgres://user:password@host/db`, any
    /// libpq-style parameter such as `sslmode=require`; the password from
    /// [`PASSWORD_ENV`] when the URL has none), and brings its schema up to date. The
    /// URL is never logged or repeated in an error.
    pub fn connect(url: &str, options: QueueOptions) -> Result<PostgresQueue, QueueError> {
        let queue = Self::pool(url, options)?;
        queue.migrate(migrations::POSTGRES)?;
        Ok(queue)
    }

    /// Connects without changing anything and says what is there: the server's
    /// version and the queue's schema version against this build's (for `hallmark
    /// doctor`, which must not migrate a database it only checks).
    pub fn probe(url: &str) -> Result<String, QueueError> {
        let queue = Self::pool(url, QueueOptions::default())?;
        let (server, found) = queue.with_client("probing", async |client| {
            let go = failed("probing");
            let server: String = client
                .query_one("SHOW server_version", &[])
                .await
                .and_then(|r| r.try_get(0))
                .map_err(&go)?;
            let exists: bool = client
                .query_one("SELECT to_regclass('hallmark_migrations') IS NOT NULL", &[])
                .await
                .and_then(|r| r.try_get(0))
                .map_err(&go)?;
            let found: i64 = match exists {
                false => 0,
                true => client
                    .query_one("SELECT coalesce(max(version), 0) FROM hallmark_migrations", &[])
                    .await
                    .and_then(|r| r.try_get(0))
                    .map_err(&go)?,
            };
            Ok((server, found))
        })?;
        let known = migrations::latest(migrations::POSTGRES);
        if found > known {
            return Err(QueueError::NewerSchema { found, known });
        }
        let schema = match found {
            0 => "no queue tables yet (hallmark serve creates them at start)".to_string(),
            n if n == known => format!("schema at version {n}, current"),
            n => format!("schema at version {n}; hallmark serve migrates it to {known} at start"),
        };
        Ok(format!("{} (server {server}): {schema}", queue.target))
    }

    /// The pool and its runtime, connected lazily: nothing is sent yet.
    fn pool(url: &str, options: QueueOptions) -> Result<PostgresQueue, QueueError> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| QueueError::Setup(format!("the PostgreSQL URL does not parse: {e}")))?;
        if config.get_password().is_none() {
            if let Some(password) = std::env::var(PASSWORD_ENV).ok().filter(|p| !p.is_empty()) {
                config.password(password);
            }
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        if config.get_application_name().is_none() {
            config.application_name("hallmark");
        }
        let target = describe(&config);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("hallmark-queue")
            .enable_all()
            .build()
            .map_err(|e| QueueError::Setup(format!("cannot start the queue's runtime: {e}")))?;
        let manager = Manager::from_config(
            config,
            tls()?,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = {
            let _inside = runtime.enter();
            Pool::builder(manager)
                .max_size(16)
                .runtime(deadpool_postgres::Runtime::Tokio1)
                .create_timeout(Some(Duration::from_secs(15)))
                .wait_timeout(Some(Duration::from_secs(30)))
                .build()
                .map_err(|e| QueueError::Setup(format!("cannot build the connection pool: {e}")))?
        };
        Ok(PostgresQueue {
            pool,
            runtime: Some(runtime),
            options,
            target,
        })
    }

    /// Runs `f` on a pooled connection, on the queue's runtime.
    fn with_client<T>(
        &self,
        doing: &'static str,
        f: impl AsyncFnOnce(&mut Client) -> Result<T, QueueError>,
    ) -> Result<T, QueueError> {
        let runtime = self.runtime.as_ref().expect("the runtime lives until drop");
        runtime.block_on(async {
            let mut client = self.pool.get().await.map_err(|e| QueueError::Postgres {
                doing,
                detail: pool_detail(e),
            })?;
            f(&mut client).await
        })
    }

    /// Applies the migrations the database lacks under a session lock, each in a
    /// transaction with its row in `hallmark_migrations`.
    fn migrate(&self, list: &'static [Migration]) -> Result<(), QueueError> {
        self.with_client("migrating", async |client| {
            let lock = failed("taking the migration lock");
            client
                .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
                .await
                .map_err(&lock)?;
            let outcome = apply(client, list).await;
            client
                .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
                .await
                .map_err(&lock)?;
            outcome
        })
    }

    fn lease_secs(&self) -> f64 {
        self.options.lease.as_secs_f64()
    }
}

async fn apply(client: &mut Client, list: &'static [Migration]) -> Result<(), QueueError> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS hallmark_migrations (
                 version BIGINT PRIMARY KEY,
                 name TEXT NOT NULL,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        )
        .await
        .map_err(failed("creating hallmark_migrations"))?;
    let found: i64 = client
        .query_one("SELECT coalesce(max(version), 0) FROM hallmark_migrations", &[])
        .await
        .and_then(|r| r.try_get(0))
        .map_err(failed("reading the schema version"))?;
    let latest = migrations::latest(list);
    if found > latest {
        return Err(QueueError::NewerSchema { found, known: latest });
    }
    for m in list.iter().filter(|m| m.version > found) {
        let broke = |e: tokio_postgres::Error| QueueError::Migration {
            version: m.version,
            name: m.name,
            detail: detail(&e),
        };
        let tx = client.transaction().await.map_err(broke)?;
        tx.batch_execute(m.sql).await.map_err(broke)?;
        tx.execute(
            "INSERT INTO hallmark_migrations (version, name) VALUES ($1, $2)",
            &[&m.version, &m.name],
        )
        .await
        .map_err(broke)?;
        tx.commit().await.map_err(broke)?;
        tracing::info!(version = m.version, name = m.name, "job queue: migrated");
    }
    Ok(())
}

/// "database D on H:P", from the parsed configuration (so never the password).
fn describe(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config.get_dbname().or(config.get_user()).unwrap_or("postgres");
    format!("PostgreSQL database {db} on {host}:{port}")
}

/// Inserts a job in `tx` and returns its id.
async fn insert(tx: &deadpool_postgres::Transaction<'_>, job: NewJob<'_>) -> Result<i64, tokio_postgres::Error> {
    tx.query_one(
        "INSERT INTO hallmark_jobs (key, kind, payload) VALUES ($1, $2, $3) RETURNING id",
        &[&job.key, &job.kind, &job.payload],
    )
    .await?
    .try_get(0)
}

impl Queue for PostgresQueue {
    fn accept_delivery(&self, id: &str, job: Option<NewJob<'_>>) -> Result<Delivery, QueueError> {
        let window = SAME_REQUEST_WINDOW_SECS as f64;
        self.with_client("accepting a delivery", async |client| {
            let go = failed("accepting a delivery");
            let tx = client.transaction().await.map_err(&go)?;
            let fresh = tx
                .execute(
                    "INSERT INTO hallmark_deliveries (id) VALUES ($1) ON CONFLICT (id) DO NOTHING",
                    &[&id],
                )
                .await
                .map_err(&go)?;
            if fresh == 0 {
                return Ok(Delivery::Repeated);
            }
            let Some(job) = job else {
                tx.commit().await.map_err(&go)?;
                return Ok(Delivery::New { job: None });
            };
            // Two replicas given two deliveries of one request look for each other's
            // job one after the other: the product's key is locked for the rest of
            // the transaction.
            tx.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", &[&job.key])
                .await
                .map_err(&go)?;
            let same = tx
                .query_opt(
                    "SELECT id FROM hallmark_jobs WHERE key = $1 AND kind = $2 AND payload = $3
                     AND (state IN ('queued', 'running') OR created_at >= now() - make_interval(secs => $4))
                     ORDER BY id DESC LIMIT 1",
                    &[&job.key, &job.kind, &job.payload, &window],
                )
                .await
                .map_err(&go)?;
            let outcome = match same {
                Some(row) => Delivery::SameRequest {
                    job: row.try_get(0).map_err(&go)?,
                },
                None => Delivery::New {
                    job: Some(insert(&tx, job).await.map_err(&go)?),
                },
            };
            tx.commit().await.map_err(&go)?;
            Ok(outcome)
        })
    }

    fn enqueue(&self, job: NewJob<'_>) -> Result<i64, QueueError> {
        self.with_client("queueing a job", async |client| {
            let go = failed("queueing a job");
            let tx = client.transaction().await.map_err(&go)?;
            let id = insert(&tx, job).await.map_err(&go)?;
            tx.commit().await.map_err(&go)?;
            Ok(id)
        })
    }

    fn claim(&self, max_running: usize) -> Result<Option<Job>, QueueError> {
        let max = self.options.max_attempts;
        let gave_up = super::gave_up(max);
        let (owner, lease) = (self.options.owner.as_str(), self.lease_secs());
        self.with_client("claiming a job", async |client| {
            let go = failed("claiming a job");
            client
                .execute(
                    "UPDATE hallmark_jobs SET state = CASE WHEN attempts >= $1 THEN 'failed' ELSE 'queued' END,
                         error = CASE WHEN attempts >= $1 THEN $2 ELSE error END,
                         owner = NULL, lease_until = NULL, updated_at = now()
                     WHERE state = 'running' AND lease_until < now()",
                    &[&max, &gave_up],
                )
                .await
                .map_err(&go)?;
            for _ in 0..CLAIM_RACES {
                let tx = client.transaction().await.map_err(&go)?;
                let mine: i64 = tx
                    .query_one(
                        "SELECT count(*) FROM hallmark_jobs WHERE state = 'running' AND owner = $1",
                        &[&owner],
                    )
                    .await
                    .and_then(|r| r.try_get(0))
                    .map_err(&go)?;
                if mine as usize >= max_running {
                    return Ok(None);
                }
                let candidate = tx
                    .query_opt(
                        "SELECT id FROM hallmark_jobs j WHERE state = 'queued'
                         AND NOT EXISTS (SELECT 1 FROM hallmark_jobs r WHERE r.key = j.key AND r.state = 'running')
                         AND NOT EXISTS (SELECT 1 FROM hallmark_jobs o
                                         WHERE o.key = j.key AND o.state = 'queued' AND o.id < j.id)
                         ORDER BY id LIMIT 1
                         FOR UPDATE OF j SKIP LOCKED",
                        &[],
                    )
                    .await
                    .map_err(&go)?;
                let Some(candidate) = candidate else {
                    return Ok(None);
                };
                let id: i64 = candidate.try_get(0).map_err(&go)?;
                let claimed = tx
                    .query_one(
                        &format!(
                            "UPDATE hallmark_jobs SET state = 'running', attempts = attempts + 1, owner = $2,
                                 lease_until = now() + make_interval(secs => $3), updated_at = now()
                             WHERE id = $1 RETURNING {COLUMNS}"
                        ),
                        &[&id, &owner, &lease],
                    )
                    .await;
                match claimed {
                    Ok(row) => {
                        let job = job_from_row(&row).map_err(&go)?;
                        tx.commit().await.map_err(&go)?;
                        return Ok(Some(job));
                    }
                    // Another replica took a job of the same product between our look
                    // and our write: the index refused ours. Look again.
                    Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => continue,
                    Err(e) => return Err(go(e)),
                }
            }
            Ok(None)
        })
    }

    fn heartbeat(&self, alive: &[i64]) -> Result<usize, QueueError> {
        let (owner, lease) = (self.options.owner.as_str(), self.lease_secs());
        let alive = alive.to_vec();
        let days = DELIVERY_MEMORY_DAYS as i32;
        self.with_client("renewing leases", async |client| {
            let go = failed("renewing leases");
            let renewed = client
                .execute(
                    "UPDATE hallmark_jobs SET lease_until = now() + make_interval(secs => $2)
                     WHERE state = 'running' AND owner = $1 AND id = ANY($3)",
                    &[&owner, &lease, &alive],
                )
                .await
                .map_err(&go)?;
            client
                .execute(
                    "DELETE FROM hallmark_deliveries WHERE received_at < now() - make_interval(days => $1)",
                    &[&days],
                )
                .await
                .map_err(&go)?;
            Ok(renewed as usize)
        })
    }

    fn finish(&self, id: i64, error: Option<&str>) -> Result<bool, QueueError> {
        let state = JobState::ended(error);
        let owner = self.options.owner.as_str();
        self.with_client("recording a job's end", async |client| {
            let n = client
                .execute(
                    "UPDATE hallmark_jobs SET state = $2, error = $3, lease_until = NULL, updated_at = now()
                     WHERE id = $1 AND state = 'running' AND owner = $4",
                    &[&id, &state.as_str(), &error, &owner],
                )
                .await
                .map_err(failed("recording a job's end"))?;
            Ok(n == 1)
        })
    }

    fn release_mine(&self) -> Result<usize, QueueError> {
        let owner = self.options.owner.as_str();
        self.with_client("releasing jobs", async |client| {
            let n = client
                .execute(
                    "UPDATE hallmark_jobs SET state = 'queued', owner = NULL, lease_until = NULL, updated_at = now()
                     WHERE state = 'running' AND owner = $1",
                    &[&owner],
                )
                .await
                .map_err(failed("releasing jobs"))?;
            Ok(n as usize)
        })
    }

    fn cancel(&self, key: &str) -> Result<usize, QueueError> {
        self.with_client("cancelling jobs", async |client| {
            let n = client
                .execute(
                    "UPDATE hallmark_jobs SET state = 'cancelled', updated_at = now()
                     WHERE key = $1 AND state IN ('queued', 'running')",
                    &[&key],
                )
                .await
                .map_err(failed("cancelling jobs"))?;
            Ok(n as usize)
        })
    }

    fn job(&self, id: i64) -> Result<Option<Job>, QueueError> {
        self.with_client("reading a job", async |client| {
            let go = failed("reading a job");
            let row = client
                .query_opt(&format!("SELECT {COLUMNS} FROM hallmark_jobs WHERE id = $1"), &[&id])
                .await
                .map_err(&go)?;
            row.map(|r| job_from_row(&r)).transpose().map_err(&go)
        })
    }

    fn counts(&self) -> Result<Vec<(JobState, i64)>, QueueError> {
        self.with_client("counting jobs", async |client| {
            let go = failed("counting jobs");
            let rows = client
                .query(
                    "SELECT state, count(*) FROM hallmark_jobs GROUP BY state ORDER BY state",
                    &[],
                )
                .await
                .map_err(&go)?;
            rows.iter()
                .map(|r| Ok((JobState::parse(r.try_get(0)?), r.try_get(1)?)))
                .collect::<Result<_, tokio_postgres::Error>>()
                .map_err(&go)
        })
    }

    fn describe(&self) -> String {
        self.target.clone()
    }
}
