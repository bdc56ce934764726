//! `hallmark impact` on a real git repository: a standards change that tightens one
//! rule, adds one and removes one makes one product fail and leaves the other passing;
//! the table, the JSON and the exit code say so, and a removed standard shows as
//! removed, not failing.

use hallmark_tests::shop::{commit_all, shop, STANDARDS};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn impact(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hallmark"))
        .arg("impact")
        .arg(root)
        .args(args)
        .output()
        .unwrap()
}

/// The shop's standards with SLV-003 tightened to at least 10, SLV-001 removed, and a
/// new standard that the stores' cities meet.
fn tightened() -> String {
    let without_keys = {
        let start = STANDARDS.find("### SLV-001").unwrap();
        let end = STANDARDS.find("### SLV-003").unwrap();
        format!("{}{}", &STANDARDS[..start], &STANDARDS[end..])
    };
    format!(
        "{}\n### SLV-011 Cities are capitalised\nApplies to: silver\n\nAs the post writes them.\n\n```rule\ncolumns: {{ name: city }}\ncheck: {{ pattern: {{ regex: \"[A-Z][a-z]+\" }} }}\n```\n",
        without_keys.replace("check: { range: { min: 0 } }", "check: { range: { min: 10 } }")
    )
}

#[test]
fn a_tightened_rule_fails_one_product_and_the_table_says_which_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let (root, base) = shop(dir.path());
    std::fs::write(root.join("data_standards.md"), tightened()).unwrap();
    let head = commit_all(&root, "Tighten the standards");

    let out = impact(&root, &["--base", &base.to_string(), "--head", &head.to_string()]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("1 of 2 products no longer meet the standards"), "{text}");
    assert!(
        text.contains("| Product | SLV-003 (changed: rule) | SLV-011 (added) | SLV-001 (removed) | Before → now |"),
        "{text}"
    );
    let sales = text.lines().find(|l| l.starts_with("| `silver.sales`")).unwrap();
    assert!(
        sales.contains("❌") && sales.contains("removed") && sales.ends_with("✅ → ❌ |"),
        "{sales}"
    );
    let stores = text.lines().find(|l| l.starts_with("| `silver.stores`")).unwrap();
    assert!(
        stores.contains("✅") && stores.ends_with("✅ → ✅ |") && !stores.contains("❌"),
        "{stores}"
    );
    assert!(
        text.contains("No longer meeting the standards: `silver.sales`."),
        "{text}"
    );
    assert!(
        text.contains("+check: { range: { min: 10 } }"),
        "the rule's diff: {text}"
    );

    // The text form says the same for a terminal: each change, then per product its
    // verdicts and each changed standard's figure, the newly failing last.
    let out = impact(
        &root,
        &[
            "--base",
            &base.to_string(),
            "--head",
            &head.to_string(),
            "--format",
            "text",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!text.contains('\u{1b}'), "no colour when piped: {text}");
    assert!(
        text.contains("  SLV-003 (changed: rule)\n  SLV-011 (added)\n  SLV-001 (removed)"),
        "{text}"
    );
    assert!(text.contains("silver.sales  before ✔ passed → now ✘ failed"), "{text}");
    assert!(text.contains("  ✘ SLV-003 ") && text.contains("of 40"), "{text}");
    assert!(text.contains("  – SLV-001 removed: no longer checked"), "{text}");
    assert!(text.contains("silver.stores  before ✔ passed → now ✔ passed"), "{text}");
    assert!(
        text.trim_end()
            .ends_with("1 of 2 products no longer meet the standards: silver.sales"),
        "{text}"
    );

    let out = impact(
        &root,
        &[
            "--base",
            &base.to_string(),
            "--head",
            &head.to_string(),
            "--format",
            "json",
        ],
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let changes: Vec<(&str, &str)> = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap(), c["change"].as_str().unwrap()))
        .collect();
    assert_eq!(
        changes,
        [("SLV-003", "changed"), ("SLV-011", "added"), ("SLV-001", "removed")]
    );
    let sales = doc["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["product"] == "silver.sales")
        .unwrap();
    assert_eq!(sales["cells"][0]["status"], "fail");
    assert!(
        sales["cells"][0]["figure"].as_str().unwrap().contains("of 40"),
        "{sales}"
    );
    assert_eq!(sales["cells"][2]["status"], Value::Null, "removed, not failing");
    assert_eq!(
        (sales["passed_before"].as_bool(), sales["passes_now"].as_bool()),
        (Some(true), Some(false))
    );
}

#[test]
fn a_change_that_breaks_nothing_exits_0_and_a_bad_revision_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (root, base) = shop(dir.path());
    // A severity changed on a standard both products meet, and a text reworded.
    std::fs::write(
        root.join("data_standards.md"),
        STANDARDS
            .replace("Keys hold.", "Keys hold, always.")
            .replace("severity: error", "severity: warn"),
    )
    .unwrap();
    let head = commit_all(&root, "Reword");
    let out = impact(&root, &["--base", &base.to_string(), "--head", &head.to_string()]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("0 of 2 products no longer meet the standards"), "{text}");
    assert!(text.contains("SLV-001 (changed: text)"), "{text}");
    assert!(text.contains("SLV-003 (changed: severity)"), "{text}");

    let out = impact(&root, &["--base", "no-such-branch"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot read no-such-branch"), "{err}");
}
