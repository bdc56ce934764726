//! Embedded DuckDB, the default warehouse.
//!
//! Products are built in an in-memory database, one schema per level (`silver`,
//! `gold`), which disappears with the process. A user's database file, when
//! configured, is attached READ_ONLY as `warehouse`, so nothing Hallmark runs can
//! change it.
//!
//! The database is sealed before it is handed out: external access is off (no file,
//! URL or glob can be read or written, except the attached database and one private
//! staging folder), extensions are neither installed nor loaded on demand, and the
//! configuration is locked, so no statement can undo any of it. File sources are read
//! into tables through the staging folder: the declared file is linked (or copied)
//! there, loaded, and removed again, so the product can never name any other path.
//! SQL that Hallmark did not write runs through DuckDB's own `query()` table function,
//! whose parser accepts exactly one SELECT: a second statement, a `SET` or an `ATTACH`
//! is refused by the engine even when the lexer's screen is off.

use super::{
    resolve_source_file, shown_path, BuildForm, ColumnInfo, Limits, QueryKind, QueryRecord, Rows, SourceLocation,
    Warehouse, WarehouseError,
};
use crate::dialect::{Dialect, DuckDbDialect};
use crate::exposure::{cap, cap_rows, shorten_error, MAX_NAME_CHARS};
use crate::sandbox::{SandboxError, Screen};
use duckdb::types::ValueRef;
use duckdb::Connection;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// The alias under which a user's database file is attached.
pub const ATTACHED_ALIAS: &str = "warehouse";

/// The name DuckDB gives the in-memory database a session opens: where its sources
/// and products live, so a two-part name is never read as another catalog's.
const MEMORY_CATALOG: &str = "memory";

/// The settings a sealed database must show, checked after sealing so that a DuckDB
/// release that renamed one fails loudly instead of running open.
const SEALED: &[(&str, &str)] = &[
    ("enable_external_access", "false"),
    ("autoinstall_known_extensions", "false"),
    ("autoload_known_extensions", "false"),
    ("lock_configuration", "true"),
];

/// A DuckDB warehouse.
pub struct DuckDbWarehouse {
    conn: Mutex<Connection>,
    limits: Limits,
    log: Mutex<Vec<QueryRecord>>,
    screen: Screen,
    /// The only folder the sealed database may read files from; empty between binds.
    staging: PathBuf,
    /// Owns the staging and spill folders, removed with the warehouse.
    _private: tempfile::TempDir,
    /// Its real path, which errors name as `<private>` instead.
    private_root: PathBuf,
    /// Names given to staged files.
    next_stage: AtomicUsize,
    /// What each file source was loaded from, so that binding it again is free.
    bound_files: Mutex<HashMap<String, FileFingerprint>>,
    /// The relations bound or built so far: all that untrusted SQL may name.
    declared: Mutex<std::collections::BTreeSet<String>>,
    /// The form of each product built so far: a view is described through a table's
    /// shape ([`Warehouse::describe`]), and a build of the other form drops it first
    /// without asking the catalogue.
    built: Mutex<HashMap<String, BuildForm>>,
}

/// A file as loaded: its real path, size and modification time.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileFingerprint {
    path: PathBuf,
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl DuckDbWarehouse {
    /// An in-memory warehouse with no attached database: sources are files.
    pub fn in_memory(limits: Limits) -> Result<Self, WarehouseError> {
        Self::open(None, limits)
    }

    /// An in-memory warehouse with `path` attached read-only as `warehouse`, so its
    /// tables can be sources (`table: raw.orders` reads `warehouse.raw.orders`).
    pub fn with_database(path: &Path, limits: Limits) -> Result<Self, WarehouseError> {
        if !path.exists() {
            return Err(WarehouseError::Open(format!(
                "DuckDB file {} does not exist",
                path.display()
            )));
        }
        Self::open(Some(path), limits)
    }

    /// This warehouse with the lexer's screen switched off, for the attack suite that
    /// proves the sealed engine refuses on its own.
    #[doc(hidden)]
    pub fn without_lexer(mut self) -> Self {
        self.screen = Screen::engine_only();
        self
    }

    /// Opens the database, attaches `attach`, and seals it.
    fn open(attach: Option<&Path>, limits: Limits) -> Result<Self, WarehouseError> {
        let open_err = |e: &dyn std::fmt::Display| WarehouseError::Open(e.to_string());
        let private = tempfile::Builder::new()
            .prefix("hallmark-duckdb-")
            .tempdir()
            .map_err(|e| open_err(&format!("cannot make the private staging folder: {e}")))?;
        let root = private.path().canonicalize().map_err(|e| open_err(&e))?;
        let staging = root.join("staging");
        std::fs::create_dir(&staging).map_err(|e| open_err(&e))?;
        let config = duckdb::Config::default()
            .enable_autoload_extension(false)
            .and_then(|c| c.with("autoinstall_known_extensions", "false"))
            .map_err(|e| open_err(&e))?;
        let conn = Connection::open_in_memory_with_flags(config).map_err(|e| open_err(&e))?;
        let wh = Self {
            private_root: root.clone(),
            conn: Mutex::new(conn),
            limits,
            log: Mutex::new(Vec::new()),
            screen: Screen::default(),
            staging,
            _private: private,
            next_stage: AtomicUsize::new(0),
            bound_files: Mutex::new(HashMap::new()),
            built: Mutex::new(Default::default()),
            declared: Mutex::new(Default::default()),
        };
        let d = wh.dialect();
        let private_dir = |name: &str| d.string_literal(&root.join(name).to_string_lossy());
        let mib = |bytes: u64| format!("'{}MiB'", (bytes >> 20).max(1));
        let mut setup = vec![
            format!("SET temp_directory = {}", private_dir("spill")),
            // Neither holds anything (no extension is loaded, no secret is made):
            // they point into the private folder so that no host path of the
            // operator's shows through a setting or an error.
            format!("SET extension_directory = {}", private_dir("extensions")),
            format!("SET secret_directory = {}", private_dir("secrets")),
            // The run's share of the host, whatever its SQL does.
            format!("SET memory_limit = {}", mib(limits.memory_bytes)),
            format!("SET max_temp_directory_size = {}", mib(limits.spill_bytes)),
            format!("SET threads = {}", limits.threads.max(1)),
            format!(
                "SET allowed_directories = [{}]",
                d.string_literal(&format!("{}/", wh.staging.display()))
            ),
        ];
        if let Some(path) = attach {
            setup.push(format!(
                "ATTACH {} AS {} (READ_ONLY)",
                d.string_literal(&path.to_string_lossy()),
                ATTACHED_ALIAS
            ));
        }
        setup.push("SET enable_external_access = false".into());
        setup.push("SET lock_configuration = true".into());
        for sql in &setup {
            wh.run(QueryKind::Setup, sql, |c| c.execute_batch(sql))
                .map_err(|e| open_err(&e))?;
        }
        wh.verify_sealed()?;
        Ok(wh)
    }

    /// Reads the sealing settings back, in one query: a database that is not sealed
    /// is not used.
    fn verify_sealed(&self) -> Result<(), WarehouseError> {
        let d = self.dialect();
        let settings: Vec<String> = SEALED
            .iter()
            .enumerate()
            .map(|(i, (name, _))| format!("CAST(current_setting({}) AS VARCHAR) AS v{i}", d.string_literal(name)))
            .collect();
        let rows = self.query(QueryKind::Setup, &format!("SELECT {}", settings.join(", ")))?;
        for (i, (name, expected)) in SEALED.iter().enumerate() {
            let actual = rows
                .first(&format!("v{i}"))
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_ascii_lowercase();
            if actual != *expected {
                return Err(WarehouseError::Open(format!(
                    "DuckDB did not seal: `{name}` is `{actual}`, expected `{expected}`"
                )));
            }
        }
        Ok(())
    }

    /// Whether `schema.table` of the session's own database is a table or a view, if
    /// it is either: what tells a missing relation from one that cannot be read, and
    /// what must be dropped before a build of the other form replaces it.
    fn existing_kind(&self, schema: &str, table: &str) -> Result<Option<&'static str>, WarehouseError> {
        let d = self.dialect();
        let filter = format!(
            "database_name = {} AND schema_name = {} AND {{}} = {}",
            d.string_literal(MEMORY_CATALOG),
            d.string_literal(schema),
            d.string_literal(table)
        );
        let sql = format!(
            "SELECT (SELECT count(*) FROM duckdb_tables() WHERE {}) AS tables, (SELECT count(*) FROM duckdb_views() WHERE {}) AS views",
            filter.replace("{}", "table_name"),
            filter.replace("{}", "view_name")
        );
        // Part of a build, or of telling why a relation cannot be read: not the
        // catalogue read of a product that the checks count.
        let rows = self.query(QueryKind::Setup, &sql)?;
        let count = |c: &str| rows.first(c).and_then(|v| v.as_u64()).unwrap_or(0);
        Ok(if count("tables") > 0 {
            Some("TABLE")
        } else if count("views") > 0 {
            Some("VIEW")
        } else {
            None
        })
    }

    /// Runs a statement on the connection under the time limit, and logs it.
    fn run<T>(
        &self,
        kind: QueryKind,
        sql: &str,
        f: impl FnOnce(&Connection) -> duckdb::Result<T>,
    ) -> Result<T, WarehouseError> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).push(QueryRecord {
            kind,
            sql: sql.to_string(),
        });
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let handle = conn.interrupt_handle();
        let fired = Arc::new(AtomicBool::new(false));
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let timeout = self.limits.timeout;
        let watchdog = {
            let fired = fired.clone();
            std::thread::spawn(move || {
                if let Err(mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(timeout) {
                    fired.store(true, Ordering::SeqCst);
                    handle.interrupt();
                }
            })
        };
        let started = std::time::Instant::now();
        let out = f(&conn);
        drop(done_tx);
        let _ = watchdog.join();
        tracing::debug!(?kind, ms = started.elapsed().as_secs_f64() * 1e3, sql = %crate::exposure::cap(sql, 120), "duckdb query");
        match out {
            Ok(v) => Ok(v),
            Err(_) if fired.load(Ordering::SeqCst) => Err(WarehouseError::Timeout(timeout)),
            Err(e) => Err(WarehouseError::Sql {
                message: clean_message(&self.without_host_paths(&e.to_string())),
            }),
        }
    }

    /// Lets untrusted SQL name `relation` from now on.
    fn declare(&self, relation: &str) {
        self.declared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(relation.to_string());
    }

    /// `text` with the private folder's path and the host's home folder replaced by
    /// placeholders: an engine error may quote either, and neither is the
    /// repository's to see.
    fn without_host_paths(&self, text: &str) -> String {
        let mut out = text.replace(&*self.private_root.to_string_lossy(), "<private>");
        if let Some(home) = std::env::var_os("HOME").filter(|h| h.len() > 1) {
            out = out.replace(&*home.to_string_lossy(), "<home>");
        }
        out.replace(&*std::env::temp_dir().to_string_lossy(), "<tmp>")
    }

    fn ensure_schema(&self, relation: &str) -> Result<(), WarehouseError> {
        if let Some((schema, _)) = relation.split_once('.') {
            let sql = format!("CREATE SCHEMA IF NOT EXISTS {}", self.dialect().quote_ident(schema));
            self.run(QueryKind::Setup, &sql, |c| c.execute_batch(&sql))?;
        }
        Ok(())
    }

    /// `FROM query('<sql>')`: the untrusted statement as one string literal that
    /// DuckDB's parser must read as exactly one SELECT.
    fn as_single_select(&self, sql: &str) -> String {
        format!("FROM query({})", self.dialect().string_literal(sql))
    }

    /// Loads the file source `name` from `path` (inside `root`) into a table, through
    /// the staging folder; a file already loaded unchanged is not read again.
    fn bind_file(&self, name: &str, path: &Path, root: &Path) -> Result<(), WarehouseError> {
        let real = resolve_source_file(path, root)?;
        let file_error = |message: String| WarehouseError::SourceFile {
            path: shown_path(path, root),
            message,
        };
        let meta = std::fs::metadata(&real).map_err(|e| file_error(e.to_string()))?;
        let fingerprint = FileFingerprint {
            path: real.clone(),
            len: meta.len(),
            modified: meta.modified().ok(),
        };
        let files = || self.bound_files.lock().unwrap_or_else(|p| p.into_inner());
        if files().get(name) == Some(&fingerprint) {
            return Ok(());
        }
        let extension = reader_extension(&real).ok_or_else(|| {
            file_error(format!(
                "unknown file type `.{}`; use .csv, .parquet or .json",
                real.extension().and_then(|e| e.to_str()).unwrap_or("")
            ))
        })?;
        let staged = self.staging.join(format!(
            "{}.{extension}",
            self.next_stage.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::hard_link(&real, &staged)
            .or_else(|_| std::fs::copy(&real, &staged).map(|_| ()))
            .map_err(|e| file_error(format!("cannot stage the file for reading: {e}")))?;
        let d = self.dialect();
        let loaded = self.ensure_schema(name).and_then(|()| {
            let sql = format!(
                "CREATE OR REPLACE TABLE {} AS SELECT * FROM {}",
                d.quote_relation(name),
                reader(extension, &d.string_literal(&staged.to_string_lossy()))
            );
            self.run(QueryKind::Setup, &sql, |c| c.execute_batch(&sql))
        });
        let _ = std::fs::remove_file(&staged);
        loaded?;
        files().insert(name.to_string(), fingerprint);
        Ok(())
    }
}

/// DuckDB prefixes messages with the error class and repeats context; keep it short.
/// The message is also shortened (see [`shorten_error`]), since DuckDB quotes the
/// values it could not convert.
fn clean_message(msg: &str) -> String {
    let joined = msg
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    shorten_error(&joined)
}

/// The reader a file needs, by its extension: `csv`, `parquet` or `json`.
fn reader_extension(path: &Path) -> Option<&'static str> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "csv" | "tsv" | "txt" => Some("csv"),
        "parquet" => Some("parquet"),
        "json" | "jsonl" | "ndjson" => Some("json"),
        _ => None,
    }
}

/// DuckDB's reader of a staged file (a string literal) of `kind`.
fn reader(kind: &str, literal: &str) -> String {
    match kind {
        // Bronze is read as text: messy files keep every value, and typing is the
        // transform's job.
        "csv" => format!("read_csv({literal}, header = true, all_varchar = true)"),
        "parquet" => format!("read_parquet({literal})"),
        _ => format!("read_json_auto({literal})"),
    }
}

/// What one read of a query gave.
enum Read {
    /// Its rows.
    Rows(Rows),
    /// Nothing yet: a column (true) has a type the driver's row reader does not
    /// handle (it panics on some: a `NULL`-typed column, `TIME_NS`), so the query
    /// must be read again with those columns as text. Every column is listed, by name.
    AsText(Vec<(String, bool)>),
}

/// True for the Arrow types [`cell`] reads as they are; everything else (dates,
/// times, intervals, lists, structs, maps, unions, enums, blobs, bit strings,
/// UUIDs, NULL-typed columns...) is rendered as text by DuckDB's own cast, which
/// every type has.
fn readable(t: &duckdb::arrow::datatypes::DataType) -> bool {
    use duckdb::arrow::datatypes::DataType as A;
    matches!(
        t,
        A::Boolean
            | A::Int8
            | A::Int16
            | A::Int32
            | A::Int64
            | A::UInt8
            | A::UInt16
            | A::UInt32
            | A::UInt64
            | A::Float32
            | A::Float64
            | A::Utf8
            | A::LargeUtf8
            | A::Decimal128(..)
    )
}

/// Runs `sql` and reads at most `max_rows` rows, unless a column needs text first.
/// A panic of the driver's row reader (a type it does not know) is turned into an
/// error instead of taking the process down.
fn read_rows(c: &Connection, sql: &str, max_rows: usize) -> duckdb::Result<Read> {
    let mut stmt = c.prepare(sql)?;
    let mut rows = stmt.query([])?;
    let (columns, text): (Vec<String>, Vec<bool>) = match rows.as_ref() {
        None => (Vec::new(), Vec::new()),
        Some(s) => {
            let names = s.column_names();
            let text = (0..names.len()).map(|i| !readable(&s.column_type(i))).collect();
            (names, text)
        }
    };
    if text.iter().any(|t| *t) {
        return Ok(Read::AsText(columns.into_iter().zip(text).collect()));
    }
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            if out.len() >= max_rows {
                break;
            }
            out.push(
                (0..columns.len())
                    .map(|i| row.get_ref(i).map(cell))
                    .collect::<duckdb::Result<Vec<_>>>()?,
            );
        }
        Ok::<_, duckdb::Error>(out)
    }));
    match read {
        Ok(rows) => Ok(Read::Rows(Rows { columns, rows: rows? })),
        Err(panic) => Err(duckdb::Error::ToSqlConversionFailure(
            format!("a value of this result cannot be read: {}", super::panic_text(&*panic)).into(),
        )),
    }
}

/// `sql` with the columns marked in `columns` cast to text, each under its own name.
fn as_text(sql: &str, columns: &[(String, bool)]) -> String {
    let d = DuckDbDialect;
    let aliases: Vec<String> = (0..columns.len()).map(|i| format!("c{i}")).collect();
    let select: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, (name, text))| match text {
            true => format!("CAST(c{i} AS VARCHAR) AS {}", d.quote_ident(name)),
            false => format!("c{i} AS {}", d.quote_ident(name)),
        })
        .collect();
    format!(
        "SELECT {} FROM ({sql}) AS hallmark_cells({})",
        select.join(", "),
        aliases.join(", ")
    )
}

fn cell(v: ValueRef<'_>) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        ValueRef::Null => J::Null,
        ValueRef::Boolean(b) => J::Bool(b),
        ValueRef::TinyInt(i) => J::from(i),
        ValueRef::SmallInt(i) => J::from(i),
        ValueRef::Int(i) => J::from(i),
        ValueRef::BigInt(i) => J::from(i),
        ValueRef::HugeInt(i) => i64::try_from(i)
            .map(J::from)
            .unwrap_or_else(|_| J::String(i.to_string())),
        ValueRef::UHugeInt(i) => u64::try_from(i)
            .map(J::from)
            .unwrap_or_else(|_| J::String(i.to_string())),
        ValueRef::UTinyInt(i) => J::from(i),
        ValueRef::USmallInt(i) => J::from(i),
        ValueRef::UInt(i) => J::from(i),
        ValueRef::UBigInt(i) => J::from(i),
        ValueRef::Float(x) => J::from(f64::from(x)),
        ValueRef::Double(x) => J::from(x),
        ValueRef::Decimal(d) => J::String(d.to_string()),
        ValueRef::Text(t) => J::String(String::from_utf8_lossy(t).into_owned()),
        other => J::String(format!("{other:?}")),
    }
}

impl Warehouse for DuckDbWarehouse {
    fn dialect(&self) -> &dyn Dialect {
        &DuckDbDialect
    }

    fn bind_source(&self, name: &str, location: &SourceLocation) -> Result<(), WarehouseError> {
        let d = self.dialect();
        self.declare(name);
        match location {
            SourceLocation::Product => Ok(()),
            SourceLocation::File { path, root } => self.bind_file(name, path, root),
            SourceLocation::Table(table) => {
                self.ensure_schema(name)?;
                let sql = format!(
                    "CREATE OR REPLACE VIEW {} AS SELECT * FROM {}.{}",
                    d.quote_relation(name),
                    ATTACHED_ALIAS,
                    d.quote_relation(table)
                );
                self.run(QueryKind::Setup, &sql, |c| c.execute_batch(&sql))
            }
        }
    }

    fn materialize(&self, relation: &str, select_sql: &str, form: BuildForm) -> Result<(), WarehouseError> {
        let select = self.screen(select_sql)?;
        self.ensure_schema(relation)?;
        let target = self.dialect().quote_relation(relation);
        let kind = form.keyword();
        // `CREATE OR REPLACE` replaces only an object of its own kind: an earlier
        // build of the other form goes first.
        let (schema, table) = relation.split_once('.').unwrap_or(("main", relation));
        // What this session built there it knows; a name it never bound or built is
        // not in its in-memory catalogue; anything else is asked.
        let known = self
            .built
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(relation)
            .copied();
        let existing = match known {
            Some(built) => Some(built.keyword()),
            None if !self
                .declared
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains(relation) =>
            {
                None
            }
            None => self.existing_kind(schema, table)?,
        };
        if let Some(other) = existing.filter(|k| *k != kind) {
            let drop = format!("DROP {other} {target}");
            self.run(QueryKind::Setup, &drop, |c| c.execute_batch(&drop))?;
        }
        let sql = format!(
            "CREATE OR REPLACE {kind} {target} AS {}",
            self.as_single_select(&select)
        );
        // One prepared statement: the only SQL in it that is not Hallmark's is the
        // string that `query()` parses.
        self.run(QueryKind::Materialize, &sql, |c| c.execute(&sql, []).map(|_| ()))?;
        self.declare(relation);
        self.built
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(relation.to_string(), form);
        Ok(())
    }

    fn describe(&self, relation: &str) -> Result<Vec<ColumnInfo>, WarehouseError> {
        let d = self.dialect();
        let (schema, table) = relation.split_once('.').unwrap_or(("main", relation));
        let (schema_q, table_q) = (d.quote_ident(schema), d.quote_ident(table));
        // DESCRIBE binds this one relation; `information_schema.columns` binds every
        // view in the database first (20 ms on the first call of a process).
        let mut target = format!("{MEMORY_CATALOG}.{schema_q}.{table_q}");
        if self.built.lock().unwrap_or_else(|p| p.into_inner()).get(relation) == Some(&BuildForm::View) {
            // A view names a column aliased to its own name in another case
            // (`Status AS status`) as the source does, where a table built from the
            // same SQL (and the deployed product) names it as the alias: the view is
            // described by the shape of an empty table made from it, which LIMIT 0
            // makes without running its SQL.
            let shape = format!("temp.main.{}", d.quote_ident(&format!("shape of {relation}")));
            let sql = format!("CREATE OR REPLACE TEMP TABLE {shape} AS FROM {target} LIMIT 0");
            self.run(QueryKind::Setup, &sql, |c| c.execute_batch(&sql))?;
            target = shape;
        }
        let rows = match self.query(QueryKind::Metadata, &format!("DESCRIBE {target}")) {
            Ok(rows) => rows,
            Err(e) if self.existing_kind(schema, table)?.is_some() => return Err(e),
            Err(_) => return Err(WarehouseError::MissingRelation(relation.to_string())),
        };
        Ok(rows
            .rows
            .into_iter()
            .map(|r| ColumnInfo {
                name: cap(r[0].as_str().unwrap_or_default(), MAX_NAME_CHARS).into_owned(),
                type_name: r[1].as_str().unwrap_or_default().to_string(),
            })
            .collect())
    }

    fn query(&self, kind: QueryKind, sql: &str) -> Result<Rows, WarehouseError> {
        let max_rows = self.limits.max_rows;
        self.run(kind, sql, |c| match read_rows(c, sql, max_rows)? {
            Read::Rows(rows) => Ok(rows),
            // Columns of a type the driver cannot hand over are read again as DuckDB
            // writes them as text; the rest keep their type.
            Read::AsText(text) => match read_rows(c, &as_text(sql, &text), max_rows)? {
                Read::Rows(rows) => Ok(rows),
                Read::AsText(_) => Err(duckdb::Error::InvalidQuery),
            },
        })
    }

    fn screen(&self, sql: &str) -> Result<String, SandboxError> {
        let declared = self.declared.lock().unwrap_or_else(|p| p.into_inner()).clone();
        super::screen_declared(&self.screen, self.dialect(), &declared, sql)
    }

    fn query_untrusted(&self, kind: QueryKind, sql: &str) -> Result<Rows, WarehouseError> {
        let select = self.screen(sql)?;
        let mut rows = self.query(kind, &format!("SELECT * {}", self.as_single_select(&select)))?;
        for cell in rows.rows.iter_mut().flatten() {
            if let serde_json::Value::String(text) = cell {
                *text = self.without_host_paths(text);
            }
        }
        Ok(cap_rows(rows))
    }

    fn queries(&self) -> Vec<QueryRecord> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_tells_a_missing_relation_from_one_that_cannot_be_read() {
        let wh = DuckDbWarehouse::in_memory(Limits::default()).unwrap();
        wh.materialize("silver.orders", "SELECT 1 AS id, 'a' AS name", BuildForm::Table)
            .unwrap();
        let columns = wh.describe("silver.orders").unwrap();
        let names: Vec<(&str, &str)> = columns
            .iter()
            .map(|c| (c.name.as_str(), c.type_name.as_str()))
            .collect();
        assert_eq!(names, [("id", "INTEGER"), ("name", "VARCHAR")]);

        match wh.describe("silver.nowhere") {
            Err(WarehouseError::MissingRelation(r)) => assert_eq!(r, "silver.nowhere"),
            other => panic!("expected a missing relation, got {other:?}"),
        }
        match wh.describe("nowhere.orders") {
            Err(WarehouseError::MissingRelation(r)) => assert_eq!(r, "nowhere.orders"),
            other => panic!("expected a missing relation, got {other:?}"),
        }
        // Either form replaces the other, and is described alike.
        for form in [BuildForm::View, BuildForm::Table, BuildForm::View] {
            wh.materialize("silver.orders", "SELECT 2 AS id, 'b' AS Name", form)
                .unwrap();
            let columns = wh.describe("silver.orders").unwrap();
            assert_eq!(columns.len(), 2, "{form}");
            assert_eq!(columns[1].name, "Name", "{form}");
            let n = wh
                .query(QueryKind::Custom, "SELECT max(id) AS n FROM silver.orders")
                .unwrap();
            assert_eq!(n.first("n").and_then(|v| v.as_u64()), Some(2), "{form}");
        }
        // A view whose table went away exists but cannot be read: its own error.
        let sql = "CREATE TABLE silver.base AS SELECT 1 AS id; CREATE VIEW silver.over AS SELECT * FROM silver.base; DROP TABLE silver.base";
        wh.run(QueryKind::Setup, sql, |c| c.execute_batch(sql)).unwrap();
        match wh.describe("silver.over") {
            Err(WarehouseError::MissingRelation(r)) => panic!("a view that exists was called missing: {r}"),
            Err(e) => assert!(e.to_string().contains("base"), "{e}"),
            Ok(c) => panic!("a view over a dropped table described as {c:?}"),
        }
    }
}
