//! Check Runs: the `hallmark` check on a commit, with the checklist as its summary
//! and an annotation on the spec or standard line behind each failure. GitHub takes
//! at most 50 annotations per request and appends those of each update, so a run
//! with more is created with the first 50 and updated with the rest, 50 at a time.
//! A run that already exists for the commit (a re-run of the workflow) is updated in
//! place, and its creation is written once like every other write. Since an update
//! can only add annotations, a re-run sends only those the run does not have yet;
//! one that no longer applies stays until a new commit gets a new run.
//!
//! "Our" run is found by the app that made it and by our `external_id`, never by
//! name alone: GitHub Actions makes a check run for every workflow job, named after
//! the job (the example workflow's job is `hallmark`), and GitHub refuses (403) to let
//! one app change another's run. The App and `hallmark ci` mark their runs with
//! different ids, so neither ever touches the other's.

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

/// The longest annotation title GitHub accepts (characters); a title that joins every
/// column of a wide check would be refused with the whole request.
pub const MAX_ANNOTATION_TITLE: usize = 255;

/// `annotation` with its title cut to [`MAX_ANNOTATION_TITLE`], ending in `…` when cut.
fn within_limits(annotation: &Annotation) -> Annotation {
    let mut a = annotation.clone();
    if a.title.chars().count() > MAX_ANNOTATION_TITLE {
        a.title = a.title.chars().take(MAX_ANNOTATION_TITLE - 1).collect::<String>() + "…";
    }
    a
}

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
    /// Our mark on the run, by which a re-run finds it among the commit's runs of the
    /// same name (the workflow job's own, another publisher's).
    pub external_id: &'static str,
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

/// A commit's check runs as GitHub lists them, with what octocrab 0.54's
/// `CheckRun` model lacks: `external_id` and the app that made each.
#[derive(Debug, Deserialize)]
struct ListedRuns {
    check_runs: Vec<ListedRun>,
}

#[derive(Debug, Deserialize)]
struct ListedRun {
    id: u64,
    name: String,
    #[serde(default)]
    external_id: Option<String>,
    #[serde(default)]
    app: Option<ListedApp>,
}

#[derive(Debug, Deserialize)]
struct ListedApp {
    id: u64,
}

impl GitHubClient {
    /// The id of our check run `name` on `sha` — marked `external_id`, and made by
    /// this client's app when it is one — if there is one.
    pub async fn find_check_run(
        &self,
        installation: u64,
        repo: &str,
        sha: &str,
        name: &str,
        external_id: &str,
    ) -> Result<Option<u64>, GitHubError> {
        let mut path = format!(
            "/repos/{repo}/commits/{sha}/check-runs?check_name={}&filter=all&per_page=100",
            percent_encode(name)
        );
        let app = self.app_id();
        if let Some(app) = app {
            path.push_str(&format!("&app_id={app}"));
        }
        let runs: ListedRuns = self
            .fetch(installation, Verb::Get, &path, None, "a list of check runs")
            .await?;
        Ok(runs
            .check_runs
            .iter()
            .find(|r| {
                r.name == name
                    && r.external_id.as_deref() == Some(external_id)
                    && app.is_none_or(|id| r.app.as_ref().is_some_and(|a| a.id == id))
            })
            .map(|r| r.id))
    }

    /// Creates the check run of `report`, or updates the one `report.name` already
    /// has on its commit; returns its id.
    pub async fn publish_check_run(
        &self,
        installation: u64,
        repo: &str,
        report: &CheckRunReport,
    ) -> Result<u64, GitHubError> {
        let existing = || self.find_check_run(installation, repo, &report.head_sha, &report.name, report.external_id);
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
            let annotations: Vec<Annotation> = annotations.iter().map(within_limits).collect();
            let mut body = json!({
                "name": report.name,
                "head_sha": report.head_sha,
                "external_id": report.external_id,
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
