//! The webhook server: `POST /webhooks/github`, `GET /healthz`, `GET /metrics`. The
//! handler verifies the signature on the raw bytes before anything is parsed, bounds
//! the body, remembers delivery ids, routes the event and queues the work in one
//! SQLite transaction, and answers: the promotion itself runs on a worker.

pub mod route;

use crate::commands::Syntax;
use crate::queue::{Delivery, JobState, Queue};
use crate::webhook::signature::verify_github;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use route::{route, Routed};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// How the server behaves.
#[derive(Clone)]
pub struct ServerConfig {
    /// The GitHub App's webhook secret.
    pub github_secret: Vec<u8>,
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
            .field("github_secret", &"<redacted>")
            .field("label", &self.label)
            .field("syntax", &self.syntax)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

/// Delivery outcomes, counted for `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
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
    pub queue: Arc<Queue>,
    /// The counters.
    pub metrics: Metrics,
}

/// The router, ready to serve.
pub fn router(state: Arc<AppState>) -> Router {
    let limit = state.config.max_body_bytes;
    Router::new()
        .route("/webhooks/github", post(github_webhook))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn github_webhook(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> (StatusCode, String) {
    let m = &state.metrics;
    if let Err(e) = verify_github(
        &state.config.github_secret,
        &body,
        header(&headers, "x-hub-signature-256"),
    ) {
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
    let routed = match route(event, &body, &state.config.label, state.config.syntax) {
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
            work.as_ref().map(|(k, p)| (k.as_str(), "github", p.as_str())),
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
    let m = &state.metrics;
    let mut out = String::from(
        "# HELP hallmark_webhook_deliveries_total Webhook deliveries by outcome.\n# TYPE hallmark_webhook_deliveries_total counter\n",
    );
    for (outcome, n) in [
        ("queued", &m.queued),
        ("ignored", &m.ignored),
        ("repeated", &m.repeated),
        ("bad_signature", &m.bad_signature),
        ("bad_payload", &m.bad_payload),
        ("failed", &m.failed),
    ] {
        out.push_str(&format!(
            "hallmark_webhook_deliveries_total{{outcome=\"{outcome}\"}} {}\n",
            n.load(Ordering::Relaxed)
        ));
    }
    let queue = state.queue.clone();
    if let Ok(Ok(counts)) = tokio::task::spawn_blocking(move || queue.counts()).await {
        out.push_str("# HELP hallmark_jobs Jobs in the queue by state.\n# TYPE hallmark_jobs gauge\n");
        for state in [
            JobState::Queued,
            JobState::Running,
            JobState::Done,
            JobState::Failed,
            JobState::Cancelled,
        ] {
            let n = counts.iter().find(|(s, _)| *s == state).map_or(0, |(_, n)| *n);
            out.push_str(&format!("hallmark_jobs{{state=\"{}\"}} {n}\n", state.as_str()));
        }
    }
    (StatusCode::OK, [("content-type", "text/plain; version=0.0.4")], out)
}
