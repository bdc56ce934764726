//! Projects and what hangs off them: the token's user, users by username, a project's
//! default branch, members with their access level (inherited ones included, as
//! `members/all` reports them), raw files of a branch, and issues.

use super::{caller, not_found, user, user_id, Shared};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;

/// `GET /user`
pub async fn me(State(shared): State<Shared>, headers: HeaderMap) -> Response {
    let s = shared.lock().unwrap_or_else(|p| p.into_inner());
    Json(user(&caller(&s, &headers).unwrap_or_default())).into_response()
}

/// `GET /users?username=`: the user, if GitLab knows them (a member or a token's user).
pub async fn users(State(shared): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let name = q.get("username").cloned().unwrap_or_default();
    let known = s.members.keys().any(|(_, u)| *u == name) || s.tokens.values().any(|u| *u == name);
    let found: Vec<Value> = if known { vec![user(&name)] } else { Vec::new() };
    Json(found).into_response()
}

/// `GET /projects/{project}`
pub async fn project(State(shared): State<Shared>, Path(project): Path<String>) -> Response {
    let s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let name = project.rsplit('/').next().unwrap_or(&project).to_string();
    Json(
        json!({"id": user_id(&project), "name": name, "path": name, "path_with_namespace": project,
                "default_branch": s.default_branch, "visibility": "private",
                "web_url": format!("https://gitlab.example/{project}"),
                "http_url_to_repo": format!("https://gitlab.example/{project}.git")}),
    )
    .into_response()
}

/// `GET /projects/{project}/members/all/{user_id}`
pub async fn member(State(shared): State<Shared>, Path((project, id)): Path<(String, u64)>) -> Response {
    let s = shared.lock().unwrap_or_else(|p| p.into_inner());
    match s.members.iter().find(|((p, u), _)| *p == project && user_id(u) == id) {
        Some(((_, username), level)) => {
            let mut m = user(username);
            m["access_level"] = json!(level);
            m["membership_state"] = json!("active");
            Json(m).into_response()
        }
        None => not_found(""),
    }
}

/// `GET /projects/{project}/repository/files/{file}/raw?ref=`: the file as it is.
pub async fn raw_file(
    State(shared): State<Shared>,
    Path((project, file)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let s = shared.lock().unwrap_or_else(|p| p.into_inner());
    if q.get("ref").is_some_and(|r| *r != s.default_branch) {
        return not_found("Commit");
    }
    match s.files.get(&(project, file)) {
        Some(text) => text.clone().into_response(),
        None => not_found("File"),
    }
}

/// `GET /projects/{project}/issues/{iid}`
pub async fn issue(State(shared): State<Shared>, Path((project, iid)): Path<(String, u64)>) -> Response {
    let s = shared.lock().unwrap_or_else(|p| p.into_inner());
    match s.issues.get(&(project.clone(), iid)) {
        Some(i) => Json(
            json!({"id": 5000 + iid, "iid": iid, "project_id": user_id(&project), "title": i.title,
                               "description": i.description, "state": "opened", "confidential": i.confidential,
                               "labels": [], "author": user("consumer"),
                               "web_url": format!("https://gitlab.example/{project}/-/issues/{iid}")}),
        )
        .into_response(),
        None => not_found(""),
    }
}
