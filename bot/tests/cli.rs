//! The `hallmark` binary as a user runs it: exit codes, formats, files, messages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/retail")
}

fn hallmark(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hallmark"))
        .args(args)
        .args(
            ["--as-of", "2025-01-01T00:00:00Z"]
                .iter()
                .filter(|_| args.first() == Some(&"check")),
        )
        .output()
        .expect("the binary runs")
}

/// A repository at `p` with one standard (at least one row) and one silver product
/// `x` over the one-row `x.csv`, built by `sql`.
fn one_product_repo(p: &Path, sql: &str) {
    std::fs::write(
        p.join("data_standards.md"),
        "## S-1 Rows\nApplies to: silver\n```rule\ncheck: { row_count: { min: 1 } }\n```\n",
    )
    .unwrap();
    std::fs::create_dir_all(p.join("products/x")).unwrap();
    std::fs::write(p.join("x.csv"), "a\n1\n").unwrap();
    std::fs::write(
        p.join("products/x/silver.yml"),
        "name: x\nlevel: silver\nowner: data@example.com\nsources: [{ name: bronze.x, file: x.csv }]\ncolumns: [{ name: a, type: integer }]\n",
    )
    .unwrap();
    std::fs::write(p.join("products/x/silver.sql"), sql).unwrap();
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn check_the_example_prints_passes_and_failures_and_exits_1() {
    let out = hallmark(&["check", example().to_str().unwrap()]);
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the hand-written product fails some standards\n{text}\n{}",
        stderr(&out)
    );
    assert!(text.starts_with("### Hallmark checklist"), "{text}");
    assert!(text.contains("#### `silver.orders` — 7,972 rows"), "{text}");
    // Passes: the key holds after dedup, the spec has an owner.
    assert!(text.contains("- [x] **SLV-001** Every product has a primary key that holds — `primary_key(order_id)`: 0 null and 0 duplicate keys in 7,972 rows"), "{text}");
    assert!(text.contains("- [x] **SLV-012**"), "{text}");
    // Failures the example leaves in on purpose: country names, refunds, a missing description.
    assert!(
        text.contains("- [ ] **SLV-005** Country codes are ISO 3166-1 alpha-2 — `pattern(ship_country)`: ❌ **fail**"),
        "{text}"
    );
    assert!(
        text.contains("- [ ] **SLV-003** Amounts are non-negative decimals — `range(amount)`: ❌ **fail**"),
        "{text}"
    );
    assert!(text.contains("- [ ] **SLV-009** Every column is documented — `documented`: ❌ **fail** 1 of 8 columns have no description: `status`"), "{text}");
    assert!(
        text.contains(
            "- [ ] **SLV-016** Names are business terms, not source-system abbreviations: 👀 **needs human review**\n"
        ),
        "{text}"
    );
}

#[test]
fn json_output_validates_against_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("checklist.json");
    let out = hallmark(&[
        "check",
        example().to_str().unwrap(),
        "--format",
        "json",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "--output writes the file, not stdout");
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../checks/schema/checklist.v1.json"))
            .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(doc["products"][0]["product"], "silver.orders");
    assert_eq!(doc["products"][0]["rows"], 7972);
}

#[test]
fn junit_output_is_well_formed() {
    let out = hallmark(&["check", example().to_str().unwrap(), "--format", "junit"]);
    assert_eq!(out.status.code(), Some(1));
    let xml = stdout(&out);
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut cases = 0;
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)
                if e.name().as_ref() == b"testcase" =>
            {
                cases += 1
            }
            _ => {}
        }
    }
    assert!(cases >= 20, "{cases} test cases\n{xml}");
}

/// Logs written to a file or a pipe carry no terminal colour codes.
#[test]
fn logs_to_a_pipe_are_plain_text() {
    let out = Command::new(env!("CARGO_BIN_EXE_hallmark"))
        .args(["check", example().to_str().unwrap(), "--format", "json"])
        .env("HALLMARK_LOG", "debug")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(
        err.contains("DEBUG") || err.contains("INFO"),
        "something was logged: {err}"
    );
    assert!(!err.contains('\u{1b}'), "no escape codes: {err:?}");
}

#[test]
fn lint_the_example() {
    let out = hallmark(&["lint", example().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("21 standards (18 with rules, 3 need human review), 1 products"),
        "{}",
        stdout(&out)
    );
}

/// Every section of `.hallmark.yml` is checked by `lint`, the ones the bot and the
/// agent read included: a misspelled key is named with its line, not ignored.
#[test]
fn lint_names_an_unknown_key_of_every_section_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("data_standards.md"),
        "## SLV-001 Ids\nApplies to: silver\n```rule\ncolumns: { name: id }\ncheck: not_null\n```\n",
    )
    .unwrap();
    let lint = |config: &str| {
        std::fs::write(dir.path().join(".hallmark.yml"), config).unwrap();
        let out = hallmark(&["lint", dir.path().to_str().unwrap()]);
        (out.status.code(), stderr(&out))
    };
    let (code, err) = lint("standards: data_standards.md\nbot:\n  bare_commands: false\n  standards_chang: fix\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(".hallmark.yml:4: bot: unknown field `standards_chang`"),
        "{err}"
    );
    let (code, err) = lint("bot:\n  promote_permission: everyone\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(":2: bot: promote_permission `everyone`"), "{err}");
    let (code, err) = lint("llm:\n  model: gpt-x\n  temprature: 0\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("`llm:` section") && err.contains("temprature"), "{err}");
    let (code, err) = lint("bogus: 1\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("bogus"), "{err}");
    let (code, err) = lint("bot:\n  standards_change: fix\n  promote_permission: triage\n");
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn bad_input_exits_2_and_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("data_standards.md"),
        "## SLV-001 Amounts\nApplies to: silver\n```rule\ncolumns: { tag: currency }\ncheck: { rnage: { min: 0 } }\n```\n",
    )
    .unwrap();
    for verb in ["lint", "check"] {
        let out = hallmark(&[verb, dir.path().to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{verb}");
        let err = stderr(&out);
        assert!(
            err.contains("data_standards.md:5: standard SLV-001: check: unknown check `rnage`"),
            "{verb}: {err}"
        );
    }
}

#[test]
fn unknown_product_exits_2_and_lists_the_products() {
    let out = hallmark(&["check", example().to_str().unwrap(), "--product", "shipments"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no product matches --product shipments"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("products: silver.orders"), "{}", stderr(&out));
}

#[test]
fn a_missing_source_table_is_a_clear_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    one_product_repo(p, "SELECT a FROM bronze.nothing_here");
    let out = hallmark(&["check", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("building silver.x from"), "{text}");
    assert!(
        text.contains("nothing_here"),
        "the warehouse's message names the table: {text}"
    );
    assert!(text.contains("💥 **error**"), "{text}");
}

/// `--deployed` reads each product where `.hallmark.yml`'s `deployed:` says it is
/// (here an empty deployed table, where the SQL would build one row), and a location
/// that cannot name a relation is refused at load with its line.
#[test]
fn check_deployed_reads_the_deployed_relation_and_builds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    one_product_repo(p, "SELECT a FROM bronze.x");
    let conn = duckdb::Connection::open(p.join("prod.duckdb")).unwrap();
    conn.execute_batch("CREATE SCHEMA prod_silver; CREATE TABLE prod_silver.x (a INTEGER);")
        .unwrap();
    drop(conn);
    std::fs::write(
        p.join(".hallmark.yml"),
        "warehouse: { kind: duckdb, path: prod.duckdb }\ndeployed: prod_{level}.{name}\n",
    )
    .unwrap();
    let root = p.to_str().unwrap();

    let built = hallmark(&["check", root]);
    assert!(stdout(&built).contains("— 1 rows"), "{}", stdout(&built));
    let out = hallmark(&["check", "--deployed", root]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(
        text.contains("checked in place at `prod_silver.x`") && text.contains("— 0 rows"),
        "{text}"
    );
    let elsewhere = hallmark(&["check", "--deployed=nowhere", root]);
    assert!(
        stdout(&elsewhere).contains("the deployed relation `nowhere.x` cannot be read"),
        "{}",
        stdout(&elsewhere)
    );

    std::fs::write(
        p.join(".hallmark.yml"),
        "warehouse: { kind: duckdb, path: prod.duckdb }\ndeployed: a.b.c\n",
    )
    .unwrap();
    let bad = hallmark(&["check", root]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains(".hallmark.yml:2: deployed: `a.b.c` is not a deployed location"),
        "{}",
        stderr(&bad)
    );
}

/// A second `hallmark check` of an unchanged, passing repository reports from the
/// cache; `--no-cache` checks again.
#[test]
fn an_unchanged_repository_is_reported_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    one_product_repo(p, "SELECT CAST(a AS INTEGER) AS a FROM bronze.x");
    let root = p.to_str().unwrap();
    let first = hallmark(&["check", root]);
    assert_eq!(first.status.code(), Some(0), "{}", stdout(&first));
    assert!(!stdout(&first).contains("cached from"));
    assert!(p.join(".hallmark/cache/results.json").is_file());
    let second = hallmark(&["check", root]);
    assert_eq!(second.status.code(), Some(0));
    assert!(stdout(&second).contains("cached from a run at "), "{}", stdout(&second));
    let fresh = hallmark(&["check", "--no-cache", root]);
    assert!(!stdout(&fresh).contains("cached from"), "{}", stdout(&fresh));
}

#[test]
fn checks_lists_the_catalogue() {
    let out = hallmark(&["checks"]);
    assert_eq!(out.status.code(), Some(0));
    for kind in [
        "not_null",
        "row_count_reconciliation",
        "custom_sql",
        "no_future_timestamps",
    ] {
        assert!(stdout(&out).contains(kind), "{kind}");
    }
}

#[test]
fn demo_promotes_the_example_from_anywhere_and_keeps_the_repository_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let kept = dir.path().join("demo-repo");
    let out = Command::new(env!("CARGO_BIN_EXE_hallmark"))
        .args(["demo", "--keep", kept.to_str().unwrap()])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for product in ["silver.orders", "silver.customers", "gold.daily_revenue"] {
        assert!(text.contains(&format!("\n## {product}\n")), "{product}: {text}");
    }
    for branch in [
        "hallmark/silver/orders",
        "hallmark/silver/customers",
        "hallmark/gold/daily_revenue",
    ] {
        let line = text
            .lines()
            .find(|l| l.contains(branch))
            .unwrap_or_else(|| panic!("{branch}: {text}"));
        assert!(line.contains("✅ passed"), "{line}");
    }
    assert!(text.contains("```diff\n--- bronze.orders\n+++ silver.orders"), "{text}");
    assert!(text.contains("Wall time:"), "{text}");
    let repo = git2::Repository::open(&kept).unwrap();
    for branch in [
        "main",
        "hallmark/silver/orders",
        "hallmark/silver/customers",
        "hallmark/gold/daily_revenue",
    ] {
        assert!(repo.find_branch(branch, git2::BranchType::Local).is_ok(), "{branch}");
    }
}

#[test]
fn promote_commits_on_a_branch_and_refuses_bad_input_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("bronze")).unwrap();
    for rel in ["data_standards.md", "bronze/orders.csv"] {
        std::fs::copy(example().join(rel), root.join(rel)).unwrap();
    }
    hallmark::git::init_repository(root, "start").unwrap();
    let root_arg = root.to_str().unwrap();
    let out = hallmark(&[
        "promote",
        "--source",
        "bronze/orders.csv",
        "--to",
        "silver",
        "--owner",
        "a@example.com",
        root_arg,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("### Hallmark checklist"), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("hallmark: profiling bronze.orders"), "{err}");
    assert!(err.contains("on branch hallmark/silver/orders"), "{err}");
    assert!(!root.join("products").exists(), "the working tree is untouched");

    let out = hallmark(&["promote", "--source", "bronze/nope.csv", "--to", "silver", root_arg]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("bronze/nope.csv"), "{}", stderr(&out));
    let out = hallmark(&["promote", "--source", "silver.orders", "--to", "gold", root_arg]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not one of this repository's products"),
        "{}",
        stderr(&out)
    );
    let out = hallmark(&[
        "promote",
        "--source",
        "bronze/orders.csv",
        "--to",
        "silver",
        "--drafter",
        "llm",
        root_arg,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("needs an `llm:` section"), "{}", stderr(&out));
}
