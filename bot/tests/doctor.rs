//! `hallmark doctor` against the fake GitHub and GitLab: a good configuration is
//! confirmed line by line, and each wrong one (a short secret, a refused token, a
//! wrong app id, a half-configured GitLab) is named; secrets never print.

use hallmark_tests::fake_github::{test_app_private_key_file, FakeGitHub, TEST_APP_ID};
use hallmark_tests::fake_gitlab::FakeGitLab;
use std::path::Path;
use std::process::{Command, Output};

const GITHUB_SECRET: &str = "a-long-random-github-webhook-secret";
const GITLAB_SECRET: &str = "a-long-random-gitlab-hook-token";
const GITLAB_TOKEN: &str = "glpat-doctor-token";

fn doctor(app_id: u64, github: &FakeGitHub, gitlab: &FakeGitLab, env: &[(&str, &str)]) -> (i32, String) {
    doctor_with(app_id, github, gitlab, env, &[])
}

fn doctor_with(
    app_id: u64,
    github: &FakeGitHub,
    gitlab: &FakeGitLab,
    env: &[(&str, &str)],
    args: &[&str],
) -> (i32, String) {
    let data = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/retail");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hallmark"));
    cmd.args([
        "doctor",
        "--app-id",
        &app_id.to_string(),
        "--api-url",
        &github.url(),
        "--gitlab-url",
        &gitlab.url(),
    ])
    .args(["--repo", example.to_str().unwrap()])
    .args(["--data-dir", data.path().to_str().unwrap()])
    .args(args)
    .env("HALLMARK_GITHUB_PRIVATE_KEY_FILE", test_app_private_key_file())
    .env_remove("HALLMARK_GITHUB_PRIVATE_KEY")
    .env_remove("HALLMARK_QUEUE_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out: Output = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    for secret in [
        GITHUB_SECRET,
        GITLAB_SECRET,
        GITLAB_TOKEN,
        "PRIVATE KEY",
        "hallmark-dev",
        "wrong-pw",
    ] {
        assert!(!text.contains(secret), "a secret printed: {text}");
    }
    (out.status.code().unwrap_or(-1), text)
}

fn fakes() -> (FakeGitHub, FakeGitLab) {
    let github = FakeGitHub::for_test_app();
    // More than one page of them (GitHub pages 30 by default, at most 100).
    github.with_state(|s| s.installations = (7..7 + 130).collect());
    let gitlab = FakeGitLab::start();
    gitlab.with_state(|s| {
        s.tokens.insert(GITLAB_TOKEN.into(), "hallmark-bot".into());
    });
    (github, gitlab)
}

#[test]
fn a_good_configuration_is_confirmed_line_by_line() {
    let (github, gitlab) = fakes();
    let (code, text) = doctor(
        TEST_APP_ID,
        &github,
        &gitlab,
        &[
            ("HALLMARK_GITHUB_WEBHOOK_SECRET", GITHUB_SECRET),
            ("HALLMARK_GITLAB_WEBHOOK_SECRET", GITLAB_SECRET),
            ("HALLMARK_GITLAB_TOKEN", GITLAB_TOKEN),
        ],
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(&format!(
            "✅ GitHub: app {TEST_APP_ID} (Hallmark test) accepts the key; installed 130 time(s)"
        )),
        "{text}"
    );
    assert!(text.contains("✅ GitLab: the token acts as @hallmark-bot"), "{text}");
    assert!(
        text.contains("21 standards, 1 products; the warehouse answers"),
        "{text}"
    );
    assert!(text.contains("✅ queue: SQLite in "), "{text}");
}

#[test]
fn the_postgres_queue_is_checked_without_being_changed() {
    let Some(db) = hallmark_tests::postgres::TestDatabase::create("doctor") else {
        return;
    };
    let (github, gitlab) = fakes();
    let run = |queue_url: &str, args: &[&str]| {
        doctor_with(
            TEST_APP_ID,
            &github,
            &gitlab,
            &[
                ("HALLMARK_GITHUB_WEBHOOK_SECRET", GITHUB_SECRET),
                ("HALLMARK_QUEUE_URL", queue_url),
            ],
            args,
        )
    };
    let (code, text) = run(db.url(), &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("✅ queue: PostgreSQL database hallmark_test_doctor") && text.contains("no queue tables yet"),
        "{text}"
    );
    assert!(
        db.query("SELECT to_regclass('hallmark_jobs')::text") == ["NULL"],
        "doctor migrated"
    );

    hallmark::queue::PostgresQueue::connect(db.url(), Default::default()).unwrap();
    let (_, text) = run(db.url(), &[]);
    assert!(
        text.contains("schema at version 1, current; replicas may share it"),
        "{text}"
    );

    let wrong = db.url().replace("hallmark-dev", "wrong-pw");
    let (code, text) = run(&wrong, &[]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("❌ queue: job queue (PostgreSQL): probing") && text.contains("password"),
        "{text}"
    );

    let (code, text) = run("", &["--queue", &wrong]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("❌ queue: --queue carries a password"), "{text}");
}

#[test]
fn each_wrong_setting_is_named() {
    let (github, gitlab) = fakes();
    let (code, text) = doctor(
        999,
        &github,
        &gitlab,
        &[
            ("HALLMARK_GITHUB_WEBHOOK_SECRET", GITHUB_SECRET),
            ("HALLMARK_GITLAB_WEBHOOK_SECRET", GITLAB_SECRET),
            ("HALLMARK_GITLAB_TOKEN", "glpat-not-known"),
        ],
    );
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("❌ GitHub: the app's key or id is refused") && text.contains("HTTP 401"),
        "{text}"
    );
    assert!(
        text.contains("❌ GitLab: the token is refused") && text.contains("401"),
        "{text}"
    );

    let (code, text) = doctor(
        TEST_APP_ID,
        &github,
        &gitlab,
        &[
            ("HALLMARK_GITHUB_WEBHOOK_SECRET", "short"),
            ("HALLMARK_GITLAB_TOKEN", GITLAB_TOKEN),
        ],
    );
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("❌ GitHub: HALLMARK_GITHUB_WEBHOOK_SECRET has 5 characters"),
        "{text}"
    );
    assert!(
        text.contains("❌ GitLab: HALLMARK_GITLAB_TOKEN is set but HALLMARK_GITLAB_WEBHOOK_SECRET is not"),
        "{text}"
    );
}
