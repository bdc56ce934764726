//! Repositories and pull requests: the default branch, pull requests listed (by
//! `head` and `state`), opened (GitHub's 422 when one is already open for the head),
//! and edited; issue reactions.

use super::{shapes, Shared};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;

/// A stored pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPull {
    /// Its number (shared with issues, as on GitHub).
    pub number: u64,
    /// The branch it merges.
    pub head: String,
    /// The branch it merges into.
    pub base: String,
    /// Its title.
    pub title: String,
    /// Its body.
    pub body: String,
    /// `open` or `closed`.
    pub state: String,
    /// The fork its head branch is in (`owner/name`); `None` for a branch of the
    /// repository itself.
    pub fork: Option<String>,
}

/// The pull request as GitHub shows it: its head commit is what `refs/pull/N/head` of
/// the repository's git remote holds, where the fake knows the remote.
fn to_json(api: &str, full: &str, r: &super::Repository, p: &StoredPull) -> Value {
    let sha = pull_ref::follow(r, p).unwrap_or_else(|| format!("{:040x}", shapes::user_id(&p.head)));
    let head_repo = p.fork.as_deref().unwrap_or(full);
    shapes::pull(api, full, p, head_repo, &sha)
}

/// `refs/pull/N/head`: GitHub keeps every pull request's head commit under it in the
/// base repository — a fork's too, which is the only place the base repository has
/// a fork's commits.
pub mod pull_ref {
    use super::StoredPull;

    /// The ref of pull request `number`.
    pub fn name(number: u64) -> String {
        format!("refs/pull/{number}/head")
    }

    /// The pull request's head commit in the repository's remote: for a branch of the
    /// repository its tip, which `refs/pull/N/head` is moved to as GitHub does on every
    /// push; for a fork what `refs/pull/N/head` holds. `None` when the fake has no remote.
    pub fn follow(r: &crate::fake_github::Repository, p: &StoredPull) -> Option<String> {
        let branch = p.fork.is_none().then_some(p.head.as_str());
        crate::remote::request_head(r.git_remote.as_ref()?, &name(p.number), branch)
    }
}

/// `GET /repos/{owner}/{repo}`
pub async fn get_repo(State(shared): State<Shared>, Path((owner, repo)): Path<(String, String)>) -> Response {
    let s = shared.lock().unwrap_or_else(|p| p.into_inner());
    Json(shapes::repository(
        &s.api(),
        &format!("{owner}/{repo}"),
        &s.default_branch,
    ))
    .into_response()
}

/// `GET /repos/{owner}/{repo}/pulls`
pub async fn list_pulls(
    State(shared): State<Shared>,
    Path((owner, repo)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let full = format!("{owner}/{repo}");
    if s.stale_pull_lists > 0 {
        s.stale_pull_lists -= 1;
        return super::paginated(&s, Vec::new(), &q, &format!("/repos/{full}/pulls"));
    }
    let state = q.get("state").map(String::as_str).unwrap_or("open");
    let head = q
        .get("head")
        .and_then(|h| h.split_once(':'))
        .map(|(_, b)| b.to_string());
    let api = s.api();
    let r = s.repo(&full);
    let items: Vec<Value> = r
        .pulls
        .iter()
        .filter(|p| state == "all" || p.state == state)
        .filter(|p| head.as_ref().is_none_or(|h| *h == p.head))
        .map(|p| to_json(&api, &full, r, p))
        .collect();
    super::paginated(&s, items, &q, &format!("/repos/{full}/pulls"))
}

/// `POST /repos/{owner}/{repo}/pulls`
pub async fn create_pull(
    State(shared): State<Shared>,
    Path((owner, repo)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = super::body_too_long(&body, "PullRequest") {
        return refused;
    }
    let delay = shared.lock().unwrap_or_else(|p| p.into_inner()).create_pull_delay_ms;
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let full = format!("{owner}/{repo}");
    let head = body["head"].as_str().unwrap_or_default().to_string();
    let base = body["base"].as_str().unwrap_or_default().to_string();
    if head == base {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({
                "message": "Validation Failed",
                "errors": [{"resource": "PullRequest", "code": "custom", "message": format!("No commits between {base} and {head}")}],
                "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
                "status": "422"
            })),
        )
            .into_response();
    }
    if s.repo(&full).pulls.iter().any(|p| p.head == head && p.state == "open") {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({
                "message": "Validation Failed",
                "errors": [{"resource": "PullRequest", "code": "custom", "message": format!("A pull request already exists for {owner}:{head}.")}],
                "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
                "status": "422"
            })),
        )
            .into_response();
    }
    s.next_id += 1;
    let pull = StoredPull {
        number: s.next_id,
        head,
        base,
        title: body["title"].as_str().unwrap_or_default().to_string(),
        body: body["body"].as_str().unwrap_or_default().to_string(),
        state: "open".into(),
        fork: None,
    };
    let api = s.api();
    let r = s.repo(&full);
    let out = to_json(&api, &full, r, &pull);
    r.pulls.push(pull);
    (StatusCode::CREATED, Json(out)).into_response()
}

/// `PATCH /repos/{owner}/{repo}/pulls/{number}`
pub async fn edit_pull(
    State(shared): State<Shared>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = super::body_too_long(&body, "PullRequest") {
        return refused;
    }
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let full = format!("{owner}/{repo}");
    let api = s.api();
    let r = s.repo(&full);
    let Some(at) = r.pulls.iter().position(|p| p.number == number) else {
        return (StatusCode::NOT_FOUND, Json(json!({"message": "Not Found"}))).into_response();
    };
    let p = &mut r.pulls[at];
    if let Some(t) = body["title"].as_str() {
        p.title = t.to_string();
    }
    if let Some(b) = body["body"].as_str() {
        p.body = b.to_string();
    }
    Json(to_json(&api, &full, r, &r.pulls[at])).into_response()
}

/// `POST /repos/{owner}/{repo}/issues/{number}/reactions`
pub async fn react_to_issue(
    State(shared): State<Shared>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    Json(body): Json<Value>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let content = body["content"].as_str().unwrap_or_default().to_string();
    let (api, bot) = (s.api(), s.bot_login.clone());
    let reactions = &mut s.repo(&format!("{owner}/{repo}")).issue_reactions;
    super::react_once(reactions, super::Reaction::new(number, &content), 9_001, &api, &bot)
}

/// `GET /repos/{owner}/{repo}/pulls/{number}`
pub async fn get_pull(
    State(shared): State<Shared>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let full = format!("{owner}/{repo}");
    let api = s.api();
    let r = s.repo(&full);
    match r.pulls.iter().find(|p| p.number == number) {
        Some(p) => Json(to_json(&api, &full, r, p)).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"message": "Not Found"}))).into_response(),
    }
}

/// An issue opened through the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedIssue {
    /// Its number (shared with pull requests).
    pub number: u64,
    /// Its title.
    pub title: String,
    /// Its body.
    pub body: String,
    /// The app that opened it.
    pub app_id: Option<u64>,
}

fn opened_json(api: &str, full: &str, bot: &str, i: &OpenedIssue) -> Value {
    let mut v = shapes::issue(api, full, i.number, &i.title, &i.body, shapes::user(api, bot, "Bot"));
    v["performed_via_github_app"] = i
        .app_id
        .map_or(Value::Null, |id| json!({"id": id, "slug": format!("app-{id}")}));
    v
}

/// `GET /repos/{owner}/{repo}/issues?state=open`: the opened issues (pull requests
/// would be listed too on GitHub; none are opened this way here).
pub async fn list_issues(
    State(shared): State<Shared>,
    Path((owner, repo)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let full = format!("{owner}/{repo}");
    let (api, bot) = (s.api(), s.bot_login.clone());
    let items: Vec<Value> = s
        .repo(&full)
        .opened_issues
        .iter()
        .map(|i| opened_json(&api, &full, &bot, i))
        .collect();
    super::paginated(&s, items, &q, &format!("/repos/{full}/issues"))
}

/// `POST /repos/{owner}/{repo}/issues`
pub async fn create_issue(
    State(shared): State<Shared>,
    Path((owner, repo)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = super::body_too_long(&body, "Issue") {
        return refused;
    }
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let Some(title) = body["title"].as_str().filter(|t| !t.is_empty()) else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"message": "Validation Failed", "errors": [{"resource": "Issue", "code": "missing_field", "field": "title"}]})),
        )
            .into_response();
    };
    s.next_id += 1;
    let full = format!("{owner}/{repo}");
    let issue = OpenedIssue {
        number: s.next_id,
        title: title.to_string(),
        body: body["body"].as_str().unwrap_or_default().to_string(),
        app_id: Some(s.app_id),
    };
    let out = opened_json(&s.api(), &full, &s.bot_login, &issue);
    s.repo(&full).opened_issues.push(issue);
    (StatusCode::CREATED, Json(out)).into_response()
}

/// `PATCH /repos/{owner}/{repo}/issues/{number}`
pub async fn edit_issue(
    State(shared): State<Shared>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = super::body_too_long(&body, "Issue") {
        return refused;
    }
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let full = format!("{owner}/{repo}");
    let (api, bot) = (s.api(), s.bot_login.clone());
    match s.repo(&full).opened_issues.iter_mut().find(|i| i.number == number) {
        None => (StatusCode::NOT_FOUND, Json(json!({"message": "Not Found"}))).into_response(),
        Some(i) => {
            if let Some(t) = body["title"].as_str() {
                i.title = t.to_string();
            }
            if let Some(b) = body["body"].as_str() {
                i.body = b.to_string();
            }
            Json(opened_json(&api, &full, &bot, i)).into_response()
        }
    }
}

/// `GET /repos/{owner}/{repo}/issues/{number}`
pub async fn get_issue(
    State(shared): State<Shared>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let full = format!("{owner}/{repo}");
    let api = s.api();
    match s.repo(&full).issues.get(&number) {
        Some(body) => {
            let author = shapes::user(&api, "consumer", "User");
            Json(shapes::issue(&api, &full, number, "A data product", body, author)).into_response()
        }
        None => (StatusCode::NOT_FOUND, Json(json!({"message": "Not Found"}))).into_response(),
    }
}

/// `GET /repos/{owner}/{repo}/pulls/{number}/comments`: review comments on the diff.
pub async fn list_review_comments(
    State(shared): State<Shared>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let full = format!("{owner}/{repo}");
    let api = s.api();
    let items: Vec<Value> = s
        .repo(&full)
        .review_comments
        .iter()
        .enumerate()
        .filter(|(_, c)| c.number == number)
        .map(|(i, c)| {
            let author = shapes::user(&api, &c.author, "User");
            shapes::review_comment(&api, &full, number, 80_000 + i as u64, author, &c.path, &c.body)
        })
        .collect();
    super::paginated(&s, items, &q, &format!("/repos/{full}/pulls/{number}/comments"))
}

/// `GET /repos/{owner}/{repo}/contents/{path}`: a file of the default branch, base64
/// in `content` as GitHub sends it (with line breaks every 60 characters).
pub async fn get_contents(
    State(shared): State<Shared>,
    Path((owner, repo, path)): Path<(String, String, String)>,
) -> Response {
    use base64::Engine as _;
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let full = format!("{owner}/{repo}");
    let api = s.api();
    match s.repo(&full).files.get(&path) {
        Some(text) => {
            let encoded = base64::engine::general_purpose::STANDARD.encode(text);
            let wrapped: Vec<String> = encoded
                .as_bytes()
                .chunks(60)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            Json(shapes::content_file(
                &api,
                &full,
                &path,
                text.len(),
                &wrapped.join("\n"),
            ))
            .into_response()
        }
        None => (StatusCode::NOT_FOUND, Json(json!({"message": "Not Found"}))).into_response(),
    }
}

/// `GET /repos/{owner}/{repo}/pulls/{number}/files`: GitHub's `diff-entry` list.
pub async fn list_pull_files(
    State(shared): State<Shared>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let full = format!("{owner}/{repo}");
    let api = s.api();
    let items: Vec<Value> = s
        .repo(&full)
        .pull_files
        .get(&number)
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|f| {
            json!({"sha": format!("{:040x}", f.len()), "filename": f, "status": "modified", "additions": 1, "deletions": 1, "changes": 2,
                   "blob_url": format!("{api}/web/{full}/blob/x/{f}"), "raw_url": format!("{api}/web/{full}/raw/x/{f}"),
                   "contents_url": format!("{api}/repos/{full}/contents/{f}?ref=x"), "patch": "@@ -1 +1 @@"})
        })
        .collect();
    super::paginated(&s, items, &q, &format!("/repos/{full}/pulls/{number}/files"))
}
