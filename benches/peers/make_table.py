"""Writes benches/peers/bench.duckdb: the bench workload's 1,000,000 orders as table
`big`, the same rows `checks/benches/workload` generates (duckdb_table_sql)."""
import pathlib
import sys

import duckdb

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
path = pathlib.Path(__file__).with_name("bench.duckdb")
path.unlink(missing_ok=True)
con = duckdb.connect(str(path))
con.execute(
    f"""CREATE TABLE big AS
    SELECT i AS id, 'user' || (i % 50000) || '@example.com' AS email,
           ['US', 'DE', 'FR', 'GB'][i % 4 + 1] AS country,
           CAST((i % 100000) / 100.0 AS DECIMAL(18,2)) AS amount,
           TIMESTAMP '2024-01-01' + to_seconds(i % 31536000) AS ordered_at,
           ['shipped', 'pending', 'delivered'][i % 3 + 1] AS status
    FROM range({ROWS}) AS r(i)"""
)
con.close()
print(f"{path}: {ROWS} rows")
