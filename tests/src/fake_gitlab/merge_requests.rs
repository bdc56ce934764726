//! Merge requests: listed (by `state` and `source_branch`), opened (GitLab's 409 when
//! one is already open for the source branch), read, edited; and their discussions,
//! whose diff notes carry a `position`.

use super::{caller, not_found, paginated, user, user_id, Shared};
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
    /// The fork its source branch is in (`group/name`); `None` for a branch of `project`.
    pub fork: Option<String>,
}

/// The merge request as GitLab shows it: its `sha` is what `refs/merge-requests/N/head`
/// of the project's git remote holds, where the fake knows the remote.
fn to_json(s: &super::State, m: &StoredMergeRequest) -> Value {
    let sha = head_ref::follow(s, m).unwrap_or_else(|| format!("{:040x}", user_id(&m.source)));
    let source_project = m.fork.as_deref().unwrap_or(&m.project);
    json!({"id": 8000 + m.iid, "iid": m.iid, "title": m.title, "description": m.description, "state": m.state,
           "source_branch": m.source, "target_branch": m.target, "author": user(&m.author), "sha": sha,
           "source_project_id": user_id(source_project), "target_project_id": user_id(&m.project),
           "web_url": format!("https://gitlab.example/{}/-/merge_requests/{}", m.project, m.iid),
           "merge_status": "can_be_merged", "draft": false})
}

/// `refs/merge-requests/N/head`: GitLab keeps every merge request's head commit under
/// it in the target project — a fork's too, which is the only place the target
/// project has a fork's commits.
pub mod head_ref {
    use super::StoredMergeRequest;

    /// The ref of merge request `iid`.
    pub fn name(iid: u64) -> String {
        format!("refs/merge-requests/{iid}/head")
    }

    /// The merge request's head commit in the project's remote: for a branch of the
    /// project its tip, which `refs/merge-requests/N/head` is moved to as GitLab does on
    /// every push; for a fork what the ref holds. `None` when the fake has no remote.
    pub fn follow(s: &crate::fake_gitlab::State, m: &StoredMergeRequest) -> Option<String> {
        let branch = m.fork.is_none().then_some(m.source.as_str());
        crate::remote::request_head(s.git_remotes.get(&m.project)?, &name(m.iid), branch)
    }
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
        .map(|m| to_json(&s, m))
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
        fork: None,
    };
    let out = to_json(&s, &mr);
    s.merge_requests.push(mr);
    (StatusCode::CREATED, Json(out)).into_response()
}

/// `GET /projects/{project}/merge_requests/{iid}`
pub async fn get(State(shared): State<Shared>, Path((project, iid)): Path<(String, u64)>) -> Response {
    let s = shared.lock().unwrap_or_else(|p| p.into_inner());
    match s.merge_requests.iter().find(|m| m.project == project && m.iid == iid) {
        Some(m) => Json(to_json(&s, m)).into_response(),
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
    if let Some(t) = body["title"].as_str() {
        s.merge_requests[at].title = t.to_string();
    }
    Json(to_json(&s, &s.merge_requests[at])).into_response()
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
        .filter(|(_, d)| d.repo == project && d.number == iid)
        .map(|(i, d)| {
            json!({"id": format!("{:040x}", i + 1), "individual_note": false, "notes": [{
                "id": 70_000 + i, "type": "DiffNote", "body": d.body, "author": user(&d.author), "system": false,
                "position": {"base_sha": "a", "start_sha": "a", "head_sha": "b", "position_type": "text",
                             "old_path": d.path, "new_path": d.path, "new_line": 1}
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
