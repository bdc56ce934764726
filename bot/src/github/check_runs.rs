//! Check Runs: the `hallmark` check on a commit, with the checklist as its summary
//! and an annotation on the spec or standard line behind each failure. GitHub takes
//! at most 50 annotations per request and appends those of each update, so a run
//! with more is created with the first 50 and updated with the rest, 50 at a time.
//! A run that already exists for the commit (a re-run of the workflow) is updated in
//! place, and its creation is written once like every other write. Since an update
//! can only add annotations, a re-run sends only those the run does not have yet;
//! one that no longer applies stays until a new commit gets a new run.

use super::client::{decode, never, GitHubClient, Once, Verb};
use super::errors::GitHubError;
use super::paging::percent_encode;
use octocrab::models;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The most annotations GitHub accepts in one request.
pub const ANNOTATIONS_PER_REQUEST: usize = 50;

/// The longest summary GitHub accepts (characters).
pub const MAX_SUMMARY: usize = 65_535;

/// An annotation on a line of a file of the repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Annotation {
    /// The file, relative to the repository root.
    pub path: String,
    /// The first line (1-based).
    pub start_line: usize,
    /// The last line.
    pub end_line: usize,
    /// `notice`, `warning` or `failure`.
    pub annotation_level: &'static str,
    /// A short title (`SLV-003 failed on silver.orders`).
    pub title: String,
    /// What was measured.
    pub message: String,
}

/// A finished check run: its conclusion and what it shows.
#[derive(Debug, Clone)]
pub struct CheckRunReport {
    /// The check's name (`hallmark`).
    pub name: String,
    /// The commit it is about.
    pub head_sha: String,
    /// `success`, `failure` or `neutral`.
    pub conclusion: &'static str,
    /// The one-line title.
    pub title: String,
    /// The checklist (markdown, at most [`MAX_SUMMARY`] characters).
    pub summary: String,
    /// Where the full run is (the workflow run's page).
    pub details_url: Option<String>,
    /// Every annotation; sent in batches.
    pub annotations: Vec<Annotation>,
}

/// An annotation as GitHub lists it (octocrab 0.54 has no model for it).
#[derive(Debug, Deserialize)]
struct Shown {
    path: String,
    start_line: usize,
    message: Option<String>,
}

impl Shown {
    fn is(&self, a: &Annotation) -> bool {
        self.path == a.path && self.start_line == a.start_line && self.message.as_deref() == Some(a.message.as_str())
    }
}

impl GitHubClient {
    /// The id of the check run `name` on `sha`, if there is one.
    pub async fn find_check_run(
        &self,
        installation: u64,
        repo: &str,
        sha: &str,
        name: &str,
    ) -> Result<Option<u64>, GitHubError> {
        let path = format!(
            "/repos/{repo}/commits/{sha}/check-runs?check_name={}",
            percent_encode(name)
        );
        let runs: models::checks::ListCheckRuns = self
            .fetch(installation, Verb::Get, &path, None, "a list of check runs")
            .await?;
        Ok(runs.check_runs.iter().find(|r| r.name == name).map(|r| r.id.0))
    }

    /// Creates the check run of `report`, or updates the one `report.name` already
    /// has on its commit; returns its id.
    pub async fn publish_check_run(
        &self,
        installation: u64,
        repo: &str,
        report: &CheckRunReport,
    ) -> Result<u64, GitHubError> {
        let existing = || self.find_check_run(installation, repo, &report.head_sha, &report.name);
        let found = existing().await?;
        let annotations: Vec<Annotation> = match found {
            Some(id) => {
                let shown = self.annotations(installation, repo, id).await?;
                report
                    .annotations
                    .iter()
                    .filter(|a| !shown.iter().any(|s| s.is(a)))
                    .cloned()
                    .collect()
            }
            None => report.annotations.clone(),
        };
        let mut batches = annotations.chunks(ANNOTATIONS_PER_REQUEST);
        let first = batches.next().unwrap_or_default();
        let body = |annotations: &[Annotation]| {
            let mut body = json!({
                "name": report.name,
                "head_sha": report.head_sha,
                "status": "completed",
                "conclusion": report.conclusion,
                "output": {"title": report.title, "summary": report.summary, "annotations": annotations},
            });
            if let Some(url) = &report.details_url {
                body["details_url"] = json!(url);
            }
            body
        };
        let path = format!("/repos/{repo}/check-runs");
        let written = match found {
            Some(id) => Once::Found(id),
            None => {
                self.post_once(installation, &path, &body(first), false, never, existing)
                    .await?
            }
        };
        let id = match written {
            Once::Found(id) => {
                self.update_check_run(installation, repo, id, body(first)).await?;
                id
            }
            Once::Written(json) => {
                decode::<models::checks::CheckRun>(json, Verb::Post, &path, "a check run")?
                    .id
                    .0
            }
        };
        for batch in batches {
            self.update_check_run(installation, repo, id, body(batch)).await?;
        }
        Ok(id)
    }

    /// The annotations check run `id` shows.
    async fn annotations(&self, installation: u64, repo: &str, id: u64) -> Result<Vec<Shown>, GitHubError> {
        self.list(
            installation,
            &format!("/repos/{repo}/check-runs/{id}/annotations"),
            "a list of check run annotations",
        )
        .await
    }

    async fn update_check_run(
        &self,
        installation: u64,
        repo: &str,
        id: u64,
        mut body: Value,
    ) -> Result<(), GitHubError> {
        if let Some(b) = body.as_object_mut() {
            b.remove("head_sha");
        }
        self.fetch::<models::checks::CheckRun>(
            installation,
            Verb::Patch,
            &format!("/repos/{repo}/check-runs/{id}"),
            Some(&body),
            "a check run",
        )
        .await
        .map(|_| ())
    }
}
