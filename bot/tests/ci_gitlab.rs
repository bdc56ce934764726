//! `hallmark ci` as a GitLab merge request pipeline runs it: the binary with GitLab's
//! variables, a real git repository with the merge request's base and head, the fake
//! GitLab receiving the checklist note, and the JUnit and Code Quality reports checked
//! against their formats.

use hallmark::github::client::marker;
use hallmark_tests::fake_gitlab::{Failure, FakeGitLab, StoredNote};
use hallmark_tests::shop::{commit_all, negate_amounts, shop, STANDARDS};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

const TOKEN: &str = "glpat-hallmark-test";
/// The project the jobs run for, as `CI_PROJECT_ID` names it.
const PROJECT_ID: &str = "12";

struct Job {
    code: i32,
    log: String,
    junit: String,
    codequality: String,
}

fn job(gitlab: &FakeGitLab, dir: &Path, root: &Path, iid: u64, base: git2::Oid, head: git2::Oid) -> Job {
    job_with(gitlab, dir, root, iid, base, head, &[])
}

fn job_with(
    gitlab: &FakeGitLab,
    dir: &Path,
    root: &Path,
    iid: u64,
    base: git2::Oid,
    head: git2::Oid,
    args: &[&str],
) -> Job {
    let junit = dir.join("hallmark-junit.xml");
    let codequality = dir.join("gl-code-quality-report.json");
    let out = Command::new(env!("CARGO_BIN_EXE_hallmark"))
        .arg("ci")
        .arg(root)
        .args(args)
        .arg("--junit")
        .arg(&junit)
        .arg("--codequality")
        .arg(&codequality)
        .env_remove("GITHUB_ACTIONS")
        .env("GITLAB_CI", "true")
        .env("CI_API_V4_URL", gitlab.api())
        .env("CI_PROJECT_ID", PROJECT_ID)
        .env("CI_MERGE_REQUEST_IID", iid.to_string())
        .env("CI_COMMIT_SHA", head.to_string())
        .env("CI_MERGE_REQUEST_DIFF_BASE_SHA", base.to_string())
        .env("CI_JOB_URL", "https://gitlab.example/acme/shop/-/jobs/77")
        .env("HALLMARK_GITLAB_TOKEN", TOKEN)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(!log.contains(TOKEN), "the token never prints");
    Job {
        code: out.status.code().unwrap_or(-1),
        log,
        junit: std::fs::read_to_string(&junit).unwrap_or_default(),
        codequality: std::fs::read_to_string(&codequality).unwrap_or_default(),
    }
}

/// GitLab's Code Quality format, as its documentation lists the fields.
fn codequality_schema() -> Value {
    json!({
        "type": "array",
        "items": {
            "type": "object",
            "required": ["description", "check_name", "fingerprint", "severity", "location"],
            "properties": {
                "description": {"type": "string", "minLength": 1},
                "check_name": {"type": "string", "minLength": 1},
                "fingerprint": {"type": "string", "minLength": 1},
                "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
                "location": {
                    "type": "object",
                    "required": ["path", "lines"],
                    "properties": {
                        "path": {"type": "string", "pattern": "^[^/]"},
                        "lines": {"type": "object", "required": ["begin"], "properties": {"begin": {"type": "integer", "minimum": 1}}}
                    }
                }
            }
        }
    })
}

/// The `testcase` and `failure` elements of a JUnit document, which must be well formed.
fn junit_counts(xml: &str) -> (usize, usize) {
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut cases, mut failures) = (0, 0);
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => match e.name().as_ref() {
                b"testcase" => cases += 1,
                b"failure" => failures += 1,
                _ => {}
            },
            _ => {}
        }
    }
    (cases, failures)
}

#[test]
fn a_failing_merge_request_gets_reports_and_one_note_kept_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let (root, base) = shop(dir.path());
    negate_amounts(&root);
    let head = commit_all(&root, "Sign the amounts");
    let gitlab = FakeGitLab::start();
    gitlab.with_state(|s| {
        s.tokens.insert(TOKEN.into(), "hallmark-bot".into());
        s.max_per_page = 2;
        // Someone quotes the marker; and the discussion runs onto later pages.
        for (i, (author, body)) in [
            ("ana", format!("{}\nnot Hallmark's", marker("checklist"))),
            ("ben", "looks odd".to_string()),
            ("ana", "see the amounts".to_string()),
        ]
        .into_iter()
        .enumerate()
        {
            s.project(PROJECT_ID).notes.push(StoredNote {
                id: 500 + i as u64,
                merge_request: true,
                iid: 3,
                body,
                author: author.into(),
            });
        }
    });

    let run = job(&gitlab, dir.path(), &root, 3, base, head);
    assert_eq!(run.code, 1, "{}", run.log);
    let (cases, failures) = junit_counts(&run.junit);
    assert!(
        cases >= 2 && failures >= 1,
        "{cases} cases, {failures} failures\n{}",
        run.junit
    );
    let report: Value = serde_json::from_str(&run.codequality).unwrap();
    let schema = jsonschema::validator_for(&codequality_schema()).unwrap();
    let errors: Vec<String> = schema.iter_errors(&report).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}\n{report:#}");
    let heading = STANDARDS.lines().position(|l| l.starts_with("### SLV-003")).unwrap() + 1;
    assert!(
        report
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["location"]["path"] == "data_standards.md"
                && i["location"]["lines"]["begin"] == heading
                && i["severity"] == "major"),
        "{report:#}"
    );

    let notes = gitlab.with_state(|s| s.project(PROJECT_ID).notes.clone());
    let ours: Vec<&StoredNote> = notes.iter().filter(|n| n.author == "hallmark-bot").collect();
    assert_eq!(ours.len(), 1, "{notes:?}");
    assert!(ours[0].body.starts_with(&marker("checklist")) && ours[0].body.contains("SLV-003"));
    assert!(
        ours[0]
            .body
            .contains("<b>Data diff</b> of <code>silver.sales</code>: 0 added · 0 removed · 40 changed · 0 unchanged"),
        "the data diff from the merge request's base: {}",
        ours[0].body
    );
    assert!(
        notes[0].body.ends_with("not Hallmark's"),
        "a quoted marker is left alone"
    );

    // The pipeline runs again: the same note, updated in place.
    let again = job(&gitlab, dir.path(), &root, 3, base, head);
    assert_eq!(again.code, 1, "{}", again.log);
    assert_eq!(gitlab.with_state(|s| s.project(PROJECT_ID).notes.len()), notes.len());
}

#[test]
fn a_note_saved_before_its_answer_was_lost_is_not_posted_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (root, base) = shop(dir.path());
    std::fs::write(root.join("data_standards.md"), format!("{STANDARDS}\n")).unwrap();
    let head = commit_all(&root, "Touch the standards");
    let gitlab = FakeGitLab::start();
    gitlab.with_state(|s| {
        s.tokens.insert(TOKEN.into(), "hallmark-bot".into());
        s.write_failures.push_back(Failure::AfterWrite(502));
        s.failures.push_back(Failure::RateLimited { retry_after: 1 });
    });
    let run = job(&gitlab, dir.path(), &root, 4, base, head);
    assert_eq!(run.code, 0, "{}", run.log);
    assert!(
        run.log.contains("Checked 2 of 2 products (data_standards.md changed)"),
        "{}",
        run.log
    );
    let notes = gitlab.with_state(|s| s.project(PROJECT_ID).notes.clone());
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!((notes[0].iid, notes[0].author.as_str()), (4, "hallmark-bot"));
}

/// `--comment on-failure` posts the note when the merge request fails, and once it
/// is fixed updates that note rather than leaving it saying it fails (as on GitHub);
/// a merge request that never failed gets none.
#[test]
fn a_note_left_by_a_failure_is_updated_when_the_merge_request_passes() {
    use hallmark_tests::shop::SALES_SQL;
    let dir = tempfile::tempdir().unwrap();
    let (root, base) = shop(dir.path());
    negate_amounts(&root);
    let failing = commit_all(&root, "Sign the amounts");
    let gitlab = FakeGitLab::start();
    gitlab.with_state(|s| {
        s.tokens.insert(TOKEN.into(), "hallmark-bot".into());
    });
    let on_failure = ["--comment", "on-failure"];
    let run = job_with(&gitlab, dir.path(), &root, 4, base, failing, &on_failure);
    assert_eq!(run.code, 1, "{}", run.log);
    let ours = |s: &mut hallmark_tests::fake_gitlab::State| -> Vec<StoredNote> {
        s.project(PROJECT_ID)
            .notes
            .iter()
            .filter(|n| n.author == "hallmark-bot" && n.iid == 4)
            .cloned()
            .collect()
    };
    let notes = gitlab.with_state(|s| ours(s));
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0].body.contains("SLV-003") && notes[0].body.contains("❌"),
        "{}",
        notes[0].body
    );

    std::fs::write(
        root.join("products/sales/silver.sql"),
        format!("-- Sales, amounts as sold.\n{SALES_SQL}"),
    )
    .unwrap();
    let fixed = commit_all(&root, "Unsign the amounts");
    let run = job_with(&gitlab, dir.path(), &root, 4, base, fixed, &on_failure);
    assert_eq!(run.code, 0, "{}", run.log);
    let notes = gitlab.with_state(|s| ours(s));
    assert_eq!(notes.len(), 1, "the same note");
    assert!(
        !notes[0].body.contains("❌"),
        "no longer says it fails: {}",
        notes[0].body
    );

    // A merge request that never failed gets no note.
    let run = job_with(&gitlab, dir.path(), &root, 5, base, fixed, &on_failure);
    assert_eq!(run.code, 0, "{}", run.log);
    assert!(gitlab.with_state(|s| s.project(PROJECT_ID).notes.iter().all(|n| n.iid != 5)));
}
