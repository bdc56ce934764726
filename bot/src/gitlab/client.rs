//! A small GitLab REST API v4 client on reqwest: the token from the environment sent
//! as `PRIVATE-TOKEN`, lists followed by `X-Next-Page`, `429` waited out by
//! `Retry-After` (or `RateLimit-Reset`), 5xx retried with backoff — except for a
//! note's creation, which is looked for again before it is written again, since
//! GitLab may have saved it before the answer was lost. Hallmark's note is the one
//! the token's own user wrote with the marker, so nobody else's is ever edited.

use crate::github::auth::Secret;
use crate::github::limits::RetryPolicy;
use crate::marker::{marked, marker};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

/// Why a GitLab call failed.
#[derive(Debug, thiserror::Error)]
pub enum GitLabError {
    /// No answer.
    #[error("GitLab did not answer {method} {path}: {message}")]
    Http {
        /// The method.
        method: String,
        /// The path.
        path: String,
        /// What happened.
        message: String,
    },
    /// An error answer.
    #[error("GitLab answered {method} {path} with HTTP {status}: {message}")]
    Status {
        /// The method.
        method: String,
        /// The path.
        path: String,
        /// The status.
        status: u16,
        /// GitLab's `message` or `error`.
        message: String,
    },
    /// An answer that is not what the endpoint returns.
    #[error("GitLab's answer to {method} {path} is not {what}: {message}")]
    Shape {
        /// The method.
        method: String,
        /// The path.
        path: String,
        /// What was expected.
        what: &'static str,
        /// Why it does not parse.
        message: String,
    },
}

impl GitLabError {
    fn answer_lost(&self) -> bool {
        match self {
            GitLabError::Http { .. } => true,
            GitLabError::Status { status, .. } => *status >= 500,
            GitLabError::Shape { .. } => false,
        }
    }
}

/// A note on a merge request.
#[derive(Debug, Clone, Deserialize)]
pub struct Note {
    /// Its id.
    pub id: u64,
    /// Its text.
    pub body: String,
    /// Who wrote it.
    pub author: NoteAuthor,
}

/// A note's author.
#[derive(Debug, Clone, Deserialize)]
pub struct NoteAuthor {
    /// The username.
    pub username: String,
}

/// The client, for one instance and one token.
#[derive(Debug, Clone)]
pub struct GitLabClient {
    http: reqwest::Client,
    api: String,
    token: Secret,
    retry: RetryPolicy,
}

impl GitLabClient {
    /// A client for the API at `api` (`https://gitlab.com/api/v4`, or a self-managed
    /// instance's) acting with `token`.
    pub fn new(api: &str, token: Secret, retry: RetryPolicy) -> Result<Self, GitLabError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .user_agent("hallmark")
            .build()
            .map_err(|e| GitLabError::Http {
                method: "-".into(),
                path: api.into(),
                message: e.to_string(),
            })?;
        Ok(Self {
            http,
            api: api.trim_end_matches('/').to_string(),
            token,
            retry,
        })
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        retry_failures: bool,
    ) -> Result<(reqwest::header::HeaderMap, Value), GitLabError> {
        let failed = |message: String| GitLabError::Http {
            method: method.to_string(),
            path: path.to_string(),
            message,
        };
        let mut backoff = self.retry.backoff;
        let mut last = String::new();
        for _ in 0..self.retry.attempts.max(1) {
            let mut request = self
                .http
                .request(method.clone(), format!("{}{path}", self.api))
                .header("PRIVATE-TOKEN", self.token.expose());
            if let Some(b) = body {
                request = request.json(b);
            }
            let response = match request.send().await {
                Ok(r) => r,
                Err(e) if !retry_failures => return Err(failed(e.without_url().to_string())),
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
            if status == StatusCode::TOO_MANY_REQUESTS {
                let wait = wait_asked(&headers).unwrap_or(backoff);
                if wait > self.retry.max_rate_limit_wait {
                    return Err(GitLabError::Status {
                        method: method.to_string(),
                        path: path.to_string(),
                        status: 429,
                        message: format!("rate limited for another {} s", wait.as_secs()),
                    });
                }
                tracing::warn!(path, wait_secs = wait.as_secs_f64(), "GitLab asks to wait");
                tokio::time::sleep(wait).await;
                continue;
            }
            if status.is_server_error() {
                last = format!("HTTP {status}");
                if !retry_failures {
                    break;
                }
                tokio::time::sleep(backoff).await;
                backoff *= 2;
                continue;
            }
            let json: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
            if !status.is_success() {
                let message = json["message"]
                    .as_str()
                    .or(json["error"].as_str())
                    .map(str::to_string)
                    .unwrap_or_else(|| json.to_string());
                return Err(GitLabError::Status {
                    method: method.to_string(),
                    path: path.to_string(),
                    status: status.as_u16(),
                    message,
                });
            }
            return Ok((headers, json));
        }
        Err(GitLabError::Status {
            method: method.to_string(),
            path: path.to_string(),
            status: 502,
            message: format!("gave up: {last}"),
        })
    }

    fn decode<T: serde::de::DeserializeOwned>(
        json: Value,
        method: &str,
        path: &str,
        what: &'static str,
    ) -> Result<T, GitLabError> {
        serde_json::from_value(json).map_err(|e| GitLabError::Shape {
            method: method.into(),
            path: path.into(),
            what,
            message: e.to_string(),
        })
    }

    /// The token's own username.
    pub async fn username(&self) -> Result<String, GitLabError> {
        #[derive(Deserialize)]
        struct User {
            username: String,
        }
        let (_, json) = self.call(Method::GET, "/user", None, true).await?;
        Ok(Self::decode::<User>(json, "GET", "/user", "a user")?.username)
    }

    /// Every note of merge request `iid` of `project` (an id or `group/name`).
    pub async fn merge_request_notes(&self, project: &str, iid: u64) -> Result<Vec<Note>, GitLabError> {
        let base = format!("/projects/{}/merge_requests/{iid}/notes", encode(project));
        let mut page = Some("1".to_string());
        let mut out = Vec::new();
        while let Some(p) = page.take() {
            let path = format!("{base}?per_page=100&sort=asc&page={p}");
            let (headers, json) = self.call(Method::GET, &path, None, true).await?;
            out.extend(Self::decode::<Vec<Note>>(json, "GET", &path, "a list of notes")?);
            page = headers
                .get("x-next-page")
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string);
        }
        Ok(out)
    }

    /// Updates Hallmark's note marked `key` on merge request `iid`, or posts it: one
    /// note however often it runs. Returns the note's id.
    pub async fn upsert_merge_request_note(
        &self,
        project: &str,
        iid: u64,
        key: &str,
        body: &str,
    ) -> Result<u64, GitLabError> {
        let me = self.username().await?;
        let mark = marker(key);
        let text = marked(key, body);
        let base = format!("/projects/{}/merge_requests/{iid}/notes", encode(project));
        let mut backoff = self.retry.backoff;
        for attempt in 1..=self.retry.attempts.max(1) {
            let notes = self.merge_request_notes(project, iid).await?;
            if let Some(note) = notes
                .iter()
                .find(|n| n.author.username == me && n.body.starts_with(&mark))
            {
                if note.body != text {
                    let path = format!("{base}/{}", note.id);
                    self.call(Method::PUT, &path, Some(&json!({ "body": text })), true)
                        .await?;
                }
                return Ok(note.id);
            }
            match self
                .call(Method::POST, &base, Some(&json!({ "body": text })), false)
                .await
            {
                Ok((_, json)) => return Ok(Self::decode::<Note>(json, "POST", &base, "a note")?.id),
                Err(e) if e.answer_lost() && attempt < self.retry.attempts.max(1) => {
                    tracing::warn!(error = %e, "the note may have been saved; looking for it before writing again");
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                }
                Err(e) => return Err(e),
            }
        }
        unreachable!("the last attempt returns")
    }
}

/// The wait a 429 asks for: `Retry-After` seconds, else until `RateLimit-Reset`.
fn wait_asked(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(secs) = text("retry-after").and_then(|v| v.parse::<u64>().ok()) {
        return Some(Duration::from_secs(secs));
    }
    let reset = text("ratelimit-reset")?.parse::<i64>().ok()?;
    let ms = (reset * 1000 - chrono::Utc::now().timestamp_millis()).max(0) as u64 + 250;
    Some(Duration::from_millis(ms))
}

/// A project id or path as a path segment (`group/name` → `group%2Fname`).
fn encode(project: &str) -> String {
    project.replace('%', "%25").replace('/', "%2F")
}
