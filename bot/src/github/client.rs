//! The GitHub client the bot acts through, on octocrab: one `Octocrab` for the app
//! (it signs the JWTs), and one per installation, which octocrab gives its token
//! cache (renewed before expiry, dropped and fetched again once when GitHub answers
//! 401). Requests go through octocrab's raw methods (`_get`, `_post`, `_patch`), so
//! status and headers reach the loop below, which survives GitHub's bad moments the
//! way GitHub asks: 5xx answers are retried with backoff, rate limits are waited out
//! (see [`super::limits`]), and a write that must not happen twice is looked for
//! before it is written again. Answers are read into octocrab's models.
//!
//! octocrab runs its requests through a `tower::Buffer` whose worker is spawned on
//! the runtime current when the client is built, and hyper keeps each connection on
//! the runtime that opened it. The bot calls GitHub from several runtimes (the
//! server's, one per worker, a test's), so the client owns a small runtime of its own
//! ([`IoRuntime`]) where the buffer's worker and every request run.

use super::auth::{signing_key, AuthError, Secret, API_VERSION, RENEW_BEFORE};
use super::errors::{error_message, with_details, GitHubError};
use super::limits::{wait_asked, RetryPolicy, Wait, MAX_WAITS};
use super::paging::{next_link, relative_to};
use crate::io_runtime::IoRuntime;
pub use crate::marker::{marked, marker};
use octocrab::models::{self, AppId, InstallationId};
use octocrab::secrecy::ExposeSecret as _;
use octocrab::{Octocrab, OctocrabBuilder};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The methods the bot calls GitHub with.
#[derive(Debug, Clone, Copy)]
pub(super) enum Verb {
    Get,
    Post,
    Patch,
}

impl Verb {
    fn name(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Patch => "PATCH",
        }
    }
}

/// octocrab's builder before a service or layers are given.
type DefaultBuilder =
    OctocrabBuilder<octocrab::NoSvc, octocrab::DefaultOctocrabBuilderConfig, octocrab::NoAuth, octocrab::NotLayerReady>;

/// Who the client writes as, which decides which comments are its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Identity {
    /// A GitHub App: its comments carry `performed_via_github_app.id`.
    App(u64),
    /// A plain token (a workflow's `GITHUB_TOKEN`): its comments are this login's
    /// (`github-actions[bot]`).
    Login(String),
}

impl Identity {
    /// True for something written by `author`, through app `app` if one.
    pub(super) fn wrote_as(&self, author: &str, app: Option<u64>) -> bool {
        match self {
            Identity::App(id) => app == Some(*id),
            Identity::Login(login) => author == login,
        }
    }
}

/// The client, for one app (each call names the installation it acts for) or for
/// one token (the installation is ignored).
#[derive(Clone)]
pub struct GitHubClient {
    app: Octocrab,
    pub(super) identity: Identity,
    /// `https://api.github.com` or a GitHub Enterprise `…/api/v3`, without the slash.
    api: String,
    /// Shared, not cloned: cloning an `Octocrab` copies its token cache (0.54).
    installations: Arc<Mutex<HashMap<u64, Arc<Octocrab>>>>,
    retry: RetryPolicy,
    io: Arc<IoRuntime>,
}

impl std::fmt::Debug for GitHubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubClient")
            .field("identity", &self.identity)
            .field("api", &self.api)
            .finish_non_exhaustive()
    }
}

impl GitHubClient {
    /// The app this client acts as, when it is one (not a plain token's).
    pub(crate) fn app_id(&self) -> Option<u64> {
        match self.identity {
            Identity::App(id) => Some(id),
            Identity::Login(_) => None,
        }
    }

    /// A client for app `app_id` with its PEM private key, against the API at `api`
    /// (`https://api.github.com`, a GitHub Enterprise `https://HOST/api/v3`, or a test
    /// server). Every request, the token exchange included, names [`API_VERSION`].
    pub fn new(api: &str, app_id: u64, private_key_pem: &Secret, retry: RetryPolicy) -> Result<Self, AuthError> {
        let key = signing_key(private_key_pem)?;
        Self::build(api, Identity::App(app_id), retry, |builder| {
            builder.app(AppId(app_id), key)
        })
    }

    /// A client acting with one `token` (a workflow's `GITHUB_TOKEN`, a personal
    /// token) whose comments are written as `login`.
    pub fn with_token(api: &str, token: &Secret, login: &str, retry: RetryPolicy) -> Result<Self, AuthError> {
        let token = token.expose().to_string();
        Self::build(api, Identity::Login(login.to_string()), retry, |builder| {
            builder.personal_token(token)
        })
    }

    fn build(
        api: &str,
        identity: Identity,
        retry: RetryPolicy,
        authenticate: impl FnOnce(DefaultBuilder) -> DefaultBuilder,
    ) -> Result<Self, AuthError> {
        let api = api.trim_end_matches('/').to_string();
        let client_error = |message: String| AuthError::Client {
            api: api.clone(),
            message,
        };
        // octocrab sets the version header on the requests it builds but not on the
        // token exchange; a default header fills it in there (reqwest adds a default
        // header only where the request has none, so it is never sent twice).
        let mut headers = HeaderMap::new();
        headers.insert("x-github-api-version", HeaderValue::from_static(API_VERSION));
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .default_headers(headers)
            .build()
            .map_err(|e| client_error(e.to_string()))?;
        let io =
            IoRuntime::new("hallmark-github").map_err(|e| client_error(format!("cannot start its runtime: {e}")))?;
        let app = {
            let _inside = io.handle().enter();
            let builder = Octocrab::builder()
                .base_uri(api.as_str())
                .map_err(|e| client_error(e.to_string()))?;
            authenticate(builder)
                .build_with_reqwest(http)
                .map_err(|e| client_error(e.to_string()))?
        };
        Ok(Self {
            app,
            identity,
            api,
            installations: Arc::new(Mutex::new(HashMap::new())),
            retry,
            io: Arc::new(io),
        })
    }

    /// The login a token acts as (`GET /user`), or `None` where GitHub does not say:
    /// a workflow's or an installation's token gets 403 there.
    pub async fn token_login(&self) -> Result<Option<String>, GitHubError> {
        match self
            .fetch::<models::Author>(0, Verb::Get, "/user", None, "a user")
            .await
        {
            Ok(user) => Ok(Some(user.login)),
            Err(GitHubError::Status {
                status: 401 | 403 | 404,
                ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The app as GitHub knows it, asked with the app's JWT: its name and how many
    /// installations it has. A refused key or app id fails here, before any webhook.
    pub async fn app_check(&self) -> Result<(String, usize), GitHubError> {
        let app = self.app_get("/app").await?;
        // GitHub pages the list (30 by default, 100 at most): count every page.
        let mut installations = 0;
        for page in 1.. {
            let listed = self
                .app_get(&format!("/app/installations?per_page=100&page={page}"))
                .await?;
            let n = listed.as_array().map_or(0, Vec::len);
            installations += n;
            if n < 100 {
                break;
            }
        }
        Ok((app["name"].as_str().unwrap_or_default().to_string(), installations))
    }

    /// A GET as the app itself (its JWT), read as JSON.
    async fn app_get(&self, path: &str) -> Result<Value, GitHubError> {
        let failed = |message: String| GitHubError::Http {
            method: "GET".into(),
            path: path.into(),
            message,
        };
        let (app, owned) = (self.app.clone(), path.to_string());
        let (status, text) = self
            .io
            .run(async move {
                let response = app._get(owned).await?;
                let status = response.status();
                Ok::<_, octocrab::Error>((status, app.body_to_string(response).await?))
            })
            .await
            .map_err(|e| failed(format!("the request task failed: {e}")))?
            .map_err(|e| failed(e.to_string()))?;
        let json: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if !status.is_success() {
            return Err(GitHubError::Status {
                method: "GET".into(),
                path: path.into(),
                status: status.as_u16(),
                message: error_message(&json),
            });
        }
        Ok(json)
    }

    /// The octocrab client acting as `installation`, with its own token cache.
    fn installation(&self, installation: u64) -> Result<Arc<Octocrab>, GitHubError> {
        // A token client has one identity whatever the installation.
        let installation = match self.identity {
            Identity::App(_) => installation,
            Identity::Login(_) => 0,
        };
        let mut all = self.installations.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(crab) = all.get(&installation) {
            return Ok(crab.clone());
        }
        let crab = Arc::new(match self.identity {
            Identity::App(_) => self
                .app
                .installation(InstallationId(installation))
                .map_err(|e| token_error(installation, e))?,
            Identity::Login(_) => self.app.clone(),
        });
        all.insert(installation, crab.clone());
        Ok(crab)
    }

    /// The installation's access token, for git over HTTPS: the cached one while it
    /// has more than [`RENEW_BEFORE`] left, else a new one.
    pub async fn installation_token(&self, installation: u64) -> Result<Secret, GitHubError> {
        let crab = self.installation(installation)?;
        let token = self
            .io
            .run(async move { crab.installation_token_with_buffer(RENEW_BEFORE).await })
            .await
            .map_err(|e| GitHubError::Http {
                method: "POST".into(),
                path: format!("/app/installations/{installation}/access_tokens"),
                message: format!("the request task failed: {e}"),
            })?
            .map_err(|e| token_error(installation, e))?;
        Ok(Secret::new(token.expose_secret()))
    }

    /// One call, retried as the module explains. Returns the headers and the JSON.
    pub(super) async fn call(
        &self,
        installation: u64,
        verb: Verb,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(HeaderMap, Value), GitHubError> {
        self.call_with(installation, verb, path, body, true).await
    }

    /// One call whose answer is read into octocrab's model `T` (`what` names it in
    /// the error when GitHub's answer is not one).
    pub(super) async fn fetch<T: DeserializeOwned>(
        &self,
        installation: u64,
        verb: Verb,
        path: &str,
        body: Option<&Value>,
        what: &'static str,
    ) -> Result<T, GitHubError> {
        let (_, json) = self.call(installation, verb, path, body).await?;
        decode(json, verb, path, what)
    }

    async fn call_with(
        &self,
        installation: u64,
        verb: Verb,
        path: &str,
        body: Option<&Value>,
        retry_failures: bool,
    ) -> Result<(HeaderMap, Value), GitHubError> {
        let crab = self.installation(installation)?;
        let method = verb.name();
        let failed = |message: String| GitHubError::Http {
            method: method.into(),
            path: path.into(),
            message,
        };
        let mut backoff = self.retry.backoff;
        let mut secondary = self.retry.secondary_wait;
        let mut last = String::new();
        // Failed attempts (5xx, no answer) are bounded by the policy; waits GitHub asks
        // for are not failures and do not count, though each wait is bounded and so is
        // their number.
        let mut attempt = 0;
        let mut waits = 0;
        while attempt < self.retry.attempts.max(1) && waits <= MAX_WAITS {
            attempt += 1;
            let (crab, owned, body) = (crab.clone(), path.to_string(), body.cloned());
            let answer = async move {
                let response = match verb {
                    Verb::Get => crab._get(owned).await,
                    Verb::Post => crab._post(owned, body.as_ref()).await,
                    Verb::Patch => crab._patch(owned, body.as_ref()).await,
                }?;
                let status = response.status();
                let headers = response.headers().clone();
                Ok::<_, octocrab::Error>((status, headers, crab.body_to_string(response).await?))
            };
            let answer = match self.io.run(answer).await {
                Ok(answer) => answer,
                Err(e) => return Err(failed(format!("the request task failed: {e}"))),
            };
            let telemetry = crate::telemetry::global();
            match &answer {
                Ok((status, headers, _)) => {
                    telemetry.call("github", method, Some(status.as_u16()));
                    telemetry.rate_limit("github", &installation.to_string(), headers);
                }
                Err(_) => telemetry.call("github", method, None),
            }
            let (status, headers, text) = match answer {
                Ok(answer) => answer,
                // An error octocrab reports before any answer of the API: the token
                // exchange failed (5xx is retried; otherwise it answered, so it is
                // final), or nothing answered.
                Err(octocrab::Error::GitHub { source, .. })
                    if retry_failures && source.status_code.is_server_error() =>
                {
                    last = format!("HTTP {} from the token exchange", source.status_code);
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                    continue;
                }
                Err(e @ (octocrab::Error::GitHub { .. } | octocrab::Error::JWT { .. })) => {
                    return Err(token_error(installation, e))
                }
                Err(e) if !retry_failures => return Err(failed(e.to_string())),
                Err(e) => {
                    last = e.to_string();
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                    continue;
                }
            };
            if status.is_server_error() && !retry_failures {
                return Err(GitHubError::Status {
                    method: method.into(),
                    path: path.into(),
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
            if let Some(Wait { wait, why }) = wait_asked(status, &headers, &error_message(&json), &mut secondary) {
                if wait > self.retry.max_rate_limit_wait {
                    return Err(GitHubError::GaveUp {
                        method: method.into(),
                        path: path.into(),
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
            if status == StatusCode::UNAUTHORIZED {
                // octocrab already dropped the refused token and tried a new one.
                tracing::warn!(installation, path, "GitHub refused a fresh installation token too");
            }
            if !status.is_success() {
                return Err(GitHubError::Status {
                    method: method.into(),
                    path: path.into(),
                    status: status.as_u16(),
                    message: error_message(&json),
                });
            }
            return Ok((headers, json));
        }
        Err(GitHubError::GaveUp {
            method: method.into(),
            path: path.into(),
            attempts: attempt,
            last,
        })
    }

    /// POSTs `body` to `path` at most once per answer: whenever the write may have
    /// happened without its answer arriving (a 5xx, no answer, or a failure `also`
    /// accepts), `find` looks for it before it is written again. `find` runs first
    /// too when `find_first` (an upsert), else only after such a failure.
    pub(super) async fn post_once<T, F, Fut>(
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
            // Rate limits are waited out inside; a 5xx or a lost answer comes back
            // here rather than being retried, since GitHub may have done the write.
            match self.call_with(installation, Verb::Post, path, Some(body), false).await {
                Ok((_, json)) => return Ok(Once::Written(json)),
                Err(e) if attempt < self.retry.attempts.max(1) && (e.answer_lost() || also(&e)) => {
                    tracing::warn!(path, error = %e, "the write may have happened; looking for it before writing again");
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Every item of a list endpoint, following `Link: rel="next"` on the API's own
    /// host only (the token is never sent anywhere else).
    pub(super) async fn list<T: DeserializeOwned>(
        &self,
        installation: u64,
        path: &str,
        what: &'static str,
    ) -> Result<Vec<T>, GitHubError> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut next = Some(format!("{path}{sep}per_page=100"));
        let mut out = Vec::new();
        while let Some(page) = next.take() {
            let (headers, json) = self.call(installation, Verb::Get, &page, None).await?;
            let items: Vec<T> = decode(json, Verb::Get, &page, what)?;
            out.extend(items);
            next = next_link(&headers).and_then(|link| relative_to(&self.api, &link));
        }
        Ok(out)
    }
}

/// The longest body GitHub accepts for a comment, an issue or a pull request
/// (characters); one more and it refuses the whole request (422).
pub const MAX_BODY: usize = 65_536;

/// `json` read as octocrab's model `T`.
pub(super) fn decode<T: DeserializeOwned>(
    json: Value,
    verb: Verb,
    path: &str,
    what: &'static str,
) -> Result<T, GitHubError> {
    serde_json::from_value(json).map_err(|e| GitHubError::Shape {
        method: verb.name().into(),
        path: path.into(),
        what,
        message: e.to_string(),
    })
}

/// An octocrab error on the way to an installation token, with GitHub's status and
/// message when it answered.
fn token_error(installation: u64, e: octocrab::Error) -> GitHubError {
    let message = match &e {
        octocrab::Error::GitHub { source, .. } => format!(
            "HTTP {}: {}",
            source.status_code.as_u16(),
            with_details(&source.message, source.errors.as_deref().unwrap_or_default())
        ),
        other => other.to_string(),
    };
    GitHubError::Token { installation, message }
}

/// What a write-once POST came to: the write found already done, or its answer.
pub(super) enum Once<T> {
    Found(T),
    Written(Value),
}

/// For writes whose failures other than lost answers are final.
pub(super) fn never(_: &GitHubError) -> bool {
    false
}
