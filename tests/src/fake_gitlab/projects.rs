//! Projects and what hangs off them: the token's user, users by username, a project's
//! default branch, members with their access level (inherited ones included, as
//! `members/all` reports them), raw files of a branch, issues, and commit statuses
//! (GitLab refuses to set a status to the state it already has).

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
    let known = s.projects.values().any(|p| p.members.contains_key(&name)) || s.tokens.values().any(|u| *u == name);
    let found: Vec<Value> = if known { vec![user(&name)] } else { Vec::new() };
    Json(found).into_response()
}

/// `GET /projects/{project}`
pub async fn project(State(shared): State<Shared>, Path(project): Path<String>) -> Response {
    let s = shared.lock().unwrap_or_else(|p| p.into_inner());
    // A numeric id names a project the fake knows of: a merge request's or its fork.
    let project = match project.parse::<u64>() {
        Ok(id) => {
            let known = s
                .projects
                .iter()
                .flat_map(|(path, p)| {
                    std::iter::once(path).chain(p.merge_requests.iter().filter_map(|m| m.fork.as_ref()))
                })
                .find(|p| user_id(p) == id);
            match known {
                Some(p) => p.clone(),
                None => return not_found("Project"),
            }
        }
        Err(_) => project,
    };
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
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    match s.project(&project).members.iter().find(|(u, _)| user_id(u) == id) {
        Some((username, level)) => {
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
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    if q.get("ref").is_some_and(|r| *r != s.default_branch) {
        return not_found("Commit");
    }
    match s.project(&project).files.get(&file) {
        Some(text) => text.clone().into_response(),
        None => not_found("File"),
    }
}

/// `GET /projects/{project}/issues/{iid}`
pub async fn issue(State(shared): State<Shared>, Path((project, iid)): Path<(String, u64)>) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    match s.project(&project).issues.get(&iid) {
        Some(i) => Json(issue_json(&project, iid, i)).into_response(),
        None => not_found(""),
    }
}

/// `POST /projects/{project}/statuses/{sha}`, as GitLab's `Ci::CreateCommitStatusService`:
/// a `pending` or `running` status of the same name is moved on in place (and GitLab's
/// state machine refuses `pending` again and `running` again with 400 "Cannot transition
/// status"); otherwise a new status is created and a finished one of that name is
/// marked retried — setting `success` twice makes two statuses, it is no error.
pub async fn set_status(
    State(shared): State<Shared>,
    Path((project, sha)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    use axum::http::StatusCode;
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let state = body["state"].as_str().unwrap_or_default().to_string();
    if !["pending", "running", "success", "failed", "canceled"].contains(&state.as_str()) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "state does not have a valid value"})),
        )
            .into_response();
    }
    let name = body["name"].as_str().unwrap_or("default").to_string();
    let description = body["description"].as_str().unwrap_or_default().to_string();
    let same = |st: &super::StoredStatus| st.sha == sha && st.name == name && !st.retried;
    let id = s.next();
    let statuses = &mut s.project(&project).statuses;
    let open = statuses
        .iter()
        .rposition(|st| same(st) && (st.state == "pending" || st.state == "running"));
    if let Some(at) = open {
        let from = statuses[at].state.clone();
        let refused = match state.as_str() {
            "pending" => Some("enqueue"),
            "running" if from == "running" => Some("run"),
            _ => None,
        };
        if let Some(verb) = refused {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"message": format!("Cannot transition status via :{verb} from :{from}")})),
            )
                .into_response();
        }
        statuses[at].state = state.clone();
        statuses[at].description = description;
    } else {
        for st in statuses.iter_mut().filter(|st| same(st)) {
            st.retried = true;
        }
        statuses.push(super::StoredStatus {
            sha: sha.clone(),
            name: name.clone(),
            state: state.clone(),
            description,
            retried: false,
        });
    }
    (
        StatusCode::CREATED,
        Json(json!({"id": id, "sha": sha, "name": name, "status": state})),
    )
        .into_response()
}

fn issue_json(project: &str, iid: u64, i: &super::StoredIssue) -> Value {
    json!({"id": 5000 + iid, "iid": iid, "project_id": user_id(project), "title": i.title,
           "description": i.description, "state": "opened", "confidential": i.confidential,
           "labels": [], "author": user(&i.author),
           "web_url": format!("https://gitlab.example/{project}/-/issues/{iid}")})
}

/// `GET /projects/{project}/issues?state=opened`
pub async fn issues(
    State(shared): State<Shared>,
    Path(project): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let items: Vec<Value> = s
        .project(&project)
        .issues
        .iter()
        .map(|(iid, i)| issue_json(&project, *iid, i))
        .collect();
    super::paginated(&s, items, &q)
}

/// `POST /projects/{project}/issues`
pub async fn create_issue(
    State(shared): State<Shared>,
    Path(project): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    use axum::http::StatusCode;
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let Some(title) = body["title"].as_str().filter(|t| !t.is_empty()) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "title is missing"}))).into_response();
    };
    let title = title.to_string();
    let author = caller(&s, &headers).unwrap_or_default();
    let p = s.project(&project);
    let iid = p.issues.keys().max().copied().unwrap_or(0) + 1;
    let description = body["description"].as_str().unwrap_or_default();
    let description = super::quick_actions::run(p, &author, description);
    let issue = super::StoredIssue {
        title,
        description,
        confidential: false,
        author,
    };
    let out = issue_json(&project, iid, &issue);
    p.issues.insert(iid, issue);
    (StatusCode::CREATED, Json(out)).into_response()
}

/// `PUT /projects/{project}/issues/{iid}`
pub async fn edit_issue(
    State(shared): State<Shared>,
    Path((project, iid)): Path<(String, u64)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let author = caller(&s, &headers).unwrap_or_default();
    let p = s.project(&project);
    if !p.issues.contains_key(&iid) {
        return not_found("");
    }
    let description = body["description"]
        .as_str()
        .map(|d| super::quick_actions::run(p, &author, d));
    let i = p.issues.get_mut(&iid).expect("the issue was just found");
    if let Some(t) = body["title"].as_str() {
        i.title = t.to_string();
    }
    if let Some(d) = description {
        i.description = d;
    }
    Json(issue_json(&project, iid, i)).into_response()
}
