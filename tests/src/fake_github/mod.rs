//! A stateful fake of the GitHub REST API for end-to-end tests, served over real HTTP
//! on loopback. It keeps its state between requests, answers with GitHub's status
//! codes and headers (pagination, rate limits), and checks credentials as GitHub
//! does. One file per resource, so tests read as stories.

pub mod app;
pub mod checks;
pub mod comments;
pub mod repos;
pub mod shapes;

use crate::serve::Background;
use axum::extract::{Request, State as AxumState};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use comments::StoredComment;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// The id of the test GitHub App whose keys are in `tests/fixtures/github-app`.
pub const TEST_APP_ID: u64 = 4242;

fn test_app_file(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/github-app")
        .join(name)
}

/// The test app's private key file (PEM, PKCS#1 as GitHub hands them out).
pub fn test_app_private_key_file() -> std::path::PathBuf {
    test_app_file("test-app.private-key.pem")
}

/// The test app's private key.
pub fn test_app_private_key() -> String {
    std::fs::read_to_string(test_app_private_key_file()).expect("the test app's private key")
}

/// A failure the fake answers with instead of doing the next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// This status (502, 503...) with an HTML body, as GitHub's front end sends.
    Status(u16),
    /// The request is carried out, and then answered with this status anyway (GitHub
    /// created the comment or the pull request, and the answer was lost).
    AfterWrite(u16),
    /// 403 with `x-ratelimit-remaining: 0` and a reset this many seconds ahead.
    RateLimited {
        /// Seconds until the reset.
        reset_in_secs: i64,
    },
    /// A secondary rate limit: this status (403 or 429) with quota left, GitHub's
    /// message, and `retry-after` when given.
    SecondaryLimit {
        /// 403 or 429.
        status: u16,
        /// The `retry-after` seconds, if sent.
        retry_after: Option<u64>,
    },
}

/// Everything the fake remembers: what belongs to the whole of GitHub (the app, its
/// tokens, the traffic) at the top, and what belongs to one repository under
/// [`State::repos`], as GitHub scopes every repository resource by its path.
#[derive(Debug, Default)]
pub struct State {
    /// Where it listens (for `Link` headers).
    pub addr: String,
    /// The app's id, which JWTs must name as `iss`.
    pub app_id: u64,
    /// The app's public key (PEM), to verify JWTs.
    pub public_key: String,
    /// Installation tokens issued, oldest first.
    pub tokens: Vec<IssuedToken>,
    /// Seconds until an issued token expires (GitHub: one hour).
    pub token_lifetime_secs: i64,
    /// The login comments created with an installation token get.
    pub bot_login: String,
    /// The last id handed out (comments, pull requests, issues and check runs share it).
    pub next_id: u64,
    /// Edits made to comments.
    pub edits: usize,
    /// The largest `per_page` honoured (GitHub: 100).
    pub max_per_page: usize,
    /// Failures to answer the next API requests with, in order.
    pub failures: VecDeque<Failure>,
    /// The repositories' default branch.
    pub default_branch: String,
    /// Each repository (`owner/name`) and what it holds.
    pub repos: BTreeMap<String, Repository>,
    /// How long opening a pull request takes, to catch a bot mid-request.
    pub create_pull_delay_ms: u64,
    /// When each API request arrived (Unix ms).
    pub log: Vec<i64>,
    /// The `X-GitHub-Api-Version` of every request, the token exchange included.
    pub api_versions: Vec<Option<String>>,
    /// How many of the next pull-request lists answer from a replica that has not
    /// seen any pull request yet (GitHub's lists lag behind its writes).
    pub stale_pull_lists: usize,
    /// One-time codes of the manifest flow that GitHub would accept, and what it
    /// answered for each used one.
    pub manifest_codes: Vec<String>,
    /// Tokens of GitHub Actions workflows (`GITHUB_TOKEN`): accepted like issued
    /// ones, and what they write is `github-actions[bot]`'s.
    pub actions_tokens: Vec<String>,
    /// Workflow tokens that may only read, as a pull request from a fork or
    /// Dependabot gets: every write answers 403 "Resource not accessible by
    /// integration". They are also listed in `actions_tokens`.
    pub read_only_tokens: Vec<String>,
    /// The installations that exist; empty means any id is one.
    pub installations: Vec<u64>,
}

/// An installation token the fake issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The installation it acts for.
    pub installation: u64,
    /// The token.
    pub token: String,
    /// When it expires (Unix seconds); an expired token gets 401.
    pub expires_at: i64,
}

/// A reaction the bot gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reaction {
    /// The comment's id or the issue's number it is on.
    pub on: u64,
    /// `eyes`, `+1`, `rocket`...
    pub content: String,
}

impl Reaction {
    /// `content` on `on`.
    pub fn new(on: u64, content: &str) -> Self {
        Reaction {
            on,
            content: content.into(),
        }
    }
}

/// The reactions GitHub takes (`content` of "Create reaction for an issue" and "... for
/// an issue comment"); any other is 422.
const REACTION_CONTENTS: [&str; 8] = ["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"];

/// Records the bot's `reaction` in `given` once, as GitHub does: content GitHub does not
/// take is 422 "Validation Failed", one it already gave is answered 200 with that
/// reaction and not added again, a new one 201. Reactions are numbered from `first_id`
/// in the order given.
pub(crate) fn react_once(
    given: &mut Vec<Reaction>,
    reaction: Reaction,
    first_id: u64,
    api: &str,
    bot: &str,
) -> Response {
    if !REACTION_CONTENTS.contains(&reaction.content.as_str()) {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({
                "message": "Validation Failed",
                "errors": [{"resource": "Reaction", "code": "invalid", "field": "content"}],
                "documentation_url": "https://docs.github.com/rest/reactions/reactions",
                "status": "422"
            })),
        )
            .into_response();
    }
    let (status, at) = match given.iter().position(|r| *r == reaction) {
        Some(at) => (StatusCode::OK, at),
        None => {
            given.push(reaction);
            (StatusCode::CREATED, given.len() - 1)
        }
    };
    let content = &given[at].content;
    (status, Json(shapes::reaction(api, first_id + at as u64, content, bot))).into_response()
}

/// What one repository holds.
#[derive(Debug, Default)]
pub struct Repository {
    /// The bare git repository behind it, where GitHub keeps `refs/pull/N/head`; a
    /// pull request's head commit is read from it.
    pub git_remote: Option<std::path::PathBuf>,
    /// Files of the default branch by path, for the contents API.
    pub files: HashMap<String, String>,
    /// Roles by user: `admin`, `maintain`, `write`, `triage`, `read`, or a custom
    /// role as `<name>:<base>` (`deployer:write`), as GitHub reports it.
    pub permissions: HashMap<String, String>,
    /// Issue bodies by number (issues people opened).
    pub issues: HashMap<u64, String>,
    /// Issues opened through the API (Hallmark's tracking issues).
    pub opened_issues: Vec<repos::OpenedIssue>,
    /// Reactions on issues.
    pub issue_reactions: Vec<Reaction>,
    /// Every issue and pull-request comment.
    pub comments: Vec<StoredComment>,
    /// Reactions on comments.
    pub comment_reactions: Vec<Reaction>,
    /// Pull requests.
    pub pulls: Vec<repos::StoredPull>,
    /// The files each pull request changes, by number.
    pub pull_files: HashMap<u64, Vec<String>>,
    /// Review comments on pull requests' diffs.
    pub review_comments: Vec<crate::diff_comment::DiffComment>,
    /// Check runs.
    pub check_runs: Vec<checks::StoredCheckRun>,
}

impl State {
    /// Moves `refs/pull/N/head` of every open request from a branch of the repository to
    /// the branch's tip, as the forge does on every push: tests push to the bare
    /// remote directly, so the fake does it on every request and when told.
    pub fn sync_pull_refs(&self) {
        for r in self.repos.values() {
            for p in r.pulls.iter().filter(|p| p.state == "open") {
                repos::pull_ref::follow(r, p);
            }
        }
    }

    /// Repository `full` (`owner/name`), made on first use: the fake knows every
    /// repository a test names.
    pub fn repo(&mut self, full: &str) -> &mut Repository {
        self.repos.entry(full.to_string()).or_default()
    }

    /// The API's base URL, for the URLs inside resources and links.
    pub fn api(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Lets every issued token expire now, as an hour passing would.
    pub fn expire_tokens(&mut self) {
        let now = chrono::Utc::now().timestamp();
        for t in &mut self.tokens {
            t.expires_at = now - 1;
        }
    }
}

/// One page of `items` as GitHub serves a list: `per_page` (default 30, at most
/// `max_per_page`), `page`, and a `Link` header with `next` and `last` while there
/// are more; other query parameters are kept in the links.
pub(crate) fn paginated(s: &State, items: Vec<Value>, q: &HashMap<String, String>, path: &str) -> Response {
    let per_page = q
        .get("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, s.max_per_page);
    let page = q.get("page").and_then(|v| v.parse::<usize>().ok()).unwrap_or(1).max(1);
    let last = items.len().div_ceil(per_page).max(1);
    let mut kept: Vec<String> = q
        .iter()
        .filter(|(k, _)| *k != "page" && *k != "per_page")
        .map(|(k, v)| format!("{k}={}", v.replace(':', "%3A").replace('/', "%2F")))
        .collect();
    kept.sort();
    kept.push(format!("per_page={per_page}"));
    let base = format!("{}{path}?{}", s.api(), kept.join("&"));
    let body: Vec<Value> = items.into_iter().skip((page - 1) * per_page).take(per_page).collect();
    let mut response = Json(body).into_response();
    if page < last {
        let links = format!(
            "<{base}&page={}>; rel=\"next\", <{base}&page={last}>; rel=\"last\"",
            page + 1
        );
        response
            .headers_mut()
            .insert("link", links.parse().expect("a header value"));
    }
    response
}

/// Records the request's `X-GitHub-Api-Version`.
pub(crate) fn record_api_version(s: &mut State, headers: &HeaderMap) {
    // Every value, so a header sent twice shows (GitHub refuses `2022-11-28, 2022-11-28`).
    let values: Vec<&str> = headers
        .get_all("x-github-api-version")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    s.api_versions.push((!values.is_empty()).then(|| values.join(", ")));
}

/// The id of the GitHub Actions app, which writes what a workflow's token writes.
pub const ACTIONS_APP_ID: u64 = 15368;

/// GitHub's 422 for a `body` over 65,536 characters, which refuses the whole request
/// (a comment, an issue, a pull request: `resource`).
pub(crate) fn body_too_long(body: &Value, resource: &str) -> Option<Response> {
    body["body"].as_str().filter(|b| b.chars().count() > 65_536).map(|_| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"message": "Validation Failed", "errors": [{"resource": resource, "code": "custom", "field": "body", "message": "body is too long (maximum is 65536 characters)"}], "documentation_url": "https://docs.github.com/rest", "status": "422"})),
        )
            .into_response()
    })
}

/// The token `headers` carry, as `Bearer` or `token`.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("token ")))
}

/// True when `headers` carry a workflow token of `s`.
pub(crate) fn is_actions_token(s: &State, headers: &HeaderMap) -> bool {
    bearer(headers).is_some_and(|t| s.actions_tokens.iter().any(|a| a == t))
}

/// The app on whose behalf a request writes: GitHub Actions for a workflow token,
/// else this fake's app.
pub(crate) fn caller_app(s: &State, headers: &HeaderMap) -> u64 {
    if is_actions_token(s, headers) {
        ACTIONS_APP_ID
    } else {
        s.app_id
    }
}

/// The state as handlers share it.
pub type Shared = Arc<Mutex<State>>;

/// What every API request but the token exchange goes through, as a middleware: the
/// log, an injected failure, and GitHub's authentication (a token this fake issued,
/// as `Bearer` or `token`).
async fn gated(AxumState(shared): AxumState<Shared>, request: Request, next: Next) -> Response {
    let after_write = {
        let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
        s.sync_pull_refs();
        match s.failures.front() {
            Some(Failure::AfterWrite(code)) => {
                let code = *code;
                s.failures.pop_front();
                s.log.push(chrono::Utc::now().timestamp_millis());
                record_api_version(&mut s, request.headers());
                if let Some(refused) = unauthorized(&s, request.headers()) {
                    return refused;
                }
                Some(code)
            }
            _ => None,
        }
    };
    if let Some(code) = after_write {
        let _done = next.run(request).await;
        return (
            StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_GATEWAY),
            "<html><body>Server Error</body></html>",
        )
            .into_response();
    }
    let refused = {
        let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
        gate(&mut s, request.headers()).or_else(|| {
            let read_only = bearer(request.headers()).is_some_and(|t| s.read_only_tokens.iter().any(|r| r == t));
            (request.method() != axum::http::Method::GET && read_only).then(|| {
                (
                    StatusCode::FORBIDDEN,
                    Json(json!({"message": "Resource not accessible by integration", "documentation_url": "https://docs.github.com/rest", "status": "403"})),
                )
                    .into_response()
            })
        })
    };
    match refused {
        Some(response) => response,
        None => {
            let mut response = next.run(request).await;
            // GitHub says on every REST answer how much of the hour's limit is left.
            let used = shared.lock().unwrap_or_else(|p| p.into_inner()).log.len();
            let h = response.headers_mut();
            let reset = chrono::Utc::now().timestamp() + 3600;
            for (name, value) in [
                ("x-ratelimit-limit", "5000".to_string()),
                ("x-ratelimit-remaining", 5000usize.saturating_sub(used).to_string()),
                ("x-ratelimit-used", used.to_string()),
                ("x-ratelimit-reset", reset.to_string()),
                ("x-ratelimit-resource", "core".to_string()),
            ] {
                h.insert(name, value.parse().expect("a header value"));
            }
            response
        }
    }
}

fn gate(s: &mut State, headers: &HeaderMap) -> Option<Response> {
    s.log.push(chrono::Utc::now().timestamp_millis());
    record_api_version(s, headers);
    if let Some(f) = s.failures.pop_front() {
        return Some(match f {
            Failure::Status(code) | Failure::AfterWrite(code) => (
                StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_GATEWAY),
                "<html><body>Server Error</body></html>",
            )
                .into_response(),
            Failure::SecondaryLimit { status, retry_after } => {
                let mut r = (
                    StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN),
                    Json(json!({"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"})),
                )
                    .into_response();
                let h = r.headers_mut();
                h.insert("x-ratelimit-limit", "5000".parse().expect("header"));
                h.insert("x-ratelimit-remaining", "4987".parse().expect("header"));
                if let Some(secs) = retry_after {
                    h.insert("retry-after", secs.to_string().parse().expect("header"));
                }
                r
            }
            Failure::RateLimited { reset_in_secs } => {
                let reset = chrono::Utc::now().timestamp() + reset_in_secs;
                let mut r = (
                    StatusCode::FORBIDDEN,
                    Json(json!({"message": "API rate limit exceeded for installation.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"})),
                )
                    .into_response();
                let h = r.headers_mut();
                h.insert("x-ratelimit-limit", "5000".parse().expect("header"));
                h.insert("x-ratelimit-remaining", "0".parse().expect("header"));
                h.insert("x-ratelimit-reset", reset.to_string().parse().expect("header"));
                r
            }
        });
    }
    unauthorized(s, headers)
}

/// GitHub's 401 unless the request carries a token this fake issued.
fn unauthorized(s: &State, headers: &HeaderMap) -> Option<Response> {
    let token = bearer(headers);
    let now = chrono::Utc::now().timestamp();
    match token {
        Some(t)
            if s.tokens
                .iter()
                .any(|issued| issued.token == t && issued.expires_at > now) =>
        {
            None
        }
        Some(t) if s.actions_tokens.iter().any(|a| a == t) => None,
        _ => Some(
            (
                StatusCode::UNAUTHORIZED,
                Json(json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})),
            )
                .into_response(),
        ),
    }
}

/// The running fake; stops when dropped.
pub struct FakeGitHub {
    server: Background,
    state: Shared,
}

impl FakeGitHub {
    /// Starts the fake for app `app_id` whose public key is `public_key` (PEM).
    pub fn start(app_id: u64, public_key: &str) -> FakeGitHub {
        let state = Arc::new(Mutex::new(State {
            app_id,
            public_key: public_key.to_string(),
            token_lifetime_secs: 3600,
            bot_login: "hallmark[bot]".into(),
            max_per_page: 100,
            default_branch: "main".into(),
            ..State::default()
        }));
        let shared = state.clone();
        let server = Background::spawn(move |addr| {
            shared.lock().unwrap_or_else(|p| p.into_inner()).addr = addr.to_string();
            Router::new()
                .route(
                    "/repos/{owner}/{repo}/issues/{number}/comments",
                    get(comments::list).post(comments::create),
                )
                .route("/repos/{owner}/{repo}/issues/comments/{id}", patch(comments::edit))
                .route(
                    "/repos/{owner}/{repo}/issues/comments/{id}/reactions",
                    post(comments::react),
                )
                .route(
                    "/repos/{owner}/{repo}/collaborators/{user}/permission",
                    get(comments::permission),
                )
                .route("/user", get(app::current_user))
                .route("/repos/{owner}/{repo}", get(repos::get_repo))
                .route("/repos/{owner}/{repo}/check-runs", post(checks::create))
                .route("/repos/{owner}/{repo}/check-runs/{id}", patch(checks::update))
                .route(
                    "/repos/{owner}/{repo}/check-runs/{id}/annotations",
                    get(checks::list_annotations),
                )
                .route(
                    "/repos/{owner}/{repo}/commits/{sha}/check-runs",
                    get(checks::list_for_commit),
                )
                .route(
                    "/repos/{owner}/{repo}/pulls",
                    get(repos::list_pulls).post(repos::create_pull),
                )
                .route(
                    "/repos/{owner}/{repo}/pulls/{number}",
                    get(repos::get_pull).patch(repos::edit_pull),
                )
                .route(
                    "/repos/{owner}/{repo}/issues",
                    get(repos::list_issues).post(repos::create_issue),
                )
                .route(
                    "/repos/{owner}/{repo}/issues/{number}",
                    get(repos::get_issue).patch(repos::edit_issue),
                )
                .route("/repos/{owner}/{repo}/contents/{*path}", get(repos::get_contents))
                .route(
                    "/repos/{owner}/{repo}/pulls/{number}/files",
                    get(repos::list_pull_files),
                )
                .route(
                    "/repos/{owner}/{repo}/pulls/{number}/comments",
                    get(repos::list_review_comments),
                )
                .route(
                    "/repos/{owner}/{repo}/issues/{number}/reactions",
                    post(repos::react_to_issue),
                )
                .route_layer(middleware::from_fn_with_state(shared.clone(), gated))
                .route("/app-manifests/{code}/conversions", post(app::convert_manifest))
                .route("/app", get(app::get_app))
                .route("/app/installations", get(app::list_installations))
                .route(
                    "/app/installations/{id}/access_tokens",
                    post(app::create_installation_token),
                )
                .with_state(shared)
        });
        FakeGitHub { server, state }
    }

    /// The fake for the test app ([`TEST_APP_ID`], its public key).
    pub fn for_test_app() -> FakeGitHub {
        let public =
            std::fs::read_to_string(test_app_file("test-app.public-key.pem")).expect("the test app's public key");
        Self::start(TEST_APP_ID, &public)
    }

    /// The API base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// Reads or changes the state.
    pub fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(|p| p.into_inner()))
    }
}
