//! The webhook server: `POST /webhooks/github`, `POST /webhooks/gitlab`,
//! `GET /healthz`, `GET /metrics`. Each handler verifies the delivery on the raw
//! bytes before anything is parsed (GitHub's HMAC signature, GitLab's token, both
//! compared in constant time), bounds the body, remembers delivery ids, routes the
//! event and queues the work in one queue transaction, and answers at once: the
//! promotion itself runs on a worker. A forge whose secret is not configured answers
//! 404.

pub mod route;

use crate::commands::Syntax;
use crate::queue::{Delivery, JobState, NewJob, Queue};
use crate::webhook::signature::{verify_github, verify_gitlab};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use route::Routed;
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

/// What `/metrics` exposes: delivery outcomes of each forge (this server's), the
/// queue's jobs by state (read at each scrape), and the process-wide job, forge-call
/// and rate-limit families of [`crate::telemetry`].
pub struct Metrics {
    registry: Registry,
    github: Counters,
    gitlab: Counters,
    jobs: Family<StateLabel, Gauge>,
    queue_up: Gauge,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    forge: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: &'static str,
}

/// Delivery outcomes of one forge.
#[derive(Debug)]
struct Counters {
    queued: Counter,
    ignored: Counter,
    repeated: Counter,
    bad_signature: Counter,
    bad_payload: Counter,
    failed: Counter,
}

impl Counters {
    /// Every outcome's counter of `forge`, made up front so a dashboard sees zeros.
    fn of(family: &Family<DeliveryLabels, Counter>, forge: &'static str) -> Counters {
        let get = |outcome| family.get_or_create(&DeliveryLabels { forge, outcome }).clone();
        Counters {
            queued: get("queued"),
            ignored: get("ignored"),
            repeated: get("repeated"),
            bad_signature: get("bad_signature"),
            bad_payload: get("bad_payload"),
            failed: get("failed"),
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        registry.register(
            "hallmark_webhook_deliveries",
            "Webhook deliveries by forge and outcome",
            deliveries.clone(),
        );
        let jobs = Family::<StateLabel, Gauge>::default();
        registry.register("hallmark_jobs", "Jobs in the queue by state", jobs.clone());
        let queue_up = Gauge::default();
        registry.register(
            "hallmark_queue_up",
            "1 when the last scrape could read the job queue",
            queue_up.clone(),
        );
        crate::telemetry::global().register(&mut registry);
        Metrics {
            github: Counters::of(&deliveries, "github"),
            gitlab: Counters::of(&deliveries, "gitlab"),
            registry,
            jobs,
            queue_up,
        }
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
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
        m.bad_signature.inc();
        tracing::warn!(error = %e, "webhook refused");
        return (StatusCode::UNAUTHORIZED, format!("{e}\n"));
    }
    let Some(delivery) = header(&headers, "x-github-delivery").filter(|d| !d.is_empty() && d.len() <= 100) else {
        m.bad_payload.inc();
        return (
            StatusCode::BAD_REQUEST,
            "the delivery has no X-GitHub-Delivery id\n".into(),
        );
    };
    let event = header(&headers, "x-github-event").unwrap_or_default();
    let routed = route::github::route(event, &body, &state.config.label, state.config.syntax);
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
        m.bad_signature.inc();
        tracing::warn!(error = %e, "webhook refused");
        return (StatusCode::UNAUTHORIZED, format!("{e}\n"));
    }
    // GitLab sends a fresh X-Gitlab-Event-UUID with every retry and resend; the
    // Idempotency-Key (GitLab 17.4+) stays the same, so it names the delivery.
    let Some(delivery) = header(&headers, "idempotency-key")
        .or_else(|| header(&headers, "x-gitlab-event-uuid"))
        .filter(|d| !d.is_empty() && d.len() <= 100)
    else {
        m.bad_payload.inc();
        return (
            StatusCode::BAD_REQUEST,
            "the delivery has no X-Gitlab-Event-UUID or Idempotency-Key\n".into(),
        );
    };
    let event = header(&headers, "x-gitlab-event").unwrap_or_default();
    let routed = route::gitlab::route(event, &body, &state.config.label, state.config.syntax);
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
            m.bad_payload.inc();
            tracing::warn!(delivery, event, error = %e, "webhook payload unusable");
            return (StatusCode::BAD_REQUEST, format!("{e}\n"));
        }
    };
    let work = match &routed {
        Routed::Work(t) => match serde_json::to_string(t) {
            Ok(payload) => Some((t.key(), payload)),
            Err(e) => {
                m.failed.inc();
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
            m.repeated.inc();
            (StatusCode::OK, "already received\n".into())
        }
        (Ok(Ok(Delivery::SameRequest { job })), _) => {
            m.repeated.inc();
            tracing::info!(delivery, event, job, "the same request as a queued job");
            (StatusCode::OK, format!("the same request as job {job}\n"))
        }
        (Ok(Ok(Delivery::New { job: Some(id) })), _) => {
            m.queued.inc();
            tracing::info!(delivery, event, job = id, "queued");
            (StatusCode::ACCEPTED, format!("queued job {id}\n"))
        }
        (Ok(Ok(Delivery::New { job: None })), Routed::Ignored(why)) => {
            m.ignored.inc();
            (StatusCode::OK, format!("ignored: {why}\n"))
        }
        (Ok(Ok(Delivery::New { job: None })), Routed::Work(_)) => {
            m.failed.inc();
            (StatusCode::INTERNAL_SERVER_ERROR, "the job was not queued\n".into())
        }
        (Ok(Err(e)), _) => {
            m.failed.inc();
            tracing::error!(error = %e, "queue failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the queue is unavailable; retry later\n".into(),
            )
        }
        (Err(e), _) => {
            m.failed.inc();
            (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n"))
        }
    }
}

async fn metrics(State(state): State<Arc<AppState>>) -> (StatusCode, [(&'static str, &'static str); 1], String) {
    let queue = state.queue.clone();
    let m = &state.metrics;
    let counted = tokio::task::spawn_blocking(move || queue.counts())
        .await
        .map_err(|e| e.to_string())
        .and_then(|counts| counts.map_err(|e| e.to_string()));
    match counted {
        Ok(counts) => {
            m.queue_up.set(1);
            for s in JobState::ALL {
                let n = counts.iter().find(|(c, _)| *c == s).map_or(0, |(_, n)| *n);
                m.jobs.get_or_create(&StateLabel { state: s.as_str() }).set(n);
            }
        }
        Err(e) => {
            m.queue_up.set(0);
            tracing::warn!(error = %e, "cannot count the queue's jobs for /metrics");
        }
    }
    let mut out = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &m.registry) {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            [("content-type", "text/plain; charset=utf-8")],
            format!("cannot encode the metrics: {e}\n"),
        );
    }
    (
        StatusCode::OK,
        [(
            "content-type",
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        out,
    )
}
