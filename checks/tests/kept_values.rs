//! The kept-values guard and missing-value markers: where the product column is a
//! number, a time or a flag, bronze's `N/A`, `#N/A`, `-`... are no values, so reading
//! them as NULL loses nothing; where it is text they may be data (`NA` is Namibia), and
//! dropping them still counts as lost.

mod support;

use hallmark_checks::Status;
use support::{Backend, Repo};

fn kept(b: Backend, column: &str, ty: &str, sql: &str) -> Option<(Status, Option<u64>)> {
    let repo = Repo::on(b);
    let mut csv = String::from("Id,Amount,Country\n");
    for i in 0..100 {
        let (amount, country) = match i % 10 {
            0 => ("N/A", "NA"),
            1 => ("#N/A", "NA"),
            2 => (" - ", "NA"),
            _ => ("12.50", "DE"),
        };
        csv.push_str(&format!("{i},{amount},{country}\n"));
    }
    repo.write("bronze/src.csv", &csv);
    repo.standard("check: { row_count: { min: 1 } }");
    repo.product(
        &format!("  - {{ name: id, type: varchar, description: Id }}\n  - {{ name: {column}, type: {ty}, description: X }}\n"),
        &["id"],
        sql,
    );
    let (list, _) = repo.check();
    assert_eq!(list.products[0].error, None, "the product builds");
    list.products[0]
        .results
        .iter()
        .find(|r| r.check == "kept_values")
        .map(|r| (r.status, r.failing))
}

fn markers_in_a_typed_column_are_not_lost_values(b: Backend) {
    let cast = match b {
        Backend::DuckDb => "TRY_CAST(trim(\"Amount\") AS DECIMAL(18,2))",
        Backend::ClickHouse => {
            "toDecimal64(toFloat64OrNull(replaceRegexpAll(assumeNotNull(\"Amount\"), '^\\\\s+|\\\\s+$', '')), 2)"
        }
    };
    let sql = format!("SELECT \"Id\" AS id, {cast} AS amount FROM bronze.src");
    assert_eq!(kept(b, "amount", "'decimal(18,2)'", &sql), None, "nothing was lost");
    // The same SQL losing real values too is still caught.
    let lossy = format!(
        "SELECT \"Id\" AS id, CASE WHEN \"Id\" IN ('3', '4', '5') THEN NULL ELSE {cast} END AS amount FROM bronze.src"
    );
    let (status, failing) = kept(b, "amount", "'decimal(18,2)'", &lossy).expect("a loss is reported");
    assert_eq!((status, failing), (Status::Fail, Some(3)));
}

fn markers_in_a_text_column_are_values(b: Backend) {
    let sql =
        "SELECT \"Id\" AS id, CASE WHEN \"Country\" = 'NA' THEN NULL ELSE \"Country\" END AS country FROM bronze.src";
    let (status, failing) = kept(b, "country", "varchar", sql).expect("dropping NA is a loss");
    assert_eq!((status, failing), (Status::Fail, Some(30)));
}

/// Replays: every key has two rows in bronze, and the older one of 40 keys has no
/// note; the product keeps each key's newer row, with its note. Bronze's share of
/// notes over all its rows (80 %) says nothing of the kept rows (all have one), so
/// only a count by key is right: nothing was lost, and dropping 3 notes loses 3.
fn replays_are_counted_by_key(b: Backend) {
    let repo = Repo::on(b);
    let mut csv = String::from("Id,Version,Note\n");
    for i in 0..100 {
        let older = if i < 40 { "" } else { "old note" };
        csv.push_str(&format!("{i},1,{older}\n{i},2,new note\n"));
    }
    repo.write("bronze/src.csv", &csv);
    repo.standard("check: { row_count: { min: 1 } }");
    let columns =
        "  - { name: id, type: varchar, description: Id }\n  - { name: note, type: varchar, description: Note }\n";
    repo.product(
        columns,
        &["id"],
        "SELECT \"Id\" AS id, \"Note\" AS note FROM bronze.src WHERE \"Version\" = '2'",
    );
    let (list, _) = repo.check();
    let kept = |list: &hallmark_checks::result::Checklist| {
        list.products[0]
            .results
            .iter()
            .find(|r| r.check == "kept_values")
            .map(|r| (r.status, r.failing, r.figure.clone()))
    };
    assert_eq!(kept(&list), None, "nothing was lost");
    repo.product(
        columns,
        &["id"],
        "SELECT \"Id\" AS id, CASE WHEN \"Id\" IN ('50', '51', '52') THEN NULL ELSE \"Note\" END AS note FROM bronze.src WHERE \"Version\" = '2'",
    );
    let (list, _) = repo.check();
    let (status, failing, figure) = kept(&list).expect("a loss is reported");
    assert_eq!((status, failing), (Status::Fail, Some(3)), "{figure}");
}

on_every_backend!(
    markers_in_a_typed_column_are_not_lost_values,
    markers_in_a_text_column_are_values,
    replays_are_counted_by_key
);
