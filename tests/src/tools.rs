//! The Python tools some suites drive (the MCP client, dbt), installed pinned by their
//! scripts under `scripts/`, and how the tests run dbt.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `scripts/<script>` (which installs `what` and prints its executable) and
/// returns the executable, or `None`, said, when it cannot be installed outside CI;
/// under `CI=true` that fails the test.
pub fn installed(script: &str, what: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts").join(script);
    let out = Command::new("bash").arg(&path).output().expect("bash runs");
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(std::env::var_os("CI").is_none(), "{what} did not install: {why}");
        eprintln!("skipped: {what} did not install ({why})");
        return None;
    }
    Some(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// Runs `dbt args` in the dbt project at `project`, with its own `profiles.yml`, no
/// usage statistics and no version check (no network).
pub fn dbt(dbt: &Path, project: &Path, args: &[&str]) -> Output {
    Command::new(dbt)
        .args(args)
        .current_dir(project)
        .env("DBT_PROFILES_DIR", project)
        .env("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        .env("DBT_VERSION_CHECK", "false")
        .output()
        .expect("dbt runs")
}
