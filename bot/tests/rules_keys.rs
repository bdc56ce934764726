//! The rules drafter's key on a change-data export: every record replayed one to four
//! times, so its identifier is about 40 % distinct, beside a foreign key that repeats
//! as often. The product's own identifier is the key when a time column orders the
//! versions, and each record's latest version reaches silver; without such a column
//! the repeats are not taken for versions.

use std::collections::BTreeMap;
use std::fmt::Write;
use support::{build_drafted, promote_bronze_csv};

// The shared helpers; this file needs only the promotion.
#[allow(dead_code)]
mod support;

/// 200 tickets, each written 1..=4 times with a later `updated_at` and a new status,
/// and the status each ticket's latest version has.
fn replayed(with_time: bool) -> (String, BTreeMap<String, String>) {
    let mut csv = String::from(if with_time {
        "ticket_id,customer_id,status,updated_at\n"
    } else {
        "ticket_id,customer_id,status\n"
    });
    let mut latest = BTreeMap::new();
    let statuses = ["open", "pending", "solved", "closed"];
    let mut lines = Vec::new();
    for t in 0..200u32 {
        let versions = 1 + (t * 7 + t / 3) % 4;
        for v in 0..versions {
            let status = statuses[((t + v) % 4) as usize];
            let time = format!("2026-03-{:02} 1{}:00:00", 1 + t % 28, v);
            let line = if with_time {
                format!("T{t:05},C{:03},{status},{time}", t % 60)
            } else {
                format!("T{t:05},C{:03},{status}", t % 60)
            };
            lines.push(line);
            latest.insert(format!("T{t:05}"), status.to_string());
        }
    }
    // Exports are not in time order.
    lines.sort_by_key(|l| {
        l.bytes()
            .rev()
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64))
    });
    for l in lines {
        let _ = writeln!(csv, "{l}");
    }
    (csv, latest)
}

fn promote(csv: &str) -> (tempfile::TempDir, hallmark::agent::job::Promotion) {
    let dir = tempfile::tempdir().unwrap();
    let p = promote_bronze_csv(dir.path(), "tickets", csv, "# Standards\n", "support@example.com");
    (dir, p)
}

/// The product's (ticket_id, status) rows, built by a DuckDB connection of the test's own.
fn product_rows(root: &std::path::Path, sql: &str) -> Vec<(String, String)> {
    let conn = build_drafted(root, "tickets", sql);
    let mut stmt = conn
        .prepare("SELECT ticket_id, status FROM product ORDER BY 1, 2")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_replayed_identifier_is_the_key_when_a_time_orders_its_versions() {
    let (csv, latest) = replayed(true);
    let rows_in = csv.lines().count() - 1;
    assert!(
        200.0 / (rows_in as f64) < 0.45,
        "the export replays enough: {rows_in} rows"
    );
    let (dir, p) = promote(&csv);
    let spec = p.files.get("products/tickets/silver.yml").unwrap();
    assert!(spec.contains("primary_key:\n- ticket_id"), "{spec}");
    let plan = p.files.get("products/tickets/PROMOTION.md").unwrap();
    assert!(
        plan.contains("are read as versions of one record (the latest wins)"),
        "{plan}"
    );
    assert!(p.all_pass(), "{plan}");
    let rows = product_rows(dir.path(), p.files.get("products/tickets/silver.sql").unwrap());
    let expected: Vec<(String, String)> = latest.into_iter().collect();
    assert_eq!(rows, expected);
}

#[test]
fn without_a_time_to_order_them_repeats_are_not_taken_for_versions() {
    let (csv, _) = replayed(false);
    let (_dir, p) = promote(&csv);
    let spec = p.files.get("products/tickets/silver.yml").unwrap();
    assert!(!spec.contains("primary_key:\n- ticket_id"), "{spec}");
    let plan = p.files.get("products/tickets/PROMOTION.md").unwrap();
    assert!(plan.contains("Key: none found"), "{plan}");
}
