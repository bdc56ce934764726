//! The bench workload the benches share: 30 checks (standards and a spec) over a
//! generated table of orders, in each backend's SQL; not every bench uses every item.
#![allow(dead_code)]

/// The standards of the one-scan bench.
pub const STANDARDS: &str = include_str!("standards.md");

pub const SPEC: &str = "name: big
level: silver
owner: bench
sources: [{ name: bronze.none, file: none.csv }]
primary_key: [id]
columns:
  - { name: id, type: bigint }
  - { name: email, type: varchar }
  - { name: country, type: varchar }
  - { name: amount, type: 'decimal(18,2)' }
  - { name: ordered_at, type: timestamp }
  - { name: status, type: varchar }
";

/// `rows` generated orders in DuckDB's SQL.
pub fn duckdb_table_sql(rows: u64) -> String {
    format!(
        "SELECT i AS id, 'user' || (i % 50000) || '@example.com' AS email,
                ['US', 'DE', 'FR', 'GB'][i % 4 + 1] AS country,
                CAST((i % 100000) / 100.0 AS DECIMAL(18,2)) AS amount,
                TIMESTAMP '2024-01-01' + to_seconds(i % 31536000) AS ordered_at,
                ['shipped', 'pending', 'delivered'][i % 3 + 1] AS status
         FROM range({rows}) AS r(i)"
    )
}

/// The same `rows` orders in ClickHouse's SQL, generated inside the server.
pub fn clickhouse_table_sql(rows: u64) -> String {
    format!(
        "SELECT toInt64(number) AS id, concat('user', toString(number % 50000), '@example.com') AS email,
                ['US', 'DE', 'FR', 'GB'][number % 4 + 1] AS country,
                CAST(number % 100000 AS Decimal(18, 2)) / 100 AS amount,
                toDateTime('2024-01-01 00:00:00', 'UTC') + (number % 31536000) AS ordered_at,
                ['shipped', 'pending', 'delivered'][number % 3 + 1] AS status
         FROM (SELECT number FROM system.numbers LIMIT {rows})"
    )
}

/// `rows` orders as bronze holds them: every value text, columns named as a source
/// system would (`Id`, `OrderedAt`), built from the typed generator of `typed_sql`.
pub fn text_bronze_sql(clickhouse: bool, typed_sql: &str) -> String {
    let text = |c: &str| {
        if clickhouse {
            format!("toString({c})")
        } else {
            format!("CAST({c} AS VARCHAR)")
        }
    };
    format!(
        "SELECT {} AS Id, email AS Email, country AS Country, {} AS Amount, {} AS OrderedAt, status AS Status FROM ({typed_sql})",
        text("id"),
        text("amount"),
        text("ordered_at")
    )
}

/// Two product SQLs over [`text_bronze_sql`] as silver transforms are written: one
/// that parses each value, and one that also keeps the latest row per id (a window
/// or its ClickHouse spelling), by name.
pub fn text_transforms(clickhouse: bool) -> [(&'static str, String); 2] {
    let parse = if clickhouse {
        "SELECT toInt64(Id) AS id, Email AS email, upper(Country) AS country, CAST(Amount AS Decimal(18, 2)) AS amount, \
         toDateTime(OrderedAt, 'UTC') AS ordered_at, lower(Status) AS status FROM bronze.big_text"
    } else {
        "SELECT CAST(Id AS BIGINT) AS id, trim(Email) AS email, upper(Country) AS country, CAST(Amount AS DECIMAL(18,2)) AS amount, \
         CAST(OrderedAt AS TIMESTAMP) AS ordered_at, lower(Status) AS status FROM bronze.big_text"
    };
    let dedup = if clickhouse {
        format!("SELECT * FROM ({parse}) ORDER BY id, ordered_at DESC LIMIT 1 BY id")
    } else {
        format!(
            "SELECT * FROM ({parse}) AS p QUALIFY row_number() OVER (PARTITION BY p.id ORDER BY p.ordered_at DESC) = 1"
        )
    };
    [("parse", parse.to_string()), ("parse_and_dedup", dedup)]
}

/// Hallmark's login to the bench's ClickHouse server at `url`, as
/// `scripts/clickhouse-server.sh` makes it (the password from
/// `HALLMARK_CLICKHOUSE_PASSWORD`).
pub fn clickhouse_connection(url: String) -> hallmark_checks::warehouse::clickhouse::Connection {
    hallmark_checks::warehouse::clickhouse::Connection {
        url,
        database: "default".into(),
        user: "hallmark".into(),
        password: Some(hallmark_checks::warehouse::clickhouse::Secret::new(
            std::env::var("HALLMARK_CLICKHOUSE_PASSWORD").unwrap_or_else(|_| "hallmark-dev".into()),
        )),
        reader: None,
        reader_password: None,
    }
}

/// Prints the queries of run `sandbox` with the highest peak memory, as the server
/// logged them in `system.query_log`.
pub fn print_peak_memory(warehouse: &dyn hallmark_checks::warehouse::Warehouse, sandbox: &str) {
    use hallmark_checks::warehouse::QueryKind;
    let _ = warehouse.query(QueryKind::Metadata, "SYSTEM FLUSH LOGS");
    std::thread::sleep(std::time::Duration::from_secs(2));
    let log = warehouse.query(
        QueryKind::Metadata,
        &format!(
            "SELECT toString(type), query_duration_ms, memory_usage, read_rows, substring(replaceAll(query, '\\n', ' '), 1, 70)
             FROM system.query_log
             WHERE query LIKE '%{sandbox}%' AND type != 1 AND query NOT LIKE '%system.query_log%'
             ORDER BY memory_usage DESC LIMIT 8"
        ),
    );
    match log {
        Ok(rows) => {
            println!("  peak memory by query (system.query_log):");
            for r in rows.rows {
                let cell = |i: usize| {
                    r.get(i)
                        .map(|v| v.to_string().trim_matches('"').to_string())
                        .unwrap_or_default()
                };
                println!(
                    "    {:>12} bytes {:>8} ms {:>10} rows {} {}",
                    cell(2),
                    cell(1),
                    cell(3),
                    cell(0),
                    cell(4)
                );
            }
        }
        Err(e) => println!("  system.query_log: {e}"),
    }
}

/// The ClickHouse benches' run: the rows asked (`HALLMARK_SCALE_ROWS`, 50,000,000), the
/// server (`HALLMARK_SCALE_CLICKHOUSE_URL`, the 1 GB one on 8124), a sandbox named for
/// `bench`, and the warehouse connected under the same 1 GB the server caps a query at;
/// `None` (said) without a server.
pub fn scale_run(
    bench: &str,
) -> Option<(
    u64,
    String,
    String,
    hallmark_checks::warehouse::clickhouse::ClickHouseWarehouse,
)> {
    use hallmark_checks::warehouse::Limits;
    let rows: u64 = std::env::var("HALLMARK_SCALE_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000_000);
    let url = std::env::var("HALLMARK_SCALE_CLICKHOUSE_URL").unwrap_or_else(|_| "http://127.0.0.1:8124".into());
    let conn = clickhouse_connection(url.clone());
    let sandbox = format!("hallmark_sandbox_{bench}_{}", std::process::id());
    let limits = Limits {
        timeout: std::time::Duration::from_secs(3600),
        memory_bytes: 1_000_000_000,
        ..Limits::default()
    };
    match hallmark_checks::warehouse::clickhouse::ClickHouseWarehouse::connect(&conn, &sandbox, limits) {
        Ok(w) => Some((rows, url, sandbox, w)),
        Err(e) => {
            eprintln!("clickhouse_{bench} skipped: no server at {url}: {e}");
            None
        }
    }
}
