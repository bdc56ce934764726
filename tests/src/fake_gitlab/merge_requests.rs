//! Merge requests: listed (by `state` and `source_branch`), opened (GitLab's 409 when
//! one is already open for the source branch), read, edited; and their discussions,
//! whose diff notes carry a `position`.

use super::{caller, not_found, paginated, user, Shared};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;

/// A merge request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMergeRequest {
    /// Its iid.
    pub iid: u64,
    /// The project.
    pub project: String,
    /// The branch it merges.
    pub source: String,
    /// The branch it merges into.
    pub target: String,
    /// Its title.
    pub title: String,
    /// Its description.
    pub description: String,
    /// `opened`, `closed` or `merged`.
    pub state: String,
    /// Who opened it.
    pub author: String,
}

fn to_json(m: &StoredMergeRequest) -> Value {
    json!({"id": 8000 + m.iid, "iid": m.iid, "title": m.title, "description": m.description, "state": m.state,
           "source_branch": m.source, "target_branch": m.target, "author": user(&m.author),
           "web_url": format!("https://gitlab.example/{}/-/merge_requests/{}", m.project, m.iid),
           "merge_status": "can_be_merged", "draft": false})
}

/// `GET /projects/{project}/merge_requests?state=&source_branch=`
pub async fn list(
    State(shared): State<Shared>,
    Path(project): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let items: Vec<Value> = s
        .merge_requests
        .iter()
        .filter(|m| m.project == project)
        .filter(|m| q.get("state").is_none_or(|st| st == "all" || *st == m.state))
        .filter(|m| q.get("source_branch").is_none_or(|b| *b == m.source))
        .map(to_json)
        .collect();
    paginated(&s, items, &q)
}

/// `POST /projects/{project}/merge_requests`
pub async fn create(
    State(shared): State<Shared>,
    Path(project): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let source = body["source_branch"].as_str().unwrap_or_default().to_string();
    let target = body["target_branch"].as_str().unwrap_or_default().to_string();
    if source.is_empty() || target.is_empty() || body["title"].as_str().is_none_or(str::is_empty) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "source_branch, target_branch and title are required"})),
        )
            .into_response();
    }
    if let Some(open) = s
        .merge_requests
        .iter()
        .find(|m| m.project == project && m.source == source && m.state == "opened")
    {
        let message = format!(
            "Another open merge request already exists for this source branch: !{}",
            open.iid
        );
        return (StatusCode::CONFLICT, Json(json!({"message": [message]}))).into_response();
    }
    let iid = s.merge_requests.iter().filter(|m| m.project == project).count() as u64 + 1;
    let author = caller(&s, &headers).unwrap_or_default();
    let description = body["description"].as_str().unwrap_or_default();
    let description = super::quick_actions::run(&mut s, &project, &author, description);
    let mr = StoredMergeRequest {
        iid,
        project,
        source,
        target,
        title: body["title"].as_str().unwrap_or_default().to_string(),
        description,
        state: "opened".into(),
        author,
    };
    let out = to_json(&mr);
    s.merge_requests.push(mr);
    (StatusCode::CREATED, Json(out)).into_response()
}

/// `GET /projects/{project}/merge_requests/{iid}`
pub async fn get(State(shared): State<Shared>, Path((project, iid)): Path<(String, u64)>) -> Response {
    let s = shared.lock().unwrap_or_else(|p| p.into_inner());
    match s.merge_requests.iter().find(|m| m.project == project && m.iid == iid) {
        Some(m) => Json(to_json(m)).into_response(),
        None => not_found(""),
    }
}

/// `PUT /projects/{project}/merge_requests/{iid}`
pub async fn edit(
    State(shared): State<Shared>,
    Path((project, iid)): Path<(String, u64)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let Some(at) = s
        .merge_requests
        .iter()
        .position(|m| m.project == project && m.iid == iid)
    else {
        return not_found("");
    };
    if let Some(d) = body["description"].as_str() {
        let author = caller(&s, &headers).unwrap_or_default();
        s.merge_requests[at].description = super::quick_actions::run(&mut s, &project, &author, d);
    }
    let m = &mut s.merge_requests[at];
    if let Some(t) = body["title"].as_str() {
        m.title = t.to_string();
    }
    Json(to_json(m)).into_response()
}

/// `GET /projects/{project}/merge_requests/{iid}/discussions`: each diff note its own
/// discussion, with the `position` GitLab gives diff notes.
pub async fn discussions(
    State(shared): State<Shared>,
    Path((project, iid)): Path<(String, u64)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let items: Vec<Value> = s
        .diff_notes
        .iter()
        .enumerate()
        .filter(|(_, d)| d.0 == project && d.1 == iid)
        .map(|(i, d)| {
            json!({"id": format!("{:040x}", i + 1), "individual_note": false, "notes": [{
                "id": 70_000 + i, "type": "DiffNote", "body": d.4, "author": user(&d.2), "system": false,
                "position": {"base_sha": "a", "start_sha": "a", "head_sha": "b", "position_type": "text",
                             "old_path": d.3, "new_path": d.3, "new_line": 1}
            }]})
        })
        .collect();
    paginated(&s, items, &q)
}

/// `GET /projects/{project}/merge_requests/{iid}/diffs`
pub async fn diffs(
    State(shared): State<Shared>,
    Path((project, iid)): Path<(String, u64)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let items: Vec<Value> = s
        .merge_request_files
        .get(&(project, iid))
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|f| {
            json!({"old_path": f, "new_path": f, "a_mode": "100644", "b_mode": "100644", "new_file": false,
                        "renamed_file": false, "deleted_file": false, "generated_file": false, "diff": "@@ -1 +1 @@"})
        })
        .collect();
    paginated(&s, items, &q)
}
