//! The rules drafter's revisions, end to end: a failing check steers the next round.
//! Case variants of a code are normalized (measured on every row first) instead of set
//! aside; a quarantining standard holds back only the rows no spelling rescues; a
//! normalization that would make a passing value fail is never taken; and when
//! nothing new can be tried the loop stops saying what it measured. The drafted SQL is
//! run on a plain DuckDB connection of the test's own and compared row by row with
//! the truth the generator wrote.

use hallmark::agent::job::Promotion;
use hallmark_checks::Status;
use std::collections::BTreeMap;
use std::fmt::Write;
use support::{build_drafted, promote_bronze_csv, statuses};

// The shared helpers; this file needs only some of them.
#[allow(dead_code)]
mod support;

const STANDARDS: &str = r#"# Operations standards

## OPS-1 Cost centers are codes
Applies to: silver

```rule
columns: { name: cost_center }
check: { pattern: { regex: "CC-[0-9]{4}" } }
```

## OPS-2 Depots are three-letter codes, else the row is held back
Applies to: silver

```rule
columns: { name: depot }
check: { pattern: { regex: "[A-Z]{3}" } }
quarantine: true
```

## OPS-3 Lots are a lower-case a or an upper-case B with a number
Applies to: silver

```rule
columns: { name: lot }
check: { pattern: { regex: "(a[0-9]+|B[0-9]+)" } }
```
"#;

/// One bronze row and what silver must make of it.
struct Truth {
    cost_center: String,
    /// `None`: the row belongs in the quarantine.
    depot: Option<String>,
    lot: Option<String>,
}

/// 400 tickets: cost centers in upper case, some lower or mixed case with stray
/// spaces; depots in upper or lower case, every 50th a name no spelling makes a code
/// of; lots right but for two whose case is wrong in a way no one case fixes.
fn tickets() -> (String, BTreeMap<String, Truth>) {
    let mut csv = String::from("ticket_id,cost_center,depot,lot\n");
    let mut truth = BTreeMap::new();
    let depots = ["BER", "PAR", "MAD", "OSL"];
    for i in 0..400 {
        let id = format!("T-{i:04}");
        let code = format!("CC-{:04}", 1000 + (i * 37) % 60);
        let cost_center = match i % 5 {
            0 => code.to_lowercase(),
            1 => format!("  Cc-{}  ", &code[3..]),
            _ => code.clone(),
        };
        let depot_code = depots[i % depots.len()];
        let (depot, depot_truth) = match i {
            i if i % 50 == 7 => ("Berlin Süd".to_string(), None),
            i if i % 3 == 0 => (depot_code.to_lowercase(), Some(depot_code.to_string())),
            _ => (depot_code.to_string(), Some(depot_code.to_string())),
        };
        let (lot, lot_truth) = match i {
            101 => ("A12".to_string(), None),
            202 => ("b7".to_string(), None),
            i if i % 2 == 0 => (format!("a{}", i % 40), Some(format!("a{}", i % 40))),
            i => (format!("B{}", i % 40), Some(format!("B{}", i % 40))),
        };
        let _ = writeln!(csv, "{id},{cost_center},{depot},{lot}");
        truth.insert(
            id,
            Truth {
                cost_center: code,
                depot: depot_truth,
                lot: lot_truth,
            },
        );
    }
    (csv, truth)
}

/// Promotes `csv` as `bronze/tickets.csv` under `standards`.
fn promote(csv: &str, standards: &str) -> (tempfile::TempDir, Promotion) {
    let dir = tempfile::tempdir().unwrap();
    let p = promote_bronze_csv(dir.path(), "tickets", csv, standards, "ops@example.com");
    (dir, p)
}

/// Runs the drafted product's and quarantine's SQL on a connection of the test's own:
/// the product's rows by key (`columns` as text), and the quarantined keys.
fn built(
    root: &std::path::Path,
    p: &Promotion,
    columns: &[&str],
) -> (BTreeMap<String, Vec<Option<String>>>, Vec<String>) {
    let sql = p.files.get("products/tickets/silver.sql").unwrap();
    let quarantine = p.files.get("products/tickets/silver.quarantine.sql");
    let conn = build_drafted(root, "tickets", sql);
    let select: Vec<String> = columns.iter().map(|c| format!("CAST(\"{c}\" AS VARCHAR)")).collect();
    let mut stmt = conn
        .prepare(&format!("SELECT ticket_id, {} FROM product", select.join(", ")))
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            let key: String = r.get(0)?;
            let values = (1..=columns.len())
                .map(|i| r.get::<_, Option<String>>(i))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((key, values))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let held = match quarantine {
        Some(q) => {
            let mut stmt = conn
                .prepare(&format!("SELECT ticket_id FROM ({q}) ORDER BY 1"))
                .unwrap();
            stmt.query_map([], |r| r.get::<_, String>(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        }
        None => Vec::new(),
    };
    (rows, held)
}

#[test]
fn case_variants_are_normalized_and_only_what_no_spelling_rescues_is_held_or_set_aside() {
    let (csv, truth) = tickets();
    let (dir, p) = promote(&csv, STANDARDS);
    let plan = p.files.get("products/tickets/PROMOTION.md").unwrap();
    let status = statuses(&p);
    for id in ["OPS-1", "OPS-2", "OPS-3"] {
        assert_eq!(status.get(id), Some(&Status::Pass), "{id}\n{plan}");
    }
    assert!(p.all_pass(), "{plan}");
    // Round 1 fails the cost centers' pattern; round 2 upper-cases them.
    assert_eq!(p.rounds.len(), 2, "{:?}", p.rounds);
    assert!(
        p.rounds[0].outcome.contains("OPS-1 pattern on cost_center"),
        "{:?}",
        p.rounds
    );
    assert!(
        plan.contains("`cost_center` is normalized (upper case): 160 of the 160 values that failed OPS-1 (pattern) pass that way and none that passed fails"),
        "{plan}"
    );
    // The depots were normalized before the first draft held anything back.
    assert!(plan.contains("`depot` is normalized (upper case)"), "{plan}");
    // No single case fixes a lot without breaking another: the two are set aside.
    assert!(!plan.contains("`lot` is normalized"), "{plan}");
    assert!(plan.contains("`lot_nonconforming`"), "{plan}");

    let (rows, held) = built(dir.path(), &p, &["cost_center", "depot", "lot"]);
    let mut wrong = Vec::new();
    for (key, t) in &truth {
        match (&t.depot, rows.get(key)) {
            (None, None) => assert!(held.contains(key), "{key} is neither in silver nor held back"),
            (None, Some(_)) => wrong.push(format!("{key}: reached silver, should be held back")),
            (Some(_), None) => wrong.push(format!("{key}: missing from silver (held: {})", held.contains(key))),
            (Some(depot), Some(values)) => {
                let expected = [Some(t.cost_center.clone()), Some(depot.clone()), t.lot.clone()];
                if values.as_slice() != expected {
                    wrong.push(format!("{key}: {values:?}, expected {expected:?}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{} wrong rows: {wrong:#?}\n{plan}", wrong.len());
    assert_eq!(
        held.len(),
        8,
        "only the eight depots named as places are held: {held:?}"
    );
}

#[test]
fn a_key_no_spelling_fixes_stops_the_loop_with_what_was_tried() {
    let (csv, _) = tickets();
    let csv = csv.replace("T-0042,", "ticket 42,").replace("T-0043,", "#43,");
    let standards = format!(
        "{STANDARDS}\n## OPS-4 Ticket ids are T- and four digits\nApplies to: silver\n\n```rule\ncolumns: {{ name: ticket_id }}\ncheck: {{ pattern: {{ regex: \"T-[0-9]{{4}}\" }} }}\n```\n"
    );
    let (_dir, p) = promote(&csv, &standards);
    let stopped = p.stopped.as_deref().unwrap_or_default();
    assert!(
        stopped.contains(
            "OPS-4 pattern on ticket_id: no spelling makes its values pass, and a key's values cannot be set aside"
        ),
        "{stopped}"
    );
    let plan = p.files.get("products/tickets/PROMOTION.md").unwrap();
    assert!(plan.contains("a key's values cannot be set aside"), "{plan}");
    assert!(!p.all_pass());
}

#[test]
fn values_no_typed_reading_reads_stop_the_loop_with_the_readings_measured() {
    let mut csv = String::from("ticket_id,shipped_on\n");
    for i in 0..300 {
        let day = if i % 25 == 3 {
            "after the audit".to_string()
        } else {
            format!("2026-0{}-{:02}", 1 + i % 9, 1 + i % 28)
        };
        let _ = writeln!(csv, "T-{i:04},{day}");
    }
    let (_dir, p) = promote(&csv, "# Standards\n");
    let stopped = p.stopped.as_deref().unwrap_or_default();
    assert!(
        stopped.contains("hallmark kept_values on shipped_on: no typed reading reads more of bronze `shipped_on` than timestamp (2024-05-31) (288 of 300 values (96.0%)); no other reading fits"),
        "{stopped}"
    );
    assert_eq!(p.rounds.len(), 1, "{:?}", p.rounds);
}
