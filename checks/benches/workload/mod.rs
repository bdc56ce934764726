//! The bench workload both benches share: 30 checks (standards and a spec) over a
//! generated table of orders, in each backend's SQL.

/// The standards: the same file the peer comparison (`benches/peers/`) checks with.
pub const STANDARDS: &str = include_str!("../../../benches/peers/hallmark/data_standards.md");

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
#[allow(dead_code)] // one bench of the two uses it
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
#[allow(dead_code)] // one bench of the two uses it
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
