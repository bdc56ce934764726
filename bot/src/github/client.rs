//! A small GitHub REST client for what the bot needs (comments, reactions,
//! permissions), authenticated as an app installation. It survives GitHub's bad
//! moments the way GitHub asks: 5xx answers are retried with backoff, and a 403/429
//! that says the rate limit is spent is retried after `x-ratelimit-reset` (or
//! `retry-after`), up to a bound, instead of losing the job. Lists follow the
//! `Link: rel="next"` header.

use super::auth::{AppAuth, AuthError};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum GitHubError {
    /// No installation token.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The request did not get an answer.
    #[error("GitHub did not answer {method} {path}: {message}")]
    Http {
        /// The method.
        method: String,
        /// The path.
        path: String,
        /// What happened.
        message: String,
    },
    /// GitHub answered with an error.
    #[error("GitHub answered {method} {path} with HTTP {status}: {message}")]
    Status {
        /// The method.
        method: String,
        /// The path.
        path: String,
        /// The status.
        status: u16,
        /// GitHub's message.
        message: String,
    },
    /// Retries ran out (still 5xx, or the rate limit resets too late).
    #[error("GitHub kept failing {method} {path} after {attempts} attempts: {last}")]
    GaveUp {
        /// The method.
        method: String,
        /// The path.
        path: String,
        /// Attempts made.
        attempts: u32,
        /// The last problem.
        last: String,
    },
}

/// The most waits one call makes for GitHub's rate limits.
const MAX_WAITS: u32 = 6;

/// How hard the client tries.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts per call, the first included.
    pub attempts: u32,
    /// The first backoff after a 5xx; doubled each time.
    pub backoff: Duration,
    /// The longest wait for a rate-limit reset; a later reset gives up (the job is
    /// retried by the queue later rather than holding a worker for an hour).
    pub max_rate_limit_wait: Duration,
    /// The first wait after a secondary rate limit that names no `retry-after`;
    /// doubled each time. GitHub asks for at least a minute.
    pub secondary_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 5,
            backoff: Duration::from_secs(1),
            max_rate_limit_wait: Duration::from_secs(120),
            secondary_wait: Duration::from_secs(60),
        }
    }
}

/// A user's permission on a repository, as GitHub's collaborator API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Permission {
    /// No access.
    None,
    /// Read.
    Read,
    /// Triage.
    Triage,
    /// Write.
    Write,
    /// Maintain.
    Maintain,
    /// Admin.
    Admin,
}

impl Permission {
    /// The level an answer of the collaborator-permission API grants. The user's
    /// `permissions` flags decide when given; else `permission` (admin, write, read,
    /// none), raised by `role_name` only where that names a finer base role (maintain,
    /// triage): a custom role keeps its base level instead of reading as no access.
    fn of_answer(json: &Value) -> Permission {
        if let Some(flags) = json["user"]["permissions"].as_object() {
            let levels = [
                ("admin", Permission::Admin),
                ("maintain", Permission::Maintain),
                ("push", Permission::Write),
                ("triage", Permission::Triage),
                ("pull", Permission::Read),
            ];
            if let Some((_, level)) = levels
                .iter()
                .find(|(key, _)| flags.get(*key).and_then(Value::as_bool) == Some(true))
            {
                return *level;
            }
        }
        let base = Permission::parse(json["permission"].as_str().unwrap_or_default());
        let role = Permission::parse(json["role_name"].as_str().unwrap_or_default());
        base.max(role)
    }

    /// The permission a configuration names (`triage`, `write`...), if it is one.
    pub fn from_name(name: &str) -> Option<Permission> {
        let p = Permission::parse(name.trim());
        (p != Permission::None || name.trim() == "none").then_some(p)
    }

    /// The name GitHub gives the level.
    pub fn name(self) -> &'static str {
        match self {
            Permission::None => "no",
            Permission::Read => "read",
            Permission::Triage => "triage",
            Permission::Write => "write",
            Permission::Maintain => "maintain",
            Permission::Admin => "admin",
        }
    }

    fn parse(role: &str) -> Permission {
        match role {
            "admin" => Permission::Admin,
            "maintain" => Permission::Maintain,
            "write" | "push" => Permission::Write,
            "triage" => Permission::Triage,
            "read" | "pull" => Permission::Read,
            _ => Permission::None,
        }
    }
}

/// A comment on an issue or pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Its id.
    pub id: u64,
    /// Its text.
    pub body: String,
    /// Who wrote it.
    pub author: String,
    /// The app that wrote it (`performed_via_github_app.id`), if an app did.
    pub app_id: Option<u64>,
}

/// The hidden marker that finds a comment of Hallmark's again: `<!-- hallmark:<key> -->`.
pub fn marker(key: &str) -> String {
    format!("<!-- hallmark:{key} -->")
}

/// A comment's text with its marker first, as [`GitHubClient::upsert_comment`] writes it.
pub fn marked(key: &str, body: &str) -> String {
    format!("{}\n{body}", marker(key))
}

/// The client, for one app; each call names the installation it acts for.
#[derive(Debug, Clone)]
pub struct GitHubClient {
    http: reqwest::Client,
    api: String,
    auth: Arc<AppAuth>,
    retry: RetryPolicy,
}

impl GitHubClient {
    /// A client for the API at `api`.
    pub fn new(http: reqwest::Client, api: &str, auth: Arc<AppAuth>, retry: RetryPolicy) -> Self {
        Self {
            http,
            api: api.trim_end_matches('/').to_string(),
            auth,
            retry,
        }
    }

    /// The installation's access token, for git over HTTPS.
    pub async fn installation_token(&self, installation: u64) -> Result<super::auth::Secret, GitHubError> {
        Ok(self.auth.installation_token(installation).await?)
    }

    /// One call, retried as the module explains. Returns the status, headers and JSON.
    async fn call(
        &self,
        installation: u64,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(StatusCode, HeaderMap, Value), GitHubError> {
        self.call_with(installation, method, path, body, true).await
    }

    /// A write that must not happen twice (a new comment, a new pull request): rate
    /// limits are waited out, but a 5xx or a lost answer is returned rather than
    /// retried, since GitHub may have done the write; the caller looks for it first.
    async fn write_once(
        &self,
        installation: u64,
        path: &str,
        body: &Value,
    ) -> Result<(StatusCode, HeaderMap, Value), GitHubError> {
        self.call_with(installation, Method::POST, path, Some(body), false)
            .await
    }

    /// POSTs `body` to `path` at most once per answer: whenever the write may have
    /// happened without its answer arriving (a 5xx, no answer, or a failure `also`
    /// accepts), `find` looks for it before it is written again. `find` runs first
    /// too when `find_first` (an upsert), else only after such a failure.
    async fn post_once<T, F, Fut>(
        &self,
        installation: u64,
        path: &str,
        body: &Value,
        find_first: bool,
        also: fn(&GitHubError) -> bool,
        find: F,
    ) -> Result<Once<T>, GitHubError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>, GitHubError>>,
    {
        let mut backoff = self.retry.backoff;
        let mut attempt = 0;
        loop {
            attempt += 1;
            if find_first || attempt > 1 {
                if let Some(found) = find().await? {
                    return Ok(Once::Found(found));
                }
            }
            match self.write_once(installation, path, body).await {
                Ok((_, _, json)) => return Ok(Once::Written(json)),
                Err(e) if attempt < self.retry.attempts.max(1) && (lost_answer(&e) || also(&e)) => {
                    tracing::warn!(path, error = %e, "the write may have happened; looking for it before writing again");
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn call_with(
        &self,
        installation: u64,
        method: Method,
        path: &str,
        body: Option<&Value>,
        retry_failures: bool,
    ) -> Result<(StatusCode, HeaderMap, Value), GitHubError> {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.api)
        };
        let mut backoff = self.retry.backoff;
        let mut secondary = self.retry.secondary_wait;
        let mut refreshed = false;
        let mut last = String::new();
        // Failed attempts (5xx, no answer) are bounded by the policy; waits GitHub asks
        // for (rate limits, a refreshed token) are not failures and do not count,
        // though each wait is bounded and so is their number.
        let mut attempt = 0;
        let mut waits = 0;
        while attempt < self.retry.attempts.max(1) && waits <= MAX_WAITS {
            attempt += 1;
            let token = self.auth.installation_token(installation).await?;
            let mut req = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(token.expose())
                .header("accept", "application/vnd.github+json")
                .header("x-github-api-version", super::auth::API_VERSION)
                .header("user-agent", "hallmark");
            if let Some(b) = body {
                req = req.json(b);
            }
            let response = match req.send().await {
                Ok(r) => r,
                Err(e) if !retry_failures => {
                    return Err(GitHubError::Http {
                        method: method.to_string(),
                        path: path.to_string(),
                        message: e.without_url().to_string(),
                    })
                }
                Err(e) => {
                    last = e.without_url().to_string();
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                    continue;
                }
            };
            let status = response.status();
            let headers = response.headers().clone();
            let text = response.text().await.unwrap_or_default();
            // A revoked token: drop it and fetch a new one, once.
            if status == StatusCode::UNAUTHORIZED && !refreshed {
                refreshed = true;
                tracing::warn!(
                    installation,
                    path,
                    "GitHub refused the installation token; fetching a new one"
                );
                self.auth.forget(installation);
                last = "HTTP 401".into();
                attempt -= 1;
                continue;
            }
            if status.is_server_error() && !retry_failures {
                return Err(GitHubError::Status {
                    method: method.to_string(),
                    path: path.to_string(),
                    status: status.as_u16(),
                    message: format!("HTTP {status}"),
                });
            }
            if status.is_server_error() {
                last = format!("HTTP {status}");
                tracing::warn!(%status, path, attempt, "GitHub server error; retrying");
                tokio::time::sleep(backoff).await;
                backoff *= 2;
                continue;
            }
            let json: Value = if text.trim().is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).unwrap_or(Value::String(text))
            };
            // A spent rate limit (`x-ratelimit-remaining: 0`, or `retry-after`) is
            // waited out until its reset; a secondary one (the quota is not spent,
            // GitHub still says wait) for `secondary_wait`, doubling each time.
            let limited = status == StatusCode::FORBIDDEN || status == StatusCode::TOO_MANY_REQUESTS;
            let wait = if !limited {
                None
            } else if let Some(wait) = rate_limit_wait(&headers) {
                Some((wait, "rate limited"))
            } else if error_message(&json).to_lowercase().contains("secondary rate limit") {
                let wait = secondary;
                secondary *= 2;
                Some((wait, "secondary rate limit"))
            } else {
                None
            };
            if let Some((wait, why)) = wait {
                if wait > self.retry.max_rate_limit_wait {
                    return Err(GitHubError::GaveUp {
                        method: method.to_string(),
                        path: path.to_string(),
                        attempts: attempt,
                        last: format!("{why} for another {} s", wait.as_secs()),
                    });
                }
                tracing::warn!(path, wait_secs = wait.as_secs_f64(), why, "GitHub asks to wait");
                last = why.into();
                tokio::time::sleep(wait).await;
                attempt -= 1;
                waits += 1;
                continue;
            }
            if !status.is_success() {
                let message = error_message(&json);
                return Err(GitHubError::Status {
                    method: method.to_string(),
                    path: path.to_string(),
                    status: status.as_u16(),
                    message,
                });
            }
            return Ok((status, headers, json));
        }
        Err(GitHubError::GaveUp {
            method: method.to_string(),
            path: path.to_string(),
            attempts: attempt,
            last,
        })
    }

    /// Every item of a list endpoint, following `Link: rel="next"`.
    async fn list(&self, installation: u64, path: &str) -> Result<Vec<Value>, GitHubError> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut next = Some(format!("{path}{sep}per_page=100"));
        let mut out = Vec::new();
        while let Some(p) = next.take() {
            let (_, headers, json) = self.call(installation, Method::GET, &p, None).await?;
            if let Some(items) = json.as_array() {
                out.extend(items.iter().cloned());
            }
            // Never send the token to a host other than the API's.
            next = next_link(&headers).filter(|n| n.starts_with(&format!("{}/", self.api)));
        }
        Ok(out)
    }

    /// `user`'s permission on `repo` (`owner/name`); none when they are no collaborator.
    pub async fn permission(&self, installation: u64, repo: &str, user: &str) -> Result<Permission, GitHubError> {
        match self
            .call(
                installation,
                Method::GET,
                &format!("/repos/{repo}/collaborators/{user}/permission"),
                None,
            )
            .await
        {
            Ok((_, _, json)) => Ok(Permission::of_answer(&json)),
            Err(GitHubError::Status { status: 404, .. }) => Ok(Permission::None),
            Err(e) => Err(e),
        }
    }

    /// Reacts to a comment (`+1`, `eyes`, `rocket`, `confused`...).
    pub async fn react_to_comment(
        &self,
        installation: u64,
        repo: &str,
        comment: u64,
        content: &str,
    ) -> Result<(), GitHubError> {
        self.call(
            installation,
            Method::POST,
            &format!("/repos/{repo}/issues/comments/{comment}/reactions"),
            Some(&json!({ "content": content })),
        )
        .await
        .map(|_| ())
    }

    /// Every comment on issue or pull request `number`.
    pub async fn comments(&self, installation: u64, repo: &str, number: u64) -> Result<Vec<Comment>, GitHubError> {
        let items = self
            .list(installation, &format!("/repos/{repo}/issues/{number}/comments"))
            .await?;
        Ok(items
            .iter()
            .map(|c| Comment {
                id: c["id"].as_u64().unwrap_or_default(),
                body: c["body"].as_str().unwrap_or_default().to_string(),
                author: c["user"]["login"].as_str().unwrap_or_default().to_string(),
                app_id: c["performed_via_github_app"]["id"].as_u64(),
            })
            .collect())
    }

    /// Posts a comment; returns its id. When GitHub's answer is lost, a comment of
    /// this app with the same text is looked for before posting again.
    pub async fn comment(&self, installation: u64, repo: &str, number: u64, body: &str) -> Result<u64, GitHubError> {
        let posted = || async {
            Ok(self
                .comments(installation, repo, number)
                .await?
                .into_iter()
                .rev()
                .find(|c| c.app_id == Some(self.auth.app_id()) && c.body == body)
                .map(|c| c.id))
        };
        let path = format!("/repos/{repo}/issues/{number}/comments");
        match self
            .post_once(installation, &path, &json!({ "body": body }), false, never, posted)
            .await?
        {
            Once::Found(id) => Ok(id),
            Once::Written(json) => Ok(json["id"].as_u64().unwrap_or_default()),
        }
    }

    /// Replaces the text of a comment.
    pub async fn edit_comment(&self, installation: u64, repo: &str, id: u64, body: &str) -> Result<(), GitHubError> {
        self.call(
            installation,
            Method::PATCH,
            &format!("/repos/{repo}/issues/comments/{id}"),
            Some(&json!({ "body": body })),
        )
        .await
        .map(|_| ())
    }

    /// Updates Hallmark's comment marked `key` on `number`, or posts it: one comment
    /// per key however often it runs. Only comments this app wrote count
    /// (`performed_via_github_app.id`), so neither a person quoting the marker nor
    /// another app copying it can have their comment overwritten.
    pub async fn upsert_comment(
        &self,
        installation: u64,
        repo: &str,
        number: u64,
        key: &str,
        body: &str,
    ) -> Result<u64, GitHubError> {
        let mark = marker(key);
        let text = marked(key, body);
        let ours = || async {
            Ok(self
                .comments(installation, repo, number)
                .await?
                .into_iter()
                .find(|c| c.app_id == Some(self.auth.app_id()) && c.body.starts_with(&mark)))
        };
        let path = format!("/repos/{repo}/issues/{number}/comments");
        match self
            .post_once(installation, &path, &json!({ "body": text }), true, never, ours)
            .await?
        {
            Once::Found(c) => {
                if c.body != text {
                    self.edit_comment(installation, repo, c.id, &text).await?;
                }
                Ok(c.id)
            }
            Once::Written(json) => Ok(json["id"].as_u64().unwrap_or_default()),
        }
    }
}

impl GitHubClient {
    /// The repository's default branch.
    pub async fn default_branch(&self, installation: u64, repo: &str) -> Result<String, GitHubError> {
        let (_, _, json) = self
            .call(installation, Method::GET, &format!("/repos/{repo}"), None)
            .await?;
        Ok(json["default_branch"].as_str().unwrap_or("main").to_string())
    }

    /// The branch a pull request merges (its head ref).
    pub async fn pull_head(&self, installation: u64, repo: &str, number: u64) -> Result<String, GitHubError> {
        let (_, _, json) = self
            .call(
                installation,
                Method::GET,
                &format!("/repos/{repo}/pulls/{number}"),
                None,
            )
            .await?;
        Ok(json["head"]["ref"].as_str().unwrap_or_default().to_string())
    }

    /// The review comments on a pull request's diff, as "@user on path: text" lines.
    pub async fn review_comments(
        &self,
        installation: u64,
        repo: &str,
        number: u64,
    ) -> Result<Vec<String>, GitHubError> {
        let items = self
            .list(installation, &format!("/repos/{repo}/pulls/{number}/comments"))
            .await?;
        Ok(items
            .iter()
            .filter(|c| c["user"]["type"].as_str() != Some("Bot"))
            .map(|c| {
                format!(
                    "@{} on {}: {}",
                    c["user"]["login"].as_str().unwrap_or("someone"),
                    c["path"].as_str().unwrap_or("the diff"),
                    c["body"].as_str().unwrap_or_default().trim()
                )
            })
            .collect())
    }

    /// A file of the repository's default branch, or `None` when it does not exist.
    pub async fn file_text(&self, installation: u64, repo: &str, path: &str) -> Result<Option<String>, GitHubError> {
        use base64::Engine as _;
        match self
            .call(
                installation,
                Method::GET,
                &format!("/repos/{repo}/contents/{path}"),
                None,
            )
            .await
        {
            Ok((_, _, json)) => {
                let packed: String = json["content"]
                    .as_str()
                    .unwrap_or_default()
                    .split_whitespace()
                    .collect();
                let bytes =
                    base64::engine::general_purpose::STANDARD
                        .decode(packed)
                        .map_err(|e| GitHubError::Status {
                            method: "GET".into(),
                            path: path.into(),
                            status: 200,
                            message: format!("the file's content is not base64: {e}"),
                        })?;
                Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
            }
            Err(GitHubError::Status { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// An issue's body.
    pub async fn issue_body(&self, installation: u64, repo: &str, number: u64) -> Result<String, GitHubError> {
        let (_, _, json) = self
            .call(
                installation,
                Method::GET,
                &format!("/repos/{repo}/issues/{number}"),
                None,
            )
            .await?;
        Ok(json["body"].as_str().unwrap_or_default().to_string())
    }

    /// Reacts to an issue or pull request itself.
    pub async fn react_to_issue(
        &self,
        installation: u64,
        repo: &str,
        number: u64,
        content: &str,
    ) -> Result<(), GitHubError> {
        self.call(
            installation,
            Method::POST,
            &format!("/repos/{repo}/issues/{number}/reactions"),
            Some(&json!({ "content": content })),
        )
        .await
        .map(|_| ())
    }

    /// Opens a pull request from `head` into `base`, or updates the title and body of
    /// the open one from `head`: a job that runs again never opens a second.
    pub async fn open_or_update_pull(
        &self,
        installation: u64,
        repo: &str,
        head: &str,
        base: &str,
        title: &str,
        body: &str,
    ) -> Result<u64, GitHubError> {
        let owner = repo.split('/').next().unwrap_or_default();
        let open = || async {
            let open = self
                .list(
                    installation,
                    &format!(
                        "/repos/{repo}/pulls?state=open&head={}",
                        percent_encode(&format!("{owner}:{head}"))
                    ),
                )
                .await?;
            Ok(open.iter().find_map(|p| p["number"].as_u64()))
        };
        // Opened once: when the answer is lost, or GitHub says one already exists
        // (another run got there first), the open one is found and updated.
        let path = format!("/repos/{repo}/pulls");
        let request = json!({ "title": title, "body": body, "head": head, "base": base });
        match self
            .post_once(installation, &path, &request, true, pull_exists, open)
            .await?
        {
            Once::Found(number) => {
                self.call(
                    installation,
                    Method::PATCH,
                    &format!("/repos/{repo}/pulls/{number}"),
                    Some(&json!({ "title": title, "body": body })),
                )
                .await?;
                Ok(number)
            }
            Once::Written(json) => Ok(json["number"].as_u64().unwrap_or_default()),
        }
    }
}

/// How long to wait before retrying a rate-limited call, when the answer says.
fn rate_limit_wait(headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(secs) = text("retry-after").and_then(|v| v.trim().parse::<u64>().ok()) {
        return Some(Duration::from_secs(secs));
    }
    if text("x-ratelimit-remaining") == Some("0") {
        let reset = text("x-ratelimit-reset")?.trim().parse::<i64>().ok()?;
        let now = chrono::Utc::now();
        let wait_ms = (reset * 1000 - now.timestamp_millis()).max(0) as u64 + 250;
        return Some(Duration::from_millis(wait_ms));
    }
    None
}

/// What a write-once POST came to: the write found already done, or its answer.
enum Once<T> {
    Found(T),
    Written(Value),
}

/// For writes whose failures other than lost answers are final.
fn never(_: &GitHubError) -> bool {
    false
}

/// True when a write may have happened though its answer says otherwise: a 5xx, or
/// no answer at all.
fn lost_answer(e: &GitHubError) -> bool {
    match e {
        GitHubError::Http { .. } => true,
        GitHubError::Status { status, .. } => *status >= 500,
        _ => false,
    }
}

/// True for GitHub's 422 "A pull request already exists for owner:branch".
fn pull_exists(e: &GitHubError) -> bool {
    matches!(e, GitHubError::Status { status: 422, message, .. } if message.contains("already exists"))
}

/// `text` percent-encoded for a query value (RFC 3986 unreserved characters kept).
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// GitHub's error text: its `message`, and each `errors[].message` (or the code and
/// field) after it, since "Validation Failed" alone says nothing.
fn error_message(json: &Value) -> String {
    let Some(message) = json["message"].as_str() else {
        return match json {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
    };
    let details: Vec<String> = json["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            e["message"].as_str().map(str::to_string).or_else(|| {
                let code = e["code"].as_str()?;
                Some(match e["field"].as_str() {
                    Some(f) => format!("{code} ({f})"),
                    None => code.to_string(),
                })
            })
        })
        .collect();
    if details.is_empty() {
        message.to_string()
    } else {
        format!("{message}: {}", details.join("; "))
    }
}

/// The `rel="next"` URL of a `Link` header.
fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get("link")?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (url, rel) = part.split_once(';')?;
        rel.contains("rel=\"next\"")
            .then(|| url.trim().trim_start_matches('<').trim_end_matches('>').to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn an_existing_pull_request_and_a_lost_answer_are_recognized() {
        let status = |status: u16, message: &str| GitHubError::Status {
            method: "POST".into(),
            path: "/repos/a/b/pulls".into(),
            status,
            message: message.into(),
        };
        assert!(pull_exists(&status(
            422,
            "Validation Failed: A pull request already exists for a:x."
        )));
        assert!(!pull_exists(&status(
            422,
            "Validation Failed: No commits between main and x"
        )));
        assert!(lost_answer(&status(502, "HTTP 502")));
        assert!(!lost_answer(&status(404, "Not Found")));
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            percent_encode("acme:hallmark/silver/orders"),
            "acme%3Ahallmark%2Fsilver%2Forders"
        );
        assert_eq!(percent_encode("a b&c"), "a%20b%26c");
    }

    #[test]
    fn validation_errors_keep_their_details() {
        let body = json!({"message": "Validation Failed", "errors": [{"resource": "PullRequest", "code": "custom", "message": "A pull request already exists for acme:hallmark/silver/orders."}], "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"});
        assert_eq!(
            error_message(&body),
            "Validation Failed: A pull request already exists for acme:hallmark/silver/orders."
        );
        let body = json!({"message": "Validation Failed", "errors": [{"resource": "Issue", "code": "missing_field", "field": "title"}]});
        assert_eq!(error_message(&body), "Validation Failed: missing_field (title)");
    }

    #[test]
    fn custom_roles_keep_their_base_permission() {
        let answer = |v: Value| Permission::of_answer(&v);
        assert_eq!(
            answer(json!({"permission": "write", "role_name": "deployer"})),
            Permission::Write
        );
        assert_eq!(
            answer(json!({"permission": "read", "role_name": "triage"})),
            Permission::Triage
        );
        assert_eq!(
            answer(json!({"permission": "write", "role_name": "maintain"})),
            Permission::Maintain
        );
        assert_eq!(
            answer(json!({"permission": "none", "role_name": "deployer"})),
            Permission::None
        );
        assert_eq!(
            answer(
                json!({"permission": "read", "role_name": "auditor", "user": {"permissions": {"admin": false, "maintain": false, "push": true, "triage": true, "pull": true}}})
            ),
            Permission::Write
        );
    }

    #[test]
    fn link_headers_give_the_next_page() {
        let mut h = HeaderMap::new();
        h.insert(
            "link",
            HeaderValue::from_static(
                "<https://api.github.com/x?page=2>; rel=\"next\", <https://api.github.com/x?page=5>; rel=\"last\"",
            ),
        );
        assert_eq!(next_link(&h).as_deref(), Some("https://api.github.com/x?page=2"));
        h.insert(
            "link",
            HeaderValue::from_static("<https://api.github.com/x?page=1>; rel=\"prev\""),
        );
        assert_eq!(next_link(&h), None);
    }

    #[test]
    fn rate_limit_headers_say_how_long_to_wait() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(rate_limit_wait(&h), Some(Duration::from_secs(3)));
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("12"));
        assert_eq!(rate_limit_wait(&h), None, "a 403 with quota left is a real refusal");
        assert!(Permission::parse("maintain") > Permission::Write && Permission::parse("pull") == Permission::Read);
    }
}
