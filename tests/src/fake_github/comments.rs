//! Issue and pull-request comments and their reactions: listed with GitHub's
//! pagination (`per_page`, `page`, `Link` headers), created, edited.

use super::{shapes, Shared};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;

/// A stored comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredComment {
    /// Its id.
    pub id: u64,
    /// The issue or pull request.
    pub number: u64,
    /// Its text.
    pub body: String,
    /// Its author's login.
    pub login: String,
    /// `User` or `Bot`.
    pub user_type: String,
    /// The app that wrote it (`performed_via_github_app.id`), for comments an app
    /// posted with its installation token.
    pub app_id: Option<u64>,
}

fn to_json(api: &str, repo: &str, c: &StoredComment) -> Value {
    let author = shapes::user(api, &c.login, &c.user_type);
    shapes::issue_comment(api, repo, c.number, c.id, &c.body, author, c.app_id)
}

/// `GET /repos/{owner}/{repo}/issues/{number}/comments`
pub async fn list(
    State(shared): State<Shared>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let full = format!("{owner}/{repo}");
    let api = s.api();
    let items: Vec<Value> = s
        .repo(&full)
        .comments
        .iter()
        .filter(|c| c.number == number)
        .map(|c| to_json(&api, &full, c))
        .collect();
    super::paginated(&s, items, &q, &format!("/repos/{full}/issues/{number}/comments"))
}

/// `POST /repos/{owner}/{repo}/issues/{number}/comments`: written as the app, or as
/// `github-actions[bot]` with a workflow's token.
pub async fn create(
    State(shared): State<Shared>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = super::body_too_long(&body, "IssueComment") {
        return refused;
    }
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let Some(text) = body["body"].as_str() else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"message": "Invalid request.\n\n\"body\" wasn't supplied."})),
        )
            .into_response();
    };
    let actions = super::is_actions_token(&s, &headers);
    s.next_id += 1;
    let full = format!("{owner}/{repo}");
    let c = StoredComment {
        id: s.next_id,
        number,
        body: text.to_string(),
        login: if actions {
            "github-actions[bot]".into()
        } else {
            s.bot_login.clone()
        },
        user_type: "Bot".into(),
        app_id: Some(if actions { super::ACTIONS_APP_ID } else { s.app_id }),
    };
    let out = to_json(&s.api(), &full, &c);
    s.repo(&full).comments.push(c);
    (StatusCode::CREATED, Json(out)).into_response()
}

/// `PATCH /repos/{owner}/{repo}/issues/comments/{id}`: only its author may.
pub async fn edit(
    State(shared): State<Shared>,
    Path((owner, repo, id)): Path<(String, String, u64)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = super::body_too_long(&body, "IssueComment") {
        return refused;
    }
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let bot = if super::is_actions_token(&s, &headers) {
        "github-actions[bot]".to_string()
    } else {
        s.bot_login.clone()
    };
    let (full, api) = (format!("{owner}/{repo}"), s.api());
    // A comment of another repository is not found under this one, as on GitHub.
    let comment = s.repo(&full).comments.iter_mut().find(|c| c.id == id);
    match comment {
        None => (StatusCode::NOT_FOUND, Json(json!({"message": "Not Found"}))).into_response(),
        Some(c) if c.login != bot => (
            StatusCode::FORBIDDEN,
            Json(json!({"message": "Resource not accessible by integration"})),
        )
            .into_response(),
        Some(c) => {
            c.body = body["body"].as_str().unwrap_or_default().to_string();
            let out = to_json(&api, &full, c);
            s.edits += 1;
            Json(out).into_response()
        }
    }
}

/// `POST /repos/{owner}/{repo}/issues/comments/{id}/reactions`
pub async fn react(
    State(shared): State<Shared>,
    Path((owner, repo, id)): Path<(String, String, u64)>,
    Json(body): Json<Value>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let content = body["content"].as_str().unwrap_or_default().to_string();
    let (api, bot) = (s.api(), s.bot_login.clone());
    let reactions = &mut s.repo(&format!("{owner}/{repo}")).comment_reactions;
    super::react_once(reactions, super::Reaction::new(id, &content), 1, &api, &bot)
}

/// `GET /repos/{owner}/{repo}/collaborators/{user}/permission`
pub async fn permission(
    State(shared): State<Shared>,
    Path((owner, repo, user)): Path<(String, String, String)>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let api = s.api();
    match s.repo(&format!("{owner}/{repo}")).permissions.get(&user) {
        Some(role) => {
            // A custom role reads `<name>:<base>`; GitHub reports its name and the
            // base's permission.
            let (role_name, base) = role.split_once(':').unwrap_or((role.as_str(), role.as_str()));
            let permission = match base {
                "maintain" => "write",
                "triage" => "read",
                other => other,
            };
            // The user is a `collaborator`: a user with the base role's flags.
            let rank = ["read", "triage", "write", "maintain", "admin"]
                .iter()
                .position(|r| *r == base)
                .unwrap_or(0);
            let mut collaborator = shapes::user(&api, &user, "User");
            collaborator["permissions"] = json!({"pull": true, "triage": rank >= 1, "push": rank >= 2, "maintain": rank >= 3, "admin": rank >= 4});
            collaborator["role_name"] = json!(role_name);
            Json(json!({"permission": permission, "role_name": role_name, "user": collaborator})).into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"message": format!("{user} is not a user")})),
        )
            .into_response(),
    }
}
