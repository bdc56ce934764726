//! Check Runs as GitHub keeps them: created on a commit (`POST /check-runs`) by the
//! app the token acts for, updated (`PATCH /check-runs/{id}`, whose annotations are
//! appended, never replaced) only by that app — another app gets 403 —, listed for a
//! commit by name and app, and their annotations listed. GitHub Actions makes a run
//! for every workflow job, named after the job ([`workflow_job_started`]). GitHub's
//! limits are enforced: at most 50 annotations per request, a summary of at most
//! 65,535 characters, an annotation title of at most 255, and each annotation's
//! required fields and level.

use super::{shapes, Shared};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;

/// A stored check run.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCheckRun {
    /// Its id.
    pub id: u64,
    /// The check's name.
    pub name: String,
    /// The commit.
    pub head_sha: String,
    /// `queued`, `in_progress` or `completed`.
    pub status: String,
    /// `success`, `failure`, `neutral`...
    pub conclusion: Option<String>,
    /// The output's title.
    pub title: String,
    /// The output's summary.
    pub summary: String,
    /// Every annotation received, in order.
    pub annotations: Vec<Value>,
    /// How many requests wrote it.
    pub writes: usize,
    /// The app that made it, the only one that may change it.
    pub app_id: u64,
    /// The maker's own reference (`external_id`).
    pub external_id: String,
}

fn invalid(message: String) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({"message": "Invalid request.", "errors": [{"message": message}], "documentation_url": "https://docs.github.com/rest/checks/runs", "status": "422"})),
    )
        .into_response()
}

/// GitHub's checks of an `output`: the summary's length and each annotation.
fn check_output(body: &Value) -> Result<(), String> {
    let output = &body["output"];
    if output.is_null() {
        return Ok(());
    }
    if output["summary"].as_str().is_some_and(|s| s.chars().count() > 65_535) {
        return Err("output.summary is too long (maximum is 65535 characters)".to_string());
    }
    let annotations = output["annotations"].as_array().map(Vec::as_slice).unwrap_or_default();
    if annotations.len() > 50 {
        return Err(format!(
            "Only 50 annotations are allowed per request, {} given",
            annotations.len()
        ));
    }
    for (i, a) in annotations.iter().enumerate() {
        for field in ["path", "start_line", "end_line", "annotation_level", "message"] {
            if a[field].is_null() {
                return Err(format!("annotations[{i}].{field} wasn't supplied"));
            }
        }
        if a["title"].as_str().is_some_and(|t| t.chars().count() > 255) {
            return Err(format!(
                "annotations[{i}].title is too long (maximum is 255 characters)"
            ));
        }
        if !["notice", "warning", "failure"].contains(&a["annotation_level"].as_str().unwrap_or_default()) {
            return Err(format!(
                "annotations[{i}].annotation_level is not notice, warning or failure"
            ));
        }
    }
    Ok(())
}

fn apply(run: &mut StoredCheckRun, body: &Value) {
    if let Some(s) = body["status"].as_str() {
        run.status = s.to_string();
    }
    if let Some(c) = body["conclusion"].as_str() {
        run.conclusion = Some(c.to_string());
    }
    if let Some(t) = body["output"]["title"].as_str() {
        run.title = t.to_string();
    }
    if let Some(s) = body["output"]["summary"].as_str() {
        run.summary = s.to_string();
    }
    run.annotations
        .extend(body["output"]["annotations"].as_array().cloned().unwrap_or_default());
    run.writes += 1;
}

fn to_json(api: &str, repo: &str, r: &StoredCheckRun) -> Value {
    shapes::check_run(
        api,
        repo,
        r.id,
        &r.name,
        &r.head_sha,
        &r.status,
        r.conclusion.as_deref(),
        &r.title,
        &r.summary,
        r.annotations.len(),
        r.app_id,
        &r.external_id,
    )
}

/// Starts a job of a workflow run on `sha`: GitHub Actions makes its check run,
/// named after the job, in progress, with the job's own `external_id`. Returns its id.
pub fn workflow_job_started(s: &mut super::State, repo: &str, sha: &str, job: &str) -> u64 {
    s.next_id += 1;
    let id = s.next_id;
    s.repo(repo).check_runs.push(StoredCheckRun {
        id,
        name: job.to_string(),
        head_sha: sha.to_string(),
        status: "in_progress".into(),
        conclusion: None,
        title: String::new(),
        summary: String::new(),
        annotations: Vec::new(),
        writes: 0,
        app_id: super::ACTIONS_APP_ID,
        external_id: format!("ca395085-040a-526b-2ce8-bdc85f692774-{id}"),
    });
    id
}

/// `POST /repos/{owner}/{repo}/check-runs`
pub async fn create(
    State(shared): State<Shared>,
    Path((owner, repo)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let (Some(name), Some(sha)) = (body["name"].as_str(), body["head_sha"].as_str()) else {
        return invalid("name and head_sha are required".into());
    };
    if let Err(message) = check_output(&body) {
        return invalid(message);
    }
    s.next_id += 1;
    let full = format!("{owner}/{repo}");
    let mut run = StoredCheckRun {
        id: s.next_id,
        name: name.to_string(),
        head_sha: sha.to_string(),
        status: "queued".into(),
        conclusion: None,
        title: String::new(),
        summary: String::new(),
        annotations: Vec::new(),
        writes: 0,
        app_id: super::caller_app(&s, &headers),
        external_id: body["external_id"].as_str().unwrap_or_default().to_string(),
    };
    apply(&mut run, &body);
    let out = to_json(&s.api(), &full, &run);
    s.repo(&full).check_runs.push(run);
    (StatusCode::CREATED, Json(out)).into_response()
}

/// `PATCH /repos/{owner}/{repo}/check-runs/{id}`
pub async fn update(
    State(shared): State<Shared>,
    Path((owner, repo, id)): Path<(String, String, u64)>,
    headers: axum::http::HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    if let Err(message) = check_output(&body) {
        return invalid(message);
    }
    let api = s.api();
    let caller = super::caller_app(&s, &headers);
    let full = format!("{owner}/{repo}");
    match s.repo(&full).check_runs.iter_mut().find(|r| r.id == id) {
        None => (StatusCode::NOT_FOUND, Json(json!({"message": "Not Found"}))).into_response(),
        Some(run) if run.app_id != caller => (
            StatusCode::FORBIDDEN,
            Json(json!({
                "message": format!("Invalid app_id `{caller}` - check run can only be modified by the GitHub App that created it."),
                "documentation_url": "https://docs.github.com/rest/checks/runs#update-a-check-run",
                "status": "403"
            })),
        )
            .into_response(),
        Some(run) => {
            apply(run, &body);
            Json(to_json(&api, &full, run)).into_response()
        }
    }
}

/// `GET /repos/{owner}/{repo}/commits/{sha}/check-runs?check_name=`
pub async fn list_for_commit(
    State(shared): State<Shared>,
    Path((owner, repo, sha)): Path<(String, String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let full = format!("{owner}/{repo}");
    let api = s.api();
    let runs: Vec<Value> = s
        .repo(&full)
        .check_runs
        .iter()
        .filter(|r| r.head_sha == sha)
        .filter(|r| q.get("check_name").is_none_or(|n| *n == r.name))
        .filter(|r| q.get("app_id").is_none_or(|a| *a == r.app_id.to_string()))
        .map(|r| to_json(&api, &full, r))
        .collect();
    Json(json!({"total_count": runs.len(), "check_runs": runs})).into_response()
}

/// `GET /repos/{owner}/{repo}/check-runs/{id}/annotations`
pub async fn list_annotations(
    State(shared): State<Shared>,
    Path((owner, repo, id)): Path<(String, String, u64)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let (full, api) = (format!("{owner}/{repo}"), s.api());
    let run = s.repo(&full).check_runs.iter().find(|r| r.id == id).cloned();
    match run {
        None => (StatusCode::NOT_FOUND, Json(json!({"message": "Not Found"}))).into_response(),
        Some(run) => {
            let items: Vec<Value> = run
                .annotations
                .iter()
                .map(|a| {
                    let mut a = a.clone();
                    a["blob_href"] = json!(format!(
                        "{}/web/{}/blob/{}/{}",
                        api,
                        full,
                        run.head_sha,
                        a["path"].as_str().unwrap_or_default()
                    ));
                    a
                })
                .collect();
            super::paginated(&s, items, &q, &format!("/repos/{full}/check-runs/{id}/annotations"))
        }
    }
}
