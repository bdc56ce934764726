//! From a verified GitLab delivery to what the bot should do. GitLab sends the same
//! shapes from project, group and system hooks, named by `object_kind`: an issue
//! opened with the `promote` label or given it (`changes.labels` previous → current)
//! starts a promotion; a note on an issue or merge request may carry a slash command.
//! GitLab's own quick actions (`/label`, `/assign`…) are not Hallmark's and are left
//! alone, as are system notes and Hallmark's own notes (they carry its marker). Pure:
//! every fixture can be routed in a test.

use super::{may_be_standards, RouteError};
use crate::commands::{command_in, Syntax, GITLAB_QUICK_ACTIONS};
use crate::events::{Action, ForgeKind, Routed, Trigger};
use crate::request_form::parse_issue_body;
use serde_json::Value;

/// The start of every comment Hallmark writes.
const OUR_MARKER: &str = "<!-- hallmark:";

/// Routes one GitLab delivery (`X-Gitlab-Event` names it; the body's `object_kind`
/// decides).
pub fn route(event: &str, body: &[u8], label: &str, syntax: Syntax) -> Result<Routed, RouteError> {
    let payload: Value = serde_json::from_slice(body).map_err(|e| RouteError::NotJson(e.to_string()))?;
    let missing = |field| RouteError::Missing {
        event: event.to_string(),
        field,
    };
    let repo = || {
        payload["project"]["path_with_namespace"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| missing("project.path_with_namespace"))
    };
    let actor = payload["user"]["username"].as_str().unwrap_or_default().to_string();
    let attributes = &payload["object_attributes"];
    match payload["object_kind"].as_str().unwrap_or_default() {
        "issue" => {
            let has = |labels: &Value| {
                labels
                    .as_array()
                    .is_some_and(|ls| ls.iter().any(|l| l["title"].as_str() == Some(label)))
            };
            let labelled = match attributes["action"].as_str() {
                Some("open" | "reopen") => has(&payload["labels"]) || has(&attributes["labels"]),
                Some("update") => {
                    let change = &payload["changes"]["labels"];
                    has(&change["current"]) && !has(&change["previous"])
                }
                _ => false,
            };
            if !labelled {
                return Ok(Routed::Ignored("not the promote label being added"));
            }
            if is_bot(&actor) {
                return Ok(Routed::Ignored("sent by a bot"));
            }
            let form = parse_issue_body(attributes["description"].as_str().unwrap_or_default());
            Ok(Routed::Work(Box::new(Trigger {
                forge: ForgeKind::GitLab,
                repo: repo()?,
                installation: 0,
                number: attributes["iid"]
                    .as_u64()
                    .ok_or_else(|| missing("object_attributes.iid"))?,
                pull_request: false,
                actor,
                confidential: attributes["confidential"].as_bool() == Some(true),
                action: Action::promote(form),
            })))
        }
        "note" => {
            let (thread, pull_request) = match attributes["noteable_type"].as_str() {
                Some("Issue") => (&payload["issue"], false),
                Some("MergeRequest") => (&payload["merge_request"], true),
                _ => return Ok(Routed::Ignored("a note on neither an issue nor a merge request")),
            };
            // GitLab 16.11+ sends a note hook for an edit too (`action: update`): only
            // a new note is a command, as on GitHub; older GitLab sends no `action`.
            if attributes["action"].as_str().is_some_and(|a| a != "create") {
                return Ok(Routed::Ignored("an edited note: only a new note is a command"));
            }
            let text = attributes["note"].as_str().unwrap_or_default();
            if attributes["system"].as_bool() == Some(true) || text.contains(OUR_MARKER) || is_bot(&actor) {
                return Ok(Routed::Ignored("a system note or a bot's"));
            }
            let Some((command, bare)) = command_in(text, syntax) else {
                return Ok(Routed::Ignored("no command in the note"));
            };
            if bare && command.as_ref().is_ok_and(|c| GITLAB_QUICK_ACTIONS.contains(&c.verb())) {
                return Ok(Routed::Ignored("a GitLab quick action, not a Hallmark command"));
            }
            Ok(Routed::Work(Box::new(Trigger {
                forge: ForgeKind::GitLab,
                repo: repo()?,
                installation: 0,
                number: thread["iid"]
                    .as_u64()
                    .ok_or_else(|| missing("iid of the issue or merge request"))?,
                pull_request,
                actor,
                confidential: thread["confidential"].as_bool() == Some(true),
                action: Action::Command {
                    comment_id: attributes["id"]
                        .as_u64()
                        .ok_or_else(|| missing("object_attributes.id"))?,
                    command,
                    bare,
                },
            })))
        }
        "merge_request" => {
            let new_commits = match attributes["action"].as_str() {
                Some("open" | "reopen") => true,
                Some("update") => !attributes["oldrev"].is_null(),
                _ => false,
            };
            if !new_commits {
                return Ok(Routed::Ignored("a merge request event without new commits"));
            }
            if attributes["source_project_id"] != attributes["target_project_id"] {
                return Ok(Routed::Ignored("a merge request from a fork"));
            }
            let head_ref = attributes["source_branch"].as_str().unwrap_or_default().to_string();
            if head_ref.starts_with("hallmark/") {
                return Ok(Routed::Ignored("Hallmark's own merge request"));
            }
            Ok(Routed::Work(Box::new(Trigger {
                forge: ForgeKind::GitLab,
                repo: repo()?,
                installation: 0,
                number: attributes["iid"]
                    .as_u64()
                    .ok_or_else(|| missing("object_attributes.iid"))?,
                pull_request: true,
                actor,
                confidential: false,
                action: Action::StandardsChange {
                    base_ref: attributes["target_branch"].as_str().unwrap_or_default().to_string(),
                    head_ref,
                    head_sha: attributes["last_commit"]["id"].as_str().unwrap_or_default().to_string(),
                },
            })))
        }
        "push" => {
            let default = payload["project"]["default_branch"].as_str().unwrap_or("main");
            let (before, after) = (
                payload["before"].as_str().unwrap_or_default(),
                payload["after"].as_str().unwrap_or_default(),
            );
            let none = |sha: &str| sha.is_empty() || sha.chars().all(|c| c == '0');
            if payload["ref"].as_str() != Some(format!("refs/heads/{default}").as_str()) || none(before) || none(after)
            {
                return Ok(Routed::Ignored("not new commits on the default branch"));
            }
            let listed = payload["commits"].as_array().map_or(0, Vec::len);
            // GitLab lists only the newest 20 commits of a push. When more were pushed,
            // the job's own diff of before..after in its clone decides (GitLab's compare
            // API would be a second source, and it truncates large diffs itself).
            let unlisted = payload["total_commits_count"]
                .as_u64()
                .is_some_and(|total| total > listed as u64);
            let touches = payload["commits"].as_array().into_iter().flatten().any(|c| {
                ["added", "modified", "removed"].iter().any(|k| {
                    c[*k]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|f| f.as_str().is_some_and(may_be_standards))
                })
            });
            if !touches && !unlisted {
                return Ok(Routed::Ignored("a push that changes no standards"));
            }
            Ok(Routed::Work(Box::new(Trigger {
                forge: ForgeKind::GitLab,
                repo: repo()?,
                installation: 0,
                number: 0,
                pull_request: false,
                actor: payload["user_username"].as_str().unwrap_or_default().to_string(),
                confidential: false,
                action: Action::StandardsPush {
                    before: before.to_string(),
                    after: after.to_string(),
                },
            })))
        }
        _ => Ok(Routed::Ignored("an event Hallmark does not act on")),
    }
}

/// True for GitLab's bot users: project and group access tokens act as
/// `project_<id>_bot_<hash>` / `group_<id>_bot_<hash>`.
fn is_bot(username: &str) -> bool {
    let mut parts = username.splitn(3, '_');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some("project" | "group"), Some(id), Some(rest)) if id.chars().all(|c| c.is_ascii_digit()) && rest.starts_with("bot")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixture(name: &str) -> Value {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/webhooks/gitlab")
            .join(name);
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    fn label(title: &str) -> Value {
        json!({"id": 1, "title": title, "color": "#fff", "project_id": 14, "type": "ProjectLabel"})
    }

    fn routed(event: &str, v: &Value) -> Routed {
        route(event, v.to_string().as_bytes(), "promote", Syntax::default()).unwrap()
    }

    #[test]
    fn adding_the_label_or_opening_with_it_promotes_and_other_updates_do_not() {
        let mut issue = fixture("issue.json");
        issue["object_attributes"]["action"] = json!("update");
        issue["object_attributes"]["description"] =
            json!("### Source\n\nbronze/orders.csv\n\n### Target level\n\nsilver\n");
        issue["changes"]["labels"] = json!({"previous": [label("API")], "current": [label("API"), label("promote")]});
        let Routed::Work(t) = routed("Issue Hook", &issue) else {
            panic!("not routed")
        };
        assert_eq!(
            (t.forge, t.repo.as_str(), t.number),
            (ForgeKind::GitLab, "gitlabhq/gitlab-test", 23)
        );
        assert!(matches!(&t.action, Action::PromoteIssue { source: Some(s), .. } if s == "bronze/orders.csv"));
        // Already labelled before this update: another edit, not a new request.
        issue["changes"]["labels"]["previous"] = json!([label("promote")]);
        assert!(matches!(routed("Issue Hook", &issue), Routed::Ignored(_)));
        let mut opened = fixture("issue.json");
        opened["labels"] = json!([label("promote")]);
        assert!(matches!(routed("Issue Hook", &opened), Routed::Work(_)));
        opened["user"]["username"] = json!("project_14_bot_8c1f");
        assert_eq!(routed("Issue Hook", &opened), Routed::Ignored("sent by a bot"));
    }

    #[test]
    fn notes_carry_commands_but_quick_actions_and_our_own_notes_do_not() {
        let mut note = fixture("note_merge_request.json");
        note["object_attributes"]["note"] = json!("/hallmark recheck");
        let Routed::Work(t) = routed("Note Hook", &note) else {
            panic!("not routed")
        };
        assert!(t.pull_request && t.number == 1);
        note["object_attributes"]["note"] = json!("/label ~bug\n/assign @ana");
        assert_eq!(routed("Note Hook", &note), Routed::Ignored("no command in the note"));
        note["object_attributes"]["note"] = json!("<!-- hallmark:checklist -->\nrun `/hallmark recheck`");
        assert_eq!(routed("Note Hook", &note), Routed::Ignored("a system note or a bot's"));
        let mut on_issue = fixture("note_issue.json");
        on_issue["object_attributes"]["note"] = json!("/hallmark help");
        let Routed::Work(t) = routed("Note Hook", &on_issue) else {
            panic!("not routed")
        };
        assert!(!t.pull_request && t.number == 17);
        assert!(matches!(
            routed("Note Hook", &fixture("note_snippet.json")),
            Routed::Ignored(_)
        ));
        // Bare `/promote` is GitLab's quick action, not ours; `/hallmark promote` is.
        on_issue["object_attributes"]["note"] = json!("/promote");
        assert_eq!(
            routed("Note Hook", &on_issue),
            Routed::Ignored("a GitLab quick action, not a Hallmark command")
        );
        on_issue["object_attributes"]["note"] = json!("/hallmark promote");
        assert!(matches!(routed("Note Hook", &on_issue), Routed::Work(_)));
        on_issue["object_attributes"]["note"] = json!("/hallmark help");
        // An edit is no new command; a hook without `action` (before 16.11) is a new note.
        on_issue["object_attributes"]["action"] = json!("update");
        assert_eq!(
            routed("Note Hook", &on_issue),
            Routed::Ignored("an edited note: only a new note is a command")
        );
        on_issue["object_attributes"].as_object_mut().unwrap().remove("action");
        assert!(matches!(routed("Note Hook", &on_issue), Routed::Work(_)));
    }
}
