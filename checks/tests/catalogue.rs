//! Every check kind on both real backends, DuckDB and ClickHouse, with the same data
//! that passes and the same data that fails, asserting the same measured figures and
//! failing-row samples a reviewer would see.

mod support;

use hallmark_checks::Status;
use support::{bad, good, literal_table, sample_rows, Backend, Repo, Type, COLUMNS};

/// Checks `rule` on the good and the bad data and returns both results.
fn both(b: Backend, rule: &str) -> (hallmark_checks::CheckResult, hallmark_checks::CheckResult) {
    let run = |sql: &str| {
        let repo = Repo::on(b);
        repo.standard(rule).product(COLUMNS, &["id"], sql);
        repo.result()
    };
    (run(&good(b)), run(&bad(b)))
}

fn assert_pass(r: &hallmark_checks::CheckResult, figure: &str) {
    assert_eq!(r.status, Status::Pass, "{r:#?}");
    assert_eq!(r.figure, figure);
    assert!(r.samples.is_none(), "a passing check fetches no samples");
}

fn assert_fail(r: &hallmark_checks::CheckResult, figure: &str) {
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert_eq!(r.figure, figure);
}

fn not_null(b: Backend) {
    let (good, bad) = both(b, "columns: { name: email }\ncheck: not_null");
    assert_pass(&good, "0 of 4 rows are null");
    assert_fail(&bad, "1 of 6 rows are null");
    assert_eq!(bad.failing, Some(1));
    assert_eq!(bad.total, Some(6));
    assert_eq!(bad.samples.as_ref().unwrap().columns, ["id", "email"]);
    assert_eq!(sample_rows(&bad), [["3", "null"]]);
    let predicate = format!("{} IS NULL", b.dialect().quote_ident("email"));
    assert!(bad.sql.as_ref().unwrap().contains(&b.dialect().count_if(&predicate)));
}

fn unique(b: Backend) {
    let (good, bad) = both(b, "columns: { name: id }\ncheck: unique");
    assert_pass(&good, "0 duplicate values among 4 non-null rows");
    assert_fail(&bad, "1 duplicate values among 5 non-null rows");
    assert_eq!(bad.samples.as_ref().unwrap().columns, ["id", "rows"]);
    assert_eq!(sample_rows(&bad), [["2", "2"]]);
}

fn primary_key(b: Backend) {
    let (good, bad) = both(b, "check: primary_key");
    assert_eq!(good.columns, ["id"], "defaults to the spec's primary key");
    assert_pass(&good, "0 null and 0 duplicate keys in 4 rows");
    assert_fail(&bad, "1 null and 1 duplicate keys in 6 rows");
    assert_eq!(sample_rows(&bad), [["2", "2"], ["null", "1"]]);
}

fn primary_key_without_a_declared_key_fails_with_a_reason(b: Backend) {
    let repo = Repo::on(b);
    repo.standard("check: primary_key").product(COLUMNS, &[], &good(b));
    assert_fail(&repo.result(), "the spec declares no primary key");
    // Selecting the key's columns by role is no way out: a standard about keys is
    // unmet by a product that names none, not inapplicable to it.
    for rule in [
        "columns: { role: primary_key }\ncheck: primary_key",
        "columns: { role: primary_key }\ncheck: not_null",
    ] {
        let repo = Repo::on(b);
        repo.standard(rule).product(COLUMNS, &[], &good(b));
        let r = repo.result();
        assert_fail(&r, "the product declares no primary key, and this standard is about the key's columns; declare `primary_key` in the spec");
        assert_eq!(r.check, "key_missing");
    }
}

fn accepted_values(b: Backend) {
    let (good, bad) = both(
        b,
        "columns: { name: status }\ncheck: { accepted_values: { values: [shipped, pending, delivered] } }",
    );
    assert_pass(&good, "0 of 4 rows have a value outside [shipped, pending, delivered]");
    assert_fail(&bad, "2 of 6 rows have a value outside [shipped, pending, delivered]");
    assert_eq!(sample_rows(&bad), [["2", "lost"], ["2", "lost"]]);
}

fn range(b: Backend) {
    let (good, bad) = both(b, "columns: { tag: currency }\ncheck: { range: { min: 0 } }");
    assert_pass(&good, "0 of 4 rows are below 0 (min 0.00, max 99.99)");
    assert_fail(&bad, "2 of 6 rows are below 0 (min -5.00, max 1000.00)");
    assert_eq!(sample_rows(&bad), [["2", "-5.00"], ["2", "-5.00"]]);
}

fn range_on_timestamps_with_text_bounds(b: Backend) {
    let (good, bad) = both(
        b,
        "columns: { name: ordered_at }\ncheck: { range: { min: '2024-01-01', max: '2024-12-31 23:59:59' } }",
    );
    assert_eq!(good.status, Status::Pass, "{good:#?}");
    assert_fail(
        &bad,
        "2 of 6 rows are outside 2024-01-01 to 2024-12-31 23:59:59 (min 2024-05-01 10:00:00, max 2030-01-01 00:00:00)",
    );
}

fn pattern(b: Backend) {
    let (good, bad) = both(
        b,
        "columns: { tag: email }\ncheck: { pattern: { regex: '[a-z0-9.]+@[a-z.]+' } }",
    );
    assert_pass(&good, "0 of 4 rows do not match `[a-z0-9.]+@[a-z.]+`");
    assert_fail(&bad, "2 of 6 rows do not match `[a-z0-9.]+@[a-z.]+`");
    assert_eq!(sample_rows(&bad), [["2", "Bob@Example.com"], ["2", "Bob@Example.com"]]);
}

fn length(b: Backend) {
    let (good, bad) = both(b, "columns: { tag: country }\ncheck: { length: { min: 2, max: 2 } }");
    assert_pass(&good, "0 of 4 rows have a length other than 2");
    assert_fail(&bad, "2 of 6 rows have a length other than 2");
    assert_eq!(sample_rows(&bad), [["2", "United States"], ["2", "United States"]]);
}

/// A length bound a number's text cannot cross is settled without making text of each
/// row; one it can cross is still measured row by row.
fn lengths_of_numbers_beyond_their_type_need_no_text(b: Backend) {
    let (wide, _) = both(b, "columns: { name: id }\ncheck: { length: { max: 64 } }");
    assert_pass(&wide, "0 of 4 rows have a length above 64");
    assert!(
        wide.sql.as_deref().unwrap_or_default().contains("1 = 0"),
        "{:?}",
        wide.sql
    );
    let repo = Repo::on(b);
    repo.standard("columns: { name: id }\ncheck: { length: { max: 3 } }")
        .product(
            "  - { name: id, type: integer, description: Row id }\n",
            &["id"],
            &format!(
                "SELECT {} * 1000 AS id FROM bronze.src WHERE Id IS NOT NULL",
                b.cast_int("Id")
            ),
        );
    let narrow = repo.result();
    assert_fail(&narrow, "3 of 3 rows have a length above 3");
}

fn type_from_the_catalogue(b: Backend) {
    let (good, _) = both(b, "columns: { tag: currency }\ntype: decimal(18, 2)");
    assert_pass(&good, "type is decimal(18, 2)");
    assert_eq!(good.sql, None, "metadata checks run no data query");
    let (wrong, _) = both(b, "columns: { tag: currency }\ntype: double");
    assert_fail(
        &wrong,
        &format!("1 of 1 columns are not double: `amount is {}`", Type::Decimal.name(b)),
    );
}

fn column_name_pattern(b: Backend) {
    let (good, _) = both(b, "check: { column_name_pattern: { regex: '[a-z_]+' } }");
    assert_pass(&good, "all 6 column names match `[a-z_]+`");
    let (bad, _) = both(b, "check: { column_name_pattern: { regex: '[a-z]+' } }");
    assert_fail(&bad, "1 of 6 column names do not match `[a-z]+`: `ordered_at`");
}

fn required_columns(b: Backend) {
    let (good, _) = both(b, "check: { required_columns: { columns: [id, email] } }");
    assert_pass(&good, "all 2 required columns present");
    let (bad, _) = both(b, "check: { required_columns: { columns: [id, customer_id] } }");
    assert_fail(&bad, "1 of 2 required columns are missing: `customer_id`");
}

fn forbidden_columns(b: Backend) {
    let (good, _) = both(b, "check: { forbidden_columns: { columns: ['*ssn*', password] } }");
    assert_pass(&good, "no forbidden column");
    let (bad, _) = both(b, "check: { forbidden_columns: { columns: ['e*l'] } }");
    assert_fail(&bad, "1 of 6 columns are forbidden: `email`");
}

fn null_ratio(b: Backend) {
    let (good, bad) = both(b, "columns: { name: email }\ncheck: { null_ratio: { max: 0.1 } }");
    assert_pass(&good, "0.00% null (0 of 4 rows), at most 10.00% allowed");
    assert_fail(&bad, "16.67% null (1 of 6 rows), at most 10.00% allowed");
    assert_eq!(sample_rows(&bad), [["3", "null"]]);
}

fn distinct_count(b: Backend) {
    let (good, bad) = both(
        b,
        "columns: { name: country }\ncheck: { distinct_count: { min: 1, max: 3 } }",
    );
    assert_pass(&good, "3 distinct values, expected between 1 and 3");
    assert_fail(&bad, "5 distinct values, expected between 1 and 3");
    assert!(bad.samples.is_none(), "a distinct count has no failing rows to show");
}

/// A distinct count that asks for at least one value is decided by whether any value
/// is there, with no set of distinct values built.
fn a_distinct_count_of_at_least_one_is_decided_by_presence(b: Backend) {
    let (good, _) = both(b, "columns: { name: country }\ncheck: { distinct_count: { min: 1 } }");
    assert_pass(&good, "at least 1 distinct value (4 non-null), expected at least 1");
    let repo = Repo::on(b);
    let null_text = match b {
        Backend::DuckDb => "CAST(NULL AS VARCHAR)",
        Backend::ClickHouse => "CAST(NULL AS Nullable(String))",
    };
    repo.standard("columns: { name: country }\ncheck: { distinct_count: { min: 1 } }").product(
        "  - { name: id, type: integer, description: Row id }\n  - { name: country, type: varchar, description: ISO code }\n",
        &["id"],
        &format!("SELECT {} AS id, {null_text} AS country FROM bronze.src WHERE Id IS NOT NULL", b.cast_int("Id")),
    );
    let empty = repo.result();
    assert_fail(&empty, "0 distinct values (every value is null), expected at least 1");
    let (list, wh) = repo.check();
    assert_eq!(list.products[0].error, None);
    let distinct_sets = wh
        .queries()
        .iter()
        .filter(|q| q.sql.contains("DISTINCT") || q.sql.contains("uniqExact"))
        .count();
    assert_eq!(distinct_sets, 0, "no distinct set for a presence check");
}

/// Whole rows cannot repeat when the primary key holds, so `duplicate_rows` is then
/// settled by the key's verdict; when the key fails, the rows are counted as before.
fn duplicate_rows_follow_from_a_held_primary_key(b: Backend) {
    let rules = "## T-001 Keys\nApplies to: silver\n```rule\ncheck: primary_key\n```\n\
                 ## T-002 No duplicate rows\nApplies to: silver\n```rule\ncheck: duplicate_rows\n```\n";
    let run = |sql: &str| {
        let repo = Repo::on(b);
        repo.write("data_standards.md", rules).product(COLUMNS, &["id"], sql);
        repo.check()
    };
    let (list, wh) = run(&good(b));
    let dups = list.products[0]
        .results
        .iter()
        .find(|r| r.standard_id == "T-002")
        .unwrap();
    assert_pass(dups, "0 duplicate rows: each of the 4 rows has its own primary key");
    assert!(
        !wh.queries()
            .iter()
            .any(|q| q.sql.contains("count(DISTINCT (") || q.sql.contains("uniqExact(tuple")),
        "no set of whole rows was built"
    );
    let (list, _) = run(&bad(b));
    let key = list.products[0]
        .results
        .iter()
        .find(|r| r.standard_id == "T-001")
        .unwrap();
    assert_eq!(key.status, Status::Fail);
    let dups = list.products[0]
        .results
        .iter()
        .find(|r| r.standard_id == "T-002")
        .unwrap();
    assert_fail(dups, "1 duplicate row among 6");
}

fn row_count(b: Backend) {
    let (good, bad) = both(b, "check: { row_count: { min: 1, max: 5 } }");
    assert_pass(&good, "4 rows, expected between 1 and 5");
    assert_fail(&bad, "6 rows, expected between 1 and 5");
}

fn row_count_reconciliation(b: Backend) {
    let rule = "check: { row_count_reconciliation: { tolerance: 0.0 } }";
    // bronze/src.csv has ids 1, 2, 2 and a null: two distinct keys.
    let repo = Repo::on(b);
    repo.standard(rule).product(
        "  - { name: id, type: integer, description: Row id }\n",
        &["id"],
        &format!(
            "SELECT DISTINCT {} AS id FROM bronze.src WHERE \"Id\" IS NOT NULL",
            b.cast_int("\"Id\"")
        ),
    );
    assert_pass(
        &repo.result(),
        "2 rows vs 2 source distinct keys (Id) (4 source rows): 0.00% apart, tolerance 0.00%",
    );
    // Six rows, one of them with a null key, which is not counted.
    let (_, bad) = both(b, rule);
    assert_fail(
        &bad,
        "5 rows vs 2 source distinct keys (Id) (4 source rows): 150.00% apart, tolerance 0.00%",
    );
    assert_eq!(bad.failing, Some(3));

    // Keys that are only whitespace are no keys, and keys are compared trimmed, on
    // both sides: ` 2 ` and `2` are one key, `   ` none.
    let repo = Repo::on(b);
    repo.write("bronze/src.csv", "Id,Name\n1,a\n 2 ,b\n2,b\n   ,c\n");
    repo.standard(rule).product(
        "  - { name: id, type: varchar, description: Row id }\n",
        &["id"],
        &format!(
            "SELECT * FROM (SELECT DISTINCT {} AS id FROM bronze.src) UNION ALL SELECT '  ' AS id",
            b.trim("\"Id\"")
        ),
    );
    assert_pass(
        &repo.result(),
        "2 rows vs 2 source distinct keys (Id) (4 source rows): 0.00% apart, tolerance 0.00%",
    );
}

fn freshness(b: Backend) {
    let (good, _) = both(b, "columns: { tag: event_time }\ncheck: { freshness: { max_age: 1d } }");
    assert_pass(
        &good,
        "newest value 2024-12-31 23:00:00 is 1h 0m old at 2025-01-01 00:00:00 UTC, at most 1d allowed",
    );
    let (stale, _) = both(
        b,
        "columns: { tag: event_time }\ncheck: { freshness: { max_age: 30m } }",
    );
    assert_fail(
        &stale,
        "newest value 2024-12-31 23:00:00 is 1h 0m old at 2025-01-01 00:00:00 UTC, at most 30m allowed",
    );
}

fn relationships(b: Backend) {
    let rule = "columns: { name: id }\ncheck: { relationships: { to: silver.ids, field: id } }";
    let run = |sql: &str| {
        let repo = Repo::on(b);
        repo.standard(rule).product(COLUMNS, &["id"], sql);
        repo.write(
            "products/ids/silver.yml",
            "name: ids\nlevel: silver\nsources: [{ name: bronze.src, file: bronze/src.csv }]\ncolumns: [{ name: id, type: integer }]\n",
        );
        repo.write(
            "products/ids/silver.sql",
            &literal_table(
                b,
                &[("id", Type::Int)],
                &[&[Some("1")], &[Some("2")], &[Some("3")], &[Some("4")]],
            ),
        );
        repo.result()
    };
    assert_pass(
        &run(&good(b)),
        "0 of 4 rows reference a silver.ids.id that does not exist",
    );
    let bad = run(&bad(b));
    assert_fail(&bad, "1 of 6 rows reference a silver.ids.id that does not exist");
    assert_eq!(sample_rows(&bad), [["6"]]);
}

fn duplicate_rows(b: Backend) {
    let (good, bad) = both(b, "check: duplicate_rows");
    assert_pass(&good, "0 duplicate rows among 4");
    assert_fail(&bad, "1 duplicate row among 6");
    let s = bad.samples.as_ref().unwrap();
    assert_eq!(
        s.columns,
        ["id", "email", "country", "amount", "ordered_at", "status", "rows"]
    );
    assert_eq!(
        sample_rows(&bad),
        [[
            "2",
            "Bob@Example.com",
            "United States",
            "-5.00",
            "2030-01-01 00:00:00",
            "lost",
            "2"
        ]]
    );
}

fn no_future_timestamps(b: Backend) {
    let (good, bad) = both(b, "columns: { tag: event_time }\ncheck: no_future_timestamps");
    assert_pass(&good, "0 of 4 rows are later than 2025-01-01 00:00:00 UTC");
    assert_fail(&bad, "2 of 6 rows are later than 2025-01-01 00:00:00 UTC");
    assert_eq!(
        sample_rows(&bad),
        [["2", "2030-01-01 00:00:00"], ["2", "2030-01-01 00:00:00"]]
    );
}

fn documented(b: Backend) {
    let (good, _) = both(b, "check: documented");
    assert_pass(&good, "all 6 columns described");
    let repo = Repo::on(b);
    repo.standard("check: documented")
        .product(&COLUMNS.replace("description: State ", ""), &["id"], &support::good(b));
    assert_fail(&repo.result(), "1 of 6 columns have no description: `status`");
}

fn owner_present(b: Backend) {
    let (good, _) = both(b, "check: owner_present");
    assert_pass(&good, "owner: team@example.com");
    let repo = Repo::on(b);
    repo.standard("check: owner_present")
        .product(COLUMNS, &["id"], &support::good(b));
    let spec = std::fs::read_to_string(repo.path().join("products/t/silver.yml")).unwrap();
    repo.write("products/t/silver.yml", &spec.replace("owner: team@example.com\n", ""));
    assert_fail(&repo.result(), "the spec names no owner");
}

fn custom_sql(b: Backend) {
    let (good, bad) = both(
        b,
        "check: { custom_sql: { sql: 'SELECT id, amount FROM {table} WHERE amount > 500' } }",
    );
    assert_pass(&good, "0 failing rows");
    assert_fail(&bad, "1 failing row");
    assert_eq!(sample_rows(&bad), [["6", "1000.00"]]);
}

fn warn_severity_reports_without_failing(b: Backend) {
    let (_, bad) = both(b, "columns: { name: email }\ncheck: not_null\nseverity: warn");
    assert_eq!(bad.status, Status::Warn);
    assert_eq!(bad.figure, "1 of 6 rows are null");
}

fn a_selector_that_matches_nothing_is_not_applicable(b: Backend) {
    let (good, _) = both(b, "columns: { tag: loyalty_tier }\ncheck: not_null");
    assert_eq!(good.status, Status::NotApplicable);
    assert_eq!(good.figure, "no column matches tag=loyalty_tier");
}

/// A standard for a tag no column carries, while a column looks like it should (an
/// `email` column and a `pii` standard), fails instead of passing as not applicable.
fn an_untagged_lookalike_fails_the_standard(b: Backend) {
    let (good, _) = both(b, "columns: { tag: pii }\ncheck: not_null");
    assert_eq!(good.status, Status::Fail);
    assert_eq!(
        good.figure,
        "no column carries `pii`, but `email` looks like personal data; tag it, or rename it if it is not"
    );
    let (warned, _) = both(b, "columns: { tag: pii }\ncheck: not_null\nseverity: warn");
    assert_eq!(warned.status, Status::Warn);
}

/// A text column that holds event times while a standard selects `event_time` fails,
/// though another column carries the tag and the standard passes on it.
fn event_times_hidden_in_text_fail(b: Backend) {
    let repo = Repo::on(b);
    repo.standard("columns: { tag: event_time }\ncheck: not_null").product(
        "  - { name: ordered_at, type: timestamp, description: When, tags: [event_time] }\n  - { name: delivered_on, type: varchar, description: Delivered }\n  - { name: note, type: varchar, description: Free text }\n",
        &[],
        &literal_table(
            b,
            &[("ordered_at", Type::Timestamp), ("delivered_on", Type::Text), ("note", Type::Text)],
            &[
                &[Some("2024-05-01 10:00:00"), Some("02/05/2024 10:00"), Some("left at door")],
                &[Some("2024-05-02 10:00:00"), Some("1714557600"), Some("signed")],
                &[Some("2024-05-03 10:00:00"), None, Some("2024-05-03")],
            ],
        ),
    );
    let (list, _) = repo.check();
    let results = &list.products[0].results;
    let hidden: Vec<_> = results.iter().filter(|r| r.check == "hidden_kind").collect();
    assert_eq!(hidden.len(), 1, "{results:#?}");
    assert_eq!(hidden[0].status, Status::Fail);
    assert_eq!(
        hidden[0].figure,
        "`delivered_on` is text, but 2 of its 2 values look like event times; it carries no `event_time`, so T-001 cannot see it"
    );
    assert!(!list.passed());
}

/// A product that holds rows back builds its quarantine too: the checklist counts
/// the rows, and reconciliation counts them with the product's.
fn quarantined_rows_are_counted_and_reconciled(b: Backend) {
    let repo = Repo::on(b);
    repo.write(
        "data_standards.md",
        "## T-001 Every key arrives\nApplies to: silver\n```rule\ncheck: { row_count_reconciliation: { tolerance: 0 } }\n```\n\n## T-002 Only key 1 is good\nApplies to: silver\n```rule\ncolumns: { name: id }\ncheck: { accepted_values: { values: ['1'] } }\nquarantine: true\n```\n",
    );
    repo.product(
        "  - { name: id, type: varchar, description: Row id }\n",
        &["id"],
        "SELECT DISTINCT \"Id\" AS id FROM bronze.src WHERE \"Id\" = '1'",
    );
    repo.write(
        "products/t/silver.quarantine.sql",
        "SELECT DISTINCT \"Id\" AS id, 'not 1' AS quarantine_reason FROM bronze.src WHERE \"Id\" = '2'",
    );
    let (list, _) = repo.check();
    let results = &list.products[0].results;
    let figure = |check: &str| {
        results
            .iter()
            .find(|r| r.check == check)
            .map(|r| (r.status, r.figure.clone()))
            .unwrap_or_else(|| panic!("no {check}: {results:#?}"))
    };
    assert_eq!(
        figure("row_count_reconciliation"),
        (
            Status::Pass,
            "2 rows vs 2 source distinct keys (Id) (4 source rows): 0.00% apart, tolerance 0.00%".into()
        )
    );
    // Half the rows held back is more than the 5 % a quarantine may hold by default.
    assert_eq!(
        figure("quarantine"),
        (
            Status::Fail,
            "1 row is held back in `silver.t_quarantine`; 50.00% of the 2 rows that reached it failed a standard, at most 5.00% may"
                .into()
        )
    );
    assert_eq!(figure("accepted_values").0, Status::Pass);
    repo.write(".hallmark.yml", "promotion:\n  max_quarantine: 0.5\n");
    let (list, _) = repo.check();
    let quarantine = list.products[0]
        .results
        .iter()
        .find(|r| r.check == "quarantine")
        .unwrap();
    assert_eq!(quarantine.status, Status::Pass, "{}", quarantine.figure);
    // A share beyond 0..1 is refused where it is written.
    repo.write(
        ".hallmark.yml",
        "promotion:\n  max_set_aside: 0.01\n  max_quarantine: 5\n",
    );
    let error = hallmark_checks::Project::load(repo.path()).unwrap_err().to_string();
    assert!(
        error.contains(".hallmark.yml:3") && error.contains("promotion.max_quarantine is 5: a share from 0 to 1"),
        "{error}"
    );
}

fn a_standard_without_rule_needs_human_review(b: Backend) {
    let repo = Repo::on(b);
    repo.write(
        "data_standards.md",
        "## T-001 Names are business terms\nApplies to: silver\n\nNo abbreviations like `shp_ctry`.\n",
    )
    .product(COLUMNS, &["id"], &support::good(b));
    let r = repo.result();
    assert_eq!(r.status, Status::Manual);
    assert_eq!(r.reason.as_deref(), Some("No abbreviations like `shp_ctry`."));
}

on_every_backend!(
    not_null,
    unique,
    primary_key,
    primary_key_without_a_declared_key_fails_with_a_reason,
    accepted_values,
    range,
    range_on_timestamps_with_text_bounds,
    pattern,
    length,
    type_from_the_catalogue,
    column_name_pattern,
    required_columns,
    forbidden_columns,
    null_ratio,
    distinct_count,
    a_distinct_count_of_at_least_one_is_decided_by_presence,
    duplicate_rows_follow_from_a_held_primary_key,
    lengths_of_numbers_beyond_their_type_need_no_text,
    row_count,
    row_count_reconciliation,
    freshness,
    relationships,
    duplicate_rows,
    no_future_timestamps,
    documented,
    owner_present,
    custom_sql,
    warn_severity_reports_without_failing,
    a_selector_that_matches_nothing_is_not_applicable,
    an_untagged_lookalike_fails_the_standard,
    event_times_hidden_in_text_fail,
    quarantined_rows_are_counted_and_reconciled,
    a_standard_without_rule_needs_human_review,
);
