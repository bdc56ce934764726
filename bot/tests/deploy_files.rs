//! The deployment files read as Docker and compose read them, and held to what the
//! binary really accepts: the image's command uses flags `hallmark serve` has, runs as
//! a non-root user with a health check on `/healthz`, keeps secrets out of the build,
//! and compose's env file is git-ignored.

use std::path::Path;
use std::process::Command;

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn the_image_runs_the_server_as_a_user_with_a_health_check() {
    let dockerfile = read("deploy/Dockerfile");
    let stages = dockerfile.lines().filter(|l| l.starts_with("FROM ")).count();
    assert!(stages >= 3, "multi-stage: {stages}");
    assert!(
        dockerfile.contains("cargo chef cook"),
        "dependencies in their own layer"
    );
    let last_stage = dockerfile.rsplit("\nFROM ").next().unwrap();
    let user = last_stage
        .lines()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("a USER in the runtime stage");
    assert!(user.trim() != "root" && user.trim() != "0", "{user}");
    assert!(last_stage.contains("HEALTHCHECK") && last_stage.contains("/healthz"));
    assert!(last_stage.contains("ENTRYPOINT [\"hallmark\"]"));
    let cmd = last_stage.lines().find_map(|l| l.strip_prefix("CMD ")).unwrap();
    let args: Vec<String> = serde_json::from_str(cmd).unwrap();
    assert_eq!(args[0], "serve");
    let help = Command::new(env!("CARGO_BIN_EXE_hallmark"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for flag in args.iter().filter(|a| a.starts_with("--")) {
        assert!(
            help.contains(flag.as_str()) || flag == "--log-format",
            "`hallmark serve` has {flag}"
        );
    }
    let ignore = read(".dockerignore");
    for kept_out in ["target", "**/*.pem", "deploy/.env"] {
        assert!(
            ignore.lines().any(|l| l.trim() == kept_out),
            "{kept_out} is kept out of the build"
        );
    }
}

#[test]
fn compose_builds_the_image_and_its_secrets_stay_out_of_git() {
    let compose: serde_norway::Value = serde_norway::from_str(&read("deploy/compose.yml")).unwrap();
    let bot = &compose["services"]["hallmark"];
    assert_eq!(bot["build"]["dockerfile"].as_str(), Some("deploy/Dockerfile"));
    assert_eq!(bot["env_file"].as_str(), Some(".env"));
    assert!(compose["services"]["clickhouse"]["healthcheck"].is_mapping());
    let gitignore = read(".gitignore");
    assert!(
        gitignore.lines().any(|l| l.trim() == "deploy/.env"),
        "the env file is git-ignored"
    );
    let example = read("deploy/.env.example");
    for var in [
        "HALLMARK_GITHUB_WEBHOOK_SECRET",
        "HALLMARK_GITLAB_TOKEN",
        "HALLMARK_GITLAB_WEBHOOK_SECRET",
    ] {
        let line = example
            .lines()
            .find(|l| l.starts_with(&format!("{var}=")))
            .unwrap_or_else(|| panic!("{var}"));
        assert_eq!(line, format!("{var}="), "the example holds no secret");
    }
}
