//! The webhook server: `POST /webhooks/github`, `POST /webhooks/gitlab`,
//! `GET /healthz`, `GET /metrics`. Each handler verifies the delivery on the raw
//! bytes before anything is parsed (GitHub's HMAC signature, GitLab's token, both
//! compared in constant time), bounds the body, remembers delivery ids, routes the
//! event and queues the work in one queue transaction, and answers at once: the
//! promotion itself runs on a worker. A forge whose secret is not configured answers
//! 404.

pub mod route;
pub mod route_gitlab;

use crate::commands::Syntax;
use crate::queue::{Delivery, JobState, NewJob, Queue};
use crate::webhook::signature::{verify_github, verify_gitlab};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use route::{route, Routed};
use route_gitlab::route_gitlab;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// How the server behaves.
#[derive(Clone)]
pub struct ServerConfig {
    /// The GitHub App's webhook secret; `None` turns `/webhooks/github` off.
    pub github_secret: Option<Vec<u8>>,
    /// The GitLab webhooks' secret token; `None` turns `/webhooks/gitlab` off.
    pub gitlab_secret: Option<Vec<u8>>,
    /// The label that starts a promotion.
    pub label: String,
    /// How commands are recognised.
    pub syntax: Syntax,
    /// Bodies larger than this are refused with 413.
    pub max_body_bytes: usize,
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("github_secret", &self.github_secret.as_ref().map(|_| "<redacted>"))
            .field("gitlab_secret", &self.gitlab_secret.as_ref().map(|_| "<redacted>"))
            .field("label", &self.label)
            .field("syntax", &self.syntax)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

/// Delivery outcomes of each forge, counted for `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    github: Counters,
    gitlab: Counters,
}

/// Delivery outcomes of one forge.
#[derive(Debug, Default)]
struct Counters {
    queued: AtomicU64,
    ignored: AtomicU64,
    repeated: AtomicU64,
    bad_signature: AtomicU64,
    bad_payload: AtomicU64,
    failed: AtomicU64,
}

/// What the handlers share.
pub struct AppState {
    /// The configuration.
    pub config: ServerConfig,
    /// The job queue.
    pub queue: Arc<dyn Queue>,
    /// The counters.
    pub metrics: Metrics,
}

/// The router, ready to serve.
pub fn router(state: Arc<AppState>) -> Router {
    let limit = state.config.max_body_bytes;
    Router::new()
        .route("/webhooks/github", post(github_webhook))
        .route("/webhooks/gitlab", post(gitlab_webhook))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn github_webhook(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> (StatusCode, String) {
    let m = &state.metrics.github;
    let Some(secret) = &state.config.github_secret else {
        return (
            StatusCode::NOT_FOUND,
            "GitHub webhooks are not enabled on this server\n".into(),
        );
    };
    if let Err(e) = verify_github(secret, &body, header(&headers, "x-hub-signature-256")) {
        m.bad_signature.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(error = %e, "webhook refused");
        return (StatusCode::UNAUTHORIZED, format!("{e}\n"));
    }
    let Some(delivery) = header(&headers, "x-github-delivery").filter(|d| !d.is_empty() && d.len() <= 100) else {
        m.bad_payload.fetch_add(1, Ordering::Relaxed);
        return (
            StatusCode::BAD_REQUEST,
            "the delivery has no X-GitHub-Delivery id\n".into(),
        );
    };
    let event = header(&headers, "x-github-event").unwrap_or_default();
    let routed = route(event, &body, &state.config.label, state.config.syntax);
    accept(&state, m, "github", delivery.to_string(), event, routed).await
}

async fn gitlab_webhook(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> (StatusCode, String) {
    let m = &state.metrics.gitlab;
    let Some(secret) = &state.config.gitlab_secret else {
        return (
            StatusCode::NOT_FOUND,
            "GitLab webhooks are not enabled on this server\n".into(),
        );
    };
    if let Err(e) = verify_gitlab(secret, header(&headers, "x-gitlab-token")) {
        m.bad_signature.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(error = %e, "webhook refused");
        return (StatusCode::UNAUTHORIZED, format!("{e}\n"));
    }
    let Some(delivery) = header(&headers, "x-gitlab-event-uuid")
        .or_else(|| header(&headers, "idempotency-key"))
        .filter(|d| !d.is_empty() && d.len() <= 100)
    else {
        m.bad_payload.fetch_add(1, Ordering::Relaxed);
        return (
            StatusCode::BAD_REQUEST,
            "the delivery has no X-Gitlab-Event-UUID or Idempotency-Key\n".into(),
        );
    };
    let event = header(&headers, "x-gitlab-event").unwrap_or_default();
    let routed = route_gitlab(event, &body, &state.config.label, state.config.syntax);
    // GitLab's ids and GitHub's never meet in the queue's delivery table.
    accept(&state, m, "gitlab", format!("gitlab:{delivery}"), event, routed).await
}

/// Queues what a verified delivery routed to, once per delivery id, and answers.
async fn accept(
    state: &AppState,
    m: &Counters,
    forge: &'static str,
    delivery: String,
    event: &str,
    routed: Result<Routed, route::RouteError>,
) -> (StatusCode, String) {
    let delivery = delivery.as_str();
    let routed = match routed {
        Ok(r) => r,
        Err(e) => {
            m.bad_payload.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(delivery, event, error = %e, "webhook payload unusable");
            return (StatusCode::BAD_REQUEST, format!("{e}\n"));
        }
    };
    let work = match &routed {
        Routed::Work(t) => match serde_json::to_string(t) {
            Ok(payload) => Some((t.key(), payload)),
            Err(e) => {
                m.failed.fetch_add(1, Ordering::Relaxed);
                return (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("cannot queue the job: {e}\n"),
                );
            }
        },
        Routed::Ignored(_) => None,
    };
    let queue = state.queue.clone();
    let delivery_id = delivery.to_string();
    let accepted = tokio::task::spawn_blocking(move || {
        queue.accept_delivery(
            &delivery_id,
            work.as_ref().map(|(key, payload)| NewJob {
                key,
                kind: forge,
                payload,
            }),
        )
    })
    .await;
    match (accepted, routed) {
        (Ok(Ok(Delivery::Repeated)), _) => {
            m.repeated.fetch_add(1, Ordering::Relaxed);
            (StatusCode::OK, "already received\n".into())
        }
        (Ok(Ok(Delivery::SameRequest { job })), _) => {
            m.repeated.fetch_add(1, Ordering::Relaxed);
            tracing::info!(delivery, event, job, "the same request as a queued job");
            (StatusCode::OK, format!("the same request as job {job}\n"))
        }
        (Ok(Ok(Delivery::New { job: Some(id) })), _) => {
            m.queued.fetch_add(1, Ordering::Relaxed);
            tracing::info!(delivery, event, job = id, "queued");
            (StatusCode::ACCEPTED, format!("queued job {id}\n"))
        }
        (Ok(Ok(Delivery::New { job: None })), Routed::Ignored(why)) => {
            m.ignored.fetch_add(1, Ordering::Relaxed);
            (StatusCode::OK, format!("ignored: {why}\n"))
        }
        (Ok(Ok(Delivery::New { job: None })), Routed::Work(_)) => {
            m.failed.fetch_add(1, Ordering::Relaxed);
            (StatusCode::INTERNAL_SERVER_ERROR, "the job was not queued\n".into())
        }
        (Ok(Err(e)), _) => {
            m.failed.fetch_add(1, Ordering::Relaxed);
            tracing::error!(error = %e, "queue failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the queue is unavailable; retry later\n".into(),
            )
        }
        (Err(e), _) => {
            m.failed.fetch_add(1, Ordering::Relaxed);
            (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n"))
        }
    }
}

async fn metrics(State(state): State<Arc<AppState>>) -> (StatusCode, [(&'static str, &'static str); 1], String) {
    let mut out = String::from(
        "# HELP hallmark_webhook_deliveries_total Webhook deliveries by forge and outcome.\n# TYPE hallmark_webhook_deliveries_total counter\n",
    );
    for (forge, m) in [("github", &state.metrics.github), ("gitlab", &state.metrics.gitlab)] {
        for (outcome, n) in [
            ("queued", &m.queued),
            ("ignored", &m.ignored),
            ("repeated", &m.repeated),
            ("bad_signature", &m.bad_signature),
            ("bad_payload", &m.bad_payload),
            ("failed", &m.failed),
        ] {
            out.push_str(&format!(
                "hallmark_webhook_deliveries_total{{forge=\"{forge}\",outcome=\"{outcome}\"}} {}\n",
                n.load(Ordering::Relaxed)
            ));
        }
    }
    let queue = state.queue.clone();
    if let Ok(Ok(counts)) = tokio::task::spawn_blocking(move || queue.counts()).await {
        out.push_str("# HELP hallmark_jobs Jobs in the queue by state.\n# TYPE hallmark_jobs gauge\n");
        for state in JobState::ALL {
            let n = counts.iter().find(|(s, _)| *s == state).map_or(0, |(_, n)| *n);
            out.push_str(&format!("hallmark_jobs{{state=\"{}\"}} {n}\n", state.as_str()));
        }
    }
    (StatusCode::OK, [("content-type", "text/plain; version=0.0.4")], out)
}
