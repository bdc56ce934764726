//! `hallmark ci` as a GitHub Actions step runs it: the binary with the runner's
//! variables, a real `pull_request.opened` event file (GitHub's fixture, pointed at a
//! local repository), a real git repository with a base and a head commit, and the
//! fake GitHub receiving the check run and the sticky comment over HTTP.

use hallmark::github::client::marker;
use hallmark_tests::fake_github::FakeGitHub;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

const REPO: &str = "acme/shop";
const TOKEN: &str = "ghs_workflow_token";

const STANDARDS: &str = "# Shop standards

## Silver

### SLV-001 Every product has a primary key that holds
Applies to: silver, gold

Keys hold.

```rule
check: primary_key
```

### SLV-003 Amounts are non-negative
Applies to: silver, gold

Refunds live in their own product.

```rule
columns: { tag: currency }
check: { range: { min: 0 } }
severity: error
```
";

const SALES_SPEC: &str = "name: sales
level: silver
description: One row per sale.
owner: shop-data@example.com
sources:
  - name: bronze.sales
    file: bronze/sales.csv
primary_key: [sale_id]
columns:
  - name: sale_id
    type: varchar
    description: The sale.
  - name: amount
    type: decimal(18,2)
    description: What was paid.
    tags: [currency]
";

const SALES_SQL: &str =
    "SELECT CAST(id AS VARCHAR) AS sale_id, CAST(amount AS DECIMAL(18, 2)) AS amount FROM bronze.sales\n";

const STORES_SPEC: &str = "name: stores
level: silver
description: One row per store.
owner: shop-data@example.com
sources:
  - name: bronze.stores
    file: bronze/stores.csv
primary_key: [store_id]
columns:
  - name: store_id
    type: varchar
    description: The store.
  - name: city
    type: varchar
    description: Where it is.
";

const STORES_SQL: &str = "SELECT CAST(id AS VARCHAR) AS store_id, city FROM bronze.stores\n";

/// A repository on `main` with two passing products; returns it and its commit.
fn shop(dir: &Path) -> (PathBuf, git2::Oid) {
    let root = dir.join("shop");
    let files = [
        ("data_standards.md", STANDARDS.to_string()),
        (
            "bronze/sales.csv",
            "id,amount\n".to_string() + &(1..=40).map(|i| format!("{i},{}.50\n", i * 3)).collect::<String>(),
        ),
        ("bronze/stores.csv", "id,city\n1,Lyon\n2,Porto\n3,Graz\n".to_string()),
        ("products/sales/silver.yml", SALES_SPEC.to_string()),
        ("products/sales/silver.sql", SALES_SQL.to_string()),
        ("products/stores/silver.yml", STORES_SPEC.to_string()),
        ("products/stores/silver.sql", STORES_SQL.to_string()),
    ];
    for (rel, text) in &files {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let mut init = git2::RepositoryInitOptions::new();
    init.initial_head("main");
    git2::Repository::init_opts(&root, &init).unwrap();
    let base = commit_all(&root, "Two products");
    (root, base)
}

fn commit_all(root: &Path, message: &str) -> git2::Oid {
    let repo = git2::Repository::open(root).unwrap();
    let mut index = repo.index().unwrap();
    index.add_all(["*"], git2::IndexAddOption::DEFAULT, None).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::now("Data Team", "data@example.com").unwrap();
    let parents: Vec<git2::Commit> = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .into_iter()
        .collect();
    let parents: Vec<&git2::Commit> = parents.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents).unwrap()
}

/// GitHub's `pull_request.opened` fixture, about pull request 7 of [`REPO`] from
/// `head` into `base`.
fn event_file(dir: &Path, base: git2::Oid, head: git2::Oid) -> PathBuf {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/webhooks/github/pull_request/opened.payload.json");
    let mut event: Value = serde_json::from_slice(&std::fs::read(fixture).unwrap()).unwrap();
    event["number"] = json!(7);
    event["pull_request"]["number"] = json!(7);
    event["pull_request"]["head"]["sha"] = json!(head.to_string());
    event["pull_request"]["base"]["sha"] = json!(base.to_string());
    event["repository"]["full_name"] = json!(REPO);
    let path = dir.join(format!("event-{head}.json"));
    std::fs::write(&path, event.to_string()).unwrap();
    path
}

struct Step {
    code: i32,
    stdout: String,
    outputs: String,
    summary: String,
}

/// Runs `hallmark ci <root>` as a step of a workflow for the pull request.
fn step(fake: &FakeGitHub, dir: &Path, root: &Path, base: git2::Oid, head: git2::Oid) -> Step {
    let event = event_file(dir, base, head);
    let outputs = dir.join("outputs");
    let summary = dir.join("summary.md");
    let _ = std::fs::remove_file(&outputs);
    let _ = std::fs::remove_file(&summary);
    let out = Command::new(env!("CARGO_BIN_EXE_hallmark"))
        .arg("ci")
        .arg(root)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_API_URL", fake.url())
        .env("GITHUB_SERVER_URL", "https://github.example")
        .env("GITHUB_RUN_ID", "4711")
        .env("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains(TOKEN),
        "the token never prints"
    );
    Step {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        outputs: std::fs::read_to_string(&outputs).unwrap_or_default(),
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
    }
}

fn fake() -> FakeGitHub {
    let fake = FakeGitHub::for_test_app();
    fake.with_state(|s| s.actions_tokens.push(TOKEN.into()));
    fake
}

#[test]
fn a_passing_change_checks_only_its_product_and_a_rerun_updates_the_same_check_and_comment() {
    let dir = tempfile::tempdir().unwrap();
    let (root, base) = shop(dir.path());
    std::fs::write(
        root.join("products/stores/silver.sql"),
        format!("-- Stores, as the shop lists them.\n{STORES_SQL}"),
    )
    .unwrap();
    let head = commit_all(&root, "Document the stores transform");
    let fake = fake();

    let run = step(&fake, dir.path(), &root, base, head);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("Checked 1 of 2 products (the products this change touches)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("silver.stores") && !run.stdout.contains("silver.sales"),
        "{}",
        run.stdout
    );
    assert!(
        run.outputs.starts_with("passed=true\nfailed-count=0\nchecklist<<"),
        "{}",
        run.outputs
    );
    assert!(run.summary.contains("silver.stores"), "{}", run.summary);
    let (checks, comments) = fake.with_state(|s| (s.check_runs.clone(), s.comments.clone()));
    assert_eq!(checks.len(), 1);
    let check = &checks[0];
    assert_eq!(
        (check.name.as_str(), check.head_sha.as_str()),
        ("hallmark", head.to_string().as_str())
    );
    assert_eq!(
        (check.status.as_str(), check.conclusion.as_deref()),
        ("completed", Some("success"))
    );
    assert!(check.annotations.is_empty(), "{:?}", check.annotations);
    assert_eq!(comments.len(), 1);
    assert_eq!(
        (comments[0].number, comments[0].login.as_str()),
        (7, "github-actions[bot]")
    );
    assert!(comments[0].body.starts_with(&marker("checklist")));

    // The workflow re-run: the same check run and the same comment, updated.
    let again = step(&fake, dir.path(), &root, base, head);
    assert_eq!(again.code, 0, "{}", again.stdout);
    let (checks, comments) = fake.with_state(|s| (s.check_runs.clone(), s.comments.clone()));
    assert_eq!((checks.len(), checks[0].writes), (1, 2), "{checks:?}");
    assert_eq!(comments.len(), 1, "{comments:?}");
}

#[test]
fn a_failing_change_fails_the_step_with_annotations_on_the_standard() {
    let dir = tempfile::tempdir().unwrap();
    let (root, base) = shop(dir.path());
    std::fs::write(
        root.join("products/sales/silver.sql"),
        SALES_SQL.replace("CAST(amount AS DECIMAL(18, 2))", "-CAST(amount AS DECIMAL(18, 2))"),
    )
    .unwrap();
    let head = commit_all(&root, "Sign the amounts");
    let fake = fake();

    let run = step(&fake, dir.path(), &root, base, head);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.outputs.starts_with("passed=false\nfailed-count=1\n"),
        "{}",
        run.outputs
    );
    let checks = fake.with_state(|s| s.check_runs.clone());
    assert_eq!(checks[0].conclusion.as_deref(), Some("failure"));
    let annotations = &checks[0].annotations;
    assert_eq!(annotations.len(), 1, "{annotations:?}");
    let a = &annotations[0];
    let heading = STANDARDS.lines().position(|l| l.starts_with("### SLV-003")).unwrap() + 1;
    assert_eq!(a["path"], "data_standards.md");
    assert_eq!(
        (a["start_line"].as_u64(), a["annotation_level"].as_str()),
        (Some(heading as u64), Some("failure"))
    );
    assert!(
        a["title"]
            .as_str()
            .unwrap()
            .starts_with("SLV-003 fail on silver.sales (amount)"),
        "{a}"
    );
    assert!(a["message"].as_str().unwrap().contains("40"), "the figure: {a}");
}

#[test]
fn a_standards_change_rechecks_every_product() {
    let dir = tempfile::tempdir().unwrap();
    let (root, base) = shop(dir.path());
    // A new standard that the columns with longer values break: every one but
    // `stores.store_id` (1, 2, 3).
    let tightened = format!(
        "{STANDARDS}\n### SLV-010 Values are at most one character\nApplies to: silver\n\nShort.\n\n```rule\ncolumns: {{ name: \"*\" }}\ncheck: {{ pattern: {{ regex: \".\" }} }}\n```\n"
    );
    std::fs::write(root.join("data_standards.md"), tightened).unwrap();
    let head = commit_all(&root, "Tighten the standards");
    let fake = fake();
    let run = step(&fake, dir.path(), &root, base, head);
    assert!(
        run.stdout
            .contains("Checked 2 of 2 products (data_standards.md changed)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("silver.sales") && run.stdout.contains("silver.stores"),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    let checks = fake.with_state(|s| s.check_runs.clone());
    let on_new_standard = checks[0]
        .annotations
        .iter()
        .filter(|a| a["title"].as_str().is_some_and(|t| t.starts_with("SLV-010 fail")))
        .count();
    assert_eq!(
        on_new_standard, 3,
        "one per failing column: {:?}",
        checks[0].annotations
    );
}
