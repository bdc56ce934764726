//! How long GitHub asks a client to wait, and how hard the client tries. A spent
//! rate limit (`x-ratelimit-remaining: 0`) is waited out until `x-ratelimit-reset`;
//! `retry-after` is obeyed wherever it is sent; a secondary rate limit (a 403 or 429
//! with quota left and GitHub's "secondary rate limit" message) without one waits at
//! least a minute, doubling each time, as GitHub's documentation asks.

use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use std::time::Duration;

/// The most waits one call makes for GitHub's rate limits.
pub(crate) const MAX_WAITS: u32 = 6;

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

/// A wait GitHub asked for, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Wait {
    /// How long.
    pub(crate) wait: Duration,
    /// `rate limited` or `secondary rate limit`.
    pub(crate) why: &'static str,
}

/// The wait an answer asks for, if it is a rate limit. `secondary` is the wait for a
/// secondary limit that names none; it is doubled when used.
pub(crate) fn wait_asked(
    status: StatusCode,
    headers: &HeaderMap,
    message: &str,
    secondary: &mut Duration,
) -> Option<Wait> {
    if status != StatusCode::FORBIDDEN && status != StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    if let Some(wait) = rate_limit_wait(headers) {
        return Some(Wait {
            wait,
            why: "rate limited",
        });
    }
    if message.to_lowercase().contains("secondary rate limit") {
        let wait = *secondary;
        *secondary *= 2;
        return Some(Wait {
            wait,
            why: "secondary rate limit",
        });
    }
    None
}

/// How long to wait before retrying a rate-limited call, when the headers say.
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

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn rate_limit_headers_say_how_long_to_wait() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(rate_limit_wait(&h), Some(Duration::from_secs(3)));
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("12"));
        assert_eq!(rate_limit_wait(&h), None, "a 403 with quota left is a real refusal");
    }

    #[test]
    fn a_secondary_limit_without_retry_after_doubles_its_wait() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("4987"));
        let mut secondary = Duration::from_secs(60);
        let message = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";
        let first = wait_asked(StatusCode::FORBIDDEN, &h, message, &mut secondary).unwrap();
        let second = wait_asked(StatusCode::TOO_MANY_REQUESTS, &h, message, &mut secondary).unwrap();
        assert_eq!((first.wait.as_secs(), second.wait.as_secs()), (60, 120));
        assert_eq!(first.why, "secondary rate limit");
        assert_eq!(
            wait_asked(
                StatusCode::FORBIDDEN,
                &h,
                "Resource not accessible by integration",
                &mut secondary
            ),
            None
        );
        assert_eq!(wait_asked(StatusCode::NOT_FOUND, &h, message, &mut secondary), None);
    }
}
