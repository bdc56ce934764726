//! A stateful fake of the GitLab REST API v4, served over real HTTP on loopback, for
//! what Hallmark does on GitLab: the token's user, projects and their members
//! (inherited ones included), repository files, issues, merge requests, notes,
//! discussions and award emoji. Lists carry GitLab's pagination headers (`X-Page`,
//! `X-Per-Page`, `X-Total`, `X-Total-Pages`, `X-Next-Page`); tokens are checked like
//! GitLab's `PRIVATE-TOKEN`; failures can be injected, one of them after the write is
//! done. One file per resource, as the fake GitHub is.

pub mod merge_requests;
pub mod notes;
pub mod projects;
pub mod quick_actions;

use crate::serve::Background;
use axum::extract::{Request, State as AxumState};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};

pub use merge_requests::StoredMergeRequest;
pub use notes::StoredNote;
pub use quick_actions::QuickAction;

/// A failure the fake answers the next API request with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// This status, nothing done.
    Status(u16),
    /// The request is carried out, then answered with this status.
    AfterWrite(u16),
    /// `429` with `Retry-After: <secs>`.
    RateLimited {
        /// The seconds to wait.
        retry_after: u64,
    },
}

/// An issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredIssue {
    /// Its title.
    pub title: String,
    /// Its description.
    pub description: String,
    /// Confidential issues are seen by members only.
    pub confidential: bool,
    /// Who opened it.
    pub author: String,
}

/// Everything the fake remembers: what belongs to the instance (tokens, ids, the
/// traffic) at the top, and what belongs to one project under [`State::projects`], as
/// GitLab scopes every project resource by its path.
#[derive(Debug, Default)]
pub struct State {
    /// Tokens and the username each acts as.
    pub tokens: HashMap<String, String>,
    /// The projects' default branch.
    pub default_branch: String,
    /// Each project (by the path the API names it with: `group/name` or an id) and
    /// what it holds.
    pub projects: BTreeMap<String, Project>,
    /// The last id handed out.
    pub next_id: u64,
    /// The largest `per_page` honoured (GitLab: 100).
    pub max_per_page: usize,
    /// Failures to answer the next reads (GET) with.
    pub failures: VecDeque<Failure>,
    /// Failures to answer the next writes (POST, PUT) with.
    pub write_failures: VecDeque<Failure>,
    /// Writes (POST, PUT) carried out.
    pub writes: usize,
    /// How long opening a merge request takes, to catch a bot mid-request.
    pub create_merge_request_delay_ms: u64,
}

/// What one project holds.
#[derive(Debug, Default)]
pub struct Project {
    /// The bare git repository behind it, where GitLab keeps
    /// `refs/merge-requests/N/head`; a merge request's `sha` is read from it.
    pub git_remote: Option<std::path::PathBuf>,
    /// Access levels by username: 10 Guest … 50 Owner, direct or inherited from a
    /// group.
    pub members: HashMap<String, u64>,
    /// Files of the default branch by path.
    pub files: HashMap<String, String>,
    /// Issues by iid.
    pub issues: BTreeMap<u64, StoredIssue>,
    /// Merge requests.
    pub merge_requests: Vec<StoredMergeRequest>,
    /// The files each merge request changes, by iid.
    pub merge_request_files: HashMap<u64, Vec<String>>,
    /// Diff notes on merge requests.
    pub diff_notes: Vec<crate::diff_comment::DiffComment>,
    /// Every note.
    pub notes: Vec<StoredNote>,
    /// Award emoji given.
    pub awards: Vec<Award>,
    /// Quick actions GitLab ran from notes and descriptions, in order.
    pub quick_actions: Vec<QuickAction>,
    /// Commit statuses, the latest last; a finished one set again is kept, retried.
    pub statuses: Vec<StoredStatus>,
}

/// An award emoji on an issue, a merge request or one of their notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Award {
    /// True on a merge request (or its note), false on an issue.
    pub merge_request: bool,
    /// The issue's or merge request's iid.
    pub iid: u64,
    /// The note it is on; `None` for the issue or merge request itself.
    pub note: Option<u64>,
    /// The emoji's name (`eyes`, `thumbsup`...).
    pub name: String,
    /// Who gave it.
    pub user: String,
}

/// One commit status as GitLab keeps it: a status that is `pending` or `running` is
/// moved on in place, a finished one is marked retried when the same name is set again.
#[derive(Debug, Clone)]
pub struct StoredStatus {
    /// The commit.
    pub sha: String,
    /// The status's name (Hallmark's is `hallmark`).
    pub name: String,
    /// `pending`, `running`, `success`, `failed` or `canceled`.
    pub state: String,
    /// Its description.
    pub description: String,
    /// A later status of the same name replaced this one (GitLab's `retried`).
    pub retried: bool,
}

impl State {
    /// Moves `refs/merge-requests/N/head` of every open request from a branch of the repository to
    /// the branch's tip, as the forge does on every push: tests push to the bare
    /// remote directly, so the fake does it on every request and when told.
    pub fn sync_pull_refs(&self) {
        for p in self.projects.values() {
            for m in p.merge_requests.iter().filter(|m| m.state == "opened") {
                merge_requests::head_ref::follow(p, m);
            }
        }
    }

    /// Project `path`, made on first use: the fake knows every project a test names.
    pub fn project(&mut self, path: &str) -> &mut Project {
        self.projects.entry(path.to_string()).or_default()
    }

    /// A new id, for any resource.
    pub(crate) fn next(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

/// The state as handlers share it.
pub type Shared = Arc<Mutex<State>>;

/// A GitLab user object for `username`.
pub(crate) fn user(username: &str) -> Value {
    json!({"id": user_id(username), "username": username, "name": username, "state": "active", "locked": false,
           "avatar_url": format!("https://gitlab.example/uploads/{username}.png"), "web_url": format!("https://gitlab.example/{username}")})
}

/// A stable id for a username.
pub(crate) fn user_id(username: &str) -> u64 {
    username
        .bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
        % 1_000_000
        + 100
}

/// The username the request's token acts as.
pub(crate) fn caller(s: &State, headers: &HeaderMap) -> Option<String> {
    let token = headers.get("private-token").and_then(|v| v.to_str().ok())?;
    s.tokens.get(token).cloned()
}

/// GitLab's 404.
pub(crate) fn not_found(what: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"message": format!("404 {what} Not Found")})),
    )
        .into_response()
}

/// One page of `items` with GitLab's pagination headers (`per_page` default 20).
pub(crate) fn paginated(s: &State, items: Vec<Value>, q: &HashMap<String, String>) -> Response {
    let per_page = q
        .get("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(20)
        .clamp(1, s.max_per_page);
    let page = q.get("page").and_then(|v| v.parse::<usize>().ok()).unwrap_or(1).max(1);
    let pages = items.len().div_ceil(per_page).max(1);
    let total = items.len();
    let body: Vec<Value> = items.into_iter().skip((page - 1) * per_page).take(per_page).collect();
    let mut r = Json(body).into_response();
    let h = r.headers_mut();
    for (name, value) in [
        ("x-page", page.to_string()),
        ("x-per-page", per_page.to_string()),
        ("x-total", total.to_string()),
        ("x-total-pages", pages.to_string()),
        (
            "x-next-page",
            if page < pages {
                (page + 1).to_string()
            } else {
                String::new()
            },
        ),
    ] {
        h.insert(name, value.parse().expect("header"));
    }
    r
}

async fn gated(AxumState(shared): AxumState<Shared>, request: Request, next: Next) -> Response {
    let failure = {
        let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
        s.sync_pull_refs();
        if caller(&s, request.headers()).is_none() {
            return (StatusCode::UNAUTHORIZED, Json(json!({"message": "401 Unauthorized"}))).into_response();
        }
        if request.method() == Method::GET {
            s.failures.pop_front()
        } else {
            s.writes += 1;
            s.write_failures.pop_front()
        }
    };
    let broken = |code: u16| {
        (
            StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_GATEWAY),
            "<html>502 Bad Gateway</html>",
        )
            .into_response()
    };
    match failure {
        None => next.run(request).await,
        Some(Failure::Status(code)) => broken(code),
        Some(Failure::AfterWrite(code)) => {
            let _done = next.run(request).await;
            broken(code)
        }
        Some(Failure::RateLimited { retry_after }) => {
            let mut r = (
                StatusCode::TOO_MANY_REQUESTS,
                Json(json!({"message": "429 Too Many Requests"})),
            )
                .into_response();
            r.headers_mut()
                .insert("retry-after", retry_after.to_string().parse().expect("header"));
            r
        }
    }
}

/// The running fake; stops when dropped.
pub struct FakeGitLab {
    server: Background,
    state: Shared,
}

impl FakeGitLab {
    /// Starts the fake.
    pub fn start() -> FakeGitLab {
        let state = Arc::new(Mutex::new(State {
            max_per_page: 100,
            default_branch: "main".into(),
            ..State::default()
        }));
        let shared = state.clone();
        let server = Background::spawn(move |_| {
            let p = "/api/v4/projects/{project}";
            Router::new()
                .route("/api/v4/user", get(projects::me))
                .route("/api/v4/users", get(projects::users))
                .route(p, get(projects::project))
                .route(&format!("{p}/members/all/{{user}}"), get(projects::member))
                .route(&format!("{p}/repository/files/{{file}}/raw"), get(projects::raw_file))
                .route(
                    &format!("{p}/issues"),
                    get(projects::issues).post(projects::create_issue),
                )
                .route(
                    &format!("{p}/issues/{{iid}}"),
                    get(projects::issue).put(projects::edit_issue),
                )
                .route(&format!("{p}/{{kind}}/{{iid}}/award_emoji"), post(notes::award))
                .route(
                    &format!("{p}/{{kind}}/{{iid}}/notes"),
                    get(notes::list).post(notes::create),
                )
                .route(&format!("{p}/{{kind}}/{{iid}}/notes/{{id}}"), put(notes::edit))
                .route(
                    &format!("{p}/{{kind}}/{{iid}}/notes/{{id}}/award_emoji"),
                    post(notes::award_note),
                )
                .route(&format!("{p}/statuses/{{sha}}"), post(projects::set_status))
                .route(&format!("{p}/merge_requests/{{iid}}/diffs"), get(merge_requests::diffs))
                .route(
                    &format!("{p}/merge_requests"),
                    get(merge_requests::list).post(merge_requests::create),
                )
                .route(
                    &format!("{p}/merge_requests/{{iid}}"),
                    get(merge_requests::get).put(merge_requests::edit),
                )
                .route(
                    &format!("{p}/merge_requests/{{iid}}/discussions"),
                    get(merge_requests::discussions),
                )
                .route_layer(middleware::from_fn_with_state(shared.clone(), gated))
                .with_state(shared)
        });
        FakeGitLab { server, state }
    }

    /// The API base, as `CI_API_V4_URL` names it.
    pub fn api(&self) -> String {
        format!("http://{}/api/v4", self.server.addr())
    }

    /// The instance's URL (`--gitlab-url`).
    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// Reads or changes the state.
    pub fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(|p| p.into_inner()))
    }
}
