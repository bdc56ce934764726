//! Units of measure in the rules drafter: a measure whose name states its unit is
//! converted row by row from the unit its `unit` column names, and a number whose name
//! says nothing of what it measures is never converted, whatever unit column stands
//! beside it. The drafted SQL is run on a plain DuckDB connection of the test's own.

use support::{build_drafted, promote_bronze_csv};

// The shared helpers; this file needs only the promotion.
#[allow(dead_code)]
mod support;

/// Promotes `csv` as `bronze/readings.csv` and returns each row of the drafted product
/// as text, ordered by its first column, with `PROMOTION.md`.
fn promote_and_read(csv: &str, columns: &[&str]) -> (Vec<Vec<Option<String>>>, String) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let p = promote_bronze_csv(root, "readings", csv, "# Standards\n", "lab@example.com");
    let sql = p.files.get("products/readings/silver.sql").unwrap();
    let plan = p.files.get("products/readings/PROMOTION.md").unwrap().to_string();
    let conn = build_drafted(root, "readings", sql);
    let select: Vec<String> = columns.iter().map(|c| format!("CAST(\"{c}\" AS VARCHAR)")).collect();
    let mut stmt = conn
        .prepare(&format!("SELECT {} FROM product ORDER BY 1", select.join(", ")))
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            (0..columns.len()).map(|i| r.get::<_, Option<String>>(i)).collect()
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    (rows, plan)
}

#[test]
fn a_measure_named_for_its_unit_is_converted_row_by_row() {
    let (rows, plan) = promote_and_read(
        "reading_id,temperature_c,unit\n1,21.5,°C\n2,212,degF\n3,-40,F\n4,0,celsius\n5,10,\n",
        &["reading_id", "temperature_c", "unit"],
    );
    let some = |v: &str| Some(v.to_string());
    assert_eq!(
        rows,
        [
            [some("1"), some("21.5000"), some("°C")],
            [some("2"), some("100.0000"), some("°C")],
            [some("3"), some("-40.0000"), some("°C")],
            [some("4"), some("0.0000"), some("°C")],
            [some("5"), some("10.0000"), some("°C")],
        ]
    );
    assert!(plan.contains("`temperature_c` is in °C, as its name says"), "{plan}");
}

#[test]
fn a_number_that_says_nothing_of_what_it_measures_is_never_converted() {
    let (rows, plan) = promote_and_read(
        "reading_id,quantity,unit\n1,3,°F\n2,5,°C\n3,7,F\n",
        &["reading_id", "quantity", "unit"],
    );
    let some = |v: &str| Some(v.to_string());
    assert_eq!(
        rows,
        [
            [some("1"), some("3"), some("°F")],
            [some("2"), some("5"), some("°C")],
            [some("3"), some("7"), some("°F")],
        ]
    );
    assert!(!plan.contains("converted"), "{plan}");
}
