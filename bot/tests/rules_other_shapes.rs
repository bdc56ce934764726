//! The rules drafter on a bronze set shaped nothing like the retail example: camelCase
//! headers, epoch and offset timestamps, euro amounts with the symbol in front or the
//! code behind, upper-case carrier codes, a different team's standards (money as
//! `decimal(38,4)`, codes in upper case). The drafted product must lint, build and
//! check, and the test names which standards pass.

use hallmark::agent::context::PromotionRequest;
use hallmark::git::init_repository;
use hallmark_checks::{Level, Status};
use std::fmt::Write;
use support::{commit_checkout_and_check, promote_with_rules, statuses};

// The shared helpers; this file needs only some of them.
#[allow(dead_code)]
mod support;

const STANDARDS: &str = r#"# Logistics standards

## DQ-1 Keys hold
Applies to: silver

```rule
check: primary_key
```

## DQ-2 Names are snake_case
Applies to: silver

```rule
check: { column_name_pattern: { regex: "[a-z][a-z0-9_]*" } }
```

## DQ-3 Money has four decimals
Applies to: silver

```rule
columns: { tag: currency }
type: decimal(38,4)
check: { range: { min: 0 } }
```

## DQ-4 Carriers are known
Applies to: silver

```rule
columns: { tag: category }
check: { accepted_values: { values: [DHL, UPS, FEDEX] } }
```

## DQ-5 Destinations are ISO codes
Applies to: silver

```rule
columns: { tag: country }
check: { pattern: { regex: "[A-Z]{2}" } }
```

## DQ-6 Contact addresses are lower case
Applies to: silver

```rule
columns: { tag: email }
check: { pattern: { regex: "[a-z0-9._+-]+@[a-z0-9.-]+" } }
```

## DQ-7 Times are timestamps, never in the future
Applies to: silver

```rule
columns: { tag: event_time }
type: timestamp
check: no_future_timestamps
```

## DQ-8 Documented
Applies to: silver

```rule
check: documented
```

## DQ-9 Owned
Applies to: silver

```rule
check: owner_present
```

## DQ-10 Nothing lost in dedup
Applies to: silver

```rule
check: { row_count_reconciliation: { tolerance: 0.0 } }
```

## DQ-11 Weights are positive
Applies to: silver

```rule
columns: { name: "*_kg" }
check: { range: { min: 0 } }
```

## DQ-12 Carrier contracts are referenced
Applies to: silver

A person checks that each carrier has a contract on file.
"#;

/// A small deterministic generator (64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn shipments_csv(rows: usize) -> String {
    let mut rng = Lcg(7);
    let mut out =
        String::from("ShipmentId,carrierCode,destination,weightKg,declaredValue,shippedAt,lastModified,contactEmail\n");
    let countries = [
        "germany",
        "DE",
        "Deutschland",
        "France",
        "fr",
        "Spain",
        "ES",
        "Netherlands",
        "nl",
    ];
    let carriers = ["DHL", "ups", "FedEx", " DHL", "UPS"];
    for i in 0..rows {
        // Every 50th shipment is sent twice, the later copy last modified later.
        let id = if i % 50 == 49 { i - 1 } else { i };
        let key = if i % 97 == 13 {
            String::new()
        } else {
            format!("S-{id:06}")
        };
        let shipped = 1_700_000_000 + rng.next(20_000_000);
        let shipped_text = if rng.next(2) == 0 {
            shipped.to_string()
        } else {
            chrono::DateTime::from_timestamp(shipped as i64, 0)
                .unwrap()
                .with_timezone(&chrono::FixedOffset::east_opt(2 * 3600).unwrap())
                .format("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        };
        let value = rng.next(500_000) as f64 / 100.0;
        let value_text = if rng.next(2) == 0 {
            format!("€{value:.2}")
        } else {
            format!("{value:.2} EUR")
        };
        let modified = chrono::DateTime::from_timestamp((shipped + 3600 + i as u64) as i64, 0)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ");
        let _ = writeln!(
            out,
            "{key},{},{},{}.{},{value_text},{shipped_text},{modified},Contact.{i}@Logistics.example",
            carriers[rng.next(carriers.len() as u64) as usize],
            countries[rng.next(countries.len() as u64) as usize],
            1 + rng.next(40),
            rng.next(10),
        );
    }
    out
}

#[test]
fn a_differently_shaped_source_lints_builds_and_checks() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("data_standards.md"), STANDARDS).unwrap();
    std::fs::create_dir_all(root.join("landing")).unwrap();
    let csv = shipments_csv(3_000);
    std::fs::write(root.join("landing/shipments.csv"), &csv).unwrap();
    let distinct_keys = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next().filter(|k| !k.is_empty()))
        .collect::<std::collections::HashSet<_>>()
        .len();
    init_repository(root, "logistics").unwrap();

    let request = PromotionRequest {
        source: "landing/shipments.csv".into(),
        level: Level::Silver,
        product: None,
        text: "Shipments for the carrier dashboard.".into(),
        owner: Some("logistics-data@example.com".into()),
    };
    let p = promote_with_rules(root, &request).unwrap_or_else(|e| panic!("{e}"));
    let status = statuses(&p);
    let plan = p.files.get("products/shipments/PROMOTION.md").unwrap();
    for id in [
        "DQ-1", "DQ-2", "DQ-3", "DQ-4", "DQ-5", "DQ-6", "DQ-7", "DQ-8", "DQ-9", "DQ-10", "DQ-11",
    ] {
        assert_eq!(status.get(id), Some(&Status::Pass), "{id}: {status:?}\n{plan}");
    }
    assert_eq!(status.get("DQ-12"), Some(&Status::Manual));

    // The drafter followed this team's standards, not the retail ones.
    let spec = p.files.get("products/shipments/silver.yml").unwrap();
    assert!(
        spec.contains("name: shipment_id") && spec.contains("type: decimal(38,4)"),
        "{spec}"
    );
    let sql = p.files.get("products/shipments/silver.sql").unwrap();
    assert!(sql.contains("upper("), "{sql}");

    // On the branch, the product lints, builds and checks like any hand-written one.
    let (list, _) = commit_checkout_and_check(root, &p);
    assert!(list.passed(), "{list:#?}");
    assert_eq!(
        list.products[0].rows,
        Some(distinct_keys as u64),
        "one row per distinct non-null key"
    );
    assert!(distinct_keys < 2_950, "the data really has duplicates and null keys");
}
