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
    // Both images (built from source, the default; and `release`, from the release's
    // binaries) are the `runtime` stage with the binary copied in.
    let stage = |from: &str| {
        dockerfile
            .split("\nFROM ")
            .find(|s| s.starts_with(from))
            .unwrap_or_else(|| panic!("a stage FROM {from}"))
    };
    let last_stage = stage("debian:bookworm-slim AS runtime");
    assert!(stage("runtime AS release").contains("COPY dist/linux/${TARGETARCH}/hallmark /usr/local/bin/hallmark"));
    let default = dockerfile.rsplit("\nFROM ").next().unwrap();
    assert!(
        default.starts_with("runtime\n") && default.contains("COPY --from=builder"),
        "{default}"
    );
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
    // The image builds the binary with the command CI runs (the release profile aside).
    let ci = read(".ci/run");
    let ci_build = ci
        .lines()
        .find(|l| l.starts_with("cargo build "))
        .expect(".ci/run builds the binary");
    let image_build = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("RUN cargo build "))
        .expect("the builder stage builds the binary");
    let words = |s: &str| {
        let mut w: Vec<String> = s.split_whitespace().map(String::from).collect();
        w.sort();
        w
    };
    assert_eq!(
        words(&image_build.replace("--release", "")),
        words(ci_build.trim_start_matches("cargo build ")),
        "the Dockerfile builds what .ci/run builds"
    );
    let cook = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("RUN cargo chef cook "))
        .unwrap();
    assert!(
        cook.contains("--release") && cook.contains("--locked") && cook.contains("-p hallmark"),
        "{cook}"
    );
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
    // The queue in PostgreSQL, so the bot scales past one replica.
    let postgres = &compose["services"]["postgres"];
    assert!(postgres["healthcheck"].is_mapping());
    assert_eq!(
        bot["depends_on"]["postgres"]["condition"].as_str(),
        Some("service_healthy")
    );
    let queue_url = bot["environment"]["HALLMARK_QUEUE_URL"].as_str().unwrap();
    let db = postgres["environment"]["POSTGRES_DB"].as_str().unwrap();
    assert!(
        queue_url.starts_with("postgres://hallmark:") && queue_url.ends_with(&format!("@postgres:5432/{db}")),
        "{queue_url}"
    );
    assert!(
        queue_url.contains("${POSTGRES_PASSWORD"),
        "the password comes from the env file"
    );
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
        "POSTGRES_PASSWORD",
    ] {
        let line = example
            .lines()
            .find(|l| l.starts_with(&format!("{var}=")))
            .unwrap_or_else(|| panic!("{var}"));
        assert_eq!(line, format!("{var}="), "the example holds no secret");
    }
}

/// `values.yaml` as JSON, for the schema.
fn helm_values() -> serde_json::Value {
    let values: serde_norway::Value = serde_norway::from_str(&read("deploy/helm/hallmark/values.yaml")).unwrap();
    serde_json::to_value(values).unwrap()
}

#[test]
fn the_helm_chart_values_fit_its_schema_and_every_value_a_template_uses_exists() {
    let values = helm_values();
    let schema: serde_json::Value = serde_json::from_str(&read("deploy/helm/hallmark/values.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&values).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let mut two_replicas = values.clone();
    two_replicas["replicaCount"] = serde_json::json!(2);
    assert!(
        !validator.is_valid(&two_replicas),
        "the SQLite queue allows one replica"
    );
    two_replicas["queue"]["postgres"] = serde_json::json!(true);
    two_replicas["secrets"]["queueUrl"] = serde_json::json!("postgres://hallmark:pw@db:5432/hallmark");
    let errors: Vec<String> = validator.iter_errors(&two_replicas).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "two replicas on PostgreSQL: {errors:?}");
    two_replicas["secrets"]["queueUrl"] = serde_json::json!("mysql://db/hallmark");
    assert!(!validator.is_valid(&two_replicas), "the queue is PostgreSQL");

    let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/helm/hallmark/templates");
    let mut used = 0;
    for entry in std::fs::read_dir(&templates).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        for rest in text.split(".Values.").skip(1) {
            let path: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '.' || *c == '_')
                .collect();
            let mut at = &values;
            for key in path.trim_end_matches('.').split('.') {
                at = &at[key];
            }
            assert!(
                !at.is_null(),
                "{}: .Values.{path} is not in values.yaml",
                entry.path().display()
            );
            used += 1;
        }
    }
    assert!(used > 20, "{used} values used");

    let deployment = read("deploy/helm/hallmark/templates/deployment.yaml");
    let help = Command::new(env!("CARGO_BIN_EXE_hallmark"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for line in deployment.lines().map(str::trim).filter(|l| l.starts_with("- --")) {
        let flag = line.trim_start_matches("- ").split('=').next().unwrap();
        assert!(help.contains(flag), "`hallmark serve` has {flag}");
    }
    for var in [
        "HALLMARK_GITHUB_WEBHOOK_SECRET",
        "HALLMARK_GITHUB_PRIVATE_KEY",
        "HALLMARK_GITLAB_WEBHOOK_SECRET",
        "HALLMARK_GITLAB_TOKEN",
        "HALLMARK_LLM_API_KEY",
        "HALLMARK_QUEUE_URL",
    ] {
        assert!(deployment.contains(&format!("name: {var}")), "{var} from the Secret");
    }
    // More than one replica without PostgreSQL stops the render, and replicas on
    // PostgreSQL keep no volume of their own.
    assert!(deployment.contains("{{- fail") && deployment.contains("gt (int .Values.replicaCount) 1"));
    let pvc = read("deploy/helm/hallmark/templates/pvc.yaml");
    assert!(pvc.starts_with("{{- if not .Values.queue.postgres }}"), "{pvc}");
    assert!(deployment.contains("path: /healthz") && deployment.contains("runAsNonRoot: true"));
}
