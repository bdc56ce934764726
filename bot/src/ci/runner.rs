//! Where `hallmark ci` runs, read from the variables each runner sets: GitHub
//! Actions (`GITHUB_ACTIONS`, the event file at `GITHUB_EVENT_PATH`), GitLab CI
//! (`GITLAB_CI`, `CI_MERGE_REQUEST_IID`...), or neither (a developer's machine).
//! The token comes from the environment only, never from a flag.

use super::CiError;
use hallmark_checks::secret::Secret;
use serde_json::Value;
use std::path::PathBuf;

/// A GitHub Actions run.
#[derive(Debug, Clone)]
pub struct GitHubRun {
    /// The REST API (`GITHUB_API_URL`).
    pub api: String,
    /// `owner/name` (`GITHUB_REPOSITORY`).
    pub repo: String,
    /// `GITHUB_TOKEN` (or `HALLMARK_GITHUB_TOKEN`); without one nothing is posted.
    pub token: Option<Secret>,
    /// The pull request, for `pull_request` events.
    pub pull_request: Option<u64>,
    /// The commit checked: the pull request's head, else `GITHUB_SHA`.
    pub head_sha: String,
    /// What the change is compared with: the pull request's base, or the commit
    /// before a push.
    pub base_sha: Option<String>,
    /// The workflow run's page.
    pub run_url: Option<String>,
    /// `GITHUB_STEP_SUMMARY`.
    pub step_summary: Option<PathBuf>,
    /// `GITHUB_OUTPUT`.
    pub output: Option<PathBuf>,
}

/// A GitLab CI job.
#[derive(Debug, Clone)]
pub struct GitLabRun {
    /// The REST API v4 (`CI_API_V4_URL`).
    pub api: String,
    /// `CI_PROJECT_ID`.
    pub project: String,
    /// `CI_MERGE_REQUEST_IID`, in merge request pipelines.
    pub merge_request: Option<u64>,
    /// `CI_COMMIT_SHA`.
    pub head_sha: String,
    /// `CI_MERGE_REQUEST_DIFF_BASE_SHA`, else `CI_COMMIT_BEFORE_SHA`.
    pub base_sha: Option<String>,
    /// `HALLMARK_GITLAB_TOKEN`; without one no note is posted.
    pub token: Option<Secret>,
    /// `CI_JOB_URL`.
    pub job_url: Option<String>,
}

/// The runner `hallmark ci` is in.
#[derive(Debug, Clone)]
pub enum Runner {
    /// GitHub Actions.
    GitHub(GitHubRun),
    /// GitLab CI.
    GitLab(GitLabRun),
    /// Neither: checks and prints, posts nothing.
    Local,
}

/// The commit GitLab and git use for "no commit" (a new branch's before).
const NO_COMMIT: &str = "0000000000000000000000000000000000000000";

impl Runner {
    /// The runner the variables describe; `var` reads one (the process environment,
    /// or a test's).
    pub fn detect(var: impl Fn(&str) -> Option<String>) -> Result<Runner, CiError> {
        let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        if set("GITHUB_ACTIONS").as_deref() == Some("true") {
            return github(&set).map(Runner::GitHub);
        }
        if set("GITLAB_CI").as_deref() == Some("true") {
            return gitlab(&set).map(Runner::GitLab);
        }
        Ok(Runner::Local)
    }

    /// The commit the change is compared with, when the runner names one.
    pub fn base_sha(&self) -> Option<&str> {
        match self {
            Runner::GitHub(g) => g.base_sha.as_deref(),
            Runner::GitLab(g) => g.base_sha.as_deref(),
            Runner::Local => None,
        }
    }

    /// Where a reader finds the whole run.
    pub fn run_url(&self) -> Option<&str> {
        match self {
            Runner::GitHub(g) => g.run_url.as_deref(),
            Runner::GitLab(g) => g.job_url.as_deref(),
            Runner::Local => None,
        }
    }
}

fn required(set: &impl Fn(&str) -> Option<String>, name: &'static str) -> Result<String, CiError> {
    set(name).ok_or(CiError::Environment {
        variable: name,
        problem: "is not set; the runner sets it for every job".into(),
    })
}

fn github(set: &impl Fn(&str) -> Option<String>) -> Result<GitHubRun, CiError> {
    let repo = required(set, "GITHUB_REPOSITORY")?;
    let event_path = required(set, "GITHUB_EVENT_PATH")?;
    let event: Value = std::fs::read(&event_path)
        .map_err(|e| e.to_string())
        .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string()))
        .map_err(|message| CiError::Event {
            path: event_path.clone(),
            message,
        })?;
    let text = |v: &Value| {
        v.as_str()
            .map(str::to_string)
            .filter(|s| !s.is_empty() && s != NO_COMMIT)
    };
    let pull = &event["pull_request"];
    let head_sha = text(&pull["head"]["sha"])
        .or_else(|| set("GITHUB_SHA"))
        .ok_or(CiError::Environment {
            variable: "GITHUB_SHA",
            problem: "is not set and the event names no pull request head".into(),
        })?;
    let server = set("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
    Ok(GitHubRun {
        api: set("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into()),
        run_url: set("GITHUB_RUN_ID").map(|id| format!("{server}/{repo}/actions/runs/{id}")),
        repo,
        token: set("HALLMARK_GITHUB_TOKEN")
            .or_else(|| set("GITHUB_TOKEN"))
            .map(Secret::new),
        pull_request: pull["number"].as_u64(),
        head_sha,
        base_sha: text(&pull["base"]["sha"]).or_else(|| text(&event["before"])),
        step_summary: set("GITHUB_STEP_SUMMARY").map(PathBuf::from),
        output: set("GITHUB_OUTPUT").map(PathBuf::from),
    })
}

fn gitlab(set: &impl Fn(&str) -> Option<String>) -> Result<GitLabRun, CiError> {
    let merge_request = match set("CI_MERGE_REQUEST_IID") {
        Some(iid) => Some(iid.trim().parse::<u64>().map_err(|_| CiError::Environment {
            variable: "CI_MERGE_REQUEST_IID",
            problem: format!("is `{iid}`, not a merge request number"),
        })?),
        None => None,
    };
    Ok(GitLabRun {
        api: required(set, "CI_API_V4_URL")?,
        project: required(set, "CI_PROJECT_ID")?,
        merge_request,
        head_sha: required(set, "CI_COMMIT_SHA")?,
        base_sha: set("CI_MERGE_REQUEST_DIFF_BASE_SHA")
            .or_else(|| set("CI_COMMIT_BEFORE_SHA"))
            .filter(|s| s != NO_COMMIT),
        token: set("HALLMARK_GITLAB_TOKEN").map(Secret::new),
        job_url: set("CI_JOB_URL"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn a_pull_request_event_gives_its_head_base_and_number() {
        let dir = tempfile::tempdir().unwrap();
        let event = dir.path().join("event.json");
        std::fs::write(
            &event,
            r#"{"pull_request": {"number": 7, "head": {"sha": "abc"}, "base": {"sha": "def"}}}"#,
        )
        .unwrap();
        let vars = env(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", "acme/data"),
            ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
            ("GITHUB_SHA", "merge-commit"),
            ("GITHUB_RUN_ID", "99"),
            ("GITHUB_TOKEN", "ghs_x"),
        ]);
        let Runner::GitHub(run) = Runner::detect(vars).unwrap() else {
            panic!("not GitHub")
        };
        assert_eq!((run.pull_request, run.head_sha.as_str()), (Some(7), "abc"));
        assert_eq!(run.base_sha.as_deref(), Some("def"));
        assert_eq!(
            run.run_url.as_deref(),
            Some("https://github.com/acme/data/actions/runs/99")
        );
        assert_eq!(run.api, "https://api.github.com");
        assert!(!format!("{run:?}").contains("ghs_x"), "the token never prints");
    }

    #[test]
    fn a_missing_variable_or_event_file_is_named() {
        let err = Runner::detect(env(&[("GITHUB_ACTIONS", "true")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "GITHUB_REPOSITORY is not set; the runner sets it for every job"
        );
        let err = Runner::detect(env(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", "a/b"),
            ("GITHUB_EVENT_PATH", "/nonexistent/event.json"),
        ]))
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot read the event file /nonexistent/event.json"),
            "{err}"
        );
        let err = Runner::detect(env(&[("GITLAB_CI", "true"), ("CI_MERGE_REQUEST_IID", "x")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "CI_MERGE_REQUEST_IID is `x`, not a merge request number"
        );
        assert!(matches!(Runner::detect(env(&[])).unwrap(), Runner::Local));
    }

    #[test]
    fn a_gitlab_merge_request_pipeline_is_read() {
        let Runner::GitLab(run) = Runner::detect(env(&[
            ("GITLAB_CI", "true"),
            ("CI_API_V4_URL", "https://gitlab.example/api/v4"),
            ("CI_PROJECT_ID", "12"),
            ("CI_MERGE_REQUEST_IID", "3"),
            ("CI_COMMIT_SHA", "abc"),
            ("CI_COMMIT_BEFORE_SHA", NO_COMMIT),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", "base1"),
        ]))
        .unwrap() else {
            panic!("not GitLab")
        };
        assert_eq!((run.merge_request, run.base_sha.as_deref()), (Some(3), Some("base1")));
    }
}
