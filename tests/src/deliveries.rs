//! Webhook deliveries in GitHub's and GitLab's real shapes, for tests that need a
//! particular issue, comment or sender: each starts from a real payload in
//! `fixtures/webhooks/{github,gitlab}` (the forges' own examples) and changes only the
//! fields the test is about, so routing is exercised on everything else they send.

use serde_json::{json, Value};

/// The issue a delivery is about.
#[derive(Debug, Clone)]
pub struct IssueSpec<'a> {
    /// `owner/name`.
    pub repo: &'a str,
    /// Its number.
    pub number: u64,
    /// Its text (a request form, or anything).
    pub body: &'a str,
    /// The names of its labels.
    pub labels: &'a [&'a str],
    /// True for a pull request (GitHub's issue then has `pull_request`).
    pub pull_request: bool,
}

/// Who sent it: a login and `User` or `Bot`.
#[derive(Debug, Clone, Copy)]
pub struct Sender<'a> {
    /// The login.
    pub login: &'a str,
    /// `User` or `Bot`.
    pub kind: &'a str,
}

impl<'a> Sender<'a> {
    /// A person.
    pub fn user(login: &'a str) -> Self {
        Sender { login, kind: "User" }
    }
}

fn fixture(path: &str) -> Value {
    forge_fixture("github", path)
}

fn forge_fixture(forge: &str, path: &str) -> Value {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/webhooks")
        .join(forge)
        .join(path);
    serde_json::from_slice(&std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display())))
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

fn label(template: &Value, repo: &str, name: &str) -> Value {
    let mut label = template.clone();
    label["name"] = json!(name);
    label["url"] = json!(format!("https://api.github.com/repos/{repo}/labels/{name}"));
    label
}

fn person(template: &Value, sender: Sender<'_>) -> Value {
    let mut user = template.clone();
    user["login"] = json!(sender.login);
    user["type"] = json!(sender.kind);
    user["url"] = json!(format!("https://api.github.com/users/{}", sender.login));
    user
}

/// Fills in the parts every delivery shares: repository, installation, sender, issue.
fn common(mut payload: Value, issue: &IssueSpec<'_>, installation: Option<u64>, sender: Sender<'_>) -> Value {
    let (owner, name) = issue.repo.split_once('/').expect("owner/name");
    payload["repository"]["full_name"] = json!(issue.repo);
    payload["repository"]["name"] = json!(name);
    payload["repository"]["owner"]["login"] = json!(owner);
    match installation {
        Some(id) => {
            payload["installation"] = json!({"id": id, "node_id": format!("MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u{id}")})
        }
        None => {
            payload.as_object_mut().expect("an object").remove("installation");
        }
    }
    let template = payload["sender"].clone();
    payload["sender"] = person(&template, sender);
    let label_template = fixture("issues/labeled.payload.json")["label"].clone();
    let i = &mut payload["issue"];
    i["number"] = json!(issue.number);
    i["body"] = json!(issue.body);
    i["labels"] = Value::Array(
        issue
            .labels
            .iter()
            .map(|l| label(&label_template, issue.repo, l))
            .collect(),
    );
    i["url"] = json!(format!(
        "https://api.github.com/repos/{}/issues/{}",
        issue.repo, issue.number
    ));
    if issue.pull_request {
        let pulls = format!("https://api.github.com/repos/{}/pulls/{}", issue.repo, issue.number);
        let html = format!("https://github.com/{}/pull/{}", issue.repo, issue.number);
        i["pull_request"] = json!({"url": pulls, "html_url": html, "diff_url": format!("{html}.diff"), "patch_url": format!("{html}.patch")});
    } else if let Some(i) = i.as_object_mut() {
        i.remove("pull_request");
    }
    payload
}

/// An `issues` delivery: `action` is `opened` or `labeled`; `labeled` names the label
/// just added (which should be among the issue's labels, as on GitHub).
pub fn issues(
    action: &str,
    issue: &IssueSpec<'_>,
    labeled: Option<&str>,
    installation: Option<u64>,
    sender: Sender<'_>,
) -> Value {
    let base = match action {
        "opened" => fixture("issues/opened.payload.json"),
        _ => fixture("issues/labeled.payload.json"),
    };
    let mut payload = common(base, issue, installation, sender);
    payload["action"] = json!(action);
    match labeled {
        Some(name) => payload["label"] = label(&fixture("issues/labeled.payload.json")["label"], issue.repo, name),
        None => {
            payload.as_object_mut().expect("an object").remove("label");
        }
    }
    payload
}

/// An `issue_comment.created` delivery of comment `id` with `body`, written by `author`.
pub fn comment_created(
    issue: &IssueSpec<'_>,
    id: u64,
    body: &str,
    installation: Option<u64>,
    author: Sender<'_>,
) -> Value {
    let mut payload = common(
        fixture("issue_comment/created.payload.json"),
        issue,
        installation,
        author,
    );
    let template = payload["comment"]["user"].clone();
    let c = &mut payload["comment"];
    c["id"] = json!(id);
    c["body"] = json!(body);
    c["user"] = person(&template, author);
    c["url"] = json!(format!(
        "https://api.github.com/repos/{}/issues/comments/{id}",
        issue.repo
    ));
    payload
}

fn gitlab_common(mut payload: Value, repo: &str, actor: &str) -> Value {
    let name = repo.rsplit('/').next().unwrap_or(repo);
    payload["project"]["path_with_namespace"] = json!(repo);
    payload["project"]["name"] = json!(name);
    payload["project"]["web_url"] = json!(format!("https://gitlab.example/{repo}"));
    payload["user"]["username"] = json!(actor);
    payload["user"]["name"] = json!(actor);
    payload
}

fn gitlab_label(name: &str) -> Value {
    json!({"id": 900, "title": name, "color": "#428bca", "project_id": 14, "created_at": "2026-11-02 09:30:00 UTC",
           "updated_at": "2026-11-02 09:30:00 UTC", "template": false, "description": null, "type": "ProjectLabel", "group_id": null})
}

/// A GitLab `Issue Hook` delivery: `actor` added `label` to issue `iid` of `repo`
/// (`changes.labels` from none to it), the issue's description being `body`.
pub fn gitlab_issue_labeled(repo: &str, iid: u64, body: &str, label: &str, actor: &str) -> Value {
    let mut payload = gitlab_common(forge_fixture("gitlab", "issue.json"), repo, actor);
    let a = &mut payload["object_attributes"];
    a["iid"] = json!(iid);
    a["description"] = json!(body);
    a["action"] = json!("update");
    a["confidential"] = json!(false);
    a["labels"] = json!([gitlab_label(label)]);
    payload["labels"] = json!([gitlab_label(label)]);
    payload["changes"] = json!({"labels": {"previous": [], "current": [gitlab_label(label)]}});
    payload
}

/// A GitLab `Note Hook` delivery: note `id` with `text` by `actor` on issue (or merge
/// request) `iid` of `repo`.
pub fn gitlab_note(repo: &str, iid: u64, merge_request: bool, id: u64, text: &str, actor: &str) -> Value {
    let file = if merge_request {
        "note_merge_request.json"
    } else {
        "note_issue.json"
    };
    let mut payload = gitlab_common(forge_fixture("gitlab", file), repo, actor);
    let a = &mut payload["object_attributes"];
    a["id"] = json!(id);
    a["note"] = json!(text);
    a["system"] = json!(false);
    let thread = if merge_request { "merge_request" } else { "issue" };
    payload[thread]["iid"] = json!(iid);
    payload
}

/// A GitLab `Note Hook` delivery for an edit of note `id` (GitLab 16.11+ sends one,
/// with `action: update`), its text now `text`.
pub fn gitlab_note_edited(repo: &str, iid: u64, merge_request: bool, id: u64, text: &str, actor: &str) -> Value {
    let mut payload = gitlab_note(repo, iid, merge_request, id, text, actor);
    payload["object_attributes"]["action"] = json!("update");
    payload["object_attributes"]["updated_at"] = json!("2026-11-02 10:15:00 UTC");
    payload
}

/// A GitHub `pull_request` delivery (`opened`, `synchronize`…) of pull request
/// `number` of `repo` from `head` (at commit `sha`) into `base`, by `actor`.
pub fn pull_request(action: &str, repo: &str, number: u64, head: &str, sha: &str, base: &str, actor: &str) -> Value {
    let mut payload = fixture("pull_request/opened.payload.json");
    let (owner, name) = repo.split_once('/').expect("owner/name");
    payload["action"] = json!(action);
    payload["number"] = json!(number);
    payload["repository"]["full_name"] = json!(repo);
    payload["repository"]["name"] = json!(name);
    payload["repository"]["owner"]["login"] = json!(owner);
    payload["installation"] = json!({"id": 99, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uOTk="});
    let template = payload["sender"].clone();
    payload["sender"] = person(&template, Sender::user(actor));
    let p = &mut payload["pull_request"];
    p["number"] = json!(number);
    p["head"]["ref"] = json!(head);
    p["head"]["sha"] = json!(sha);
    p["head"]["label"] = json!(format!("{owner}:{head}"));
    p["head"]["repo"]["full_name"] = json!(repo);
    p["base"]["ref"] = json!(base);
    p["base"]["repo"]["full_name"] = json!(repo);
    payload
}

/// A GitLab `Merge Request Hook` delivery opening (or updating) merge request `iid` of
/// `repo` from `source` (at commit `sha`) into `target`, by `actor`.
pub fn gitlab_merge_request(
    action: &str,
    repo: &str,
    iid: u64,
    source: &str,
    sha: &str,
    target: &str,
    actor: &str,
) -> Value {
    let mut payload = gitlab_common(forge_fixture("gitlab", "merge_request.json"), repo, actor);
    let a = &mut payload["object_attributes"];
    a["iid"] = json!(iid);
    a["action"] = json!(action);
    a["source_branch"] = json!(source);
    a["target_branch"] = json!(target);
    a["last_commit"]["id"] = json!(sha);
    a["source_project_id"] = json!(14);
    a["target_project_id"] = json!(14);
    if action == "update" {
        a["oldrev"] = json!("0".repeat(40));
    }
    payload
}

/// A GitHub `push` of `files` to `main` of `repo`, from `before` to `after`.
pub fn push(repo: &str, before: &str, after: &str, files: &[&str], actor: &str) -> Value {
    let mut payload = fixture("push/payload.json");
    let (owner, name) = repo.split_once('/').expect("owner/name");
    payload["ref"] = json!("refs/heads/main");
    payload["before"] = json!(before);
    payload["after"] = json!(after);
    payload["created"] = json!(false);
    payload["deleted"] = json!(false);
    payload["repository"]["full_name"] = json!(repo);
    payload["repository"]["name"] = json!(name);
    payload["repository"]["owner"]["login"] = json!(owner);
    payload["repository"]["default_branch"] = json!("main");
    payload["installation"] = json!({"id": 99, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uOTk="});
    let template = payload["sender"].clone();
    payload["sender"] = person(&template, Sender::user(actor));
    let when = "2026-11-02T09:30:00Z";
    let who = json!({"name": actor, "email": format!("{actor}@acme.example"), "username": actor});
    payload["commits"] = json!([{
        "id": after, "tree_id": after, "distinct": true, "message": "A change", "timestamp": when,
        "url": format!("https://github.com/{repo}/commit/{after}"), "author": who, "committer": who,
        "added": [], "removed": [], "modified": files
    }]);
    payload["head_commit"] = payload["commits"][0].clone();
    payload
}

/// A GitLab `Push Hook` of `files` to `main` of `repo`, from `before` to `after`.
pub fn gitlab_push(repo: &str, before: &str, after: &str, files: &[&str], actor: &str) -> Value {
    gitlab_push_commits(repo, before, after, &[(after, files)], actor)
}

/// How many commits a GitLab push hook lists: the newest; `total_commits_count` says
/// how many were pushed.
pub const GITLAB_PUSH_COMMITS: usize = 20;

/// A GitLab `Push Hook` of `commits` (oldest first: each commit's id and the files it
/// changes) to `main` of `repo`, from `before` to `after`, as GitLab sends it: only the
/// newest 20 commits are listed, and `total_commits_count` counts them all.
pub fn gitlab_push_commits(repo: &str, before: &str, after: &str, commits: &[(&str, &[&str])], actor: &str) -> Value {
    let mut payload = forge_fixture("gitlab", "push.json");
    payload["ref"] = json!("refs/heads/main");
    payload["before"] = json!(before);
    payload["after"] = json!(after);
    payload["checkout_sha"] = json!(after);
    payload["user_username"] = json!(actor);
    payload["project"]["path_with_namespace"] = json!(repo);
    payload["project"]["default_branch"] = json!("main");
    let listed: Vec<Value> = commits[commits.len().saturating_sub(GITLAB_PUSH_COMMITS)..]
        .iter()
        .map(|(id, files)| json!({"id": id, "message": "A change", "added": [], "modified": files, "removed": []}))
        .collect();
    payload["commits"] = json!(listed);
    payload["total_commits_count"] = json!(commits.len());
    payload
}
