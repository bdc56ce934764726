//! ClickHouse over HTTP, through the `clickhouse` crate.
//!
//! The sandbox is one scratch database per run, `<prefix>_<job>`, created when the
//! warehouse opens and dropped when it is dropped: products are built there as
//! `MergeTree` tables (`silver.orders` becomes `<sandbox>.silver__orders`), written
//! to disk as the SELECT streams rather than held in the server's memory, so a
//! product larger than the server's RAM can still be built and checked; CSV sources
//! are streamed in as text in batches, and a product's SQL is pointed at them by
//! rewriting its qualified relation names.
//!
//! Every read (checks, samples, the agent's queries) runs under `readonly = 1`, where
//! the server itself refuses writes, setting changes and every table function (`url`,
//! `file`, `remote`, `s3`...; "Table functions are forbidden in readonly mode" on every
//! release from 18.16 on): as the configured reader, whose profile must say
//! `readonly = 1` (its limits then come from that profile, since such a user cannot
//! change settings), or else as the builder with `readonly = 1` and the limits sent
//! with each read. A reader whose profile says `readonly = 2` is refused at connect,
//! since that level lets table functions through. Before the builder runs a product's
//! SELECT, the same SELECT is run as a reader with `LIMIT 0`, so a table function
//! anywhere in it is refused by the server before a user that could run it sees it.
//! Every builder statement carries `max_execution_time`.
//!
//! The server's version is read at connect time, and the dialect uses newer syntax
//! only where the server has it; the crate's row validation is turned off because
//! 18.16 (Debian's package) lacks the `RowBinaryWithNamesAndTypes` format.

use super::{
    resolve_source_file, shown_path, BuildForm, ColumnInfo, Limits, QueryKind, QueryRecord, Rows, SourceLocation,
    Warehouse, WarehouseError,
};
use crate::dialect::{ClickHouseDialect, Dialect, ServerVersion};
use crate::exposure::{cap, cap_rows, shorten_error, MAX_NAME_CHARS};
use crate::sandbox::{rewrite_relations, SandboxError, Screen};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

pub use crate::secret::Secret;

/// Where the server is and who to be there.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The HTTP endpoint, `http://127.0.0.1:8123`.
    pub url: String,
    /// The database of unqualified `table:` sources.
    pub database: String,
    /// The user that creates the sandbox and builds products in it.
    pub user: String,
    /// Its password.
    pub password: Option<Secret>,
    /// A read-only user for queries that only read, if the team has one.
    pub reader: Option<String>,
    /// That user's password.
    pub reader_password: Option<Secret>,
}

/// Which client a statement goes through.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// May create and drop in the sandbox.
    Builder,
    /// Read-only.
    Reader,
}

/// A ClickHouse warehouse with its scratch database.
pub struct ClickHouseWarehouse {
    runtime: tokio::runtime::Runtime,
    builder: clickhouse::Client,
    reader: clickhouse::Client,
    database: String,
    sandbox: String,
    dialect: ClickHouseDialect,
    limits: Limits,
    log: Mutex<Vec<QueryRecord>>,
    /// Whether this run created the sandbox, so a failed connect drops nothing.
    sandbox_created: bool,
    /// Statements sent so far, for their ids.
    statements: std::sync::atomic::AtomicU64,
    screen: Screen,
}

/// How reads are kept at `readonly = 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReadGuard {
    /// The reader's own profile says `readonly = 1`; nothing is sent with a read.
    Profile,
    /// The reading user may change settings, so `readonly = 1` and the limits go with
    /// each read.
    PerQuery,
}

/// A ClickHouse server answered with an error, or could not be reached.
fn sql_error(e: clickhouse::error::Error, timeout: Duration) -> WarehouseError {
    let text = e.to_string();
    if text.contains("Code: 159") || text.contains("TIMEOUT_EXCEEDED") {
        return WarehouseError::Timeout(timeout);
    }
    WarehouseError::Sql {
        message: clean_message(&text),
    }
}

/// `Code: 46, e.displayText() = DB::Exception: Unknown function foo, e.what() = …`
/// becomes `Unknown function foo (code 46)`; newer servers' messages lose their
/// version and stack suffixes the same way.
fn clean_message(text: &str) -> String {
    let code = text
        .split("Code: ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .filter(|c| !c.is_empty());
    let body = text.rsplit("DB::Exception: ").next().unwrap_or(text);
    let body = body
        .split(", e.what()")
        .next()
        .unwrap_or(body)
        .split(" (version ")
        .next()
        .unwrap_or(body)
        .trim()
        .trim_end_matches('.');
    let body = shorten_error(body);
    match code {
        Some(code) => format!("{body} (ClickHouse error {code})"),
        None => body,
    }
}

/// `silver.orders` → `silver__orders`: a logical relation's table in the sandbox.
fn sandbox_table(relation: &str) -> String {
    relation.replace('.', "__")
}

/// True for names that need no quoting anywhere: the sandbox's own database name.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

/// Escapes a value for ClickHouse's TabSeparated input.
fn tsv_escape(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// The reading user's `readonly` level and limits, as its profile gives them.
const READ_LEVEL_PROBE: &str =
    "SELECT name, value FROM system.settings WHERE name IN ('readonly', 'max_execution_time', 'max_result_rows')";

/// How `user`'s reads stay at `readonly = 1`, from its answer to [`READ_LEVEL_PROBE`].
fn read_guard(rows: &Rows, user: &str) -> Result<ReadGuard, WarehouseError> {
    let setting = |name: &str| {
        rows.rows
            .iter()
            .find(|r| r.first().and_then(|v| v.as_str()) == Some(name))
            .and_then(|r| r.get(1).and_then(|v| v.as_str()).map(str::to_string))
            .unwrap_or_default()
    };
    match setting("readonly").as_str() {
        "0" => Ok(ReadGuard::PerQuery),
        "1" => {
            let time = setting("max_execution_time");
            if time == "0" {
                tracing::warn!(
                    user,
                    "the reader's profile sets no max_execution_time; reads are bounded only by Hallmark's own deadline"
                );
            }
            tracing::info!(user, max_execution_time = %time, max_result_rows = %setting("max_result_rows"), "reading as a readonly=1 user");
            Ok(ReadGuard::Profile)
        }
        other => Err(WarehouseError::Open(format!(
            "ClickHouse user `{user}` reads with readonly={other}, which lets table functions (url, file, remote) through; \
             give it a profile with readonly=1, or leave `reader` out to read as `user` under readonly=1"
        ))),
    }
}

/// `client` with the time, memory and thread bounds every statement of a run carries
/// (a `GROUP BY` spills to disk past half the memory instead of failing).
fn bounded(client: clickhouse::Client, limits: &Limits) -> clickhouse::Client {
    client
        .with_setting("max_execution_time", limits.timeout.as_secs().max(1).to_string())
        .with_setting("max_memory_usage", limits.memory_bytes.to_string())
        .with_setting(
            "max_bytes_before_external_group_by",
            (limits.memory_bytes / 2).to_string(),
        )
        .with_setting("max_threads", limits.threads.max(1).to_string())
}

/// System tables that only generate rows, which untrusted SQL may read besides its
/// declared relations (table functions such as `numbers()` are refused under
/// `readonly = 1`); what a build reads from them is bounded by `max_rows_to_read`.
const GENERATORS: &[&str] = &["system.one", "system.numbers", "system.numbers_mt"];

/// How scratch tables are stored: on disk, unsorted (the checks scan them whole), so
/// neither a built product nor a loaded source has to fit in memory.
const SCRATCH_ENGINE: &str = "ENGINE = MergeTree ORDER BY tuple()";

/// A CSV source is sent in INSERTs of about this much text.
const INSERT_BATCH_BYTES: usize = 64 * 1024 * 1024;

impl ClickHouseWarehouse {
    /// Connects, reads the server version and creates the scratch database `sandbox`
    /// (a plain lowercase name, `hallmark_sandbox_<job>`).
    pub fn connect(conn: &Connection, sandbox: &str, limits: Limits) -> Result<Self, WarehouseError> {
        if !is_plain_name(sandbox) {
            return Err(WarehouseError::Open(format!(
                "sandbox database name `{sandbox}` must be lowercase letters, digits and `_`"
            )));
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| WarehouseError::Open(format!("cannot start the HTTP runtime: {e}")))?;
        let client = |user: &str, password: &Option<Secret>| {
            let mut c = clickhouse::Client::default()
                .with_url(conn.url.clone())
                .with_user(user.to_string())
                .with_validation(false);
            if let Some(p) = password {
                c = c.with_password(p.expose().to_string());
            }
            c
        };
        let builder = bounded(client(&conn.user, &conn.password), &limits)
            .with_setting("max_rows_to_read", limits.max_build_rows.to_string());
        let (reader_user, reader_password) = match &conn.reader {
            Some(user) => (
                user.as_str(),
                if conn.reader_password.is_some() {
                    &conn.reader_password
                } else {
                    &conn.password
                },
            ),
            None => (conn.user.as_str(), &conn.password),
        };
        let mut wh = Self {
            runtime,
            builder,
            reader: client(reader_user, reader_password),
            database: conn.database.clone(),
            sandbox: sandbox.to_string(),
            dialect: ClickHouseDialect::new(ServerVersion { major: 0, minor: 0 }),
            limits,
            log: Mutex::new(Vec::new()),
            sandbox_created: false,
            statements: Default::default(),
            screen: Screen::default(),
        };
        // The reader as it is, sending nothing: what its profile lets it do decides
        // how its reads stay at readonly=1.
        let probe = wh
            .read(QueryKind::Setup, READ_LEVEL_PROBE)
            .map_err(|e| WarehouseError::Open(format!("ClickHouse at {} does not answer: {e}", conn.url)))?;
        if read_guard(&probe, reader_user)? == ReadGuard::PerQuery {
            wh.reader = bounded(wh.reader.clone().with_setting("readonly", "1"), &limits)
                .with_setting("max_result_rows", limits.max_rows.to_string())
                .with_setting("max_result_bytes", limits.max_result_bytes.to_string())
                .with_setting("result_overflow_mode", "break");
        }
        let version_rows = wh
            .read(QueryKind::Setup, "SELECT version() AS version")
            .map_err(|e| WarehouseError::Open(format!("ClickHouse at {} does not answer: {e}", conn.url)))?;
        let text = version_rows
            .first("version")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        let version = ServerVersion::parse(&text)
            .ok_or_else(|| WarehouseError::Open(format!("cannot read the server version from `{text}`")))?;
        wh.dialect = ClickHouseDialect::new(version);
        tracing::info!(url = %conn.url, %version, sandbox, "connected to ClickHouse");
        wh.execute(
            QueryKind::Setup,
            &format!("CREATE DATABASE IF NOT EXISTS {}", wh.dialect.quote_ident(sandbox)),
        )
        .map_err(|e| WarehouseError::Open(format!("cannot create the sandbox database `{sandbox}`: {e}")))?;
        wh.sandbox_created = true;
        Ok(wh)
    }

    /// This warehouse with the lexer's screen switched off, for the attack suite that
    /// proves the server refuses on its own.
    #[doc(hidden)]
    pub fn without_lexer(mut self) -> Self {
        self.screen = Screen::engine_only();
        self
    }

    /// The server release, as detected.
    pub fn version(&self) -> ServerVersion {
        self.dialect.version()
    }

    /// The scratch database's name.
    pub fn sandbox(&self) -> &str {
        &self.sandbox
    }

    fn record(&self, kind: QueryKind, sql: &str) {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).push(QueryRecord {
            kind,
            sql: sql.to_string(),
        });
    }

    fn client(&self, role: Role) -> &clickhouse::Client {
        match role {
            Role::Builder => &self.builder,
            Role::Reader => &self.reader,
        }
    }

    /// Runs `fut`, the statement `query_id`, on the runtime with a client-side
    /// deadline a little past the server's own `max_execution_time`, for a server
    /// that stops answering or a statement that does not stop: past it, the
    /// statement is killed by its id, so it does not run on without anyone waiting.
    fn block_on<T>(
        &self,
        query_id: &str,
        fut: impl std::future::Future<Output = clickhouse::error::Result<T>>,
    ) -> Result<T, WarehouseError> {
        let timeout = self.limits.timeout;
        let deadline = timeout + Duration::from_secs(10);
        // The timer must be made inside the runtime, so the timeout is built in the
        // future rather than around it.
        match self
            .runtime
            .block_on(async move { tokio::time::timeout(deadline, fut).await })
        {
            Err(_) => {
                self.kill(query_id);
                Err(WarehouseError::Timeout(timeout))
            }
            Ok(r) => r.map_err(|e| sql_error(e, timeout)),
        }
    }

    /// Asks the server to stop statement `query_id` (best effort: logged when it
    /// cannot).
    fn kill(&self, query_id: &str) {
        let sql = format!(
            "KILL QUERY WHERE query_id = {} ASYNC",
            self.dialect.string_literal(query_id)
        );
        self.record(QueryKind::Setup, &sql);
        let killed = self.runtime.block_on(async {
            tokio::time::timeout(Duration::from_secs(10), self.builder.query_raw(&sql).execute()).await
        });
        match killed {
            Ok(Ok(())) => tracing::warn!(query_id, "killed a statement past its time limit"),
            Ok(Err(e)) => tracing::warn!(query_id, error = %e, "cannot kill a statement past its time limit"),
            Err(_) => tracing::warn!(query_id, "the server did not answer KILL QUERY"),
        }
    }

    /// `sql` as a statement of `role`'s client with an id of its own: the sandbox's
    /// name and a counter, so the run's statements can be found (and killed) on the
    /// server.
    fn statement(&self, role: Role, sql: &str) -> (String, clickhouse::query::Query) {
        let id = format!(
            "{}-{}",
            self.sandbox,
            self.statements.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let query = self.client(role).query_raw(sql).with_setting("query_id", id.clone());
        (id, query)
    }

    /// Runs a statement that returns nothing, as the builder.
    fn execute(&self, kind: QueryKind, sql: &str) -> Result<(), WarehouseError> {
        self.record(kind, sql);
        let (id, query) = self.statement(Role::Builder, sql);
        self.block_on(&id, query.execute())
    }

    /// Runs a read-only query and parses its `TSVWithNamesAndTypes` answer.
    fn read(&self, kind: QueryKind, sql: &str) -> Result<Rows, WarehouseError> {
        self.record(kind, sql);
        let (id, query) = self.statement(Role::Reader, sql);
        let bytes = self.block_on(&id, async {
            let mut cursor = query.fetch_bytes("TSVWithNamesAndTypes")?;
            cursor.collect().await
        })?;
        parse_tsv_with_types(&bytes, self.limits.max_rows)
    }

    /// Loads the CSV file at `real` (the resolved `path`, as errors name it) into the
    /// sandbox as text.
    fn load_csv(&self, name: &str, path: &Path, real: &Path) -> Result<(), WarehouseError> {
        let file_error = |message: String| WarehouseError::SourceFile {
            path: path.to_path_buf(),
            message,
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_path(real)
            .map_err(|e| file_error(e.to_string()))?;
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| file_error(e.to_string()))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        if headers.is_empty() {
            return Err(file_error("the CSV file has no header row".into()));
        }
        let d = &self.dialect;
        let table = format!(
            "{}.{}",
            d.quote_ident(&self.sandbox),
            d.quote_ident(&sandbox_table(name))
        );
        let columns = headers
            .iter()
            .map(|h| format!("{} Nullable(String)", d.quote_ident(h)))
            .collect::<Vec<_>>()
            .join(", ");
        self.execute(QueryKind::Setup, &format!("DROP TABLE IF EXISTS {table}"))?;
        self.execute(
            QueryKind::Setup,
            &format!("CREATE TABLE {table} ({columns}) {SCRATCH_ENGINE}"),
        )?;
        // Bronze is text, as on DuckDB: an empty field is NULL, every other value is
        // kept as written.
        let insert = format!("INSERT INTO {table} FORMAT TabSeparated\n");
        let mut body = insert.clone();
        let mut rows_in_body = 0;
        for (line, record) in reader.records().enumerate() {
            let record = record.map_err(|e| file_error(format!("row {}: {e}", line + 2)))?;
            for (i, field) in record.iter().enumerate() {
                if i > 0 {
                    body.push('\t');
                }
                if field.is_empty() {
                    body.push_str("\\N");
                } else {
                    tsv_escape(field, &mut body);
                }
            }
            body.push('\n');
            rows_in_body += 1;
            // Large batches: each INSERT is a MergeTree part, and a server refuses
            // inserts once a table has hundreds of parts waiting to merge.
            if body.len() >= INSERT_BATCH_BYTES {
                self.send_rows(&insert, std::mem::replace(&mut body, insert.clone()))?;
                rows_in_body = 0;
            }
        }
        if rows_in_body > 0 {
            self.send_rows(&insert, body)?;
        }
        self.dialect.map_relation(name, &self.sandbox, &sandbox_table(name));
        Ok(())
    }

    /// Sends one INSERT whose data follows the query in the body; only the INSERT
    /// line is logged, not the data.
    fn send_rows(&self, insert: &str, body: String) -> Result<(), WarehouseError> {
        self.record(QueryKind::Setup, insert.trim_end());
        let (id, query) = self.statement(Role::Builder, &body);
        self.block_on(&id, query.execute())
    }

    fn drop_sandbox(&self) -> Result<(), WarehouseError> {
        let sync = if self.version().has_drop_sync() { " SYNC" } else { "" };
        self.execute(
            QueryKind::Setup,
            &format!(
                "DROP DATABASE IF EXISTS {}{sync}",
                self.dialect.quote_ident(&self.sandbox)
            ),
        )
    }
}

impl Drop for ClickHouseWarehouse {
    fn drop(&mut self) {
        if !self.sandbox_created {
            return;
        }
        if let Err(e) = self.drop_sandbox() {
            tracing::warn!(sandbox = %self.sandbox, error = %e, "could not drop the sandbox database");
        }
    }
}

/// Reads ClickHouse's `TSVWithNamesAndTypes` output, which every release has. Each
/// cell becomes what the DuckDB backend gives for the same type: integers and floats
/// as numbers, decimals, dates and text as strings (so `10.50` keeps its scale).
fn parse_tsv_with_types(bytes: &[u8], max_rows: usize) -> Result<Rows, WarehouseError> {
    let text = std::str::from_utf8(bytes).map_err(|e| WarehouseError::Sql {
        message: format!("answer from ClickHouse is not UTF-8: {e}"),
    })?;
    let mut lines = text.split('\n');
    let columns: Vec<String> = match lines.next() {
        Some(l) if !l.is_empty() => l.split('\t').map(tsv_unescape).collect(),
        _ => Vec::new(),
    };
    let types: Vec<String> = lines.next().unwrap_or("").split('\t').map(tsv_unescape).collect();
    let rows = lines
        .filter(|l| !l.is_empty())
        .take(max_rows)
        .map(|l| {
            l.split('\t')
                .enumerate()
                .map(|(i, cell)| typed_cell(cell, types.get(i).map_or("String", String::as_str)))
                .collect()
        })
        .collect();
    Ok(Rows { columns, rows })
}

fn typed_cell(cell: &str, type_name: &str) -> serde_json::Value {
    use serde_json::Value as J;
    if cell == "\\N" {
        return J::Null;
    }
    let inner = crate::plan::normalize_type(type_name);
    let text = tsv_unescape(cell);
    let number = match inner.as_str() {
        "tinyint" | "smallint" | "integer" | "bigint" => text.parse::<i64>().ok().map(J::from),
        "utinyint" | "usmallint" | "uinteger" | "ubigint" => text.parse::<u64>().ok().map(J::from),
        "float" | "double" => text.parse::<f64>().ok().filter(|x| x.is_finite()).map(J::from),
        "boolean" => match text.as_str() {
            "true" => Some(J::Bool(true)),
            "false" => Some(J::Bool(false)),
            _ => None,
        },
        _ => None,
    };
    number.unwrap_or(J::String(text))
}

fn tsv_unescape(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('0') => out.push('\0'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

impl Warehouse for ClickHouseWarehouse {
    fn dialect(&self) -> &dyn Dialect {
        &self.dialect
    }

    fn bind_source(&self, name: &str, location: &SourceLocation) -> Result<(), WarehouseError> {
        match location {
            SourceLocation::Product => Ok(()),
            SourceLocation::File { path, root } => {
                let real = resolve_source_file(path, root)?;
                let ext = real
                    .extension()
                    .and_then(|e| e.to_str())
                    .unwrap_or("")
                    .to_ascii_lowercase();
                if ext != "csv" {
                    return Err(WarehouseError::SourceFile {
                        path: shown_path(path, root),
                        message: format!(
                            "on ClickHouse a file source must be .csv (this is `.{ext}`); load it into a table and name it with `table:`"
                        ),
                    });
                }
                self.load_csv(name, &shown_path(path, root), &real)
            }
            SourceLocation::Table(table) => {
                let (db, t) = table
                    .split_once('.')
                    .unwrap_or((self.database.as_str(), table.as_str()));
                let d = &self.dialect;
                let sql = format!(
                    "SELECT count() AS n FROM system.tables WHERE database = {} AND name = {}",
                    d.string_literal(db),
                    d.string_literal(t)
                );
                let found = self.read(QueryKind::Metadata, &sql)?;
                if found.first("n").and_then(|v| v.as_u64()).unwrap_or(0) == 0 {
                    return Err(WarehouseError::MissingRelation(format!("{db}.{t}")));
                }
                self.dialect.map_relation(name, db, t);
                Ok(())
            }
        }
    }

    fn materialize(&self, relation: &str, select_sql: &str, form: BuildForm) -> Result<(), WarehouseError> {
        let select = self.screen(select_sql)?;
        let select = rewrite_relations(&select, |name| self.dialect.mapped(name))?;
        // The server judges the SELECT as a reader first: under readonly=1 a table
        // function anywhere in it is refused before the builder, which could run it,
        // ever sees it.
        self.read(QueryKind::Preflight, &format!("SELECT * FROM (\n{select}\n) LIMIT 0"))?;
        let d = &self.dialect;
        let table = format!(
            "{}.{}",
            d.quote_ident(&self.sandbox),
            d.quote_ident(&sandbox_table(relation))
        );
        // DROP TABLE drops a view too: either earlier build goes.
        self.execute(QueryKind::Setup, &format!("DROP TABLE IF EXISTS {table}"))?;
        let create = match form {
            BuildForm::View => format!("CREATE VIEW {table} AS\n{select}\n"),
            BuildForm::Table => format!("CREATE TABLE {table} {SCRATCH_ENGINE} AS\n{select}\n"),
        };
        self.execute(QueryKind::Materialize, &create)?;
        self.dialect
            .map_relation(relation, &self.sandbox, &sandbox_table(relation));
        Ok(())
    }

    fn describe(&self, relation: &str) -> Result<Vec<ColumnInfo>, WarehouseError> {
        let sql = format!("DESCRIBE TABLE {}", self.dialect.quote_relation(relation));
        let rows = self.read(QueryKind::Metadata, &sql).map_err(|e| match e {
            WarehouseError::Sql { message } if message.contains("error 60)") || message.contains("error 81)") => {
                WarehouseError::MissingRelation(relation.to_string())
            }
            other => other,
        })?;
        Ok(rows
            .rows
            .into_iter()
            .map(|r| ColumnInfo {
                name: cap(r.first().and_then(|v| v.as_str()).unwrap_or_default(), MAX_NAME_CHARS).into_owned(),
                type_name: r.get(1).and_then(|v| v.as_str()).unwrap_or_default().to_string(),
            })
            .collect())
    }

    fn query(&self, kind: QueryKind, sql: &str) -> Result<Rows, WarehouseError> {
        self.read(kind, sql)
    }

    fn screen(&self, sql: &str) -> Result<String, SandboxError> {
        let mut declared = self.dialect.mapped_names();
        declared.extend(GENERATORS.iter().map(|g| g.to_string()));
        super::screen_declared(&self.screen, &self.dialect, &declared, sql)
    }

    fn query_untrusted(&self, kind: QueryKind, sql: &str) -> Result<Rows, WarehouseError> {
        let select = self.screen(sql)?;
        let select = rewrite_relations(&select, |name| self.dialect.mapped(name))?;
        self.read(kind, &select).map(cap_rows)
    }

    fn queries(&self) -> Vec<QueryRecord> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn table_fingerprint(&self, table: &str) -> Option<String> {
        // Only MergeTree tables have parts with modification times; any write makes
        // a new part (and a merge too, which only costs a cache miss).
        let (db, t) = table.split_once('.').unwrap_or((self.database.as_str(), table));
        let d = &self.dialect;
        let (db, t) = (d.string_literal(db), d.string_literal(t));
        let engine = self
            .read(
                QueryKind::Metadata,
                &format!("SELECT engine FROM system.tables WHERE database = {db} AND name = {t}"),
            )
            .ok()?;
        let engine = engine.rows.first()?.first()?.as_str()?.to_string();
        if !engine.ends_with("MergeTree") {
            return None;
        }
        let parts = self
            .read(
                QueryKind::Metadata,
                &format!(
                    "SELECT toString(max(modification_time)) AS at, toString(sum(rows)) AS n, toString(count()) AS parts
                     FROM system.parts WHERE database = {db} AND table = {t} AND active"
                ),
            )
            .ok()?;
        let row = parts.rows.first()?;
        Some(format!(
            "{engine}:{}",
            row.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(":")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_messages_are_shortened() {
        let old =
            "bad response: Code: 46, e.displayText() = DB::Exception: Unknown function foo, e.what() = DB::Exception";
        assert_eq!(clean_message(old), "Unknown function foo (ClickHouse error 46)");
        let new = "Code: 60. DB::Exception: Table default.x does not exist. (UNKNOWN_TABLE) (version 24.8.1.1)";
        assert_eq!(
            clean_message(new),
            "Table default.x does not exist. (UNKNOWN_TABLE) (ClickHouse error 60)"
        );
    }

    #[test]
    fn secrets_do_not_print() {
        let c = Connection {
            url: "http://127.0.0.1:8123".into(),
            database: "default".into(),
            user: "hallmark".into(),
            password: Some(Secret::new("hunter2")),
            reader: None,
            reader_password: None,
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn typed_answers_read_like_duckdb_cells() {
        let answer = "id\tamount\tnote\n\
                      Nullable(Int32)\tNullable(Decimal(18, 2))\tString\n\
                      1\t10.50\ta\\tb\n\
                      \\N\t-5.00\t\n";
        let rows = parse_tsv_with_types(answer.as_bytes(), 10).unwrap();
        assert_eq!(rows.columns, ["id", "amount", "note"]);
        assert_eq!(
            rows.rows[0],
            [
                serde_json::json!(1),
                serde_json::json!("10.50"),
                serde_json::json!("a\tb")
            ]
        );
        assert_eq!(
            rows.rows[1],
            [
                serde_json::Value::Null,
                serde_json::json!("-5.00"),
                serde_json::json!("")
            ]
        );
        assert_eq!(parse_tsv_with_types(answer.as_bytes(), 1).unwrap().rows.len(), 1);
    }

    #[test]
    fn tab_separated_escaping() {
        let mut out = String::new();
        tsv_escape("a\tb\\c\nd", &mut out);
        assert_eq!(out, "a\\tb\\\\c\\nd");
    }
}
