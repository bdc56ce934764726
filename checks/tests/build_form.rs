//! A built product is a view when the run reads it once and a table when it reads it
//! more: either way the checks say the same thing about the same rows, a view is read
//! by exactly one scan, a view whose checks fail is rebuilt as a table before its
//! samples are read, and a view whose SQL fails when it runs is one build error.

mod support;

use hallmark_checks::result::BuiltAs;
use hallmark_checks::runner::{check_product, NOT_BUILT};
use hallmark_checks::warehouse::{BuildForm, QueryKind, SourceLocation};
use hallmark_checks::{CheckResult, Status};
use support::{reference_time, Backend, Repo};

const STANDARDS: &str = "# Test standards

## T-001 Ids
Applies to: silver
```rule
columns: { name: id }
check: [not_null, unique]
```

## T-002 Amounts
Applies to: silver
```rule
columns: { name: amount }
check: { range: { min: 0 } }
```

## T-003 Statuses
Applies to: silver
```rule
columns: { name: status }
check: { accepted_values: { values: [shipped, pending] } }
```
";

const COLUMNS: &str = "  - { name: id, type: integer, description: Order id }
  - { name: amount, type: integer, description: Total }
  - { name: status, type: varchar, description: State }
";

/// Generated bronze rows and what the checks must find in them.
struct Bronze {
    csv: String,
    /// Ids that repeat one kept before (rows beyond the first of each id).
    duplicate_ids: u64,
    /// Rows whose amount is below zero.
    negative_amounts: u64,
    /// Rows whose status is neither `shipped` nor `pending`.
    bad_statuses: u64,
    /// Rows the product keeps (a non-blank id).
    kept: u64,
}

/// `rows` orders from a fixed seed; `messy` adds repeated ids, negative amounts,
/// statuses outside the accepted ones, and blank ids (dropped by the product).
fn bronze(rows: u64, messy: bool, seed: u64) -> Bronze {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = Bronze {
        csv: "Id,Amount,Status\n".into(),
        duplicate_ids: 0,
        negative_amounts: 0,
        bad_statuses: 0,
        kept: 0,
    };
    let mut seen = std::collections::HashSet::new();
    for i in 0..rows {
        let roll = next() % 100;
        let id = if messy && roll < 5 {
            String::from(if roll % 2 == 0 { "" } else { "  " })
        } else if messy && roll < 15 && i > 0 {
            (next() % i).to_string()
        } else {
            i.to_string()
        };
        let amount = if messy && next() % 100 < 7 {
            -((next() % 500) as i64) - 1
        } else {
            (next() % 10_000) as i64
        };
        let status = match next() % 100 {
            r if messy && r < 6 => "Shipped",
            r if messy && r < 9 => "lost",
            r if r < 60 => "shipped",
            _ => "pending",
        };
        if !id.trim().is_empty() {
            out.kept += 1;
            if !seen.insert(id.trim().to_string()) {
                out.duplicate_ids += 1;
            }
            out.negative_amounts += u64::from(amount < 0);
            out.bad_statuses += u64::from(status != "shipped" && status != "pending");
        }
        out.csv.push_str(&format!("{id},{amount},{status}\n"));
    }
    out
}

/// A repository whose product parses the generated bronze, keeping rows with an id,
/// keyed by `id`.
fn repo(backend: Backend, data: &Bronze, sql: Option<&str>) -> Repo {
    repo_keyed(backend, data, sql, &["id"])
}

/// [`repo`] with the product keyed by `key` (none: no kept-values count by key).
fn repo_keyed(backend: Backend, data: &Bronze, sql: Option<&str>, key: &[&str]) -> Repo {
    let repo = Repo::on(backend);
    let id = backend.trim("Id");
    let default_sql = format!(
        "SELECT {} AS id, {} AS amount, Status AS status FROM bronze.src WHERE {id} <> ''",
        backend.cast_int(&id),
        backend.cast_int("Amount")
    );
    repo.write("data_standards.md", STANDARDS)
        .product(COLUMNS, key, sql.unwrap_or(&default_sql))
        .write("bronze/src.csv", &data.csv);
    repo
}

/// The failing count of each check, by standard and check.
fn figures(results: &[CheckResult]) -> Vec<(String, String, Status, Option<u64>, String)> {
    results
        .iter()
        .map(|r| {
            (
                r.standard_id.clone(),
                r.check.clone(),
                r.status,
                r.failing,
                r.figure.clone(),
            )
        })
        .collect()
}

fn failing(results: &[CheckResult], check: &str) -> Option<u64> {
    results.iter().find(|r| r.check == check).and_then(|r| r.failing)
}

/// Each build the warehouse made, in order: true for a view, false for a table.
fn builds(wh: &dyn hallmark_checks::warehouse::Warehouse) -> Vec<bool> {
    wh.queries()
        .iter()
        .filter(|q| q.kind == QueryKind::Materialize)
        .map(|q| q.sql.contains(" VIEW "))
        .collect()
}

/// Builds `silver.t` of `repo` as `form` and checks it, as the runner does.
fn checked_as(
    repo: &Repo,
    form: BuildForm,
) -> (
    hallmark_checks::result::ProductReport,
    Vec<hallmark_checks::warehouse::QueryRecord>,
) {
    let project = repo.load();
    let product = &project.products[0];
    let wh = repo.backend.open();
    let source = &product.spec.sources[0];
    wh.bind_source(&source.name, &SourceLocation::of(source, &project.root))
        .unwrap();
    let (sql, _) = product.transform(wh.dialect().name());
    let before = wh.queries().len();
    wh.materialize("silver.t", sql, form).unwrap();
    let columns = wh.describe("silver.t").unwrap();
    let options = hallmark_checks::runner::RunOptions {
        reference_time: reference_time(),
        ..Default::default()
    };
    let build = BuiltAs {
        form,
        why: "chosen by the test".into(),
    };
    let report = check_product(&project, product, Ok(columns), Some(build), wh.as_ref(), &options);
    (report, wh.queries().split_off(before))
}

/// How a keyed silver product is planned on `b`: where a table costs about a view,
/// the kept-values count by key is a probable second read, and the product a table.
fn keyed_plan(b: Backend, other_reads: &str) -> (BuildForm, String) {
    if b.dialect().tables_cost_about_a_view() {
        let n = if other_reads.is_empty() { 2 } else { 3 };
        (
            BuildForm::Table,
            format!("read {n} times: its scan{other_reads}, probably the kept-values count by key"),
        )
    } else if other_reads.is_empty() {
        (BuildForm::View, "read once: its scan".into())
    } else {
        (BuildForm::Table, format!("read 2 times: its scan{other_reads}"))
    }
}

fn a_product_read_once_is_read_by_one_scan(b: Backend) {
    let data = bronze(2_000, false, 7);
    // Without a key, there is no count by key: a view on every engine.
    for key in [&[][..], &["id"][..]] {
        let repo = repo_keyed(b, &data, None, key);
        let (list, wh) = repo.check();
        let report = &list.products[0];
        assert!(list.passed(), "{:#?}", report.results);
        assert_eq!(report.rows, Some(data.kept));
        let (form, why) = if key.is_empty() {
            (BuildForm::View, "read once: its scan".to_string())
        } else {
            keyed_plan(b, "")
        };
        assert_eq!(
            report.built_as.as_ref().map(|b| (b.form, b.why.clone())),
            Some((form, why.clone()))
        );
        let queries = wh.queries();
        let built: Vec<&str> = queries
            .iter()
            .filter(|q| q.kind == QueryKind::Materialize)
            .map(|q| q.sql.as_str())
            .collect();
        assert_eq!(built.len(), 1, "{built:#?}");
        let keyword = if form == BuildForm::View { " VIEW " } else { " TABLE " };
        assert!(built[0].contains(keyword), "{}", built[0]);
        let markdown = hallmark_checks::render::render(&list, hallmark_checks::render::Format::Markdown);
        let header = format!(
            "— built as a {} ({why})",
            if form == BuildForm::View { "view" } else { "table" }
        );
        assert!(markdown.contains(&header), "{markdown}");
        // The checks and the kept-values counts share one scan; the product has no
        // NULL, so no value can have been lost and the kept-values count by key,
        // joined to bronze's keys, does not read it again.
        let relation = wh.dialect().quote_relation("silver.t");
        let reads: Vec<(QueryKind, &str)> = queries
            .iter()
            .filter(|q| q.kind != QueryKind::Materialize && q.sql.contains(&relation))
            .filter(|q| q.kind != QueryKind::Metadata && q.kind != QueryKind::Setup)
            .map(|q| (q.kind, q.sql.as_str()))
            .collect();
        assert_eq!(reads.len(), 1, "{reads:#?}");
        assert_eq!(reads[0].0, QueryKind::Scan);
    }

    // The same product as a view and as a table: the same verdicts, word for word.
    let repo = repo(b, &data, None);
    let (list, _) = repo.check();
    let report = &list.products[0];
    let (as_view, _) = checked_as(&repo, BuildForm::View);
    let (as_table, _) = checked_as(&repo, BuildForm::Table);
    assert_eq!(figures(&as_view.results), figures(&as_table.results));
    assert_eq!(figures(&as_view.results), figures(&report.results));
}

fn a_failing_view_is_rebuilt_as_a_table_for_its_samples(b: Backend) {
    for seed in [3, 11, 29] {
        let data = bronze(3_000, true, seed);
        assert!(data.duplicate_ids > 0 && data.negative_amounts > 0 && data.bad_statuses > 0);
        let repo = repo(b, &data, None);
        let (as_view, queries) = checked_as(&repo, BuildForm::View);
        let (as_table, _) = checked_as(&repo, BuildForm::Table);
        // The truth of the generated rows, on either form.
        for report in [&as_view, &as_table] {
            assert_eq!(report.rows, Some(data.kept));
            assert_eq!(
                failing(&report.results, "unique"),
                Some(data.duplicate_ids),
                "seed {seed}"
            );
            assert_eq!(
                failing(&report.results, "range"),
                Some(data.negative_amounts),
                "seed {seed}"
            );
            assert_eq!(
                failing(&report.results, "accepted_values"),
                Some(data.bad_statuses),
                "seed {seed}"
            );
        }
        assert_eq!(figures(&as_view.results), figures(&as_table.results));
        // Samples came from a table built once more, after the scan of the view.
        let kinds: Vec<(QueryKind, bool)> = queries
            .iter()
            .filter(|q| matches!(q.kind, QueryKind::Materialize | QueryKind::Scan | QueryKind::Sample))
            .map(|q| (q.kind, q.sql.contains(" VIEW ")))
            .collect();
        assert_eq!(
            &kinds[..3],
            [
                (QueryKind::Materialize, true),
                (QueryKind::Scan, false),
                (QueryKind::Materialize, false)
            ],
            "{kinds:?}"
        );
        assert!(kinds[3..].iter().all(|(k, _)| *k == QueryKind::Sample), "{kinds:?}");
        let rebuilt = as_view.built_as.as_ref().unwrap();
        assert_eq!(rebuilt.form, BuildForm::Table);
        assert_eq!(
            rebuilt.why,
            "planned as a view, chosen by the test; rebuilt for samples of failing rows"
        );
        let range = as_view.results.iter().find(|r| r.check == "range").unwrap();
        let samples = range.samples.as_ref().expect("samples of the negative amounts");
        assert!(!samples.rows.is_empty());
        assert_eq!(
            samples,
            as_table
                .results
                .iter()
                .find(|r| r.check == "range")
                .unwrap()
                .samples
                .as_ref()
                .unwrap()
        );
    }
}

fn a_view_whose_sql_fails_when_read_is_one_build_error(b: Backend) {
    let data = bronze(200, true, 5);
    // Blank ids are not filtered out: the cast fails on them when the SQL runs, which
    // creating a view does not do.
    let sql = format!(
        "SELECT {} AS id, {} AS amount, Status AS status FROM bronze.src",
        b.cast_int("Id"),
        b.cast_int("Amount")
    );
    // No key: nothing but the scan reads it, so it is a view on every engine.
    let repo = repo_keyed(b, &data, Some(&sql), &[]);
    let (list, _) = repo.check();
    let report = &list.products[0];
    let error = report.error.as_deref().expect("the product is not built");
    assert!(error.starts_with("building silver.t from "), "{error}");
    assert!(error.contains("silver.sql failed"), "{error}");
    assert!(report.built_as.as_ref().is_some_and(|b| b.form == BuildForm::View));
    let value_checks: Vec<&CheckResult> = report
        .results
        .iter()
        .filter(|r| r.standard_id.starts_with("T-"))
        .collect();
    assert!(!value_checks.is_empty());
    for r in value_checks {
        assert_eq!((r.status, r.figure.as_str()), (Status::Error, NOT_BUILT), "{r:#?}");
        assert!(r.reason.is_none(), "the error is said once, for the product: {r:#?}");
    }
}

fn a_product_another_is_built_from_is_a_table(b: Backend) {
    let data = bronze(500, false, 13);
    let repo = repo(b, &data, None);
    repo.write(
        "products/g/gold.yml",
        "name: g\nlevel: gold\nowner: team@example.com\nsources:\n  - name: silver.t\ncolumns:\n  - { name: n, type: bigint, description: Orders }\n",
    )
    .write("products/g/gold.sql", "SELECT count(*) AS n FROM silver.t");
    let (list, wh) = repo.check();
    let built: Vec<(String, BuildForm, String)> = list
        .products
        .iter()
        .map(|p| {
            let b = p.built_as.clone().expect("built");
            (p.product.clone(), b.form, b.why)
        })
        .collect();
    assert_eq!(
        built,
        [
            {
                let (form, why) = keyed_plan(b, ", 1 product or lookup reading it");
                ("silver.t".to_string(), form, why)
            },
            ("gold.g".to_string(), BuildForm::View, "read once: its scan".to_string()),
        ]
    );
    assert_eq!(list.products[1].rows, Some(1));
    let materialized: Vec<bool> = builds(wh.as_ref());
    assert_eq!(materialized, [false, true], "silver as a table, then gold as a view");
}

fn a_reconciliation_rides_in_the_scan_and_stands_alone_when_the_scan_fails(b: Backend) {
    let data = bronze(1_000, true, 17);
    let distinct_ids = data.kept - data.duplicate_ids;
    let reconcile = "\n## T-004 Every order arrives\nApplies to: silver\n```rule\ncheck: { row_count_reconciliation: { tolerance: 0 } }\n```\n";
    let figure_of = |standards: &str| {
        let repo = repo(b, &data, None);
        repo.write("data_standards.md", standards);
        let (list, wh) = repo.check();
        let report = list.products[0].clone();
        let r = report
            .results
            .iter()
            .find(|r| r.check == "row_count_reconciliation")
            .unwrap()
            .clone();
        (report, r, wh.queries())
    };
    // The product side in the scan: where the product is planned to be read once,
    // it is a view (its failures then rebuild it for their samples).
    let (report, in_scan, queries) = figure_of(&format!("{STANDARDS}{reconcile}"));
    let why = report.built_as.map(|b| b.why).unwrap_or_default();
    match keyed_plan(b, "") {
        (BuildForm::View, _) => assert!(why.starts_with("planned as a view, read once: its scan;"), "{why}"),
        (_, planned) => assert_eq!(why, planned),
    }
    // The product keeps every row with an id, duplicates too; bronze has the distinct ids.
    assert_eq!(in_scan.failing, Some(data.kept - distinct_ids), "{}", in_scan.figure);
    assert_eq!(in_scan.total, Some(distinct_ids));
    let source_reads: Vec<&str> = queries
        .iter()
        .filter(|q| q.kind == QueryKind::Source)
        .map(|q| q.sql.as_str())
        .collect();
    assert_eq!(source_reads.len(), 1);
    assert!(
        !source_reads[0].contains("silver"),
        "only bronze is read apart: {}",
        source_reads[0]
    );

    // A check whose SQL fails sinks the combined scan: the reconciliation then counts
    // the product in its own query, and says the same.
    let broken = format!("{STANDARDS}{reconcile}\n## T-005 Broken\nApplies to: silver\n```rule\ncolumns: {{ name: status }}\ncheck: {{ range: {{ min: 0 }} }}\n```\n");
    let (report, alone, _) = figure_of(&broken);
    assert!(
        report
            .results
            .iter()
            .any(|r| r.standard_id == "T-005" && r.status == Status::Error),
        "{:#?}",
        report.results
    );
    assert_eq!(
        (alone.status, &alone.figure, alone.failing),
        (in_scan.status, &in_scan.figure, in_scan.failing)
    );
}

/// A keyed product whose SQL sets values aside (every `pending` status) is read twice:
/// by its scan and by the kept-values count by key, which finds the loss. Where a table
/// costs about a view it is planned as one and its SQL runs once; elsewhere the view
/// is rebuilt as a table for the count. Either way the count is the generator's.
fn a_keyed_product_that_lost_values_runs_its_sql_once_where_tables_cost_a_view(b: Backend) {
    let data = bronze(2_000, false, 19);
    let pending = data.csv.lines().filter(|l| l.ends_with(",pending")).count() as u64;
    assert!(pending > 0);
    let id = b.trim("Id");
    let sql = format!(
        "SELECT {} AS id, {} AS amount, CASE WHEN Status = 'pending' THEN NULL ELSE Status END AS status FROM bronze.src WHERE {id} <> ''",
        b.cast_int(&id),
        b.cast_int("Amount")
    );
    let repo = repo(b, &data, Some(&sql));
    let (list, wh) = repo.check();
    let report = &list.products[0];
    let kept = report
        .results
        .iter()
        .find(|r| r.check == "kept_values" && r.columns == ["status"])
        .unwrap_or_else(|| panic!("{:#?}", report.results));
    assert_eq!(
        (kept.failing, kept.total),
        (Some(pending), Some(data.kept)),
        "{}",
        kept.figure
    );
    assert!(!kept.figure.contains("about"), "counted by key: {}", kept.figure);
    let built: Vec<bool> = builds(wh.as_ref());
    let why = report.built_as.clone().map(|b| b.why).unwrap_or_default();
    if b.dialect().tables_cost_about_a_view() {
        assert_eq!(built, [false], "one table, its SQL run once");
        assert_eq!(why, keyed_plan(b, "").1);
    } else {
        assert_eq!(built, [true, false], "a view, rebuilt as a table for the count");
        assert!(why.ends_with("rebuilt for the kept-values count by key"), "{why}");
    }
}

/// A product that is its source as it is (`SELECT * FROM` it) stays a view when its
/// failing checks fetch samples: reading it again is reading the source, so a table
/// would only copy it. The samples are those of the rows.
fn a_view_that_is_its_source_is_sampled_as_it_is(b: Backend) {
    let mut data = bronze(1_500, true, 23);
    data.csv = data.csv.replacen("Id,Amount,Status", "id,amount,status", 1);
    let repo = repo_keyed(b, &data, Some("SELECT * FROM bronze.src"), &[]);
    let (list, wh) = repo.check();
    let report = &list.products[0];
    let statuses = report
        .results
        .iter()
        .find(|r| r.check == "accepted_values")
        .unwrap_or_else(|| panic!("{:#?}", report.results));
    // Every bronze row is a product row here, blank ids too.
    let bad = data
        .csv
        .lines()
        .skip(1)
        .filter(|l| !l.ends_with(",shipped") && !l.ends_with(",pending"))
        .count() as u64;
    assert_eq!(statuses.failing, Some(bad), "{}", statuses.figure);
    let samples = statuses.samples.as_ref().expect("samples of the bad statuses");
    assert!(!samples.rows.is_empty());
    let built: Vec<bool> = builds(wh.as_ref());
    assert_eq!(built, [true], "built once, as a view");
    assert_eq!(report.built_as.as_ref().map(|b| b.form), Some(BuildForm::View));
}

on_every_backend!(
    a_view_that_is_its_source_is_sampled_as_it_is,
    a_reconciliation_rides_in_the_scan_and_stands_alone_when_the_scan_fails,
    a_product_another_is_built_from_is_a_table,
    a_product_read_once_is_read_by_one_scan,
    a_keyed_product_that_lost_values_runs_its_sql_once_where_tables_cost_a_view,
    a_failing_view_is_rebuilt_as_a_table_for_its_samples,
    a_view_whose_sql_fails_when_read_is_one_build_error
);
