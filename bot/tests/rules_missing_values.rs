//! Placeholders for "no value" in typed columns: `-999` among temperatures and
//! `1900-01-01` among installation dates become NULL, the spec declares them in its
//! source's `missing_values`, and the kept-values guard says how many it did not
//! count. A `-999` that appears once, or that lies among the other values (a depth),
//! is a value and is kept.

use hallmark_checks::warehouse::Warehouse;
use hallmark_checks::Status;
use std::fmt::Write;
use support::{commit_checkout_and_check, promote_bronze_csv};

// The shared helpers; this file needs only some of them.
#[allow(dead_code)]
mod support;

/// Per reading id, the temperature and installation date silver must hold.
type Truth = Vec<(String, Option<String>, Option<String>)>;

/// 300 readings: the CSV and its truth.
fn readings() -> (String, Truth) {
    let mut csv = String::from("reading_id,temperature,installed_on,pressure,depth_m\n");
    let mut truth = Vec::new();
    for i in 0..300u32 {
        let id = format!("R{i:04}");
        let (temperature, t_truth) = if i % 100 == 7 {
            ("-999".to_string(), None)
        } else {
            let t = format!("{}.{}", (i * 7) % 65, i % 10);
            let signed = if i % 4 == 0 { format!("-{t}") } else { t };
            (signed.clone(), Some(signed))
        };
        let (installed, d_truth) = if i % 100 == 11 {
            ("1900-01-01".to_string(), None)
        } else {
            let d = format!("20{:02}-{:02}-{:02}", 15 + i % 10, 1 + i % 12, 1 + i % 28);
            (d.clone(), Some(d))
        };
        // One -999 in pressure (no convention), and -999 among depths of -1200..0.
        let pressure = if i == 150 {
            "-999".to_string()
        } else {
            format!("{}", 990 + i % 40)
        };
        let depth = if i % 50 == 3 {
            "-999".to_string()
        } else {
            format!("-{}", (i * 4) % 1200)
        };
        let _ = writeln!(csv, "{id},{temperature},{installed},{pressure},{depth}");
        truth.push((id, t_truth, d_truth));
    }
    (csv, truth)
}

#[test]
fn placeholders_are_null_declared_and_counted_apart() {
    let (csv, truth) = readings();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let p = promote_bronze_csv(root, "readings", &csv, "# Standards\n", "lab@example.com");
    // The bronze file and the standards as the repository's first commit.
    hallmark::git::init_repository(root, "lab").unwrap();
    let plan = p.files.get("products/readings/PROMOTION.md").unwrap();
    assert!(p.all_pass(), "{plan}");
    let spec = p.files.get("products/readings/silver.yml").unwrap();
    assert!(
        spec.contains("missing_values:\n    installed_on:\n    - 1900-01-01\n    temperature:\n    - '-999'"),
        "{spec}"
    );
    assert!(!spec.contains("pressure:\n    -"), "{spec}");
    assert!(
        plan.contains("`temperature`: `-999` (3 rows) stands for no value"),
        "{plan}"
    );
    assert!(
        plan.contains("`installed_on`: `1900-01-01` (3 rows) stands for no value"),
        "{plan}"
    );

    // Built from the committed files, as `hallmark check` builds it.
    let (list, wh) = commit_checkout_and_check(root, &p);
    assert!(list.passed(), "{list:#?}");
    let kept = list.products[0]
        .results
        .iter()
        .find(|r| r.check == "kept_values" && r.columns == ["temperature"])
        .expect("a line says what was not counted");
    assert_eq!(kept.status, Status::Pass);
    assert!(
        kept.figure
            .contains("3 bronze values written `-999` are declared missing in the spec"),
        "{}",
        kept.figure
    );
    let rows = wh
        .query(
            hallmark_checks::warehouse::QueryKind::Agent,
            "SELECT reading_id, CAST(temperature AS VARCHAR) AS t, strftime(installed_on, '%Y-%m-%d') AS d, CAST(pressure AS VARCHAR) AS p, CAST(depth_m AS VARCHAR) AS m FROM silver.readings ORDER BY 1",
        )
        .unwrap();
    assert_eq!(rows.rows.len(), 300);
    for (row, (id, t, d)) in rows.rows.iter().zip(&truth) {
        let text = |i: usize| row[i].as_str().map(str::to_string);
        assert_eq!(text(0).as_deref(), Some(id.as_str()));
        assert_eq!(
            text(1).map(|v| v.parse::<f64>().unwrap()),
            t.as_ref().map(|v| v.parse::<f64>().unwrap()),
            "{id}"
        );
        assert_eq!(&text(2), d, "{id}");
    }
    let value = |id: &str, col: usize| {
        rows.rows
            .iter()
            .find(|r| r[0].as_str() == Some(id))
            .and_then(|r| r[col].as_str().map(|v| v.parse::<f64>().unwrap()))
    };
    assert_eq!(value("R0150", 3), Some(-999.0), "a lone -999 is a value");
    assert_eq!(value("R0003", 4), Some(-999.0), "-999 among depths is a depth");
}
