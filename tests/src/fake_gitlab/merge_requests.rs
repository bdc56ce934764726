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
    /// The fork its source branch is in (`group/name`); `None` for a branch of the
    /// project itself.
    pub fork: Option<String>,
}

/// The merge request as GitLab shows it: its `sha` is what `refs/merge-requests/N/head`
/// of the project's git remote holds, where the fake knows the remote.
fn to_json(path: &str, p: &super::Project, m: &StoredMergeRequest) -> Value {
    let sha = head_ref::follow(p, m).unwrap_or_else(|| format!("{:040x}", user_id(&m.source)));
    let source_project = m.fork.as_deref().unwrap_or(path);
    json!({"id": 8000 + m.iid, "iid": m.iid, "title": m.title, "description": m.description, "state": m.state,
           "source_branch": m.source, "target_branch": m.target, "author": user(&m.author), "sha": sha,
           "source_project_id": user_id(source_project), "target_project_id": user_id(path),
           "web_url": format!("https://gitlab.example/{path}/-/merge_requests/{}", m.iid),
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
    pub fn follow(p: &crate::fake_gitlab::Project, m: &StoredMergeRequest) -> Option<String> {
        let branch = m.fork.is_none().then_some(m.source.as_str());
        crate::remote::request_head(p.git_remote.as_ref()?, &name(m.iid), branch)
    }
}

/// `GET /projects/{project}/merge_requests?state=&source_branch=`
pub async fn list(
    State(shared): State<Shared>,
    Path(project): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let p = s.project(&project);
    let items: Vec<Value> = p
        .merge_requests
        .iter()
        .filter(|m| q.get("state").is_none_or(|st| st == "all" || *st == m.state))
        .filter(|m| q.get("source_branch").is_none_or(|b| *b == m.source))
        .map(|m| to_json(&project, p, m))
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
    let author = caller(&s, &headers).unwrap_or_default();
    let p = s.project(&project);
    if let Some(open) = p
        .merge_requests
        .iter()
        .find(|m| m.source == source && m.state == "opened")
    {
        let message = format!(
            "Another open merge request already exists for this source branch: !{}",
            open.iid
        );
        return (StatusCode::CONFLICT, Json(json!({"message": [message]}))).into_response();
    }
    let iid = p.merge_requests.len() as u64 + 1;
    let description = body["description"].as_str().unwrap_or_default();
    let description = super::quick_actions::run(p, &author, description);
    let mr = StoredMergeRequest {
        iid,
        source,
        target,
        title: body["title"].as_str().unwrap_or_default().to_string(),
        description,
        state: "opened".into(),
        author,
        fork: None,
    };
    let out = to_json(&project, p, &mr);
    p.merge_requests.push(mr);
    (StatusCode::CREATED, Json(out)).into_response()
}

/// `GET /projects/{project}/merge_requests/{iid}`
pub async fn get(State(shared): State<Shared>, Path((project, iid)): Path<(String, u64)>) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let p = s.project(&project);
    match p.merge_requests.iter().find(|m| m.iid == iid) {
        Some(m) => Json(to_json(&project, p, m)).into_response(),
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
    let author = caller(&s, &headers).unwrap_or_default();
    let p = s.project(&project);
    let Some(at) = p.merge_requests.iter().position(|m| m.iid == iid) else {
        return not_found("");
    };
    if let Some(d) = body["description"].as_str() {
        p.merge_requests[at].description = super::quick_actions::run(p, &author, d);
    }
    if let Some(t) = body["title"].as_str() {
        p.merge_requests[at].title = t.to_string();
    }
    Json(to_json(&project, p, &p.merge_requests[at])).into_response()
}

/// `GET /projects/{project}/merge_requests/{iid}/discussions`: each diff note its own
/// discussion, with the `position` GitLab gives diff notes.
pub async fn discussions(
    State(shared): State<Shared>,
    Path((project, iid)): Path<(String, u64)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let items: Vec<Value> = s
        .project(&project)
        .diff_notes
        .iter()
        .enumerate()
        .filter(|(_, d)| d.number == iid)
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
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let items: Vec<Value> = s
        .project(&project)
        .merge_request_files
        .get(&iid)
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
