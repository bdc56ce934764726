//! `hallmark check` on a real ClickHouse server gives the example the same verdicts as
//! on DuckDB, drops its scratch database, and never prints the password. Skipped with a
//! printed reason when no server answers, except under `CI=true`, where it fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hallmark_tests::clickhouse::{password, query as clickhouse, server_or_skip, url};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/retail")
}

fn check(extra: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hallmark"))
        .args([
            "check",
            example().to_str().unwrap(),
            "--format",
            "json",
            "--as-of",
            "2025-01-01T00:00:00Z",
        ])
        .args(extra)
        .envs(env.iter().copied())
        .env("HALLMARK_CLICKHOUSE_URL", url())
        .output()
        .expect("the binary runs")
}

/// standard id and check → (status, figure), for comparing two runs.
fn verdicts(json: &[u8]) -> BTreeMap<String, (String, String)> {
    let doc: serde_json::Value = serde_json::from_slice(json).expect("JSON output");
    doc["products"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["results"].as_array().unwrap().iter())
        .map(|r| {
            (
                format!(
                    "{} {} {}",
                    r["standard_id"].as_str().unwrap(),
                    r["check"].as_str().unwrap(),
                    r["columns"]
                ),
                (
                    r["status"].as_str().unwrap().to_string(),
                    r["figure"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

#[test]
fn the_example_on_clickhouse_matches_duckdb_and_cleans_up() {
    if !server_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let prefix = format!("hallmark_cli_test_{}", std::process::id());
    let config = dir.path().join("clickhouse.yml");
    std::fs::write(
        &config,
        format!("warehouse:\n  kind: clickhouse\n  user: hallmark\n  sandbox_prefix: {prefix}\n"),
    )
    .unwrap();
    let pw = password();
    let on_clickhouse = check(
        &["--config", config.to_str().unwrap()],
        &[("HALLMARK_CLICKHOUSE_PASSWORD", &pw), ("HALLMARK_LOG", "trace")],
    );
    let log = String::from_utf8_lossy(&on_clickhouse.stderr);
    assert_eq!(
        on_clickhouse.status.code(),
        Some(1),
        "the example fails some standards\n{log}"
    );
    assert!(!log.contains(&pw), "the password must never be logged");
    assert!(log.contains("connected to ClickHouse"), "{log}");

    let on_duckdb = check(&[], &[]);
    assert_eq!(on_duckdb.status.code(), Some(1));
    let (ch, duck) = (verdicts(&on_clickhouse.stdout), verdicts(&on_duckdb.stdout));
    assert!(ch.len() >= 20, "{ch:#?}");
    // Same standards, same statuses; figures differ only where a warehouse spells a
    // type or prints a sample in its own way, which the type check reports verbatim.
    for (key, (status, figure)) in &duck {
        let (ch_status, ch_figure) = ch.get(key).unwrap_or_else(|| panic!("{key} missing on ClickHouse"));
        assert_eq!(ch_status, status, "{key}: {ch_figure} vs {figure}");
        if !key.contains(" type ") {
            assert_eq!(ch_figure, figure, "{key}");
        }
    }
    let doc: serde_json::Value = serde_json::from_slice(&on_clickhouse.stdout).unwrap();
    assert_eq!(doc["warehouse"], "clickhouse");
    assert_eq!(doc["products"][0]["rows"], 7972);

    let left = clickhouse(&format!(
        "SELECT count() FROM system.databases WHERE startsWith(name, '{prefix}')"
    ))
    .unwrap();
    assert_eq!(left.trim(), "0", "the scratch database is dropped after the run");
}

#[test]
fn a_wrong_password_is_a_clear_error_that_does_not_echo_it() {
    if !server_or_skip() {
        return;
    }
    let out = check(
        &["--config", example().join("clickhouse.hallmark.yml").to_str().unwrap()],
        &[("HALLMARK_CLICKHOUSE_PASSWORD", "not-the-password-42")],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("does not answer") || err.contains("cannot open the warehouse"),
        "{err}"
    );
    assert!(!err.contains("not-the-password-42"), "{err}");
}

/// The operator's `HALLMARK_CLICKHOUSE_USER` replaces the repository's `user:` (the
/// password in `HALLMARK_CLICKHOUSE_PASSWORD` is the operator's user's): a repository
/// naming a user the deployment's server does not have still runs.
#[test]
fn the_operators_user_replaces_the_one_the_repository_names() {
    if !server_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("clickhouse.yml");
    std::fs::write(
        &config,
        "warehouse:\n  kind: clickhouse\n  user: no_such_user_here\n  sandbox_prefix: hallmark_user_test\n",
    )
    .unwrap();
    let pw = password();
    let as_named = check(
        &["--config", config.to_str().unwrap()],
        &[("HALLMARK_CLICKHOUSE_PASSWORD", &pw)],
    );
    assert_eq!(
        as_named.status.code(),
        Some(2),
        "the repository's user does not exist: {}",
        String::from_utf8_lossy(&as_named.stderr)
    );
    let as_operator = check(
        &["--config", config.to_str().unwrap()],
        &[
            ("HALLMARK_CLICKHOUSE_PASSWORD", &pw),
            ("HALLMARK_CLICKHOUSE_USER", "hallmark"),
        ],
    );
    let err = String::from_utf8_lossy(&as_operator.stderr);
    assert_eq!(
        as_operator.status.code(),
        Some(1),
        "checked, some standards fail: {err}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&as_operator.stdout).unwrap();
    assert_eq!(doc["warehouse"], "clickhouse");
}
