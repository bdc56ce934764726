//! From a verified delivery to what the bot should do, one file per forge as
//! `forge/` has: [`github::route`] reads GitHub's events into octocrab's typed
//! payloads, [`gitlab::route`] reads GitLab's hooks. Pure: no I/O, so every fixture
//! payload can be routed in a test.

pub mod github;
pub mod gitlab;

pub use crate::events::{Action, ForgeKind, Routed, Trigger};

/// Why a signed payload could not be routed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// The body is not JSON.
    #[error("the payload is not JSON: {0}")]
    NotJson(String),
    /// The body is JSON but not the event's payload as GitHub sends it.
    #[error("the `{event}` payload is not GitHub's: {message}")]
    Shape {
        /// The event.
        event: String,
        /// What does not fit, as serde names it.
        message: String,
    },
    /// A field the event must have is missing.
    #[error("the `{event}` payload has no `{field}`")]
    Missing {
        /// The event.
        event: String,
        /// The field.
        field: &'static str,
    },
}

/// True for a file that may be the standards (any markdown: a repository can name its
/// standards file) or the configuration. The job decides with the configured name.
pub(crate) fn may_be_standards(path: &str) -> bool {
    path.ends_with(".md") || path.ends_with(hallmark_checks::project::CONFIG_FILE)
}
