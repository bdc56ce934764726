//! Notes on issues and merge requests (`/{issues|merge_requests}/{iid}/notes`): listed
//! oldest first with GitLab's pagination, created, edited by their author only; and
//! award emoji on the issue or merge request itself or on one of its notes.

use super::{caller, not_found, paginated, user, Shared};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;

/// A note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNote {
    /// Its id.
    pub id: u64,
    /// True on a merge request, false on an issue.
    pub merge_request: bool,
    /// The or merge request's iid.
    pub iid: u64,
    /// Its text.
    pub body: String,
    /// Its author's username.
    pub author: String,
}

/// GitLab's 400 for a note over 1,000,000 characters, which refuses the request.
fn too_long(body: &Value) -> Option<Response> {
    body["body"]
        .as_str()
        .filter(|b| b.chars().count() > 1_000_000)
        .map(|_| {
            (
                StatusCode::BAD_REQUEST,
                Json(json!({"message": {"note": ["is too long (maximum is 1000000 characters)"]}})),
            )
                .into_response()
        })
}

fn merge_request(kind: &str) -> Option<bool> {
    match kind {
        "merge_requests" => Some(true),
        "issues" => Some(false),
        _ => None,
    }
}

fn to_json(n: &StoredNote) -> Value {
    json!({"id": n.id, "type": null, "body": n.body, "attachment": null, "author": user(&n.author),
           "created_at": "2026-11-02T09:30:00.000Z", "updated_at": "2026-11-02T09:30:00.000Z",
           "system": false, "noteable_id": 9000 + n.iid,
           "noteable_type": if n.merge_request { "MergeRequest" } else { "Issue" }, "noteable_iid": n.iid,
           "resolvable": false, "confidential": false, "internal": false})
}

/// `GET /projects/{project}/{kind}/{iid}/notes`
pub async fn list(
    State(shared): State<Shared>,
    Path((project, kind, iid)): Path<(String, String, u64)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let Some(mr) = merge_request(&kind) else {
        return not_found("Resource");
    };
    let all: Vec<Value> = s
        .project(&project)
        .notes
        .iter()
        .filter(|n| n.merge_request == mr && n.iid == iid)
        .map(to_json)
        .collect();
    paginated(&s, all, &q)
}

/// `POST /projects/{project}/{kind}/{iid}/notes`
pub async fn create(
    State(shared): State<Shared>,
    Path((project, kind, iid)): Path<(String, String, u64)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = too_long(&body) {
        return refused;
    }
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let Some(mr) = merge_request(&kind) else {
        return not_found("Resource");
    };
    let Some(text) = body["body"].as_str().filter(|t| !t.is_empty()) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "body is missing"}))).into_response();
    };
    let author = caller(&s, &headers).unwrap_or_default();
    let text = super::quick_actions::run(s.project(&project), &author, text);
    if text.is_empty() {
        // Only quick actions: GitLab runs them and saves no note.
        return (
            StatusCode::ACCEPTED,
            Json(json!({"commands_changes": {}, "summary": ["Ran the quick actions."]})),
        )
            .into_response();
    }
    let id = s.next();
    let note = StoredNote {
        id,
        merge_request: mr,
        iid,
        body: text,
        author,
    };
    let out = to_json(&note);
    s.project(&project).notes.push(note);
    (StatusCode::CREATED, Json(out)).into_response()
}

/// `PUT /projects/{project}/{kind}/{iid}/notes/{id}`
pub async fn edit(
    State(shared): State<Shared>,
    Path((project, kind, iid, id)): Path<(String, String, u64, u64)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = too_long(&body) {
        return refused;
    }
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let me = caller(&s, &headers).unwrap_or_default();
    let mr = merge_request(&kind);
    let p = s.project(&project);
    let Some(at) = p
        .notes
        .iter()
        .position(|n| Some(n.merge_request) == mr && n.iid == iid && n.id == id)
    else {
        return not_found("Note");
    };
    if p.notes[at].author != me {
        return (StatusCode::FORBIDDEN, Json(json!({"message": "403 Forbidden"}))).into_response();
    }
    let text = body["body"].as_str().unwrap_or_default();
    p.notes[at].body = super::quick_actions::run(p, &me, text);
    Json(to_json(&p.notes[at])).into_response()
}

fn award_to(
    s: &mut super::State,
    project: String,
    kind: &str,
    iid: u64,
    note: Option<u64>,
    body: &Value,
    who: String,
) -> Response {
    let Some(mr) = merge_request(kind) else {
        return not_found("Resource");
    };
    let name = body["name"].as_str().unwrap_or_default().to_string();
    if name.is_empty() {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "name is missing"}))).into_response();
    }
    let award = super::Award {
        merge_request: mr,
        iid,
        note,
        name: name.clone(),
        user: who.clone(),
    };
    if s.project(&project).awards.contains(&award) {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"message": "404 Award Emoji Name has already been taken"})),
        )
            .into_response();
    }
    let id = s.next();
    s.project(&project).awards.push(award);
    (StatusCode::CREATED, Json(json!({"id": id, "name": name, "user": user(&who), "awardable_type": if note.is_some() { "Note" } else if mr { "MergeRequest" } else { "Issue" }}))).into_response()
}

/// `POST /projects/{project}/{kind}/{iid}/award_emoji`
pub async fn award(
    State(shared): State<Shared>,
    Path((project, kind, iid)): Path<(String, String, u64)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let who = caller(&s, &headers).unwrap_or_default();
    award_to(&mut s, project, &kind, iid, None, &body, who)
}

/// `POST /projects/{project}/{kind}/{iid}/notes/{id}/award_emoji`
pub async fn award_note(
    State(shared): State<Shared>,
    Path((project, kind, iid, id)): Path<(String, String, u64, u64)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let who = caller(&s, &headers).unwrap_or_default();
    award_to(&mut s, project, &kind, iid, Some(id), &body, who)
}
