//! ClickHouse's spelling of the check expressions, for every server from Debian's
//! 18.16 to current releases.
//!
//! Functions and syntax avoided because 18.16 lacks them: positional `ORDER BY 1`
//! (21.x; there it silently sorts by the constant), `true`/`false` literals (used only
//! when the server has them), `DROP … SYNC` (20.x Atomic databases), `now64` and
//! `DateTime64` (20.1), `count(DISTINCT (a, b))` over tuples with nulls, window
//! functions (21.x), `ILIKE` and the `REGEXP` operator. Everything here is plain
//! `countIf`, `uniqExact`, `match`, `lengthUTF8`, `toString`, `toUnixTimestamp`.

use super::Dialect;
use crate::catalogue::Literal;
use std::collections::HashMap;
use std::sync::RwLock;

/// A ClickHouse server release, read from `SELECT version()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ServerVersion {
    /// The year-like major number (18, 21, 24...).
    pub major: u32,
    /// The minor number.
    pub minor: u32,
}

impl ServerVersion {
    /// Parses `18.16.1` or `24.8.4.13`; `None` when it does not start with two numbers.
    pub fn parse(text: &str) -> Option<ServerVersion> {
        let mut parts = text.trim().split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some(ServerVersion { major, minor })
    }

    /// `true`/`false` literals and the Bool type (21.12).
    pub fn has_bool_literals(self) -> bool {
        self >= ServerVersion { major: 21, minor: 12 }
    }

    /// Atomic databases, whose drops are lazy unless `SYNC` is said (20.10).
    pub fn has_drop_sync(self) -> bool {
        self >= ServerVersion { major: 20, minor: 10 }
    }
}

impl std::fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// ClickHouse's dialect. It also holds where each logical relation lives, because a
/// ClickHouse sandbox is one scratch database rather than one schema per level.
#[derive(Debug)]
pub struct ClickHouseDialect {
    version: ServerVersion,
    relations: RwLock<HashMap<String, String>>,
}

impl ClickHouseDialect {
    /// A dialect for a server of `version`, with no relations mapped yet.
    pub fn new(version: ServerVersion) -> Self {
        Self {
            version,
            relations: RwLock::new(HashMap::new()),
        }
    }

    /// The server release this dialect writes for.
    pub fn version(&self) -> ServerVersion {
        self.version
    }

    /// Records that logical `relation` lives at `database.table`.
    pub fn map_relation(&self, relation: &str, database: &str, table: &str) {
        let physical = format!("{}.{}", self.quote_ident(database), self.quote_ident(table));
        self.relations
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(relation.to_string(), physical);
    }

    /// Every logical relation mapped so far: what untrusted SQL may name.
    pub fn mapped_names(&self) -> std::collections::BTreeSet<String> {
        self.relations
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect()
    }

    /// Where `relation` was mapped, quoted, if it was.
    pub fn mapped(&self, relation: &str) -> Option<String> {
        self.relations
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(relation)
            .cloned()
    }
}

impl Dialect for ClickHouseDialect {
    fn name(&self) -> &'static str {
        "clickhouse"
    }

    fn quote_ident(&self, name: &str) -> String {
        format!("`{}`", name.replace('\\', "\\\\").replace('`', "\\`"))
    }

    fn quote_relation(&self, relation: &str) -> String {
        self.mapped(relation)
            .unwrap_or_else(|| super::quote_dotted(self, relation))
    }

    fn literal(&self, lit: &Literal) -> String {
        match lit {
            Literal::Bool(b) if self.version.has_bool_literals() => b.to_string(),
            Literal::Bool(b) => u8::from(*b).to_string(),
            Literal::Int(i) => i.to_string(),
            Literal::Float(x) => format!("{x:?}"),
            Literal::Text(s) => self.string_literal(s),
        }
    }

    /// ClickHouse compares a `DateTime` with a string only when the string has the
    /// full `YYYY-MM-DD hh:mm:ss` form, so a date bound (`2024-01-01`) is parsed to the
    /// column's type first, in UTC.
    fn bound_literal(&self, lit: &Literal, column_type: Option<&str>) -> String {
        match (lit, column_type) {
            (Literal::Text(t), Some("timestamp")) => {
                format!("parseDateTimeBestEffort({}, 'UTC')", self.string_literal(t))
            }
            (Literal::Text(t), Some("date")) => format!("toDate({})", self.string_literal(t)),
            _ => self.literal(lit),
        }
    }

    /// ClickHouse's table functions that reach files, URLs and other servers. Reads
    /// under `readonly = 1` refuse every table function on their own; the list gives
    /// the friendlier error first.
    fn forbidden_functions(&self) -> &'static [&'static str] {
        &[
            "file",
            "fileCluster",
            "urlCluster",
            "hdfsCluster",
            "gcs",
            "oss",
            "cosn",
            "deltaLake",
            "hudi",
            "iceberg",
            "azureBlobStorageCluster",
            "url",
            "remote",
            "remoteSecure",
            "cluster",
            "clusterAllReplicas",
            "mysql",
            "postgresql",
            "jdbc",
            "odbc",
            "hdfs",
            "s3",
            "s3Cluster",
            "azureBlobStorage",
            "input",
            "executable",
            "dictionary",
            "sqlite",
            "mongodb",
            "redis",
        ]
    }

    fn count_if(&self, predicate: &str) -> String {
        format!("countIf({predicate})")
    }

    fn lexing(&self) -> crate::sandbox::Lexing {
        crate::sandbox::Lexing::ClickHouse
    }

    /// The host (`hostName`, `fqdn`, `filesystem*`), the server's users, settings and
    /// macros, and the functions that read a table or dictionary named in a string
    /// (`joinGet('db.t', ...)`, `dictGet`), which the relation check cannot see.
    fn introspection_functions(&self) -> &'static [&'static str] {
        &[
            "hostName",
            "fqdn",
            "currentDatabase",
            "currentUser",
            "currentProfiles",
            "currentRoles",
            "enabledProfiles",
            "enabledRoles",
            "defaultRoles",
            "getSetting*",
            "getMacro",
            "getServerPort",
            "getClientHTTPHeader",
            "getOSKernelVersion",
            "serverUUID",
            "uptime",
            "displayName",
            "tcpPort",
            "buildId",
            "filesystem*",
            "joinGet*",
            "dict*",
            "hasColumnInTable",
            "globalVariable",
            "initialQueryID",
            "zookeeperSessionUptime",
        ]
    }

    fn count_distinct(&self, exprs: &[String]) -> String {
        // Aggregates skip a row when any of their Nullable arguments is NULL.
        format!("uniqExact({})", exprs.join(", "))
    }

    fn count_distinct_rows(&self, exprs: &[String]) -> String {
        // A tuple is never NULL itself, so rows with nulls are counted too.
        format!("uniqExact(tuple({}))", exprs.join(", "))
    }

    fn count_distinct_spilling(&self, relation: &str, exprs: &[String], rows: bool) -> Option<String> {
        // A GROUP BY spills past `max_bytes_before_external_group_by`; `uniqExact`'s
        // set cannot, and fails at the memory limit on a large enough key.
        let keys = exprs.join(", ");
        let filter = if rows {
            String::new()
        } else {
            format!(
                " WHERE {}",
                exprs
                    .iter()
                    .map(|e| format!("{e} IS NOT NULL"))
                    .collect::<Vec<_>>()
                    .join(" AND ")
            )
        };
        Some(format!(
            "(SELECT count() FROM (SELECT {keys} FROM {relation}{filter} GROUP BY {keys}))"
        ))
    }

    fn regex_full_match(&self, expr: &str, pattern: &str) -> String {
        format!("match({expr}, {})", self.string_literal(&format!("^(?:{pattern})$")))
    }

    fn char_length(&self, expr: &str) -> String {
        format!("lengthUTF8({expr})")
    }

    fn key_bucket(&self, exprs: &[String], buckets: u64) -> String {
        format!("cityHash64({}) % {buckets}", exprs.join(", "))
    }

    fn to_double(&self, expr: &str) -> String {
        // `CAST(NULL AS DOUBLE)` fails on 18.16; `toFloat64` keeps a NULL.
        format!("toFloat64({expr})")
    }

    fn cast_text(&self, expr: &str) -> String {
        format!("toString({expr})")
    }

    fn key_text(&self, expr: &str) -> String {
        // `trimBoth` is younger than 18.16; a regular expression is on every release.
        format!("nullIf(replaceRegexpAll(toString({expr}), '^\\\\s+|\\\\s+$', ''), '')")
    }

    fn epoch_seconds(&self, expr: &str) -> String {
        format!("toUnixTimestamp(toDateTime({expr}))")
    }

    fn timestamp_literal(&self, utc: &str) -> String {
        format!("toDateTime({}, 'UTC')", self.string_literal(utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_order() {
        let old = ServerVersion::parse("18.16.1").unwrap();
        let new = ServerVersion::parse("24.8.4.13").unwrap();
        assert!(old < new);
        assert!(!old.has_bool_literals() && new.has_bool_literals());
        assert!(!old.has_drop_sync() && new.has_drop_sync());
        assert_eq!(ServerVersion::parse("dev"), None);
    }

    #[test]
    fn literals_follow_the_server() {
        let old = ClickHouseDialect::new(ServerVersion { major: 18, minor: 16 });
        let new = ClickHouseDialect::new(ServerVersion { major: 24, minor: 8 });
        assert_eq!(old.literal(&Literal::Bool(true)), "1");
        assert_eq!(new.literal(&Literal::Bool(true)), "true");
        assert_eq!(old.string_literal("a\\b'c"), "'a\\\\b''c'");
        assert_eq!(old.quote_ident("we`ird"), "`we\\`ird`");
    }

    #[test]
    fn text_bounds_take_the_column_type() {
        let d = ClickHouseDialect::new(ServerVersion { major: 18, minor: 16 });
        let day = Literal::Text("2024-01-01".into());
        assert_eq!(
            d.bound_literal(&day, Some("timestamp")),
            "parseDateTimeBestEffort('2024-01-01', 'UTC')"
        );
        assert_eq!(d.bound_literal(&day, Some("date")), "toDate('2024-01-01')");
        assert_eq!(d.bound_literal(&day, Some("varchar")), "'2024-01-01'");
        assert_eq!(d.bound_literal(&Literal::Int(3), Some("timestamp")), "3");
    }

    #[test]
    fn mapped_relations_resolve_to_their_physical_names() {
        let d = ClickHouseDialect::new(ServerVersion { major: 18, minor: 16 });
        d.map_relation("silver.orders", "hallmark_sandbox_1", "silver__orders");
        assert_eq!(
            d.quote_relation("silver.orders"),
            "`hallmark_sandbox_1`.`silver__orders`"
        );
        assert_eq!(d.quote_relation("bronze.orders"), "`bronze`.`orders`");
    }
}
