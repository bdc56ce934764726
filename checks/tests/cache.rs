//! The result cache: an unchanged product that passed is reported from the cache and
//! not built again; a change to its SQL, its spec, the standards that apply to it or
//! its source's bytes checks it again; a failing product, and one whose checks read an
//! unpinned clock, is never reported from the cache.

mod support;

use hallmark_checks::cache::ResultCache;
use hallmark_checks::runner::{run_checks, NoProgress, RunOptions, Selection};
use hallmark_checks::warehouse::QueryKind;
use hallmark_checks::Checklist;
use std::sync::Arc;
use support::{reference_time, Backend, Repo};

const STANDARDS: &str = "## T-001 Keys hold\nApplies to: silver\n```rule\ncheck: primary_key\n```\n";

fn product(repo: &Repo, name: &str, source: &str, sql: &str) {
    repo.write(
        &format!("products/{name}/silver.yml"),
        &format!(
            "name: {name}\nlevel: silver\nowner: team@example.com\nsources:\n  - name: bronze.{name}\n    file: {source}\nprimary_key: [id]\ncolumns:\n  - {{ name: id, type: integer, description: Row id }}\n"
        ),
    );
    repo.write(&format!("products/{name}/silver.sql"), sql);
}

fn shop() -> Repo {
    let repo = Repo::new();
    repo.write("data_standards.md", STANDARDS);
    repo.write("bronze/a.csv", "id\n1\n2\n3\n");
    repo.write("bronze/b.csv", "id\n1\n2\n");
    product(
        &repo,
        "a",
        "bronze/a.csv",
        "SELECT CAST(id AS INTEGER) AS id FROM bronze.a",
    );
    product(
        &repo,
        "b",
        "bronze/b.csv",
        "SELECT CAST(id AS INTEGER) AS id FROM bronze.b",
    );
    repo
}

/// One run with the repository's cache; what it built and its checklist.
fn run(repo: &Repo, options: &RunOptions) -> (Checklist, usize) {
    let cache = Arc::new(ResultCache::open(
        &repo.path().join(".hallmark/cache/results.json"),
        Some("abc1234def5678".into()),
    ));
    let options = RunOptions {
        cache: Some(cache),
        ..options.clone()
    };
    let wh = Backend::DuckDb.open();
    let list = run_checks(&repo.load(), wh.as_ref(), &Selection::default(), &options, &NoProgress);
    // A product is built once, or twice when a view is rebuilt as a table to fetch
    // samples of its failures: what counts is which products were built.
    let built: std::collections::HashSet<String> = wh
        .queries()
        .iter()
        .filter(|q| q.kind == QueryKind::Materialize)
        .filter_map(|q| q.sql.split_whitespace().nth(4).map(str::to_string))
        .collect();
    (list, built.len())
}

fn cached(list: &Checklist) -> Vec<(String, Option<String>)> {
    list.products
        .iter()
        .map(|p| (p.product.clone(), p.cached_from.clone()))
        .collect()
}

fn pinned() -> RunOptions {
    RunOptions {
        reference_time: reference_time(),
        reference_pinned: true,
        ..RunOptions::default()
    }
}

#[test]
fn an_unchanged_passing_product_comes_from_the_cache_and_a_changed_one_is_checked() {
    let repo = shop();
    let (first, built) = run(&repo, &pinned());
    assert!(first.passed(), "{first:?}");
    assert_eq!(
        (built, cached(&first)),
        (2, vec![("silver.a".into(), None), ("silver.b".into(), None)])
    );

    let (again, built) = run(&repo, &pinned());
    assert_eq!(built, 0, "nothing is built when nothing changed");
    assert_eq!(
        cached(&again),
        vec![
            ("silver.a".into(), Some("abc1234def56".into())),
            ("silver.b".into(), Some("abc1234def56".into()))
        ]
    );
    assert_eq!(again.summary, first.summary, "the same verdicts");
    let md = hallmark_checks::render::render(&again, hallmark_checks::render::Format::Markdown);
    assert!(md.contains("cached from abc1234def56"), "{md}");

    // Its SQL changes: only that product is built and checked.
    repo.write(
        "products/a/silver.sql",
        "SELECT CAST(id AS INTEGER) AS id FROM bronze.a WHERE id <> '3'",
    );
    let (changed, built) = run(&repo, &pinned());
    assert_eq!(built, 1);
    assert_eq!(cached(&changed)[0].1, None);
    assert!(cached(&changed)[1].1.is_some());

    // Its source's bytes change (same size): checked again.
    repo.write("bronze/b.csv", "id\n2\n1\n");
    let (changed, built) = run(&repo, &pinned());
    assert_eq!((built, cached(&changed)[1].1.clone()), (1, None));

    // The standards that apply to it change: every product is checked again.
    repo.write(
        "data_standards.md",
        &format!("{STANDARDS}## T-002 Rows\nApplies to: silver\n```rule\ncheck: {{ row_count: {{ min: 1 }} }}\n```\n"),
    );
    let (changed, built) = run(&repo, &pinned());
    assert_eq!(
        (built, cached(&changed)),
        (2, vec![("silver.a".into(), None), ("silver.b".into(), None)])
    );
}

#[test]
fn failing_products_and_unpinned_clocks_are_never_reported_from_the_cache() {
    let repo = shop();
    // Duplicate keys in b: it fails, and stays checked on every run.
    repo.write("bronze/b.csv", "id\n1\n1\n");
    run(&repo, &pinned());
    let (again, built) = run(&repo, &pinned());
    assert_eq!(built, 1, "only the failing product is built again");
    assert_eq!(cached(&again)[1], ("silver.b".into(), None));
    assert!(!again.passed());

    // A freshness check reads the clock: cached only when the run pins "now".
    repo.write(
        "data_standards.md",
        &format!("{STANDARDS}## T-003 Recent\nApplies to: silver\n```rule\ncolumns: {{ name: id }}\ncheck: no_future_timestamps\n```\n"),
    );
    repo.write("bronze/b.csv", "id\n1\n2\n");
    let now = RunOptions::default();
    run(&repo, &now);
    let (again, built) = run(&repo, &now);
    assert_eq!((built, cached(&again)[0].1.clone()), (2, None), "{:?}", cached(&again));
}

#[test]
fn a_damaged_cache_file_is_an_empty_cache() {
    let repo = shop();
    repo.write(".hallmark/cache/results.json", "{ not json");
    let (list, built) = run(&repo, &pinned());
    assert_eq!((built, list.passed()), (2, true));
    let (_, built) = run(&repo, &pinned());
    assert_eq!(built, 0, "and the next run has a good one");
}
