//! The data diff of a product far larger than the server lets one query hold in
//! memory: base and head of 50,000,000 rows each, generated inside ClickHouse, compared
//! by key with the server's per-query memory capped at 1 GB (start one as for
//! `clickhouse_scale`: `HALLMARK_CLICKHOUSE_MAX_MEMORY=1000000000
//! HALLMARK_CLICKHOUSE_PORT=8124 HALLMARK_CLICKHOUSE_TCP_PORT=9001
//! HALLMARK_CLICKHOUSE_DIR=~/.cache/hallmark-clickhouse-1g scripts/clickhouse-server.sh`;
//! its profile spills a `GROUP BY` to disk past half the cap). The change is known:
//! head drops the first 1,000 ids, adds 1,000 past the end, and changes the amount of
//! every id divisible by 100; the counts printed must equal it.
//!
//! `cargo bench -p hallmark-checks --bench clickhouse_diff --profile dev`
//! (`HALLMARK_SCALE_ROWS`, `HALLMARK_SCALE_CLICKHOUSE_URL` change the size and server).

use hallmark_checks::datadiff::{compare, DiffRequest};
use hallmark_checks::warehouse::{BuildForm, Warehouse};
use std::time::Instant;

mod workload;

/// How many ids the change drops at the start and adds at the end.
const SHIFT: u64 = 1_000;

fn side_sql(first: u64, rows: u64, head: bool) -> String {
    let amount = if head {
        "if(number % 100 = 0, number % 100000 + 1, number % 100000)"
    } else {
        "number % 100000"
    };
    format!(
        "SELECT toInt64(number) AS id, concat('user', toString(number % 50000), '@example.com') AS email,
                ['US', 'DE', 'FR', 'GB'][number % 4 + 1] AS country,
                toInt64({amount}) AS amount,
                ['shipped', 'pending', 'delivered'][number % 3 + 1] AS status
         FROM (SELECT number FROM system.numbers WHERE number >= {first} LIMIT {rows})"
    )
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let Some((rows, url, sandbox, warehouse)) = workload::scale_run("diff") else {
        return;
    };
    let started = Instant::now();
    for (relation, first, head) in [("silver.base", 0, false), ("silver.head", SHIFT, true)] {
        if let Err(e) = warehouse.materialize(relation, &side_sql(first, rows, head), BuildForm::Table) {
            eprintln!("clickhouse_diff: building {relation} failed: {e}");
            return;
        }
    }
    let built = started.elapsed();
    let started = Instant::now();
    let diff = compare(
        &warehouse,
        &DiffRequest {
            base: "silver.base".into(),
            head: "silver.head".into(),
            key: vec!["id".into()],
            masked: vec!["email".into()],
            samples: 5,
            min_parts: 1,
        },
    );
    let took = started.elapsed();
    // The truth: ids SHIFT..rows are on both sides; those divisible by 100 changed.
    let both = rows - SHIFT;
    let changed = (SHIFT..rows).filter(|n| n % 100 == 0).count() as u64;
    let truth = (SHIFT, SHIFT, changed, both - changed);
    match diff {
        Ok(d) => {
            let k = d.keyed.expect("keyed");
            let got = (k.only_in_base, k.only_in_head, k.changed, k.unchanged);
            println!(
                "{rows} rows a side on {url}: built in {:.1} s, diffed in {:.1} s — removed {}, added {}, changed {}, unchanged {} ({})",
                built.as_secs_f64(),
                took.as_secs_f64(),
                got.0,
                got.1,
                got.2,
                got.3,
                if got == truth { "as generated".to_string() } else { format!("NOT as generated: {truth:?}") }
            );
        }
        Err(e) => println!(
            "{rows} rows a side on {url}: the diff failed after {:.1} s: {e}",
            took.as_secs_f64()
        ),
    }
    workload::print_peak_memory(&warehouse, &sandbox);
}
