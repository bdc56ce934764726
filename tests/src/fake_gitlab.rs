//! A stateful fake of the GitLab REST API v4, as much as Hallmark writes: the token's
//! user (`/user`), and a merge request's notes, listed with GitLab's pagination
//! headers (`X-Page`, `X-Per-Page`, `X-Total`, `X-Total-Pages`, `X-Next-Page`),
//! created and edited (by their author only). Tokens are checked like GitLab's
//! `PRIVATE-TOKEN`; failures can be injected, one of them after the write is done.

use crate::serve::Background;
use axum::extract::{Path, Query, Request, State as AxumState};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

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

/// A note on a merge request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNote {
    /// Its id.
    pub id: u64,
    /// The project, as the path names it (an id or `group/name`).
    pub project: String,
    /// The merge request's iid.
    pub iid: u64,
    /// Its text.
    pub body: String,
    /// Its author's username.
    pub author: String,
}

/// Everything the fake remembers.
#[derive(Debug, Default)]
pub struct State {
    /// Tokens and the username each acts as.
    pub tokens: HashMap<String, String>,
    /// Every note.
    pub notes: Vec<StoredNote>,
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
}

type Shared = Arc<Mutex<State>>;

fn user(username: &str) -> Value {
    json!({"id": username.len() as u64 * 1000 + 7, "username": username, "name": username, "state": "active",
           "avatar_url": format!("https://gitlab.example/uploads/{username}.png"), "web_url": format!("https://gitlab.example/{username}")})
}

fn note_json(n: &StoredNote) -> Value {
    json!({"id": n.id, "type": null, "body": n.body, "attachment": null, "author": user(&n.author),
           "created_at": "2026-11-02T09:30:00.000Z", "updated_at": "2026-11-02T09:30:00.000Z",
           "system": false, "noteable_id": 9000 + n.iid, "noteable_type": "MergeRequest", "noteable_iid": n.iid,
           "resolvable": false, "confidential": false, "internal": false})
}

fn caller(s: &State, headers: &HeaderMap) -> Option<String> {
    let token = headers.get("private-token").and_then(|v| v.to_str().ok())?;
    s.tokens.get(token).cloned()
}

async fn gated(AxumState(shared): AxumState<Shared>, request: Request, next: Next) -> Response {
    let failure = {
        let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
        if caller(&s, request.headers()).is_none() {
            return (StatusCode::UNAUTHORIZED, Json(json!({"message": "401 Unauthorized"}))).into_response();
        }
        if request.method() == axum::http::Method::GET {
            s.failures.pop_front()
        } else {
            s.write_failures.pop_front()
        }
    };
    match failure {
        None => next.run(request).await,
        Some(Failure::Status(code)) => (
            StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_GATEWAY),
            "<html>502 Bad Gateway</html>",
        )
            .into_response(),
        Some(Failure::AfterWrite(code)) => {
            let _done = next.run(request).await;
            (
                StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_GATEWAY),
                "<html>502 Bad Gateway</html>",
            )
                .into_response()
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

async fn me(AxumState(shared): AxumState<Shared>, headers: HeaderMap) -> Response {
    let s = shared.lock().unwrap_or_else(|p| p.into_inner());
    Json(user(&caller(&s, &headers).unwrap_or_default())).into_response()
}

async fn list(
    AxumState(shared): AxumState<Shared>,
    Path((project, iid)): Path<(String, u64)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let all: Vec<Value> = s
        .notes
        .iter()
        .filter(|n| n.project == project && n.iid == iid)
        .map(note_json)
        .collect();
    let per_page = q
        .get("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(20)
        .clamp(1, s.max_per_page);
    let page = q.get("page").and_then(|v| v.parse::<usize>().ok()).unwrap_or(1).max(1);
    let pages = all.len().div_ceil(per_page).max(1);
    let items: Vec<Value> = all.iter().skip((page - 1) * per_page).take(per_page).cloned().collect();
    let mut r = Json(items).into_response();
    let h = r.headers_mut();
    for (name, value) in [
        ("x-page", page.to_string()),
        ("x-per-page", per_page.to_string()),
        ("x-total", all.len().to_string()),
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

async fn create(
    AxumState(shared): AxumState<Shared>,
    Path((project, iid)): Path<(String, u64)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let Some(text) = body["body"].as_str().filter(|t| !t.is_empty()) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "body is missing"}))).into_response();
    };
    s.next_id += 1;
    s.writes += 1;
    let note = StoredNote {
        id: s.next_id,
        project,
        iid,
        body: text.to_string(),
        author: caller(&s, &headers).unwrap_or_default(),
    };
    let out = note_json(&note);
    s.notes.push(note);
    (StatusCode::CREATED, Json(out)).into_response()
}

async fn edit(
    AxumState(shared): AxumState<Shared>,
    Path((project, iid, id)): Path<(String, u64, u64)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let me = caller(&s, &headers).unwrap_or_default();
    s.writes += 1;
    match s
        .notes
        .iter_mut()
        .find(|n| n.project == project && n.iid == iid && n.id == id)
    {
        None => (StatusCode::NOT_FOUND, Json(json!({"message": "404 Not found"}))).into_response(),
        Some(n) if n.author != me => (StatusCode::FORBIDDEN, Json(json!({"message": "403 Forbidden"}))).into_response(),
        Some(n) => {
            n.body = body["body"].as_str().unwrap_or_default().to_string();
            Json(note_json(n)).into_response()
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
            ..State::default()
        }));
        let shared = state.clone();
        let server = Background::spawn(move |_| {
            Router::new()
                .route("/api/v4/user", get(me))
                .route(
                    "/api/v4/projects/{project}/merge_requests/{iid}/notes",
                    get(list).post(create),
                )
                .route("/api/v4/projects/{project}/merge_requests/{iid}/notes/{id}", put(edit))
                .route_layer(middleware::from_fn_with_state(shared.clone(), gated))
                .with_state(shared)
        });
        FakeGitLab { server, state }
    }

    /// The API base, as `CI_API_V4_URL` names it.
    pub fn api(&self) -> String {
        format!("http://{}/api/v4", self.server.addr())
    }

    /// Reads or changes the state.
    pub fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(|p| p.into_inner()))
    }
}
