//! The warehouse boundary: where products are built and measured. Each backend keeps
//! its own walls (read-only sources, a scratch schema for products, time and row
//! limits) and logs every query it runs, so that tests can count them.
//!
//! SQL that Hallmark did not write (a product's transform, a custom check, the
//! agent's queries) goes only through [`Warehouse::materialize`] and
//! [`Warehouse::query_untrusted`]: the lexer screens it first for a friendly error,
//! and the engine refuses on its own whatever the lexer misses (DuckDB sealed against
//! files, extensions and configuration changes; ClickHouse reading under
//! `readonly = 1`). What such SQL returns is capped before it can reach a checklist,
//! a transcript or a model.

pub mod clickhouse;
pub mod config;
pub mod duckdb;

pub use crate::values::{BuildForm, ColumnInfo, QueryKind, QueryRecord, Rows};

use crate::dialect::Dialect;
use crate::sandbox::SandboxError;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Limits every statement runs under. Each has a default an operator can change
/// through the environment (read when the limits are made), so that SQL a repository
/// wrote cannot take the host's memory, disk or cores.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// A statement still running after this is interrupted (ClickHouse: killed by
    /// its query id).
    pub timeout: Duration,
    /// At most this many rows are read from any result.
    pub max_rows: usize,
    /// Memory one run's queries may hold: DuckDB's `memory_limit`, ClickHouse's
    /// `max_memory_usage` (a `GROUP BY` spills past half of it).
    /// `HALLMARK_MEMORY_LIMIT`, default 4 GiB.
    pub memory_bytes: u64,
    /// Disk a run may spill to: DuckDB's `max_temp_directory_size`.
    /// `HALLMARK_SPILL_LIMIT`, default 16 GiB.
    pub spill_bytes: u64,
    /// Threads a query may use: DuckDB's `threads`, ClickHouse's `max_threads`.
    /// `HALLMARK_THREADS`, default the machine's cores, at most 8.
    pub threads: usize,
    /// Rows a ClickHouse build may read (`max_rows_to_read`), which bounds what it
    /// can write (a build reading `system.numbers` stops here).
    /// `HALLMARK_MAX_BUILD_ROWS`, default 2,000,000,000.
    pub max_build_rows: u64,
    /// Bytes a ClickHouse read may return (`max_result_bytes`, the result cut
    /// there). `HALLMARK_MAX_RESULT_BYTES`, default 64 MiB.
    pub max_result_bytes: u64,
}

/// The environment variables an operator sets the limits with.
pub const LIMIT_ENVS: [&str; 5] = [
    "HALLMARK_MEMORY_LIMIT",
    "HALLMARK_SPILL_LIMIT",
    "HALLMARK_THREADS",
    "HALLMARK_MAX_BUILD_ROWS",
    "HALLMARK_MAX_RESULT_BYTES",
];

impl Default for Limits {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get()).min(8);
        let env = |i: usize, default: u64| {
            std::env::var(LIMIT_ENVS[i])
                .ok()
                .and_then(|v| match parse_size(&v) {
                    Some(n) if n > 0 => Some(n),
                    _ => {
                        tracing::warn!(variable = LIMIT_ENVS[i], value = %v, "not a size; the default applies");
                        None
                    }
                })
                .unwrap_or(default)
        };
        Self {
            timeout: Duration::from_secs(300),
            max_rows: 10_000,
            memory_bytes: env(0, 4 << 30),
            spill_bytes: env(1, 16 << 30),
            threads: env(2, cores as u64) as usize,
            max_build_rows: env(3, 2_000_000_000),
            max_result_bytes: env(4, 64 << 20),
        }
    }
}

/// `4GiB`, `512 MB`, `2000000`: a count or a size with a unit (KB/MB/GB/TB are
/// powers of 1000, KiB/MiB/GiB/TiB of 1024).
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: u64 = number.parse().ok()?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => return None,
    };
    n.checked_mul(factor)
}

/// Where a source's rows live.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SourceLocation {
    /// A CSV, Parquet or JSON file (the extension says which) inside the repository
    /// at `root`; a path that resolves outside it (through a symbolic link) is refused
    /// when the source is bound.
    File {
        /// The file, `root` joined with the spec's relative path.
        path: PathBuf,
        /// The repository it must stay inside.
        root: PathBuf,
    },
    /// A table of the warehouse, by its name there.
    Table(String),
    /// Another product of the repository, already built under its own name.
    Product,
}

impl SourceLocation {
    /// The location a spec's source names: its file inside `root`, its table, or
    /// else another product.
    pub fn of(spec: &crate::spec::SourceSpec, root: &Path) -> SourceLocation {
        match (&spec.file, &spec.table) {
            (Some(f), _) => SourceLocation::File {
                path: root.join(f),
                root: root.to_path_buf(),
            },
            (None, Some(t)) => SourceLocation::Table(t.clone()),
            (None, None) => SourceLocation::Product,
        }
    }
}

/// The real path of a file source, after checking that it exists and that it stays
/// inside the repository once symbolic links are followed: a link committed in a pull
/// request must not point the warehouse (or Hallmark's own CSV loader) at a file of
/// the host.
pub fn resolve_source_file(path: &Path, root: &Path) -> Result<PathBuf, WarehouseError> {
    let error = |message: &str| WarehouseError::SourceFile {
        path: shown_path(path, root),
        message: message.to_string(),
    };
    if !path.is_file() {
        return Err(error("no such file"));
    }
    let real = path.canonicalize().map_err(|e| error(&e.to_string()))?;
    let real_root = root
        .canonicalize()
        .map_err(|e| error(&format!("the repository root: {e}")))?;
    if !real.starts_with(&real_root) {
        return Err(error(
            "resolves to a file outside the repository (through a symbolic link); sources must be files of the repository",
        ));
    }
    Ok(real)
}

/// `path` as errors name it: relative to the repository `root`, so that no message
/// tells where the host keeps the repository.
pub fn shown_path(path: &Path, root: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

/// Why the warehouse could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum WarehouseError {
    /// The SQL was refused before it reached the warehouse.
    #[error("refused by the sandbox: {0}")]
    Sandbox(#[from] SandboxError),
    /// The warehouse rejected or failed the SQL.
    #[error("{message}")]
    Sql {
        /// The warehouse's message.
        message: String,
    },
    /// A relation that should exist does not.
    #[error("relation `{0}` does not exist")]
    MissingRelation(String),
    /// The query ran past the time limit and was interrupted.
    #[error("query interrupted after the {0:?} time limit")]
    Timeout(Duration),
    /// A file source could not be used.
    #[error("source file {path}: {message}")]
    SourceFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// Connecting or configuring the backend failed.
    #[error("cannot open the warehouse: {0}")]
    Open(String),
    /// The repository named an endpoint the operator does not allow; nothing was
    /// sent to it.
    #[error(transparent)]
    Refused(#[from] crate::trust::EndpointRefused),
}

impl WarehouseError {
    /// True when the engine refused a query for the memory it would need (ClickHouse's
    /// error 241, DuckDB's out-of-memory error): the same answer may be had by a query
    /// that spills to disk.
    pub fn is_out_of_memory(&self) -> bool {
        let text = self.to_string();
        text.contains("error 241)") || text.contains("Memory limit") || text.contains("Out of Memory")
    }
}

/// A place to build and measure products.
///
/// Implementations run every statement under a time limit, cap result rows, and log
/// every query in order ([`Warehouse::queries`]).
pub trait Warehouse {
    /// How this warehouse spells SQL.
    fn dialect(&self) -> &dyn Dialect;

    /// Makes `name` (`bronze.orders`) readable by product SQL.
    fn bind_source(&self, name: &str, location: &SourceLocation) -> Result<(), WarehouseError>;

    /// Builds `relation` (`silver.orders`) in the scratch area, as `form`, from one
    /// SELECT that someone else wrote, after [`Warehouse::screen`] and under the
    /// engine's own sandbox. Replaces an earlier build of either form.
    fn materialize(&self, relation: &str, select_sql: &str, form: BuildForm) -> Result<(), WarehouseError>;

    /// The columns of `relation`, from the catalogue.
    fn describe(&self, relation: &str) -> Result<Vec<ColumnInfo>, WarehouseError>;

    /// Runs one read-only query that Hallmark wrote itself.
    fn query(&self, kind: QueryKind, sql: &str) -> Result<Rows, WarehouseError>;

    /// The lexer's screen of SQL that Hallmark did not write: one SELECT without file,
    /// network or SQL-running functions. Returns the statement to run.
    fn screen(&self, sql: &str) -> Result<String, SandboxError>;

    /// Runs a query someone else wrote (the agent's `run_query`, a custom check):
    /// screened, relation names resolved as product SQL resolves them, run where the
    /// engine refuses anything but a read of the declared relations, and with every
    /// text cell and column name capped (see [`crate::exposure`]).
    fn query_untrusted(&self, kind: QueryKind, sql: &str) -> Result<Rows, WarehouseError>;

    /// Every query run so far, in order.
    fn queries(&self) -> Vec<QueryRecord>;

    /// Something that changes whenever the rows of warehouse table `table` may have
    /// (its parts' last modification), for the result cache; `None` where the engine
    /// does not expose one, which makes the products reading it uncacheable.
    fn table_fingerprint(&self, _table: &str) -> Option<String> {
        None
    }
}

/// The environment variable holding the ClickHouse password.
pub const CLICKHOUSE_PASSWORD_ENV: &str = "HALLMARK_CLICKHOUSE_PASSWORD";
/// The environment variable holding the ClickHouse reader's password, when it differs.
pub const CLICKHOUSE_READER_PASSWORD_ENV: &str = "HALLMARK_CLICKHOUSE_READER_PASSWORD";
/// The environment variable that overrides the configured ClickHouse URL.
pub const CLICKHOUSE_URL_ENV: &str = "HALLMARK_CLICKHOUSE_URL";
/// The environment variable that overrides the configured ClickHouse user: the
/// password in [`CLICKHOUSE_PASSWORD_ENV`] is this user's, so whoever sets the one sets
/// the other (a deployment's server, where a repository's `user:` may not exist).
pub const CLICKHOUSE_USER_ENV: &str = "HALLMARK_CLICKHOUSE_USER";

/// Opens the warehouse `config` names for the repository's own run (its CI, a
/// laptop): [`open_as`] trusting the repository.
pub fn open(
    config: &config::WarehouseConfig,
    root: &std::path::Path,
    job: &str,
    limits: Limits,
) -> Result<Box<dyn Warehouse>, WarehouseError> {
    open_as(config, root, job, limits, &crate::trust::Trust::Repository)
}

/// Opens the warehouse `config` names, resolving its database file inside `root`
/// (never outside the repository). `job` names this run's sandbox where the
/// warehouse has one per run (ClickHouse). Passwords come from the environment only,
/// and go only to an endpoint `trust` allows: under the operator's trust a
/// repository's `url` that the operator did not allow is refused before anything is
/// sent.
pub fn open_as(
    config: &config::WarehouseConfig,
    root: &std::path::Path,
    job: &str,
    limits: Limits,
    trust: &crate::trust::Trust,
) -> Result<Box<dyn Warehouse>, WarehouseError> {
    use config::WarehouseConfig;
    match config {
        WarehouseConfig::Duckdb { path: None } => Ok(Box::new(duckdb::DuckDbWarehouse::in_memory(limits)?)),
        WarehouseConfig::Duckdb { path: Some(p) } => {
            let real = crate::paths::inside_repository(root, p)
                .map_err(|problem| WarehouseError::Open(format!("warehouse.path: {problem}")))?;
            Ok(Box::new(duckdb::DuckDbWarehouse::with_database(&real, limits)?))
        }
        WarehouseConfig::Clickhouse(c) => {
            let set = |var: &str| std::env::var(var).ok().filter(|v| !v.trim().is_empty());
            let url = set(CLICKHOUSE_URL_ENV).unwrap_or_else(|| c.url.clone());
            trust.check("warehouse.url", &url)?;
            // A password is taken as it is (one of spaces too); only an empty one is unset.
            let secret = |var: &str| {
                std::env::var(var)
                    .ok()
                    .filter(|v| !v.is_empty())
                    .map(clickhouse::Secret::new)
            };
            let conn = clickhouse::Connection {
                url,
                database: c.database.clone(),
                user: set(CLICKHOUSE_USER_ENV).unwrap_or_else(|| c.user.clone()),
                password: secret(CLICKHOUSE_PASSWORD_ENV),
                reader: c.reader.clone(),
                reader_password: secret(CLICKHOUSE_READER_PASSWORD_ENV),
            };
            let sandbox = format!("{}_{}", c.sandbox_prefix, job);
            Ok(Box::new(clickhouse::ClickHouseWarehouse::connect(
                &conn, &sandbox, limits,
            )?))
        }
    }
}

/// What a caught panic said: a panic that a boundary turned into an error keeps its
/// message.
pub fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "an unknown error".into())
}

/// Screens untrusted `sql` for a warehouse speaking `dialect` that has bound or
/// built the relations in `declared`: the one set of rules every backend applies.
pub fn screen_declared(
    screen: &crate::sandbox::Screen,
    dialect: &dyn Dialect,
    declared: &std::collections::BTreeSet<String>,
    sql: &str,
) -> Result<String, SandboxError> {
    screen.apply(
        sql,
        &crate::sandbox::Rules {
            lexing: dialect.lexing(),
            readers: dialect.forbidden_functions(),
            introspection: dialect.introspection_functions(),
            table_functions: dialect.table_functions(),
            relations: Some(declared),
        },
    )
}

/// A job name for a run's sandbox: unique on this machine and over time.
pub fn job_name() -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    format!("{}_{millis}", std::process::id())
}
