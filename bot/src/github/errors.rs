//! Why a GitHub call failed, and GitHub's error text made readable: "Validation
//! Failed" alone says nothing, so each `errors[]` entry is carried into the message a
//! job fails with.

use super::auth::AuthError;
use serde_json::Value;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum GitHubError {
    /// The app's credentials are unusable.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// GitHub would not give an installation token (unknown installation, a JWT it
    /// refuses), or the JWT could not be made.
    #[error("GitHub refused an installation token for installation {installation}: {message}")]
    Token {
        /// The installation.
        installation: u64,
        /// `HTTP <status>: <GitHub's message>`, or what failed before asking.
        message: String,
    },
    /// The request did not get an answer.
    #[error("GitHub did not answer {method} {path}: {message}")]
    Http {
        /// The method.
        method: String,
        /// The path.
        path: String,
        /// What happened.
        message: String,
    },
    /// GitHub answered with an error.
    #[error("GitHub answered {method} {path} with HTTP {status}: {message}")]
    Status {
        /// The method.
        method: String,
        /// The path.
        path: String,
        /// The status.
        status: u16,
        /// GitHub's message.
        message: String,
    },
    /// GitHub answered, but not with the resource the endpoint returns.
    #[error("GitHub's answer to {method} {path} is not {what}: {message}")]
    Shape {
        /// The method.
        method: String,
        /// The path.
        path: String,
        /// The resource expected (`a pull request`...).
        what: &'static str,
        /// Why it does not parse.
        message: String,
    },
    /// Retries ran out (still 5xx, or the rate limit resets too late).
    #[error("GitHub kept failing {method} {path} after {attempts} attempts: {last}")]
    GaveUp {
        /// The method.
        method: String,
        /// The path.
        path: String,
        /// Attempts made.
        attempts: u32,
        /// The last problem.
        last: String,
    },
}

impl GitHubError {
    /// True when GitHub refused the write for want of permission (403 other than a
    /// rate limit): a read-only `GITHUB_TOKEN` (a pull request from a fork or
    /// Dependabot), or a personal token where only an app may write.
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, GitHubError::Status { status: 403, message, .. } if !message.to_lowercase().contains("rate limit"))
    }

    /// True when a write may have happened though its answer says otherwise: a 5xx,
    /// or no answer at all.
    pub(crate) fn answer_lost(&self) -> bool {
        match self {
            GitHubError::Http { .. } => true,
            GitHubError::Status { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// True for GitHub's 422 "A pull request already exists for owner:branch".
    pub(crate) fn pull_exists(&self) -> bool {
        matches!(self, GitHubError::Status { status: 422, message, .. } if message.contains("already exists"))
    }
}

/// GitHub's error text: its `message`, and each `errors[].message` (or the code and
/// field) after it.
pub(crate) fn error_message(json: &Value) -> String {
    let Some(message) = json["message"].as_str() else {
        return match json {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
    };
    with_details(
        message,
        json["errors"].as_array().map(Vec::as_slice).unwrap_or_default(),
    )
}

/// `message`, then the details of `errors` (GitHub's `errors[]`).
pub(crate) fn with_details(message: &str, errors: &[Value]) -> String {
    let details: Vec<String> = errors
        .iter()
        .filter_map(|e| {
            e["message"].as_str().map(str::to_string).or_else(|| {
                let code = e["code"].as_str()?;
                Some(match e["field"].as_str() {
                    Some(f) => format!("{code} ({f})"),
                    None => code.to_string(),
                })
            })
        })
        .collect();
    if details.is_empty() {
        message.to_string()
    } else {
        format!("{message}: {}", details.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn validation_errors_keep_their_details() {
        let body = json!({"message": "Validation Failed", "errors": [{"resource": "PullRequest", "code": "custom", "message": "A pull request already exists for acme:hallmark/silver/orders."}], "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"});
        assert_eq!(
            error_message(&body),
            "Validation Failed: A pull request already exists for acme:hallmark/silver/orders."
        );
        let body = json!({"message": "Validation Failed", "errors": [{"resource": "Issue", "code": "missing_field", "field": "title"}]});
        assert_eq!(error_message(&body), "Validation Failed: missing_field (title)");
    }

    #[test]
    fn an_existing_pull_request_and_a_lost_answer_are_recognized() {
        let status = |status: u16, message: &str| GitHubError::Status {
            method: "POST".into(),
            path: "/repos/a/b/pulls".into(),
            status,
            message: message.into(),
        };
        assert!(status(422, "Validation Failed: A pull request already exists for a:x.").pull_exists());
        assert!(!status(422, "Validation Failed: No commits between main and x").pull_exists());
        assert!(status(502, "HTTP 502").answer_lost());
        assert!(!status(404, "Not Found").answer_lost());
    }
}
