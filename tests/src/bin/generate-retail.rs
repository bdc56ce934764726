//! Writes the `examples/retail` bronze files from the deterministic generator.

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/retail/bronze");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("orders.csv"), hallmark_tests::retail::orders_csv())?;
    std::fs::write(dir.join("customers.csv"), hallmark_tests::retail::customers_csv())?;
    eprintln!("wrote {}", dir.display());
    Ok(())
}
