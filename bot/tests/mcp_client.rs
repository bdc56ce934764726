//! `hallmark mcp` driven by a real MCP client — the official Python SDK, installed
//! pinned by `scripts/mcp-client.sh` — over stdio, as an editor's agent would: it
//! promotes the example's orders from profile to a green checklist with the server's
//! tools only, is refused everything outside the sandbox and the product folders,
//! drafts with Hallmark's drafter, cancels a check that would run for minutes, and
//! reads the impact and the diff of a change. What the script reports is held to the
//! example's own files here (counts from DuckDB over the bronze CSV, ids from the
//! standards file, branches from git).

use hallmark_tests::local_repo::{copy, example, git};
use hallmark_tests::tools::installed;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The example with its standards and bronze data but no products, committed on main.
fn bare_example(dir: &Path) -> PathBuf {
    let repo = dir.join("repo");
    copy(&example(), &repo);
    std::fs::remove_dir_all(repo.join("products")).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "standards and bronze data"]);
    repo
}

/// The whole example on main, and on `stricter` a change: SLV-015 allows 0.1 % missing
/// customers instead of 2 %, and the orders drop every id ending in 7.
fn changed_example(dir: &Path) -> PathBuf {
    let repo = dir.join("changed");
    copy(&example(), &repo);
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "the example"]);
    git(&repo, &["checkout", "-qb", "stricter"]);
    let standards = repo.join("data_standards.md");
    let text = std::fs::read_to_string(&standards).unwrap();
    let stricter = text.replace(
        "check: { null_ratio: { max: 0.02 } }",
        "check: { null_ratio: { max: 0.001 } }",
    );
    assert_ne!(text, stricter);
    std::fs::write(&standards, stricter).unwrap();
    // The repository runs on DuckDB: its SQL is the one that changes.
    let path = repo.join("products/orders/silver.sql");
    let text = std::fs::read_to_string(&path).unwrap();
    let changed = text.replace("WHERE version = 1", "WHERE version = 1 AND order_id NOT LIKE '%7'");
    assert_ne!(text, changed);
    std::fs::write(&path, changed).unwrap();
    git(&repo, &["commit", "-qam", "stricter"]);
    git(&repo, &["checkout", "-q", "main"]);
    repo
}

/// One value from DuckDB over the example's bronze orders.
fn bronze(sql: &str) -> Vec<String> {
    let csv = example().join("bronze/orders.csv");
    let db = duckdb::Connection::open_in_memory().unwrap();
    db.execute_batch(&format!(
        "CREATE VIEW orders AS SELECT * FROM read_csv('{}', all_varchar = true)",
        csv.display()
    ))
    .unwrap();
    let mut stmt = db.prepare(sql).unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn an_outside_agent_promotes_the_example_through_the_mcp_server() {
    let Some(python) = installed("mcp-client.sh", "the MCP client") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let repo = bare_example(dir.path());
    let changed = changed_example(dir.path());
    let first_draft = example().join("products/orders");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp/agent_session.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_hallmark"))
        .args([&repo, &first_draft, &changed])
        .env("HALLMARK_LOG", "warn")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the agent session failed:\n{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));

    // The server introduced itself, on a protocol version both sides know.
    for server in report["servers"].as_array().unwrap() {
        assert_eq!(server["name"], "hallmark");
        assert!(server["protocol"].as_str().unwrap().starts_with("20"), "{server}");
    }
    // Typed schemas: `query` takes exactly one string `sql`.
    assert_eq!(report["query_schema"]["required"], serde_json::json!(["sql"]));
    assert_eq!(report["query_schema"]["properties"]["sql"]["type"], "string");
    assert_eq!(report["query_schema"]["additionalProperties"], false);

    // It started with no product, and read the standards the file has for silver.
    assert_eq!(report["products_before"], serde_json::json!([]));
    let project = hallmark_checks::Project::load(&example()).unwrap();
    let silver: Vec<&str> = project
        .standards
        .iter()
        .filter(|s| s.applies_to(hallmark_checks::Level::Silver))
        .map(|s| s.id.as_str())
        .collect();
    let read: Vec<&str> = report["standards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(read, silver);
    assert!(report["explain"].as_str().unwrap().contains("ISO 3166-1 alpha-2"));

    // The profile and the query saw the bronze file as it is.
    let rows: u64 = bronze("SELECT CAST(count(*) AS VARCHAR) FROM orders")[0]
        .parse()
        .unwrap();
    assert_eq!(report["profile"]["rows"], rows);
    assert_eq!(report["profile"]["source"], "bronze.orders");
    let spellings = bronze(r#"SELECT DISTINCT "Ship Country" FROM orders ORDER BY 1"#);
    assert_eq!(strings(&report["country_spellings"]), spellings);

    // Round one failed on exactly what the hand-written product gets wrong; round two,
    // revised by the agent, passed, with progress reported while it was checked.
    assert_eq!(report["round1"]["passed"], false);
    assert_eq!(strings(&report["round1"]["failed"]), ["SLV-003", "SLV-005", "SLV-009"]);
    assert_eq!(report["round2"]["passed"], true, "{}", report["round2"]["text"]);
    assert_eq!(report["round2"]["summary"]["fail"], 0);
    assert_eq!(report["round2"]["summary"]["error"], 0);
    let progress = report["progress"].as_array().unwrap();
    assert!(
        progress
            .iter()
            .any(|p| p["message"] == "checking silver.orders (1 of 1)"),
        "{progress:?}"
    );
    let products_dir = repo.join("products/orders");
    assert!(std::fs::read_to_string(products_dir.join("silver.sql"))
        .unwrap()
        .contains("AS is_refund"));
    assert!(report["last_checklist"].as_str().unwrap().contains("✅ passed"));
    assert_eq!(report["sql_resource_is_what_was_written"], true);
    let resources = strings(&report["resources"]);
    for uri in [
        "hallmark://repository/data_standards.md",
        "hallmark://repository/products/orders/silver.yml",
        "hallmark://repository/products/orders/silver.sql",
        "hallmark://checklist/last.md",
        "hallmark://checklist/last.json",
    ] {
        assert!(resources.contains(&uri.to_string()), "{uri} in {resources:?}");
    }
    assert!(report["prompt"].as_str().unwrap().contains("write_product_file"));

    // Every refusal says what was wrong, and nothing was written or read outside.
    let refusals = &report["refusals"];
    let says = |key: &str, words: &str| {
        let message = refusals[key].as_str().unwrap_or_else(|| panic!("no refusal {key}"));
        assert!(message.contains(words), "{key}: {message}");
    };
    says("file_function", "read_csv");
    says("write_statement", "only a SELECT is allowed");
    says("missing_table", "bronze.nowhere");
    says("two_statements", "only one statement");
    says("standards_file", "outside products/");
    says("climb_out", "outside products/");
    says("workflow", "outside products/");
    says("script", "not a product file");
    says("unknown_standard", "`NOPE-1` is not a standard");
    says("unknown_product", "no product matches `nope`");
    says("bad_time", "RFC 3339");
    says("source_outside", "not a usable source");
    says("gold_from_bronze", "gold product is built from a silver product");
    says("unknown_tool", "there is no tool `drop_database`");
    says("bad_arguments", "unknown field `statement`");
    says("resource_outside", "not a resource of this server");
    assert_eq!(
        std::fs::read_to_string(repo.join("data_standards.md")).unwrap(),
        std::fs::read_to_string(example().join("data_standards.md")).unwrap()
    );
    assert!(!dir.path().join("escaped.sql").exists());
    assert!(!repo.join(".github").exists());
    assert!(!products_dir.join("run.sh").exists());

    // Hallmark's own draft is committed on its branch, not in the working tree.
    let draft = &report["draft"];
    assert_eq!(draft["branch"], "hallmark/silver/customers");
    assert_eq!(draft["passed"], true);
    let branch_head = Command::new("git")
        .args(["rev-parse", "hallmark/silver/customers"])
        .current_dir(&repo)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&branch_head.stdout).trim(), draft["commit"]);
    assert!(!repo.join("products/customers").exists());

    // The cancelled check's warehouse process was running and was stopped at once,
    // and the server answered afterwards.
    let cancel = &report["cancellation"];
    assert_eq!(cancel["worker_seen_running"], true, "{cancel}");
    assert_eq!(cancel["workers_left"], 0, "{cancel}");
    assert_eq!(
        cancel["answers_after"],
        serde_json::json!(["silver.orders", "silver.slow"])
    );

    // The impact names the changed standard; the diff removed every id ending in 7.
    let changes = report["impact"]["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0]["id"], "SLV-015");
    let sevens: u64 = bronze(
        r#"SELECT CAST(count(DISTINCT trim("Order ID")) AS VARCHAR) FROM orders WHERE trim("Order ID") LIKE '%7'"#,
    )[0]
    .parse()
    .unwrap();
    let keyed = &report["diff"][0]["diff"]["keyed"];
    assert_eq!(keyed["only_in_base"], sevens, "{keyed}");
    assert_eq!(keyed["only_in_head"], 0);
    assert_eq!(keyed["changed"], 0);
}
