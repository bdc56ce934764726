//! What `/metrics` tells an operator beyond the webhook counters: how long jobs take
//! and how they end, how many calls the bot makes to each forge and how they answer,
//! and how much of each rate limit is left. These are process-wide (the forge clients
//! and workers are), so they live in one registry of families that each server's own
//! registry also exposes.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::OnceLock;
use std::time::Duration;

/// A job's labels: the forge it came from, what it did, how it ended.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    /// `github` or `gitlab`.
    pub forge: String,
    /// `promote`, `command`, `standards_change`, `standards_push`.
    pub action: String,
    /// `done`, `failed`, `cancelled`, or `lost` (another replica had taken it).
    pub outcome: String,
}

/// A forge call's labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    /// `github` or `gitlab`.
    pub forge: String,
    /// The HTTP method.
    pub method: String,
    /// `2xx`, `3xx`, `4xx`, `5xx`, or `error` (no answer).
    pub status: String,
}

/// Whose rate limit: the forge and the installation (GitHub) or `token` (GitLab).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LimitLabels {
    /// `github` or `gitlab`.
    pub forge: String,
    /// The GitHub installation id, or `token`.
    pub scope: String,
}

/// Job durations in seconds: from a quick command reply to an hour-long promotion.
const JOB_BUCKETS: [f64; 12] = [
    0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
];

fn job_histogram() -> Histogram {
    Histogram::new(JOB_BUCKETS)
}

/// The process-wide families.
pub struct Telemetry {
    jobs: Family<JobLabels, Histogram, fn() -> Histogram>,
    calls: Family<CallLabels, Counter>,
    remaining: Family<LimitLabels, Gauge>,
}

/// The one set of families of this process.
pub fn global() -> &'static Telemetry {
    static GLOBAL: OnceLock<Telemetry> = OnceLock::new();
    GLOBAL.get_or_init(|| Telemetry {
        jobs: Family::new_with_constructor(job_histogram),
        calls: Family::default(),
        remaining: Family::default(),
    })
}

impl Telemetry {
    /// Records a job that ran for `took`.
    pub fn job(&self, forge: &str, action: &str, outcome: &str, took: Duration) {
        self.jobs
            .get_or_create(&JobLabels {
                forge: forge.into(),
                action: action.into(),
                outcome: outcome.into(),
            })
            .observe(took.as_secs_f64());
    }

    /// Records one call to a forge's API: its HTTP status, or `None` when nothing
    /// answered.
    pub fn call(&self, forge: &str, method: &str, status: Option<u16>) {
        let status = match status {
            Some(s) => format!("{}xx", s / 100),
            None => "error".into(),
        };
        self.calls
            .get_or_create(&CallLabels {
                forge: forge.into(),
                method: method.into(),
                status,
            })
            .inc();
    }

    /// Records what a forge's answer said is left of `scope`'s rate limit, when it
    /// said (`x-ratelimit-remaining` on GitHub, `ratelimit-remaining` on GitLab).
    pub fn rate_limit(&self, forge: &str, scope: &str, headers: &reqwest::header::HeaderMap) {
        let remaining = ["x-ratelimit-remaining", "ratelimit-remaining"]
            .iter()
            .find_map(|h| headers.get(*h)?.to_str().ok()?.trim().parse::<i64>().ok());
        if let Some(n) = remaining {
            self.remaining
                .get_or_create(&LimitLabels {
                    forge: forge.into(),
                    scope: scope.into(),
                })
                .set(n);
        }
    }

    /// Adds these families to `registry` (each server's), sharing their values.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "hallmark_job_duration_seconds",
            "How long jobs ran, by forge, action and outcome",
            self.jobs.clone(),
        );
        registry.register(
            "hallmark_forge_api_calls",
            "Calls to the forges' APIs, by forge, method and status class",
            self.calls.clone(),
        );
        registry.register(
            "hallmark_forge_rate_limit_remaining",
            "Requests left in the forge's current rate-limit window, as its last answer said",
            self.remaining.clone(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_jobs_and_limits_come_out_in_the_exposition_format() {
        let t = Telemetry {
            jobs: Family::new_with_constructor(job_histogram),
            calls: Family::default(),
            remaining: Family::default(),
        };
        t.job("github", "promote", "done", Duration::from_secs(42));
        t.call("github", "POST", Some(201));
        t.call("github", "POST", Some(201));
        t.call("gitlab", "GET", None);
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-ratelimit-remaining", "4987".parse().unwrap());
        t.rate_limit("github", "77", &headers);
        t.rate_limit("github", "78", &reqwest::header::HeaderMap::new());
        let mut registry = Registry::default();
        t.register(&mut registry);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
        for line in [
            "hallmark_job_duration_seconds_count{forge=\"github\",action=\"promote\",outcome=\"done\"} 1",
            "hallmark_job_duration_seconds_bucket{le=\"60.0\",forge=\"github\",action=\"promote\",outcome=\"done\"} 1",
            "hallmark_job_duration_seconds_bucket{le=\"30.0\",forge=\"github\",action=\"promote\",outcome=\"done\"} 0",
            "hallmark_forge_api_calls_total{forge=\"github\",method=\"POST\",status=\"2xx\"} 2",
            "hallmark_forge_api_calls_total{forge=\"gitlab\",method=\"GET\",status=\"error\"} 1",
            "hallmark_forge_rate_limit_remaining{forge=\"github\",scope=\"77\"} 4987",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
        assert!(!text.contains("scope=\"78\""), "no header, no gauge");
    }
}
