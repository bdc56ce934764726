//! How `.hallmark.yml` names the warehouse (`warehouse: { kind: duckdb | clickhouse }`)
//! and how to reach it: the warehouse owns its configuration, the project reads it.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Which warehouse to use and how to reach it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum WarehouseConfig {
    /// Embedded DuckDB: products are built in memory; an existing database file, if
    /// given, is attached read-only as `warehouse` so its tables can be sources.
    Duckdb {
        /// A DuckDB database file, relative to the repository root.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path: Option<PathBuf>,
    },
    /// A ClickHouse server over HTTP. Products are built in a scratch database per
    /// run that is dropped afterwards; the password comes from the environment
    /// (`HALLMARK_CLICKHOUSE_PASSWORD`), never from the repository.
    Clickhouse(ClickHouseConfig),
}

/// How to reach a ClickHouse server (`warehouse: { kind: clickhouse, ... }`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClickHouseConfig {
    /// The HTTP endpoint, `http://127.0.0.1:8123`.
    #[serde(default = "default_clickhouse_url")]
    pub url: String,
    /// The database that unqualified `table:` sources are read from.
    #[serde(default = "default_clickhouse_database")]
    pub database: String,
    /// The user that builds products in the scratch database.
    #[serde(default = "default_clickhouse_user")]
    pub user: String,
    /// A read-only user for every query that only reads (checks, samples, the
    /// agent's queries), whose profile must say `readonly = 1` (a `readonly = 2`
    /// profile is refused: it lets table functions through). Without one, those
    /// queries run as `user` with `readonly = 1` sent along.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reader: Option<String>,
    /// Scratch databases are named `<prefix>_<job>`.
    #[serde(default = "default_sandbox_prefix")]
    pub sandbox_prefix: String,
}

fn default_clickhouse_url() -> String {
    "http://127.0.0.1:8123".into()
}

fn default_clickhouse_database() -> String {
    "default".into()
}

fn default_clickhouse_user() -> String {
    "default".into()
}

fn default_sandbox_prefix() -> String {
    "hallmark_sandbox".into()
}

impl Default for WarehouseConfig {
    fn default() -> Self {
        WarehouseConfig::Duckdb { path: None }
    }
}
