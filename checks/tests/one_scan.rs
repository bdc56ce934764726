//! The cost promise: all value checks on one table compile into ONE aggregate query,
//! metadata checks read only the catalogue, and samples are fetched only for checks
//! that failed.

mod support;

use hallmark_checks::catalogue::Cost;
use hallmark_checks::plan::{plan_product, PlanItem};
use hallmark_checks::warehouse::{QueryKind, Warehouse};
use hallmark_checks::Status;
use support::{bad, good, Backend, Repo, COLUMNS};

const STANDARDS: &str = r#"# Thirty-odd value checks on one table

## V-001 Every column is present and mostly filled
Applies to: silver
```rule
columns: { role: any }
check: [not_null, { null_ratio: { max: 0.5 } }, { distinct_count: { min: 1 } }, { length: { max: 100 } }]
```

## V-002 Keys hold
Applies to: silver
```rule
check: primary_key
```

## V-003 No duplicate rows
Applies to: silver
```rule
check: duplicate_rows
```

## V-004 Enough rows
Applies to: silver
```rule
check: { row_count: { min: 1 } }
```

## V-005 Ids are unique and positive
Applies to: silver
```rule
columns: { name: id }
check: [unique, { range: { min: 1 } }]
```

## V-006 Emails look like emails
Applies to: silver
```rule
columns: { tag: email }
check: { pattern: { regex: "[a-z0-9.]+@[a-z.]+" } }
```

## V-007 Statuses are known
Applies to: silver
```rule
columns: { name: status }
check: { accepted_values: { values: [shipped, pending, delivered] } }
```

## V-008 Nothing from the future
Applies to: silver
```rule
columns: { tag: event_time }
check: no_future_timestamps
```

## V-009 Amounts are typed, and the table is documented
Applies to: silver
```rule
columns: { tag: currency }
type: decimal(18,2)
```

## V-010 Documented
Applies to: silver
```rule
check: documented
```
"#;

fn repo(b: Backend, sql: &str) -> Repo {
    let repo = Repo::on(b);
    repo.write("data_standards.md", STANDARDS)
        .product(COLUMNS, &["id"], sql);
    repo
}

fn count(wh: &dyn Warehouse, kind: QueryKind) -> usize {
    wh.queries().iter().filter(|q| q.kind == kind).count()
}

fn thirty_value_checks_cost_one_scan_and_no_samples_when_they_pass(b: Backend) {
    let repo = repo(b, &good(b));
    let project = repo.load();
    let plan = plan_product(&project.standards, &project.products[0].spec);
    let scan_checks = plan
        .iter()
        .filter(|i| matches!(i, PlanItem::Check(c) if c.kind.cost() == Cost::Scan))
        .count();
    assert!(
        scan_checks >= 30,
        "the fixture should plan at least 30 value checks, got {scan_checks}"
    );

    let (list, wh) = repo.check();
    let report = &list.products[0];
    assert_eq!(report.summary.fail + report.summary.error, 0, "{:#?}", report.results);
    assert_eq!(
        report.summary.pass,
        scan_checks + 2,
        "value checks plus the two metadata checks pass"
    );
    assert_eq!(
        count(wh.as_ref(), QueryKind::Scan),
        1,
        "all value checks share one scan: {:#?}",
        wh.queries()
    );
    assert_eq!(
        count(wh.as_ref(), QueryKind::Sample),
        0,
        "nothing failed, so no samples are fetched"
    );
    assert_eq!(count(wh.as_ref(), QueryKind::Materialize), 1);
    let product_reads = wh
        .queries()
        .into_iter()
        .filter(|q| q.kind == QueryKind::Metadata && q.sql.contains("silver"))
        .count();
    assert_eq!(
        product_reads, 1,
        "metadata checks share the one catalogue read of the product"
    );
    let scan = wh.queries().into_iter().find(|q| q.kind == QueryKind::Scan).unwrap();
    assert_eq!(
        scan.sql
            .matches(&format!("FROM {}", wh.dialect().quote_relation("silver.t")))
            .count(),
        1,
        "one FROM, one table: {}",
        scan.sql
    );
}

fn failures_add_only_one_bounded_sample_query_each(b: Backend) {
    let (list, wh) = repo(b, &bad(b)).check();
    let report = &list.products[0];
    let failed_with_rows: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Fail && r.samples.is_some())
        .collect();
    assert!(failed_with_rows.len() >= 5, "{:#?}", report.results);
    // Whole rows are counted only once the primary key failed: then in a second scan.
    let key_failed = report
        .results
        .iter()
        .any(|r| r.check == "primary_key" && r.status != Status::Pass);
    let counts_rows = report.results.iter().any(|r| r.check == "duplicate_rows");
    assert_eq!(
        count(wh.as_ref(), QueryKind::Scan),
        1 + usize::from(key_failed && counts_rows)
    );
    assert_eq!(count(wh.as_ref(), QueryKind::Sample), failed_with_rows.len());
    for q in wh.queries().iter().filter(|q| q.kind == QueryKind::Sample) {
        assert!(q.sql.contains(" LIMIT 5)"), "samples are bounded: {}", q.sql);
    }
    for r in failed_with_rows {
        assert!(r.samples.as_ref().unwrap().rows.len() <= 5);
    }
}

fn a_check_that_breaks_the_combined_scan_does_not_hide_the_others(b: Backend) {
    // A bound that parses as YAML but not as the column's type breaks the query at run
    // time on every warehouse.
    let repo = repo(b, &good(b));
    repo.write(
        "data_standards.md",
        &format!(
            "{STANDARDS}\n## V-011 Broken bound\nApplies to: silver\n```rule\ncolumns: {{ name: id }}\ncheck: {{ range: {{ min: 'abc' }} }}\n```\n"
        ),
    );
    let (list, wh) = repo.check();
    let report = &list.products[0];
    let broken: Vec<_> = report.results.iter().filter(|r| r.status == Status::Error).collect();
    assert_eq!(broken.len(), 1, "{:#?}", report.results);
    assert_eq!(broken[0].standard_id, "V-011");
    assert!(!broken[0].reason.as_deref().unwrap_or("").is_empty(), "{:?}", broken[0]);
    assert!(
        broken[0].sql.as_deref().unwrap_or("").contains("'abc'"),
        "the broken check shows the query that failed: {:?}",
        broken[0].sql
    );
    assert!(report.results.iter().filter(|r| r.status == Status::Pass).count() >= 30);
    assert!(
        count(wh.as_ref(), QueryKind::Scan) > 1,
        "the fallback isolates the failing check"
    );
}

on_every_backend!(
    thirty_value_checks_cost_one_scan_and_no_samples_when_they_pass,
    failures_add_only_one_bounded_sample_query_each,
    a_check_that_breaks_the_combined_scan_does_not_hide_the_others,
);
