//! Embedded DuckDB, the default warehouse.
//!
//! Products are built in an in-memory database, one schema per level (`silver`,
//! `gold`), which is the sandbox: it disappears with the process. A user's database
//! file, when configured, is attached READ_ONLY as `warehouse`, so nothing Hallmark
//! runs can change it. File sources become views over DuckDB's readers.

use super::{ColumnInfo, Limits, QueryKind, QueryRecord, Rows, SourceLocation, Warehouse, WarehouseError};
use crate::dialect::{Dialect, DuckDbDialect};
use crate::sandbox::validate_select_with;
use duckdb::types::ValueRef;
use duckdb::Connection;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// The alias under which a user's database file is attached.
pub const ATTACHED_ALIAS: &str = "warehouse";

/// A DuckDB warehouse.
pub struct DuckDbWarehouse {
    conn: Mutex<Connection>,
    limits: Limits,
    log: Mutex<Vec<QueryRecord>>,
}

impl DuckDbWarehouse {
    /// An in-memory warehouse with no attached database: sources are files.
    pub fn in_memory(limits: Limits) -> Result<Self, WarehouseError> {
        let conn = Connection::open_in_memory().map_err(|e| WarehouseError::Open(e.to_string()))?;
        Ok(Self {
            conn: Mutex::new(conn),
            limits,
            log: Mutex::new(Vec::new()),
        })
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
        let wh = Self::in_memory(limits)?;
        let sql = format!(
            "ATTACH {} AS {} (READ_ONLY)",
            wh.dialect().string_literal(&path.to_string_lossy()),
            ATTACHED_ALIAS
        );
        wh.run(QueryKind::Setup, &sql, |c| c.execute_batch(&sql))
            .map_err(|e| WarehouseError::Open(e.to_string()))?;
        Ok(wh)
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
        let out = f(&conn);
        drop(done_tx);
        let _ = watchdog.join();
        match out {
            Ok(v) => Ok(v),
            Err(_) if fired.load(Ordering::SeqCst) => Err(WarehouseError::Timeout(timeout)),
            Err(e) => Err(WarehouseError::Sql {
                message: clean_message(&e.to_string()),
            }),
        }
    }

    fn ensure_schema(&self, relation: &str) -> Result<(), WarehouseError> {
        if let Some((schema, _)) = relation.split_once('.') {
            let sql = format!("CREATE SCHEMA IF NOT EXISTS {}", self.dialect().quote_ident(schema));
            self.run(QueryKind::Setup, &sql, |c| c.execute_batch(&sql))?;
        }
        Ok(())
    }
}

/// DuckDB prefixes messages with the error class and repeats context; keep it short.
fn clean_message(msg: &str) -> String {
    msg.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn reader_for(path: &Path, d: &dyn Dialect) -> Result<String, WarehouseError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let lit = d.string_literal(&path.to_string_lossy());
    match ext.as_str() {
        // Bronze is read as text: messy files keep every value, and typing is the
        // transform's job.
        "csv" | "tsv" | "txt" => Ok(format!("read_csv({lit}, header = true, all_varchar = true)")),
        "parquet" => Ok(format!("read_parquet({lit})")),
        "json" | "jsonl" | "ndjson" => Ok(format!("read_json_auto({lit})")),
        other => Err(WarehouseError::SourceFile {
            path: path.to_path_buf(),
            message: format!("unknown file type `.{other}`; use .csv, .parquet or .json"),
        }),
    }
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
        let body = match location {
            SourceLocation::Product => return Ok(()),
            SourceLocation::File(path) => {
                if !path.is_file() {
                    return Err(WarehouseError::SourceFile {
                        path: path.clone(),
                        message: "no such file".into(),
                    });
                }
                format!("SELECT * FROM {}", reader_for(path, d)?)
            }
            SourceLocation::Table(table) => {
                format!("SELECT * FROM {}.{}", ATTACHED_ALIAS, d.quote_relation(table))
            }
        };
        self.ensure_schema(name)?;
        let sql = format!("CREATE OR REPLACE VIEW {} AS {body}", d.quote_relation(name));
        self.run(QueryKind::Setup, &sql, |c| c.execute_batch(&sql))
    }

    fn materialize(&self, relation: &str, select_sql: &str) -> Result<(), WarehouseError> {
        let select = validate_select_with(select_sql, self.dialect().forbidden_functions())?;
        self.ensure_schema(relation)?;
        let sql = format!(
            "CREATE OR REPLACE TABLE {} AS\n{select}\n",
            self.dialect().quote_relation(relation)
        );
        self.run(QueryKind::Materialize, &sql, |c| c.execute_batch(&sql))
    }

    fn describe(&self, relation: &str) -> Result<Vec<ColumnInfo>, WarehouseError> {
        let d = self.dialect();
        let (schema, table) = relation.split_once('.').unwrap_or(("main", relation));
        let sql = format!(
            "SELECT column_name, data_type FROM information_schema.columns \
             WHERE table_catalog = current_database() AND table_schema = {} AND table_name = {} ORDER BY ordinal_position",
            d.string_literal(schema),
            d.string_literal(table)
        );
        let rows = self.query(QueryKind::Metadata, &sql)?;
        if rows.rows.is_empty() {
            return Err(WarehouseError::MissingRelation(relation.to_string()));
        }
        Ok(rows
            .rows
            .into_iter()
            .map(|r| ColumnInfo {
                name: r[0].as_str().unwrap_or_default().to_string(),
                type_name: r[1].as_str().unwrap_or_default().to_string(),
            })
            .collect())
    }

    fn query(&self, kind: QueryKind, sql: &str) -> Result<Rows, WarehouseError> {
        let max_rows = self.limits.max_rows;
        self.run(kind, sql, |c| {
            let mut stmt = c.prepare(sql)?;
            let mut rows = stmt.query([])?;
            let columns = rows.as_ref().map(|s| s.column_names()).unwrap_or_default();
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
            Ok(Rows { columns, rows: out })
        })
    }

    fn queries(&self) -> Vec<QueryRecord> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}
