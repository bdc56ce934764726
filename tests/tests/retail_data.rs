//! The committed example data is exactly what the deterministic generator makes, so
//! anyone can regenerate it and review a change to it as a change to the generator.

use std::path::Path;

#[test]
fn committed_bronze_files_match_the_generator() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/retail/bronze");
    let orders = std::fs::read_to_string(dir.join("orders.csv")).unwrap();
    let customers = std::fs::read_to_string(dir.join("customers.csv")).unwrap();
    assert!(
        orders == hallmark_tests::retail::orders_csv(),
        "orders.csv differs: run `cargo run -p hallmark-tests --bin generate-retail`"
    );
    assert!(
        customers == hallmark_tests::retail::customers_csv(),
        "customers.csv differs: regenerate it"
    );
}

#[test]
fn the_example_is_messy_in_the_ways_it_promises() {
    let orders = hallmark_tests::retail::orders_csv();
    let mut lines = orders.lines();
    let header = lines.next().unwrap();
    assert!(
        header.contains("Order ID") && header.contains("customer id"),
        "mixed-case headers with spaces"
    );
    let rows: Vec<&str> = lines.collect();
    assert!(
        rows.len() > hallmark_tests::retail::ORDERS,
        "duplicate order versions are mixed in"
    );
    assert!(rows.iter().any(|r| r.starts_with(',')), "some orders have no id");
    assert!(
        rows.iter().any(|r| r.contains("+02:00")) && rows.iter().any(|r| r.contains("-0500")),
        "several time zones"
    );
    assert!(
        rows.iter().any(|r| r.contains('$')) && rows.iter().any(|r| r.contains('€')),
        "currency symbols"
    );
    assert!(
        rows.iter().any(|r| r.contains("United States")) && rows.iter().any(|r| r.contains(",US,")),
        "names and codes"
    );
    let size = orders.len() + hallmark_tests::retail::customers_csv().len();
    assert!(size < 2 * 1024 * 1024, "the example stays under 2 MB, is {size} bytes");
}
