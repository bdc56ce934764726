//! A small GitLab REST API v4 client on reqwest: the token from the environment sent
//! as `PRIVATE-TOKEN`, lists followed by `X-Next-Page`, `429` waited out by
//! `Retry-After` (or `RateLimit-Reset`), 5xx retried with backoff — except for a
//! note's creation, which is looked for again before it is written again, since
//! GitLab may have saved it before the answer was lost. Hallmark's note is the one
//! the token's own user wrote with the marker, so nobody else's is ever edited.

use crate::ci::fold;
use crate::git::PullHead;
use crate::github::limits::RetryPolicy;
use crate::gitlab::quick_actions::inert;
use crate::marker::{marked, marker};
use hallmark_checks::secret::Secret;
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
    /// GitLab's 409: the thing exists already (an open merge request for the branch).
    fn conflict(&self) -> bool {
        matches!(self, GitLabError::Status { status: 409, .. })
    }

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
    /// The token's username, asked once.
    me: std::sync::Arc<std::sync::Mutex<Option<String>>>,
    /// Where every request runs (see [`crate::io_runtime`]).
    io: std::sync::Arc<crate::io_runtime::IoRuntime>,
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
        let io = crate::io_runtime::IoRuntime::new("hallmark-gitlab").map_err(|e| GitLabError::Http {
            method: "-".into(),
            path: api.into(),
            message: format!("cannot start its runtime: {e}"),
        })?;
        Ok(Self {
            http,
            api: api.trim_end_matches('/').to_string(),
            token,
            retry,
            me: Default::default(),
            io: std::sync::Arc::new(io),
        })
    }

    /// One call, retried as the module explains; the answer's JSON.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        retry_failures: bool,
    ) -> Result<(reqwest::header::HeaderMap, Value), GitLabError> {
        let (headers, text) = self.call_text(method, path, body, retry_failures).await?;
        let json = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok((headers, json))
    }

    /// One call, retried as the module explains; the answer's text as it came.
    async fn call_text(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        retry_failures: bool,
    ) -> Result<(reqwest::header::HeaderMap, String), GitLabError> {
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
            let exchange = async move {
                let response = request.send().await?;
                let (status, headers) = (response.status(), response.headers().clone());
                Ok::<_, reqwest::Error>((status, headers, response.text().await.unwrap_or_default()))
            };
            let answer = match self.io.run(exchange).await {
                Ok(answer) => answer,
                Err(e) => return Err(failed(format!("the request task failed: {e}"))),
            };
            let telemetry = crate::telemetry::global();
            match &answer {
                Ok((status, headers, _)) => {
                    telemetry.call("gitlab", method.as_str(), Some(status.as_u16()));
                    telemetry.rate_limit("gitlab", "token", headers);
                }
                Err(_) => telemetry.call("gitlab", method.as_str(), None),
            }
            let (status, headers, text) = match answer {
                Ok(answer) => answer,
                Err(e) if !retry_failures => return Err(failed(e.without_url().to_string())),
                Err(e) => {
                    last = e.without_url().to_string();
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                    continue;
                }
            };
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
            if !status.is_success() {
                let json: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
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
            return Ok((headers, text));
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

    /// The token's own username (asked once).
    pub async fn username(&self) -> Result<String, GitLabError> {
        #[derive(Deserialize)]
        struct User {
            username: String,
        }
        if let Some(me) = self.me.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            return Ok(me);
        }
        let (_, json) = self.call(Method::GET, "/user", None, true).await?;
        let me = Self::decode::<User>(json, "GET", "/user", "a user")?.username;
        *self.me.lock().unwrap_or_else(|p| p.into_inner()) = Some(me.clone());
        Ok(me)
    }

    /// Every item of a list endpoint (`path` has no query yet), following
    /// `X-Next-Page`.
    async fn list<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &str,
        what: &'static str,
    ) -> Result<Vec<T>, GitLabError> {
        let mut page = Some("1".to_string());
        let mut out = Vec::new();
        while let Some(p) = page.take() {
            let url = format!("{path}?per_page=100&page={p}{query}");
            let (headers, json) = self.call(Method::GET, &url, None, true).await?;
            out.extend(Self::decode::<Vec<T>>(json, "GET", &url, what)?);
            page = headers
                .get("x-next-page")
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string);
        }
        Ok(out)
    }

    /// The API path of an issue or a merge request of `project`.
    fn thread_path(project: &str, thread: Thread) -> String {
        let kind = if thread.merge_request {
            "merge_requests"
        } else {
            "issues"
        };
        format!("/projects/{}/{kind}/{}", encode(project), thread.iid)
    }

    /// Every note of `thread` of `project` (an id or `group/name`), oldest first.
    pub async fn notes(&self, project: &str, thread: Thread) -> Result<Vec<Note>, GitLabError> {
        self.list(
            &format!("{}/notes", Self::thread_path(project, thread)),
            "&sort=asc",
            "a list of notes",
        )
        .await
    }

    /// Every note of merge request `iid` of `project`.
    pub async fn merge_request_notes(&self, project: &str, iid: u64) -> Result<Vec<Note>, GitLabError> {
        self.notes(
            project,
            Thread {
                iid,
                merge_request: true,
            },
        )
        .await
    }

    /// POSTs a note at most once per answer: when GitLab may have saved it without the
    /// answer arriving, `find` looks for it before it is written again.
    async fn create_once<F, Fut>(&self, path: &str, body: &Value, find: F) -> Result<Value, GitLabError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<Option<Value>, GitLabError>>,
    {
        let mut backoff = self.retry.backoff;
        let attempts = self.retry.attempts.max(1);
        let mut attempt = 1;
        loop {
            match self.call(Method::POST, path, Some(body), false).await {
                Ok((_, json)) => return Ok(json),
                Err(e) if (e.answer_lost() || e.conflict()) && attempt < attempts => {
                    tracing::warn!(error = %e, "the write may have happened; looking for it before writing again");
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                    attempt += 1;
                    if let Some(found) = find().await? {
                        return Ok(found);
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Posts a note on `thread`; returns its id. When the answer is lost, a note of
    /// this token's user with the same text is looked for before posting again.
    pub async fn note(&self, project: &str, thread: Thread, body: &str) -> Result<u64, GitLabError> {
        let body = fit(body, MAX_NOTE);
        let body = body.as_str();
        let me = self.username().await?;
        let path = format!("{}/notes", Self::thread_path(project, thread));
        let posted = || async {
            Ok(self
                .notes(project, thread)
                .await?
                .into_iter()
                .rev()
                .find(|n| n.author.username == me && n.body == body)
                .map(|n| json!({"id": n.id})))
        };
        let json = self.create_once(&path, &json!({ "body": body }), posted).await?;
        Ok(Self::decode::<NoteId>(json, "POST", &path, "a note")?.id)
    }

    /// Replaces the text of note `id` on `thread`.
    pub async fn edit_note(&self, project: &str, thread: Thread, id: u64, body: &str) -> Result<(), GitLabError> {
        let body = fit(body, MAX_NOTE);
        let path = format!("{}/notes/{id}", Self::thread_path(project, thread));
        self.call(Method::PUT, &path, Some(&json!({ "body": body })), true)
            .await
            .map(|_| ())
    }

    /// Hallmark's note marked `key` on `thread`: one the token's own user wrote.
    pub async fn find_note(&self, project: &str, thread: Thread, key: &str) -> Result<Option<Note>, GitLabError> {
        let me = self.username().await?;
        let mark = marker(key);
        Ok(self
            .notes(project, thread)
            .await?
            .into_iter()
            .find(|n| n.author.username == me && n.body.starts_with(&mark)))
    }

    /// Updates Hallmark's note marked `key` on `thread`, or posts it: one note however
    /// often it runs, and only one the token's own user wrote. Returns its id.
    pub async fn upsert_note(&self, project: &str, thread: Thread, key: &str, body: &str) -> Result<u64, GitLabError> {
        let text = fit(&marked(key, body), MAX_NOTE);
        let ours = || self.find_note(project, thread, key);
        if let Some(note) = ours().await? {
            if note.body != text {
                self.edit_note(project, thread, note.id, &text).await?;
            }
            return Ok(note.id);
        }
        let path = format!("{}/notes", Self::thread_path(project, thread));
        let found = || async { Ok(ours().await?.map(|n| json!({"id": n.id}))) };
        let json = self.create_once(&path, &json!({ "body": text }), found).await?;
        Ok(Self::decode::<NoteId>(json, "POST", &path, "a note")?.id)
    }

    /// Updates Hallmark's note marked `key` on merge request `iid`, or posts it.
    pub async fn upsert_merge_request_note(
        &self,
        project: &str,
        iid: u64,
        key: &str,
        body: &str,
    ) -> Result<u64, GitLabError> {
        self.upsert_note(
            project,
            Thread {
                iid,
                merge_request: true,
            },
            key,
            body,
        )
        .await
    }

    /// Awards emoji `name` to `thread`, or to its note `note`. GitLab refuses a second
    /// award of the same emoji, which is not an error here.
    pub async fn award(&self, project: &str, thread: Thread, note: Option<u64>, name: &str) -> Result<(), GitLabError> {
        let path = match note {
            Some(id) => format!("{}/notes/{id}/award_emoji", Self::thread_path(project, thread)),
            None => format!("{}/award_emoji", Self::thread_path(project, thread)),
        };
        match self
            .call(Method::POST, &path, Some(&json!({ "name": name })), true)
            .await
        {
            Ok(_) | Err(GitLabError::Status { status: 400 | 404, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// `user`'s access level on `project`, inherited group membership included
    /// (`members/all`): 0 when they are no member (or no user).
    pub async fn access_level(&self, project: &str, user: &str) -> Result<u64, GitLabError> {
        #[derive(Deserialize)]
        struct Found {
            id: u64,
        }
        let path = format!("/users?username={}", encode(user));
        let (_, json) = self.call(Method::GET, &path, None, true).await?;
        let Some(found) = Self::decode::<Vec<Found>>(json, "GET", &path, "a list of users")?
            .into_iter()
            .next()
        else {
            return Ok(0);
        };
        let path = format!("/projects/{}/members/all/{}", encode(project), found.id);
        match self.call(Method::GET, &path, None, true).await {
            Ok((_, json)) => Ok(json["access_level"].as_u64().unwrap_or(0)),
            Err(GitLabError::Status { status: 404, .. }) => Ok(0),
            Err(e) => Err(e),
        }
    }

    /// Sets commit status `name` of `sha` to `state` (`success`, `failed`…). GitLab
    /// creates a new status when the last one of that name is finished (the old one is
    /// retried) and refuses to move a `pending` or `running` one to the state it already
    /// has (400 "Cannot transition status"), which is no error here.
    pub async fn set_commit_status(
        &self,
        project: &str,
        sha: &str,
        name: &str,
        state: &str,
        description: &str,
    ) -> Result<(), GitLabError> {
        let path = format!("/projects/{}/statuses/{}", encode(project), encode(sha));
        let description: String = description.chars().take(255).collect();
        let body = json!({"state": state, "name": name, "description": description});
        match self.call(Method::POST, &path, Some(&body), true).await {
            Ok(_) => Ok(()),
            Err(GitLabError::Status {
                status: 400, message, ..
            }) if message.contains("Cannot transition status") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The project's default branch.
    pub async fn default_branch(&self, project: &str) -> Result<String, GitLabError> {
        let path = format!("/projects/{}", encode(project));
        let (_, json) = self.call(Method::GET, &path, None, true).await?;
        Ok(json["default_branch"].as_str().unwrap_or("main").to_string())
    }

    /// A file of the default branch, or `None` when it does not exist.
    pub async fn file_text(&self, project: &str, file: &str) -> Result<Option<String>, GitLabError> {
        let branch = self.default_branch(project).await?;
        let path = format!(
            "/projects/{}/repository/files/{}/raw?ref={}",
            encode(project),
            encode(file),
            encode(&branch)
        );
        match self.call_text(Method::GET, &path, None, true).await {
            Ok((_, text)) => Ok(Some(text)),
            Err(GitLabError::Status { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// An issue's description.
    pub async fn issue_description(&self, project: &str, iid: u64) -> Result<String, GitLabError> {
        let path = Self::thread_path(
            project,
            Thread {
                iid,
                merge_request: false,
            },
        );
        let (_, json) = self.call(Method::GET, &path, None, true).await?;
        Ok(json["description"].as_str().unwrap_or_default().to_string())
    }

    /// What merge request `iid` merges: its source branch and commit, and the fork the
    /// branch is in when its source project is not the target project.
    pub async fn merge_request_source(&self, project: &str, iid: u64) -> Result<PullHead, GitLabError> {
        let path = Self::thread_path(
            project,
            Thread {
                iid,
                merge_request: true,
            },
        );
        let (_, json) = self.call(Method::GET, &path, None, true).await?;
        let field = |name: &str| {
            json[name]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| GitLabError::Shape {
                    method: "GET".into(),
                    path: path.clone(),
                    what: "a merge request",
                    message: format!("no {name}"),
                })
        };
        let (branch, sha) = (field("source_branch")?, field("sha")?);
        let fork = match (json["source_project_id"].as_u64(), json["target_project_id"].as_u64()) {
            (Some(source), Some(target)) if source != target => {
                // The fork's name, when this token may see it.
                let named = self.call(Method::GET, &format!("/projects/{source}"), None, true).await;
                Some(match named {
                    Ok((_, p)) => p["path_with_namespace"].as_str().unwrap_or_default().to_string(),
                    Err(_) => format!("project {source}"),
                })
            }
            _ => None,
        };
        Ok(PullHead { branch, sha, fork })
    }

    /// Updates the token user's open issue marked `key`, or opens it (once, whatever
    /// GitLab's answers); returns its iid.
    pub async fn upsert_issue(
        &self,
        project: &str,
        key: &str,
        title: &str,
        description: &str,
    ) -> Result<u64, GitLabError> {
        let me = self.username().await?;
        let mark = marker(key);
        let text = fit(&marked(key, description), MAX_DESCRIPTION);
        let path = format!("/projects/{}/issues", encode(project));
        let ours = || async {
            let open: Vec<Value> = self.list(&path, "&state=opened", "a list of issues").await?;
            Ok(open.into_iter().find(|i| {
                i["author"]["username"].as_str() == Some(me.as_str())
                    && i["description"].as_str().unwrap_or_default().starts_with(&mark)
            }))
        };
        let iid_of = |json: &Value| {
            json["iid"].as_u64().ok_or_else(|| GitLabError::Shape {
                method: "GET".into(),
                path: path.clone(),
                what: "an issue",
                message: "no iid".into(),
            })
        };
        let found = match ours().await? {
            Some(found) => found,
            None => {
                let created = self
                    .create_once(&path, &json!({ "title": title, "description": text }), ours)
                    .await?;
                if created["description"].as_str() == Some(text.as_str()) {
                    return iid_of(&created);
                }
                created
            }
        };
        let iid = iid_of(&found)?;
        if found["title"].as_str() != Some(title) || found["description"].as_str() != Some(text.as_str()) {
            self.call(
                Method::PUT,
                &format!("{path}/{iid}"),
                Some(&json!({ "title": title, "description": text })),
                true,
            )
            .await?;
        }
        Ok(iid)
    }

    /// The files merge request `iid` changes (a rename names both paths).
    pub async fn merge_request_files(&self, project: &str, iid: u64) -> Result<Vec<String>, GitLabError> {
        let path = format!(
            "{}/diffs",
            Self::thread_path(
                project,
                Thread {
                    iid,
                    merge_request: true
                }
            )
        );
        let diffs: Vec<Value> = self.list(&path, "", "a list of merge request diffs").await?;
        let mut files: Vec<String> = Vec::new();
        for d in &diffs {
            for key in ["old_path", "new_path"] {
                if let Some(p) = d[key].as_str() {
                    if !files.iter().any(|f| f == p) {
                        files.push(p.to_string());
                    }
                }
            }
        }
        Ok(files)
    }

    /// The diff notes of merge request `iid`, as "@user on path: text" lines; the
    /// token's own notes and system notes are left out.
    pub async fn diff_notes(&self, project: &str, iid: u64) -> Result<Vec<String>, GitLabError> {
        let me = self.username().await?;
        let path = format!(
            "{}/discussions",
            Self::thread_path(
                project,
                Thread {
                    iid,
                    merge_request: true
                }
            )
        );
        let discussions: Vec<Value> = self.list(&path, "", "a list of discussions").await?;
        Ok(discussions
            .iter()
            .flat_map(|d| d["notes"].as_array().cloned().unwrap_or_default())
            .filter(|n| !n["position"].is_null() && n["system"].as_bool() != Some(true))
            .filter(|n| n["author"]["username"].as_str() != Some(me.as_str()))
            .map(|n| {
                format!(
                    "@{} on {}: {}",
                    n["author"]["username"].as_str().unwrap_or("someone"),
                    n["position"]["new_path"].as_str().unwrap_or("the diff"),
                    n["body"].as_str().unwrap_or_default().trim()
                )
            })
            .collect())
    }

    /// Opens a merge request from `source` into `target`, or updates the title and
    /// description of the open one from `source`: one merge request however often it
    /// runs (a lost answer or GitLab's 409 for an existing one finds it).
    pub async fn open_or_update_merge_request(
        &self,
        project: &str,
        source: &str,
        target: &str,
        title: &str,
        description: &str,
    ) -> Result<u64, GitLabError> {
        let description = &fit(description, MAX_DESCRIPTION);
        let base = format!("/projects/{}/merge_requests", encode(project));
        let open = || async {
            let found: Vec<Value> = self
                .list(
                    &base,
                    &format!("&state=opened&source_branch={}", encode(source)),
                    "a list of merge requests",
                )
                .await?;
            Ok(found.into_iter().next())
        };
        let iid = |json: &Value| json["iid"].as_u64();
        if let Some(existing) = open().await? {
            let number = iid(&existing).unwrap_or_default();
            let path = format!("{base}/{number}");
            self.call(
                Method::PUT,
                &path,
                Some(&json!({"title": title, "description": description})),
                true,
            )
            .await?;
            return Ok(number);
        }
        let request = json!({
            "source_branch": source, "target_branch": target, "title": title,
            "description": description, "remove_source_branch": true
        });
        let created = self.create_once(&base, &request, open).await?;
        let number = iid(&created).ok_or_else(|| GitLabError::Shape {
            method: "POST".into(),
            path: base.clone(),
            what: "a merge request",
            message: "no iid".into(),
        })?;
        // Found again after a lost answer: bring it up to date.
        if created["title"].as_str() != Some(title) || created["description"].as_str() != Some(description) {
            self.call(
                Method::PUT,
                &format!("{base}/{number}"),
                Some(&json!({"title": title, "description": description})),
                true,
            )
            .await?;
        }
        Ok(number)
    }
}

/// `text` as the bot may write it on GitLab: no line GitLab would run as a quick action
/// (see [`inert`]), cut on a line to `limit` characters.
fn fit(text: &str, limit: usize) -> String {
    fold::fit(&inert(text), limit)
}

/// The longest note GitLab accepts (characters): "Note is too long (maximum is
/// 1000000 characters)".
pub const MAX_NOTE: usize = 1_000_000;

/// The longest issue or merge request description GitLab accepts (characters).
pub const MAX_DESCRIPTION: usize = 1_048_576;

/// An issue or a merge request of a project: GitLab numbers them separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thread {
    /// The iid.
    pub iid: u64,
    /// True for a merge request.
    pub merge_request: bool,
}

#[derive(Deserialize)]
struct NoteId {
    id: u64,
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
