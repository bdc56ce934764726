//! `hallmark diff` on a real git repository holding the example: a change that drops
//! every order whose id ends in 7 and lower-cases the currency is diffed by key on
//! DuckDB and on ClickHouse, and the counts are those of the bronze file (a removed
//! key per such id, every other order changed in `currency` alone).

use hallmark_tests::local_repo::{copy, example, git};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The distinct order ids of the bronze file, those ending in 7, and the distinct
/// currencies (trimmed, upper case) of rows with an id.
fn truth() -> (u64, u64, u64) {
    let text = std::fs::read_to_string(example().join("bronze/orders.csv")).unwrap();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| !f[0].trim().is_empty())
        .collect();
    let ids: std::collections::BTreeSet<&str> = rows.iter().map(|f| f[0].trim()).collect();
    // Amounts like "$1,627.72" are quoted and hold a comma: the currency is the fourth
    // field from the end.
    let currencies: std::collections::BTreeSet<String> =
        rows.iter().map(|f| f[f.len() - 4].trim().to_uppercase()).collect();
    (
        ids.len() as u64,
        ids.iter().filter(|id| id.ends_with('7')).count() as u64,
        currencies.len() as u64,
    )
}

/// The example committed, then its orders SQL (both dialects) changed and committed.
fn repository(dir: &Path, clickhouse: bool) -> PathBuf {
    let root = dir.join("repo");
    copy(&example(), &root);
    if clickhouse {
        std::fs::copy(root.join("clickhouse.hallmark.yml"), root.join(".hallmark.yml")).unwrap();
    }
    // A gold product on the orders, keyed by its grain, unchanged itself.
    std::fs::create_dir_all(root.join("products/by_currency")).unwrap();
    std::fs::write(
        root.join("products/by_currency/gold.yml"),
        "name: by_currency\nlevel: gold\nowner: team@example.com\nsources:\n  - name: silver.orders\nprimary_key: [currency]\ncolumns:\n  - { name: currency, type: varchar, description: The currency }\n  - { name: orders, type: bigint, description: Orders in it }\n",
    )
    .unwrap();
    std::fs::write(
        root.join("products/by_currency/gold.sql"),
        "SELECT currency, count(*) AS orders FROM silver.orders GROUP BY currency\n",
    )
    .unwrap();
    git(&root, &["init", "-q", "-b", "main"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-qm", "base"]);
    let drop_sevens = |sql: &str, clickhouse: bool| {
        let sql = sql.trim_end().trim_end_matches(';');
        if clickhouse {
            format!("{sql}\nWHERE NOT (order_id LIKE '%7')\n")
        } else {
            assert!(sql.ends_with("WHERE version = 1"), "{sql}");
            format!("{sql} AND NOT (order_id LIKE '%7')\n")
        }
    };
    for (file, currency, on_clickhouse) in [
        ("silver.sql", "upper(trim(\"Currency\"))", false),
        (
            "silver.clickhouse.sql",
            "upper(replaceRegexpAll(`Currency`, '^\\\\s+|\\\\s+$', ''))",
            true,
        ),
    ] {
        let path = root.join("products/orders").join(file);
        let sql = std::fs::read_to_string(&path).unwrap();
        assert!(sql.contains(currency), "{file}: {currency}");
        let lowered = sql.replacen(currency, &currency.replacen("upper(", "lower(", 1), 1);
        std::fs::write(&path, drop_sevens(&lowered, on_clickhouse)).unwrap();
    }
    git(&root, &["commit", "-qam", "head"]);
    root
}

fn diff(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hallmark"))
        .arg("diff")
        .arg(root)
        .args(["--base", "HEAD~1"])
        .args(args)
        .env("HALLMARK_CLICKHOUSE_PASSWORD", "hallmark-dev")
        .output()
        .unwrap()
}

fn counts_match_the_bronze_file(clickhouse: bool) {
    let dir = tempfile::tempdir().unwrap();
    let root = repository(dir.path(), clickhouse);
    let (ids, sevens, currencies) = truth();
    let out = diff(&root, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let products = doc["products"].as_array().unwrap();
    let names: Vec<&str> = products.iter().map(|p| p["product"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["silver.orders", "gold.by_currency"],
        "the changed product and the gold product on it: {doc:#}"
    );
    // Gold by its grain: every currency is spelled in lower case now, so each key of
    // the base is gone and one of the head is new.
    let gold = &products[1]["diff"]["keyed"];
    assert_eq!(
        (gold["only_in_base"].as_u64(), gold["only_in_head"].as_u64()),
        (Some(currencies), Some(currencies)),
        "{gold:#}"
    );
    let keyed = &products[0]["diff"]["keyed"];
    assert_eq!(keyed["only_in_base"], sevens, "{keyed:#}");
    assert_eq!(keyed["only_in_head"], 0);
    assert_eq!(keyed["changed"], ids - sevens);
    assert_eq!(keyed["unchanged"], 0);
    let columns = products[0]["diff"]["columns"].as_array().unwrap();
    let changed = |name: &str| columns.iter().find(|c| c["name"] == name).unwrap()["values_changed"].clone();
    assert_eq!(changed("currency"), ids - sevens);
    assert_eq!(changed("amount"), 0);
    assert_eq!(changed("status"), 0);

    let out = diff(&root, &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "0 added · {} removed · {} changed · 0 unchanged (by `order_id`)",
            hallmark_checks::scan::thousands(sevens),
            hallmark_checks::scan::thousands(ids - sevens)
        )),
        "{text}"
    );
    assert!(text.contains("| `currency` |"), "{text}");
}

#[test]
fn a_change_is_diffed_by_key_on_duckdb() {
    counts_match_the_bronze_file(false);
}

#[test]
fn a_change_is_diffed_by_key_on_clickhouse() {
    let up = std::net::TcpStream::connect("127.0.0.1:8123").is_ok();
    if !up {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "CI=true but no ClickHouse server answers; .ci/run starts one"
        );
        eprintln!("skipped: no ClickHouse server answers (scripts/clickhouse-server.sh starts one)");
        return;
    }
    counts_match_the_bronze_file(true);
}

#[test]
fn a_bad_revision_and_an_unknown_product_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let root = repository(dir.path(), false);
    let out = Command::new(env!("CARGO_BIN_EXE_hallmark"))
        .args(["diff", root.to_str().unwrap(), "--base", "no-such-branch"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read no-such-branch"));
    let out = diff(&root, &["--product", "nothing"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no product `nothing`"));
}
