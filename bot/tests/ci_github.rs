//! `hallmark ci` as a GitHub Actions step runs it: the binary with the runner's
//! variables, a real `pull_request.opened` event file (GitHub's fixture, pointed at a
//! local repository), a real git repository with a base and a head commit, and the
//! fake GitHub receiving the check run and the sticky comment over HTTP.

use hallmark::github::client::marker;
use hallmark_tests::fake_github::FakeGitHub;
use hallmark_tests::shop::{commit_all, negate_amounts, shop, STANDARDS, STORES_SPEC, STORES_SQL};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

const REPO: &str = "acme/shop";
const TOKEN: &str = "ghs_workflow_token";

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
    let (checks, comments) = fake.with_state(|s| (s.repo(REPO).check_runs.clone(), s.repo(REPO).comments.clone()));
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
    let (checks, comments) = fake.with_state(|s| (s.repo(REPO).check_runs.clone(), s.repo(REPO).comments.clone()));
    assert_eq!((checks.len(), checks[0].writes), (1, 2), "{checks:?}");
    assert_eq!(comments.len(), 1, "{comments:?}");
}

#[test]
fn a_failing_change_fails_the_step_with_annotations_on_the_standard() {
    let dir = tempfile::tempdir().unwrap();
    let (root, base) = shop(dir.path());
    negate_amounts(&root);
    let head = commit_all(&root, "Sign the amounts");
    let fake = fake();

    let run = step(&fake, dir.path(), &root, base, head);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.outputs.starts_with("passed=false\nfailed-count=1\n"),
        "{}",
        run.outputs
    );
    let checks = fake.with_state(|s| s.repo(REPO).check_runs.clone());
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
    // The data diff from the base: every one of the 40 amounts changed sign, no sale
    // came or went; in the comment, the check run and the job summary.
    let diff =
        "<b>Data diff</b> of <code>silver.sales</code>: 0 added · 0 removed · 40 changed · 0 unchanged (by `sale_id`)";
    let comments = fake.with_state(|s| s.repo(REPO).comments.clone());
    assert!(comments[0].body.contains(diff), "{}", comments[0].body);
    assert!(checks[0].summary.contains(diff), "{}", checks[0].summary);
    assert!(run.summary.contains(diff), "{}", run.summary);
    assert!(
        comments[0].body.contains("| `1` | `amount` | `3.5"),
        "the first changed sale, before and after: {}",
        comments[0].body
    );
}

/// Actions makes a check run for the workflow job itself, named after the job (here,
/// as in the example workflow, `hallmark`): `hallmark ci` makes its own beside it and
/// never writes to the job's, on the first run or a re-run.
#[test]
fn the_workflow_jobs_own_check_run_is_never_edited() {
    use hallmark_tests::fake_github::checks::workflow_job_started;
    let dir = tempfile::tempdir().unwrap();
    let (root, base) = shop(dir.path());
    negate_amounts(&root);
    let head = commit_all(&root, "Sign the amounts");
    let fake = fake();
    let job = fake.with_state(|s| workflow_job_started(s, REPO, &head.to_string(), "hallmark"));

    for round in 1..=2 {
        let run = step(&fake, dir.path(), &root, base, head);
        assert_eq!(run.code, 1, "{}", run.stdout);
        let checks = fake.with_state(|s| s.repo(REPO).check_runs.clone());
        assert_eq!(checks.len(), 2, "round {round}: {checks:?}");
        let job_run = checks.iter().find(|c| c.id == job).unwrap();
        assert_eq!(
            (job_run.status.as_str(), job_run.writes, job_run.conclusion.as_deref()),
            ("in_progress", 0, None),
            "round {round}: the job's run is untouched"
        );
        let ours = checks.iter().find(|c| c.id != job).unwrap();
        assert_eq!(
            (ours.conclusion.as_deref(), ours.external_id.as_str(), ours.writes),
            (Some("failure"), "hallmark-ci", round),
            "round {round}"
        );
    }
}

/// A pull request from a fork (or Dependabot's) gets a read-only `GITHUB_TOKEN`: the
/// check run and the comment cannot be written, and the step still reports — the
/// summary, the outputs and the exit code — and says once why there is no check run.
#[test]
fn a_read_only_token_still_reports_through_the_summary_outputs_and_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let (root, base) = shop(dir.path());
    negate_amounts(&root);
    let head = commit_all(&root, "Sign the amounts");
    let fake = fake();
    fake.with_state(|s| s.read_only_tokens.push(TOKEN.into()));

    let run = step(&fake, dir.path(), &root, base, head);
    assert_eq!(
        run.code, 1,
        "the failing checklist still fails the step: {}",
        run.stdout
    );
    assert!(
        run.outputs.starts_with("passed=false\nfailed-count=1\n"),
        "{}",
        run.outputs
    );
    assert!(run.summary.contains("silver.sales"), "{}", run.summary);
    assert_eq!(
        run.stdout
            .matches("no check run, since the token may not write checks")
            .count(),
        1,
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("no checklist comment"), "{}", run.stdout);
    let (checks, comments) = fake.with_state(|s| (s.repo(REPO).check_runs.len(), s.repo(REPO).comments.len()));
    assert_eq!((checks, comments), (0, 0));
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
    let checks = fake.with_state(|s| s.repo(REPO).check_runs.clone());
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

#[test]
fn a_failing_check_of_the_spec_is_annotated_on_its_column() {
    let dir = tempfile::tempdir().unwrap();
    let (root, base) = shop(dir.path());
    let spec = STORES_SPEC.replace(
        "    description: The store.\n",
        "    description: The store.\n    checks:\n      - { pattern: { regex: \"S[0-9]+\" } }\n",
    );
    assert_ne!(spec, STORES_SPEC);
    std::fs::write(root.join("products/stores/silver.yml"), &spec).unwrap();
    let head = commit_all(&root, "Store ids look like S1");
    let fake = fake();
    let run = step(&fake, dir.path(), &root, base, head);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let annotations = fake.with_state(|s| s.repo(REPO).check_runs[0].annotations.clone());
    let line = spec.lines().position(|l| l.contains("name: store_id")).unwrap() + 1;
    assert_eq!(annotations.len(), 1, "{annotations:?}");
    assert_eq!(annotations[0]["path"], "products/stores/silver.yml");
    assert_eq!(annotations[0]["start_line"].as_u64(), Some(line as u64));
}

#[test]
fn a_change_that_touches_no_product_gets_a_neutral_check_and_no_comment() {
    let dir = tempfile::tempdir().unwrap();
    let (root, base) = shop(dir.path());
    std::fs::write(root.join("NOTES.md"), "Meeting notes.\n").unwrap();
    let head = commit_all(&root, "Notes");
    let fake = fake();
    let run = step(&fake, dir.path(), &root, base, head);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("no data product is touched"), "{}", run.stdout);
    let (checks, comments) = fake.with_state(|s| (s.repo(REPO).check_runs.clone(), s.repo(REPO).comments.len()));
    assert_eq!(checks[0].conclusion.as_deref(), Some("neutral"));
    assert_eq!(comments, 0);
}
