//! From a verified GitHub delivery to what the bot should do: a promotion triggered
//! by the `promote` label, a slash command, or nothing. Pure: no I/O, so every
//! fixture payload can be routed in a test.

use super::{may_be_standards, RouteError};
use crate::commands::{command_in, Syntax};
pub use crate::events::{Action, ForgeKind, Routed, Trigger};
use crate::request_form::{parse_issue_body, RequestForm};
use octocrab::models::webhook_events::payload::IssuesWebhookEventAction;
use octocrab::models::webhook_events::{WebhookEvent, WebhookEventPayload};
use octocrab::models::Author;
use serde::Deserialize;

/// The one field read before deciding whether a delivery is acted on: events Hallmark
/// ignores are never parsed further (octocrab's models do not read every payload
/// GitHub sends, `issues.pinned` among them, and those need not fit).
#[derive(Deserialize)]
struct Peek {
    #[serde(default)]
    action: String,
}

/// Routes one delivery of `event` (the `X-GitHub-Event` header). The events acted on
/// are read into octocrab's typed webhook payloads.
pub fn route(event: &str, body: &[u8], label: &str, syntax: Syntax) -> Result<Routed, RouteError> {
    let peek: Peek = serde_json::from_slice(body).map_err(|e| RouteError::NotJson(e.to_string()))?;
    match (event, peek.action.as_str()) {
        ("issues", "labeled" | "opened")
        | ("issue_comment", "created")
        | ("pull_request", "opened" | "synchronize" | "reopened")
        | ("push", _) => {}
        ("ping", _) => return Ok(Routed::Ignored("ping")),
        _ => return Ok(Routed::Ignored("an event Hallmark does not act on")),
    }
    let delivery = WebhookEvent::try_from_header_and_body(event, body).map_err(|e| RouteError::Shape {
        event: event.to_string(),
        message: e.to_string(),
    })?;
    let missing = |field| RouteError::Missing {
        event: event.to_string(),
        field,
    };
    let is_bot = |user: Option<&Author>| user.is_some_and(|u| u.r#type == "Bot");
    let sender = delivery.sender.as_ref();
    // Asked for only once the delivery is work: an ignored one needs neither.
    let repo = || {
        delivery
            .repository
            .as_ref()
            .and_then(|r| r.full_name.clone())
            .ok_or_else(|| missing("repository.full_name"))
    };
    let installation = || {
        delivery
            .installation
            .as_ref()
            .map(|i| i.id().0)
            .ok_or_else(|| missing("installation.id"))
    };
    match &delivery.specific {
        WebhookEventPayload::Issues(payload) => {
            let issue = &payload.issue;
            let labelled = match payload.action {
                IssuesWebhookEventAction::Labeled => payload.label.as_ref().is_some_and(|l| l.name == label),
                _ => issue.labels.iter().any(|l| l.name == label),
            };
            if !labelled {
                return Ok(Routed::Ignored("not the promote label"));
            }
            if is_bot(sender) {
                return Ok(Routed::Ignored("sent by a bot"));
            }
            let form: RequestForm = parse_issue_body(issue.body.as_deref().unwrap_or_default());
            Ok(Routed::Work(Box::new(Trigger {
                forge: ForgeKind::GitHub,
                repo: repo()?,
                installation: installation()?,
                number: issue.number,
                // `issues` events fire for pull requests too.
                pull_request: issue.pull_request.is_some(),
                actor: sender.map(|s| s.login.clone()).unwrap_or_default(),
                confidential: false,
                action: Action::promote(form),
            })))
        }
        WebhookEventPayload::IssueComment(payload) => {
            let comment = &payload.comment;
            if is_bot(sender) || is_bot(Some(&comment.user)) {
                // Hallmark's own comments quote commands; never answer a bot.
                return Ok(Routed::Ignored("comment by a bot"));
            }
            let text = comment.body.as_deref().unwrap_or_default();
            let Some((command, bare)) = command_in(text, syntax) else {
                return Ok(Routed::Ignored("no command in the comment"));
            };
            Ok(Routed::Work(Box::new(Trigger {
                forge: ForgeKind::GitHub,
                repo: repo()?,
                installation: installation()?,
                number: payload.issue.number,
                pull_request: payload.issue.pull_request.is_some(),
                actor: comment.user.login.clone(),
                confidential: false,
                action: Action::Command {
                    comment_id: comment.id.0,
                    command,
                    bare,
                },
            })))
        }
        WebhookEventPayload::PullRequest(payload) => {
            let pull = &payload.pull_request;
            let head_repo = pull.head.repo.as_ref().and_then(|r| r.full_name.clone());
            let repo = repo()?;
            if head_repo.as_deref() != Some(repo.as_str()) {
                return Ok(Routed::Ignored("a pull request from a fork"));
            }
            if pull.head.ref_field.starts_with("hallmark/") {
                return Ok(Routed::Ignored("Hallmark's own pull request"));
            }
            Ok(Routed::Work(Box::new(Trigger {
                forge: ForgeKind::GitHub,
                repo,
                installation: installation()?,
                number: payload.number,
                pull_request: true,
                actor: sender.map(|s| s.login.clone()).unwrap_or_default(),
                confidential: false,
                action: Action::StandardsChange {
                    base_ref: pull.base.ref_field.clone(),
                    head_ref: pull.head.ref_field.clone(),
                    head_sha: pull.head.sha.clone(),
                },
            })))
        }
        WebhookEventPayload::Push(payload) => {
            let default = delivery
                .repository
                .as_ref()
                .and_then(|r| r.default_branch.clone())
                .unwrap_or_else(|| "main".into());
            if payload.r#ref != format!("refs/heads/{default}") || payload.deleted || payload.created {
                return Ok(Routed::Ignored("not new commits on the default branch"));
            }
            let files: Vec<&String> = payload
                .commits
                .iter()
                .flat_map(|c| c.added.iter().chain(&c.modified).chain(&c.removed))
                .collect();
            // GitHub lists at most 2048 commits of a push; with that many, the job's own
            // diff of before..after decides.
            let unlisted = payload.commits.len() >= GITHUB_PUSH_COMMITS;
            if !unlisted && !files.iter().any(|f| may_be_standards(f)) {
                return Ok(Routed::Ignored("a push that changes no standards"));
            }
            Ok(Routed::Work(Box::new(Trigger {
                forge: ForgeKind::GitHub,
                repo: repo()?,
                installation: installation()?,
                number: 0,
                pull_request: false,
                actor: sender.map(|s| s.login.clone()).unwrap_or_default(),
                confidential: false,
                action: Action::StandardsPush {
                    before: payload.before.clone(),
                    after: payload.after.clone(),
                },
            })))
        }
        _ => Ok(Routed::Ignored("an event Hallmark does not act on")),
    }
}

/// The most commits a GitHub push event lists.
const GITHUB_PUSH_COMMITS: usize = 2048;

#[cfg(test)]
mod tests {
    use super::*;
    use hallmark_checks::Level;
    use hallmark_tests::deliveries::{comment_created, issues, IssueSpec, Sender};
    use serde_json::Value;

    const FORM: &str = "### Source\n\nbronze/orders.csv\n\n### Target level\n\nsilver\n";

    fn issue(pull_request: bool) -> IssueSpec<'static> {
        IssueSpec {
            repo: "acme/data",
            number: 7,
            body: FORM,
            labels: &["promote"],
            pull_request,
        }
    }

    fn labeled(label: &str, sender_type: &str) -> Vec<u8> {
        let sender = Sender {
            login: "ana",
            kind: sender_type,
        };
        issues("labeled", &issue(false), Some(label), Some(42), sender)
            .to_string()
            .into_bytes()
    }

    /// GitHub lists at most 2048 commits of a push: a push that long is checked by
    /// the job even when none of the listed commits touches the standards.
    #[test]
    fn a_push_of_more_commits_than_github_lists_goes_to_the_job() {
        let mut payload =
            hallmark_tests::deliveries::push("acme/data", &"a".repeat(40), &"b".repeat(40), &["src/x.py"], "ana");
        let one = payload["commits"][0].clone();
        assert_eq!(
            route("push", payload.to_string().as_bytes(), "promote", Syntax::default()).unwrap(),
            Routed::Ignored("a push that changes no standards")
        );
        payload["commits"] = serde_json::json!(vec![one; GITHUB_PUSH_COMMITS]);
        let routed = route("push", payload.to_string().as_bytes(), "promote", Syntax::default()).unwrap();
        assert!(matches!(routed, Routed::Work(_)), "{routed:?}");
    }

    #[test]
    fn the_promote_label_queues_the_request_form() {
        let Routed::Work(t) = route("issues", &labeled("promote", "User"), "promote", Syntax::default()).unwrap()
        else {
            panic!("not routed")
        };
        assert_eq!(t.key(), "acme/data#7");
        assert_eq!(t.installation, 42);
        assert_eq!(t.actor, "ana");
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
        let on_pull = issues("labeled", &issue(true), Some("promote"), Some(42), Sender::user("ana"));
        let Routed::Work(t) = route("issues", on_pull.to_string().as_bytes(), "promote", Syntax::default()).unwrap()
        else {
            panic!("not routed")
        };
        assert!(t.pull_request, "an issues event about a pull request");
        let without = issues("labeled", &issue(false), Some("promote"), None, Sender::user("ana"));
        let err = route("issues", without.to_string().as_bytes(), "promote", Syntax::default()).unwrap_err();
        assert_eq!(err.to_string(), "the `issues` payload has no `installation.id`");
    }

    #[test]
    fn a_comment_names_its_author_and_a_bots_comment_is_ignored() {
        let body = comment_created(&issue(true), 901, "/hallmark recheck", Some(3), Sender::user("rev"));
        let Routed::Work(t) = route(
            "issue_comment",
            body.to_string().as_bytes(),
            "promote",
            Syntax::default(),
        )
        .unwrap() else {
            panic!("not routed")
        };
        assert_eq!((t.actor.as_str(), t.installation, t.pull_request), ("rev", 3, true));
        assert!(matches!(
            t.action,
            Action::Command {
                comment_id: 901,
                bare: false,
                ..
            }
        ));
        let bot = Sender {
            login: "other[bot]",
            kind: "Bot",
        };
        let body = comment_created(&issue(false), 902, "/hallmark recheck", Some(3), bot);
        assert_eq!(
            route(
                "issue_comment",
                body.to_string().as_bytes(),
                "promote",
                Syntax::default()
            )
            .unwrap(),
            Routed::Ignored("comment by a bot")
        );
    }

    #[test]
    fn bad_json_and_a_payload_not_of_githubs_shape_are_named() {
        assert!(matches!(
            route("issues", b"{nope", "promote", Syntax::default()),
            Err(RouteError::NotJson(_))
        ));
        let mut body = issues("labeled", &issue(false), Some("promote"), Some(42), Sender::user("ana"));
        body["issue"]["number"] = Value::String("seven".into());
        let err = route("issues", body.to_string().as_bytes(), "promote", Syntax::default()).unwrap_err();
        assert!(
            matches!(&err, RouteError::Shape { event, .. } if event == "issues") && err.to_string().contains("seven"),
            "{err}"
        );
        // An event that is not acted on is not held to a shape.
        assert_eq!(
            route("issues", br#"{"action": "pinned"}"#, "promote", Syntax::default()).unwrap(),
            Routed::Ignored("an event Hallmark does not act on")
        );
    }

    #[test]
    fn a_pull_request_asks_for_a_standards_check_unless_from_a_fork_or_hallmark() {
        let pull = |head: &str| {
            hallmark_tests::deliveries::pull_request("synchronize", "acme/data", 8, head, "abc123", "main", "lead")
        };
        let Routed::Work(t) = route(
            "pull_request",
            pull("tighten").to_string().as_bytes(),
            "promote",
            Syntax::default(),
        )
        .unwrap() else {
            panic!("not routed")
        };
        assert_eq!(
            t.action,
            Action::StandardsChange {
                base_ref: "main".into(),
                head_ref: "tighten".into(),
                head_sha: "abc123".into()
            }
        );
        assert_eq!((t.number, t.pull_request, t.installation), (8, true, 99));
        assert_eq!(
            route(
                "pull_request",
                pull("hallmark/silver/orders").to_string().as_bytes(),
                "promote",
                Syntax::default()
            )
            .unwrap(),
            Routed::Ignored("Hallmark's own pull request")
        );
        let mut fork = pull("tighten");
        fork["pull_request"]["head"]["repo"]["full_name"] = serde_json::json!("someone/data");
        assert_eq!(
            route(
                "pull_request",
                fork.to_string().as_bytes(),
                "promote",
                Syntax::default()
            )
            .unwrap(),
            Routed::Ignored("a pull request from a fork")
        );
    }
}
