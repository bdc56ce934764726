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
    .env("HALLMARK_GITHUB_PRIVATE_KEY_FILE", test_app_private_key_file())
    .env_remove("HALLMARK_GITHUB_PRIVATE_KEY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out: Output = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    for secret in [GITHUB_SECRET, GITLAB_SECRET, GITLAB_TOKEN, "PRIVATE KEY"] {
        assert!(!text.contains(secret), "a secret printed: {text}");
    }
    (out.status.code().unwrap_or(-1), text)
}

fn fakes() -> (FakeGitHub, FakeGitLab) {
    let github = FakeGitHub::for_test_app();
    github.with_state(|s| s.installations = vec![7, 8]);
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
            "✅ GitHub: app {TEST_APP_ID} (Hallmark test) accepts the key; installed 2 time(s)"
        )),
        "{text}"
    );
    assert!(text.contains("✅ GitLab: the token acts as @hallmark-bot"), "{text}");
    assert!(
        text.contains("21 standards, 1 products; the warehouse answers"),
        "{text}"
    );
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
