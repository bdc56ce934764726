//! The two trust levels. The operator runs `hallmark serve` and owns its secrets (the
//! ClickHouse password, the model's API key) and the endpoints they may be sent to; a
//! repository is untrusted: its `.hallmark.yml`, specs and SQL are written by whoever
//! can push to it. When the bot works for a repository, an endpoint the repository
//! names (`warehouse.url`, `llm.base_url`) is used only if the operator allowed it, so
//! no file of a repository can send an operator's credential, or the bot's requests,
//! anywhere else. `hallmark check` and `hallmark ci`, run by the repository's own CI
//! with the repository's own secrets, trust the repository as before.

use url::Url;

/// The environment variable holding the endpoints an operator allows besides the
/// ones it configures itself: URLs separated by commas or white space.
pub const ALLOWED_ENDPOINTS_ENV: &str = "HALLMARK_ALLOWED_ENDPOINTS";

/// Who decides where credentials go.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Trust {
    /// The repository's own run (`check`, `ci`, `promote` on a laptop): its
    /// configuration is used as written.
    #[default]
    Repository,
    /// The bot working for a repository: only `allowed` endpoints are reached.
    Operator(AllowedEndpoints),
}

impl Trust {
    /// Refuses `url`, which a repository's `setting` chose, unless this trust level
    /// allows it.
    pub fn check(&self, setting: &str, url: &str) -> Result<(), EndpointRefused> {
        match self {
            Trust::Repository => Ok(()),
            Trust::Operator(allowed) if allowed.allows(url) => Ok(()),
            Trust::Operator(allowed) => Err(EndpointRefused {
                setting: setting.to_string(),
                url: redact(url),
                allowed: allowed.describe(),
            }),
        }
    }
}

/// A repository named an endpoint the operator did not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{setting}: {url}` in .hallmark.yml is not an endpoint the operator of this bot allows, so nothing was sent to it \
     (allowed: {allowed}); ask the operator to add it to {ALLOWED_ENDPOINTS_ENV}, or remove the setting to use the operator's own"
)]
pub struct EndpointRefused {
    /// The setting that named it (`warehouse.url`).
    pub setting: String,
    /// The endpoint, without any user or password it carried.
    pub url: String,
    /// What is allowed, as a list for the message.
    pub allowed: String,
}

/// Endpoints credentials may be sent to: a URL allows itself and every URL under its
/// path (`https://llm.example.com/v1` allows `https://llm.example.com/v1/chat`), on
/// the same scheme, host and port.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AllowedEndpoints {
    entries: Vec<Url>,
}

impl AllowedEndpoints {
    /// The endpoints in `urls`; an entry that is not an absolute http(s) URL without
    /// a user or password is an error naming it (an operator's typo must not widen
    /// or silently narrow what is allowed).
    pub fn parse<'a>(urls: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut entries = Vec::new();
        for raw in urls.into_iter().map(str::trim).filter(|u| !u.is_empty()) {
            let url = endpoint(raw).ok_or_else(|| {
                format!(
                    "`{}` is not an http:// or https:// URL without a user or password",
                    redact(raw)
                )
            })?;
            entries.push(url);
        }
        Ok(Self { entries })
    }

    /// The operator's list from [`ALLOWED_ENDPOINTS_ENV`], plus the endpoints the
    /// operator configured itself (`configured`: the environment's ClickHouse URL and
    /// model base URL, when set).
    pub fn from_env(configured: &[Option<String>]) -> Result<Self, String> {
        let listed = std::env::var(ALLOWED_ENDPOINTS_ENV).unwrap_or_default();
        let mut all: Vec<&str> = listed.split([',', ' ', '\n', '\t']).collect();
        all.extend(configured.iter().flatten().map(String::as_str));
        Self::parse(all).map_err(|e| format!("{ALLOWED_ENDPOINTS_ENV}: {e}"))
    }

    /// True when `url` is one of the entries or under one.
    pub fn allows(&self, url: &str) -> bool {
        let Some(url) = endpoint(url) else {
            return false;
        };
        self.entries.iter().any(|e| {
            e.scheme() == url.scheme()
                && e.host_str() == url.host_str()
                && e.port_or_known_default() == url.port_or_known_default()
                && under(url.path(), e.path())
        })
    }

    /// The entries, for messages.
    pub fn describe(&self) -> String {
        if self.entries.is_empty() {
            return "none".into();
        }
        self.entries.iter().map(Url::as_str).collect::<Vec<_>>().join(", ")
    }
}

/// `url` as an endpoint: absolute, http or https, with a host and no user or password.
fn endpoint(url: &str) -> Option<Url> {
    let parsed = Url::parse(url.trim()).ok()?;
    let plain = matches!(parsed.scheme(), "http" | "https")
        && parsed.host_str().is_some()
        && parsed.username().is_empty()
        && parsed.password().is_none();
    plain.then_some(parsed)
}

/// True when `path` is `base` or below it, segment by segment.
fn under(path: &str, base: &str) -> bool {
    let base = base.trim_end_matches('/');
    let path = path.trim_end_matches('/');
    path == base || path.strip_prefix(base).is_some_and(|rest| rest.starts_with('/'))
}

/// `url` without the user and password it may carry, for messages.
fn redact(url: &str) -> String {
    match Url::parse(url.trim()) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => crate::exposure::cap(url, 80).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_allows_its_own_path_and_below_only() {
        let allowed = AllowedEndpoints::parse(["http://127.0.0.1:8123", "https://llm.example.com/v1"]).unwrap();
        for ok in [
            "http://127.0.0.1:8123",
            "http://127.0.0.1:8123/",
            "https://llm.example.com/v1",
            "https://llm.example.com/v1/",
            "https://LLM.example.com:443/v1/chat",
        ] {
            assert!(allowed.allows(ok), "{ok}");
        }
        for refused in [
            "http://127.0.0.1:8124",
            "https://127.0.0.1:8123",
            "http://localhost:8123",
            "https://llm.example.com/v10",
            "https://llm.example.com/",
            "https://llm.example.com.evil.test/v1",
            "http://user:pw@127.0.0.1:8123",
            "file:///etc/passwd",
            "not a url",
        ] {
            assert!(!allowed.allows(refused), "{refused}");
        }
    }

    #[test]
    fn the_operator_refuses_with_a_message_that_names_the_setting() {
        let trust = Trust::Operator(AllowedEndpoints::parse(["http://ch.internal:8123"]).unwrap());
        let e = trust
            .check("warehouse.url", "http://admin:hunter2@attacker.test:9000")
            .unwrap_err();
        let text = e.to_string();
        assert!(text.contains("`warehouse.url: http://attacker.test:9000/`"), "{text}");
        assert!(text.contains("http://ch.internal:8123/"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(Trust::Repository.check("warehouse.url", "http://attacker.test").is_ok());
        assert!(trust.check("warehouse.url", "http://ch.internal:8123").is_ok());
    }

    #[test]
    fn a_bad_entry_is_an_error_not_a_wider_list() {
        assert!(AllowedEndpoints::parse(["ftp://x"]).is_err());
        assert!(AllowedEndpoints::parse(["http://u:p@x"])
            .unwrap_err()
            .contains("http://x/"));
        assert_eq!(AllowedEndpoints::parse([" ", ""]).unwrap().describe(), "none");
    }
}
