//! From a verified GitHub delivery to what the bot should do: a promotion triggered
//! by the `promote` label, a slash command, or nothing. Pure: no I/O, so every
//! fixture payload can be routed in a test.

use crate::commands::{parse_comment, Command, Syntax};
use crate::request_form::{parse_issue_body, RequestForm};
use hallmark_checks::Level;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Work for the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    /// `owner/name`.
    pub repo: String,
    /// The GitHub App installation that sent it: every job acts through it, so a
    /// delivery without one is refused at routing.
    pub installation: u64,
    /// The issue or pull request number.
    pub number: u64,
    /// True when `number` is a pull request.
    pub pull_request: bool,
    /// Who triggered it (the labeler, the commenter).
    pub actor: String,
    /// What to do.
    pub action: Action,
}

impl Trigger {
    /// The queue key: one job at a time per issue or pull request (each asks for one
    /// product). Commands that change nothing, and `cancel`, get a key of their own so
    /// they are answered while a promotion runs.
    pub fn key(&self) -> String {
        match &self.action {
            Action::Command {
                comment_id,
                command: Err(_) | Ok(Command::Help | Command::Explain { .. } | Command::Cancel),
                ..
            } => format!("{}/{comment_id}", self.product_key()),
            _ => self.product_key(),
        }
    }

    /// The key of the issue's (or pull request's) promotion jobs, which `cancel` stops.
    pub fn product_key(&self) -> String {
        format!("{}#{}", self.repo, self.number)
    }
}

/// What a trigger asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// Promote what the issue's request form asks for.
    PromoteIssue {
        /// The source the form names.
        source: Option<String>,
        /// The level the form names.
        level: Option<Level>,
        /// The product name the form names.
        product: Option<String>,
        /// The owner the form names.
        #[serde(default)]
        owner: Option<String>,
        /// The consumer's description.
        description: Option<String>,
        /// Form answers that could not be used.
        problems: Vec<String>,
    },
    /// A slash command, or the reason it could not be parsed.
    Command {
        /// The comment it came from.
        comment_id: u64,
        /// The command, or what was wrong with it.
        command: Result<Command, String>,
        /// Written as a bare `/<verb>`, which a repository may turn off.
        #[serde(default)]
        bare: bool,
    },
}

/// The outcome of routing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Routed {
    /// Queue this.
    Work(Box<Trigger>),
    /// Nothing to do, and why (for logs and metrics).
    Ignored(&'static str),
}

/// Why a signed payload could not be routed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// The body is not JSON.
    #[error("the payload is not JSON: {0}")]
    NotJson(String),
    /// A field the event must have is missing.
    #[error("the `{event}` payload has no `{field}`")]
    Missing {
        /// The event.
        event: String,
        /// The field.
        field: &'static str,
    },
}

/// Routes one delivery of `event` (the `X-GitHub-Event` header).
pub fn route(event: &str, body: &[u8], label: &str, syntax: Syntax) -> Result<Routed, RouteError> {
    let payload: Value = serde_json::from_slice(body).map_err(|e| RouteError::NotJson(e.to_string()))?;
    let action = payload["action"].as_str().unwrap_or_default();
    let missing = |field| RouteError::Missing {
        event: event.to_string(),
        field,
    };
    let is_bot = |v: &Value| v["type"].as_str() == Some("Bot");
    match (event, action) {
        ("issues", "labeled" | "opened") => {
            let issue = &payload["issue"];
            let labelled = match action {
                "labeled" => payload["label"]["name"].as_str() == Some(label),
                _ => issue["labels"]
                    .as_array()
                    .is_some_and(|ls| ls.iter().any(|l| l["name"].as_str() == Some(label))),
            };
            if !labelled {
                return Ok(Routed::Ignored("not the promote label"));
            }
            if is_bot(&payload["sender"]) {
                return Ok(Routed::Ignored("sent by a bot"));
            }
            let form: RequestForm = parse_issue_body(issue["body"].as_str().unwrap_or_default());
            Ok(Routed::Work(Box::new(Trigger {
                repo: repo(&payload).ok_or_else(|| missing("repository.full_name"))?,
                installation: payload["installation"]["id"]
                    .as_u64()
                    .ok_or_else(|| missing("installation.id"))?,
                number: issue["number"].as_u64().ok_or_else(|| missing("issue.number"))?,
                // `issues` events fire for pull requests too.
                pull_request: !issue["pull_request"].is_null(),
                actor: payload["sender"]["login"].as_str().unwrap_or_default().to_string(),
                action: Action::PromoteIssue {
                    source: form.source,
                    level: form.level,
                    product: form.product,
                    owner: form.owner,
                    description: form.description,
                    problems: form.problems,
                },
            })))
        }
        ("issue_comment", "created") => {
            let comment = &payload["comment"];
            if is_bot(&payload["sender"]) || is_bot(&comment["user"]) {
                // Hallmark's own comments quote commands; never answer a bot.
                return Ok(Routed::Ignored("comment by a bot"));
            }
            let text = comment["body"].as_str().unwrap_or_default();
            let strict = parse_comment(text, Syntax { bare_verbs: false });
            let bare = strict.is_none();
            let Some(parsed) = strict.or_else(|| parse_comment(text, syntax)) else {
                return Ok(Routed::Ignored("no command in the comment"));
            };
            let issue = &payload["issue"];
            Ok(Routed::Work(Box::new(Trigger {
                repo: repo(&payload).ok_or_else(|| missing("repository.full_name"))?,
                installation: payload["installation"]["id"]
                    .as_u64()
                    .ok_or_else(|| missing("installation.id"))?,
                number: issue["number"].as_u64().ok_or_else(|| missing("issue.number"))?,
                pull_request: !issue["pull_request"].is_null(),
                actor: comment["user"]["login"].as_str().unwrap_or_default().to_string(),
                action: Action::Command {
                    comment_id: comment["id"].as_u64().ok_or_else(|| missing("comment.id"))?,
                    command: parsed.map_err(|e| e.to_string()),
                    bare,
                },
            })))
        }
        ("ping", _) => Ok(Routed::Ignored("ping")),
        _ => Ok(Routed::Ignored("an event Hallmark does not act on")),
    }
}

fn repo(payload: &Value) -> Option<String> {
    payload["repository"]["full_name"].as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labeled(label: &str, sender_type: &str) -> Vec<u8> {
        json!({
            "action": "labeled",
            "label": {"name": label},
            "issue": {"number": 7, "body": "### Source\n\nbronze/orders.csv\n\n### Target level\n\nsilver\n", "labels": []},
            "repository": {"full_name": "acme/data"},
            "installation": {"id": 42},
            "sender": {"login": "ana", "type": sender_type}
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn the_promote_label_queues_the_request_form() {
        let Routed::Work(t) = route("issues", &labeled("promote", "User"), "promote", Syntax::default()).unwrap()
        else {
            panic!("not routed")
        };
        assert_eq!(t.key(), "acme/data#7");
        assert_eq!(t.installation, 42);
        assert!(!t.pull_request);
        assert_eq!(
            t.action,
            Action::PromoteIssue {
                source: Some("bronze/orders.csv".into()),
                level: Some(Level::Silver),
                product: None,
                owner: None,
                description: None,
                problems: vec![]
            }
        );
        assert_eq!(
            route("issues", &labeled("bug", "User"), "promote", Syntax::default()).unwrap(),
            Routed::Ignored("not the promote label")
        );
        assert_eq!(
            route("issues", &labeled("promote", "Bot"), "promote", Syntax::default()).unwrap(),
            Routed::Ignored("sent by a bot")
        );
    }

    #[test]
    fn a_delivery_without_an_installation_is_refused_and_pull_requests_are_marked() {
        let mut payload: Value = serde_json::from_slice(&labeled("promote", "User")).unwrap();
        payload["issue"]["pull_request"] = json!({"url": "https://api.github.com/repos/acme/data/pulls/7"});
        let Routed::Work(t) = route("issues", payload.to_string().as_bytes(), "promote", Syntax::default()).unwrap()
        else {
            panic!("not routed")
        };
        assert!(t.pull_request, "an issues event about a pull request");
        payload.as_object_mut().unwrap().remove("installation");
        let err = route("issues", payload.to_string().as_bytes(), "promote", Syntax::default()).unwrap_err();
        assert_eq!(err.to_string(), "the `issues` payload has no `installation.id`");
    }

    #[test]
    fn bad_json_is_named() {
        assert!(matches!(
            route("issues", b"{nope", "promote", Syntax::default()),
            Err(RouteError::NotJson(_))
        ));
    }
}
