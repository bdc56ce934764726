//! A job's DuckDB warehouse in a child process the worker can kill. DuckDB stops a
//! statement when interrupted only between chunks of rows, so one long function call
//! (a `regexp_replace` over one huge value) runs on past any time limit; in the
//! worker's own process nothing could stop it but the process's end. Here the
//! warehouse lives in `hallmark warehouse-worker`, a child that answers one JSON line
//! per request on stdin/stdout: a request unanswered past the time limit and a grace
//! period kills the child, the call fails with the timeout, and every later call of
//! the job says the warehouse was stopped. A panic in the child ends only the child.
//!
//! Only DuckDB runs here: a ClickHouse statement runs in the server, which stops it
//! at `max_execution_time` and on `KILL QUERY`. The screen runs in the worker too, on
//! the relations it has asked the child to bind or build, so what it refuses never
//! reaches the child.

use crate::stop::{StopSwitch, Stoppable};
use hallmark_checks::dialect::{Dialect, DuckDbDialect};
use hallmark_checks::project::WarehouseConfig;
use hallmark_checks::sandbox::{SandboxError, Screen};
use hallmark_checks::trust::Trust;
use hallmark_checks::warehouse::{
    open_as, screen_declared, BuildForm, ColumnInfo, Limits, QueryKind, QueryRecord, Rows, SourceLocation, Warehouse,
    WarehouseError,
};
use hallmark_checks::Project;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{mpsc, Mutex};
use std::time::Duration;

/// How a job opens a repository's warehouse: under a trust level, and for DuckDB in
/// a child process when an executable is given (what `serve` does for every job, the
/// standards' impact included).
#[derive(Debug, Clone, Default)]
pub struct Opener {
    /// Where credentials may go.
    pub trust: Trust,
    /// The `hallmark` executable that runs DuckDB warehouses; `None`: in process.
    pub isolate: Option<PathBuf>,
    /// Stops the job's warehouse from outside (an MCP client's cancellation): every
    /// later call fails, and a child process is killed mid-statement.
    pub stop: Option<StopSwitch>,
}

impl Opener {
    /// How long past its time limit a statement in a child may take to answer
    /// before the child is killed.
    pub const GRACE: Duration = Duration::from_secs(10);

    /// The warehouse of `project` for `job`.
    pub fn open(&self, project: &Project, job: &str, limits: Limits) -> Result<Box<dyn Warehouse>, WarehouseError> {
        let config = &project.config.warehouse;
        let warehouse: Box<dyn Warehouse> = match (&self.isolate, config) {
            (Some(exe), WarehouseConfig::Duckdb { .. }) => {
                let mut child = IsolatedWarehouse::spawn(exe, config, &project.root, job, limits, Self::GRACE)?;
                child.stop = self.stop.clone();
                Box::new(child)
            }
            _ => open_as(config, &project.root, job, limits, &self.trust)?,
        };
        Ok(match &self.stop {
            Some(switch) => Box::new(Stoppable::new(warehouse, switch.clone())),
            None => warehouse,
        })
    }
}

/// The hidden subcommand the child runs.
pub const SUBCOMMAND: &str = "warehouse-worker";

/// One request to the child.
#[derive(Debug, Serialize, Deserialize)]
pub enum Request {
    /// Open the warehouse (the first request).
    Open {
        /// The repository's warehouse.
        config: WarehouseConfig,
        /// The repository.
        root: PathBuf,
        /// The job's name.
        job: String,
        /// Its limits.
        limits: Limits,
    },
    /// [`Warehouse::bind_source`].
    Bind {
        /// The source's name.
        name: String,
        /// Where it is.
        location: SourceLocation,
    },
    /// [`Warehouse::materialize`].
    Materialize {
        /// The product.
        relation: String,
        /// Its SELECT.
        sql: String,
        /// View or table.
        form: BuildForm,
    },
    /// [`Warehouse::describe`].
    Describe {
        /// The relation.
        relation: String,
    },
    /// [`Warehouse::query`].
    Query {
        /// What for.
        kind: QueryKind,
        /// Hallmark's SQL.
        sql: String,
    },
    /// [`Warehouse::query_untrusted`].
    QueryUntrusted {
        /// What for.
        kind: QueryKind,
        /// Someone else's SQL.
        sql: String,
    },
    /// [`Warehouse::queries`].
    Queries,
}

/// An error as it crosses the pipe.
#[derive(Debug, Serialize, Deserialize)]
pub enum WireError {
    /// [`WarehouseError::MissingRelation`].
    Missing(String),
    /// [`WarehouseError::Timeout`], in milliseconds.
    Timeout(u64),
    /// Anything else, as its message.
    Other(String),
}

impl From<WarehouseError> for WireError {
    fn from(e: WarehouseError) -> Self {
        match e {
            WarehouseError::MissingRelation(r) => WireError::Missing(r),
            WarehouseError::Timeout(d) => WireError::Timeout(d.as_millis() as u64),
            other => WireError::Other(other.to_string()),
        }
    }
}

impl From<WireError> for WarehouseError {
    fn from(e: WireError) -> Self {
        match e {
            WireError::Missing(r) => WarehouseError::MissingRelation(r),
            WireError::Timeout(ms) => WarehouseError::Timeout(Duration::from_millis(ms)),
            WireError::Other(message) => WarehouseError::Sql { message },
        }
    }
}

/// The child's side: opens the warehouse the first request names and answers every
/// request after it, one JSON line each, until stdin closes.
pub fn serve_child(input: impl BufRead, mut output: impl Write) -> std::io::Result<()> {
    let mut warehouse: Option<Box<dyn Warehouse>> = None;
    for line in input.lines() {
        let line = line?;
        let answer: Result<Value, WireError> = match serde_json::from_str::<Request>(&line) {
            Err(e) => Err(WireError::Other(format!("unreadable request: {e}"))),
            Ok(Request::Open {
                config,
                root,
                job,
                limits,
            }) => hallmark_checks::warehouse::open(&config, &root, &job, limits)
                .map(|w| {
                    warehouse = Some(w);
                    Value::Null
                })
                .map_err(WireError::from),
            Ok(request) => match warehouse.as_deref() {
                None => Err(WireError::Other("the warehouse is not open".into())),
                Some(w) => answer(w, request),
            },
        };
        writeln!(output, "{}", serde_json::to_string(&answer).unwrap_or_default())?;
        output.flush()?;
    }
    Ok(())
}

fn answer(w: &dyn Warehouse, request: Request) -> Result<Value, WireError> {
    let value = |v: Result<Value, serde_json::Error>| v.map_err(|e| WireError::Other(e.to_string()));
    match request {
        Request::Open { .. } => Ok(Value::Null),
        Request::Bind { name, location } => Ok(w.bind_source(&name, &location).map(|()| Value::Null)?),
        Request::Materialize { relation, sql, form } => {
            Ok(w.materialize(&relation, &sql, form).map(|()| Value::Null)?)
        }
        Request::Describe { relation } => value(serde_json::to_value(w.describe(&relation)?)),
        Request::Query { kind, sql } => value(serde_json::to_value(w.query(kind, &sql)?)),
        Request::QueryUntrusted { kind, sql } => value(serde_json::to_value(w.query_untrusted(kind, &sql)?)),
        Request::Queries => value(serde_json::to_value(w.queries())),
    }
}

/// The worker's side: a [`Warehouse`] whose every call is answered by the child.
pub struct IsolatedWarehouse {
    child: Mutex<Child>,
    stdin: Mutex<ChildStdin>,
    answers: Mutex<mpsc::Receiver<String>>,
    /// Why the child is gone, once it is.
    stopped: Mutex<Option<String>>,
    limits: Limits,
    /// How long past the time limit an answer may take before the child is killed.
    grace: Duration,
    declared: Mutex<BTreeSet<String>>,
    screen: Screen,
    /// Kills the child mid-statement when thrown.
    stop: Option<StopSwitch>,
}

impl IsolatedWarehouse {
    /// Starts `hallmark warehouse-worker` from `exe` and opens the DuckDB warehouse
    /// `config` names for the repository at `root`.
    pub fn spawn(
        exe: &Path,
        config: &WarehouseConfig,
        root: &Path,
        job: &str,
        limits: Limits,
        grace: Duration,
    ) -> Result<Self, WarehouseError> {
        let mut child = Command::new(exe)
            .arg(SUBCOMMAND)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| WarehouseError::Open(format!("cannot start the warehouse process: {e}")))?;
        let (stdin, stdout) = match (child.stdin.take(), child.stdout.take()) {
            (Some(i), Some(o)) => (i, o),
            _ => return Err(WarehouseError::Open("the warehouse process has no pipes".into())),
        };
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("hallmark-warehouse-reader".into())
            .spawn(move || {
                for line in std::io::BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| WarehouseError::Open(format!("cannot read the warehouse process: {e}")))?;
        let w = Self {
            child: Mutex::new(child),
            stdin: Mutex::new(stdin),
            answers: Mutex::new(rx),
            stopped: Mutex::new(None),
            limits,
            grace,
            declared: Mutex::new(BTreeSet::new()),
            screen: Screen::default(),
            stop: None,
        };
        w.call(&Request::Open {
            config: config.clone(),
            root: root.to_path_buf(),
            job: job.to_string(),
            limits,
        })?;
        Ok(w)
    }

    /// Sends `request` and waits for its answer, killing the child if none comes in
    /// time.
    fn call(&self, request: &Request) -> Result<Value, WarehouseError> {
        if let Some(why) = self.stopped.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            return Err(WarehouseError::Open(why));
        }
        let line = serde_json::to_string(request).map_err(|e| WarehouseError::Open(e.to_string()))?;
        {
            let mut stdin = self.stdin.lock().unwrap_or_else(|p| p.into_inner());
            if writeln!(stdin, "{line}").and_then(|()| stdin.flush()).is_err() {
                return Err(self.stop("the warehouse process is gone".into()));
            }
        }
        let answer = self.wait_for_answer();
        match answer {
            Ok(text) => match serde_json::from_str::<Result<Value, WireError>>(&text) {
                Ok(Ok(v)) => Ok(v),
                Ok(Err(e)) => Err(e.into()),
                Err(e) => Err(self.stop(format!("the warehouse process answered nonsense: {e}"))),
            },
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let limit = self.limits.timeout;
                tracing::warn!(
                    limit_secs = limit.as_secs(),
                    "a statement did not stop at its time limit; killing the warehouse process"
                );
                self.stop(format!(
                    "the warehouse was stopped: a statement ran past the {} s time limit and did not stop when interrupted",
                    limit.as_secs()
                ));
                Err(WarehouseError::Timeout(limit))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                if let Some(why) = self.stopped.lock().unwrap_or_else(|p| p.into_inner()).clone() {
                    return Err(WarehouseError::Open(why));
                }
                let status = self.child.lock().unwrap_or_else(|p| p.into_inner()).wait();
                let how = status.map_or_else(|e| e.to_string(), |s| s.to_string());
                Err(self.stop(format!("the warehouse process ended unexpectedly ({how})")))
            }
        }
    }

    /// The child's next answer: it waits the time limit and the grace period, in
    /// short slices when the job may be stopped, so that a thrown switch kills the
    /// child within a slice.
    fn wait_for_answer(&self) -> Result<String, mpsc::RecvTimeoutError> {
        let answers = self.answers.lock().unwrap_or_else(|p| p.into_inner());
        let wait = self.limits.timeout + self.grace;
        let Some(switch) = &self.stop else {
            return answers.recv_timeout(wait);
        };
        let deadline = std::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match answers.recv_timeout(left.min(Self::STOP_POLL)) {
                Err(mpsc::RecvTimeoutError::Timeout) if switch.is_stopped() => {
                    self.stop(crate::stop::STOPPED.into());
                    return Err(mpsc::RecvTimeoutError::Disconnected);
                }
                Err(mpsc::RecvTimeoutError::Timeout) if !left.is_zero() => continue,
                other => return other,
            }
        }
    }

    /// How often a wait looks at the stop switch.
    const STOP_POLL: Duration = Duration::from_millis(100);

    /// Kills the child and remembers why; the error to return.
    fn stop(&self, why: String) -> WarehouseError {
        let mut child = self.child.lock().unwrap_or_else(|p| p.into_inner());
        let _ = child.kill();
        let _ = child.wait();
        *self.stopped.lock().unwrap_or_else(|p| p.into_inner()) = Some(why.clone());
        WarehouseError::Open(why)
    }

    fn declare(&self, relation: &str) {
        self.declared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(relation.to_string());
    }

    /// [`IsolatedWarehouse::call`], its answer read as a `T`.
    fn call_for<T: serde::de::DeserializeOwned>(&self, request: &Request) -> Result<T, WarehouseError> {
        serde_json::from_value(self.call(request)?)
            .map_err(|e| WarehouseError::Open(format!("the warehouse process answered nonsense: {e}")))
    }
}

impl Drop for IsolatedWarehouse {
    fn drop(&mut self) {
        let mut child = self.child.lock().unwrap_or_else(|p| p.into_inner());
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Warehouse for IsolatedWarehouse {
    fn dialect(&self) -> &dyn Dialect {
        &DuckDbDialect
    }

    fn bind_source(&self, name: &str, location: &SourceLocation) -> Result<(), WarehouseError> {
        self.call(&Request::Bind {
            name: name.to_string(),
            location: location.clone(),
        })?;
        self.declare(name);
        Ok(())
    }

    fn materialize(&self, relation: &str, select_sql: &str, form: BuildForm) -> Result<(), WarehouseError> {
        let select = self.screen(select_sql)?;
        self.call(&Request::Materialize {
            relation: relation.to_string(),
            sql: select,
            form,
        })?;
        self.declare(relation);
        Ok(())
    }

    fn describe(&self, relation: &str) -> Result<Vec<ColumnInfo>, WarehouseError> {
        self.call_for(&Request::Describe {
            relation: relation.to_string(),
        })
    }

    fn query(&self, kind: QueryKind, sql: &str) -> Result<Rows, WarehouseError> {
        self.call_for(&Request::Query {
            kind,
            sql: sql.to_string(),
        })
    }

    fn screen(&self, sql: &str) -> Result<String, SandboxError> {
        let declared = self.declared.lock().unwrap_or_else(|p| p.into_inner()).clone();
        screen_declared(&self.screen, &DuckDbDialect, &declared, sql)
    }

    fn query_untrusted(&self, kind: QueryKind, sql: &str) -> Result<Rows, WarehouseError> {
        let select = self.screen(sql)?;
        self.call_for(&Request::QueryUntrusted { kind, sql: select })
    }

    fn queries(&self) -> Vec<QueryRecord> {
        self.call_for(&Request::Queries).unwrap_or_default()
    }
}
