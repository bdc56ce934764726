//! GitHub's resources in the shape the REST API (version 2022-11-28) answers with:
//! every field GitHub's OpenAPI description marks required, with URLs that point
//! back at the fake. Clients that read answers into typed models (octocrab's) see
//! what real GitHub sends, so a model that cannot read GitHub fails here too.

use serde_json::{json, Value};

/// When the fake's resources were made (GitHub sends ISO 8601 in UTC).
const CREATED: &str = "2026-11-02T09:30:00Z";

/// A stable id for a login, as GitHub's user ids are.
pub(crate) fn user_id(login: &str) -> u64 {
    login
        .bytes()
        .fold(1_000u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
        % 90_000_000
        + 1_000
}

/// A `simple-user`: `kind` is `User` or `Bot`.
pub fn user(api: &str, login: &str, kind: &str) -> Value {
    let id = user_id(login);
    let web = format!("{api}/web");
    json!({
        "login": login, "id": id, "node_id": format!("U_{id}"),
        "avatar_url": format!("{web}/avatars/u/{id}"), "gravatar_id": "",
        "url": format!("{api}/users/{login}"), "html_url": format!("{web}/{login}"),
        "followers_url": format!("{api}/users/{login}/followers"),
        "following_url": format!("{api}/users/{login}/following{{/other_user}}"),
        "gists_url": format!("{api}/users/{login}/gists{{/gist_id}}"),
        "starred_url": format!("{api}/users/{login}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{api}/users/{login}/subscriptions"),
        "organizations_url": format!("{api}/users/{login}/orgs"),
        "repos_url": format!("{api}/users/{login}/repos"),
        "events_url": format!("{api}/users/{login}/events{{/privacy}}"),
        "received_events_url": format!("{api}/users/{login}/received_events"),
        "type": kind, "user_view_type": "public", "site_admin": false
    })
}

/// A `repository` (`full_name` is `owner/name`).
pub fn repository(api: &str, full_name: &str, default_branch: &str) -> Value {
    let (owner, name) = full_name.split_once('/').unwrap_or((full_name, full_name));
    let url = format!("{api}/repos/{full_name}");
    json!({
        "id": user_id(full_name), "node_id": format!("R_{}", user_id(full_name)),
        "name": name, "full_name": full_name, "private": true,
        "owner": user(api, owner, "Organization"),
        "html_url": format!("{api}/web/{full_name}"),
        "description": null, "fork": false, "url": url,
        "default_branch": default_branch, "visibility": "private",
        "archived": false, "disabled": false,
        "created_at": CREATED, "updated_at": CREATED, "pushed_at": CREATED
    })
}

/// An `issue-comment`; `app` is the app that wrote it (`performed_via_github_app`).
pub fn issue_comment(
    api: &str,
    repo: &str,
    number: u64,
    id: u64,
    body: &str,
    author: Value,
    app: Option<u64>,
) -> Value {
    let app = app.map(|id| {
        json!({"id": id, "slug": format!("app-{id}"), "node_id": format!("A_{id}"), "name": format!("App {id}"),
               "owner": user(api, "acme", "Organization"), "description": "", "external_url": api,
               "html_url": format!("{api}/apps/app-{id}"), "created_at": CREATED, "updated_at": CREATED,
               "permissions": {"issues": "write"}, "events": ["issues"]})
    });
    json!({
        "id": id, "node_id": format!("IC_{id}"),
        "url": format!("{api}/repos/{repo}/issues/comments/{id}"),
        "html_url": format!("{api}/{repo}/issues/{number}#issuecomment-{id}"),
        "issue_url": format!("{api}/repos/{repo}/issues/{number}"),
        "body": body, "user": author, "author_association": "CONTRIBUTOR",
        "created_at": CREATED, "updated_at": CREATED,
        "performed_via_github_app": app
    })
}

/// An `issue`.
pub fn issue(api: &str, repo: &str, number: u64, title: &str, body: &str, author: Value) -> Value {
    let url = format!("{api}/repos/{repo}/issues/{number}");
    json!({
        "id": 5_000_000 + number, "node_id": format!("I_{number}"), "url": url,
        "repository_url": format!("{api}/repos/{repo}"),
        "labels_url": format!("{url}/labels{{/name}}"), "comments_url": format!("{url}/comments"),
        "events_url": format!("{url}/events"), "html_url": format!("{api}/{repo}/issues/{number}"),
        "number": number, "state": "open", "state_reason": null, "title": title, "body": body,
        "user": author, "labels": [], "assignee": null, "assignees": [], "milestone": null,
        "locked": false, "active_lock_reason": null, "comments": 0, "closed_at": null,
        "author_association": "CONTRIBUTOR", "created_at": CREATED, "updated_at": CREATED
    })
}

/// A `pull-request` whose head is `head_sha` on its branch of `head_repo` (a fork's
/// name, or the repository's own).
pub fn pull(api: &str, repo: &str, p: &super::repos::StoredPull, head_repo: &str, head_sha: &str) -> Value {
    let (number, title, body, state) = (p.number, &p.title, &p.body, &p.state);
    let url = format!("{api}/repos/{repo}/pulls/{number}");
    let html = format!("{api}/{repo}/pull/{number}");
    let side = |in_repo: &str, branch: &str, sha: String| {
        let owner = in_repo.split('/').next().unwrap_or(in_repo);
        let mut repository = repository(api, in_repo, "main");
        repository["fork"] = json!(in_repo != repo);
        json!({"label": format!("{owner}:{branch}"), "ref": branch, "sha": sha,
               "user": user(api, owner, "Organization"), "repo": repository})
    };
    let (head, base) = (
        side(head_repo, &p.head, head_sha.to_string()),
        side(repo, &p.base, format!("{:040x}", user_id(&p.base))),
    );
    json!({
        "id": 7_000_000 + number, "node_id": format!("PR_{number}"), "number": number,
        "url": url, "html_url": html, "diff_url": format!("{html}.diff"), "patch_url": format!("{html}.patch"),
        "issue_url": format!("{api}/repos/{repo}/issues/{number}"),
        "state": state, "locked": false, "title": title, "body": body,
        "user": user(api, "hallmark[bot]", "Bot"), "labels": [], "draft": false,
        "head": head, "base": base,
        "created_at": CREATED, "updated_at": CREATED, "closed_at": null, "merged_at": null,
        "merge_commit_sha": null, "author_association": "NONE"
    })
}

/// A `reaction`.
pub fn reaction(api: &str, id: u64, content: &str, author: &str) -> Value {
    json!({"id": id, "node_id": format!("REA_{id}"), "user": user(api, author, "Bot"), "content": content, "created_at": CREATED})
}

/// A `pull-request-review-comment`.
pub fn review_comment(api: &str, repo: &str, number: u64, id: u64, author: Value, path: &str, body: &str) -> Value {
    let url = format!("{api}/repos/{repo}/pulls/comments/{id}");
    json!({
        "url": url, "pull_request_review_id": id, "id": id, "node_id": format!("PRRC_{id}"),
        "diff_hunk": "@@ -1,3 +1,4 @@", "path": path, "position": 1, "original_position": 1,
        "commit_id": format!("{:040x}", id), "original_commit_id": format!("{:040x}", id),
        "user": author, "body": body, "created_at": CREATED, "updated_at": CREATED,
        "html_url": format!("{api}/{repo}/pull/{number}#discussion_r{id}"),
        "pull_request_url": format!("{api}/repos/{repo}/pulls/{number}"),
        "author_association": "MEMBER",
        "_links": {"self": {"href": url}, "html": {"href": format!("{api}/{repo}/pull/{number}#discussion_r{id}")},
                   "pull_request": {"href": format!("{api}/repos/{repo}/pulls/{number}")}},
        "line": 1, "side": "RIGHT"
    })
}

/// A `content-file`: `content` is the base64 GitHub sends, wrapped.
pub fn content_file(api: &str, repo: &str, path: &str, size: usize, content: &str) -> Value {
    let url = format!("{api}/repos/{repo}/contents/{path}?ref=main");
    let name = path.rsplit('/').next().unwrap_or(path);
    json!({
        "type": "file", "encoding": "base64", "size": size, "name": name, "path": path,
        "content": content, "sha": format!("{:040x}", user_id(path)), "url": url,
        "git_url": format!("{api}/repos/{repo}/git/blobs/{:040x}", user_id(path)),
        "html_url": format!("{api}/{repo}/blob/main/{path}"),
        "download_url": format!("{api}/raw/{repo}/main/{path}"),
        "_links": {"self": url, "git": format!("{api}/repos/{repo}/git/blobs/{:040x}", user_id(path)),
                   "html": format!("{api}/{repo}/blob/main/{path}")}
    })
}

/// A `check-run`.
#[allow(clippy::too_many_arguments)]
pub fn check_run(
    api: &str,
    repo: &str,
    id: u64,
    name: &str,
    head_sha: &str,
    status: &str,
    conclusion: Option<&str>,
    title: &str,
    summary: &str,
    annotations: usize,
    app_id: u64,
    external_id: &str,
) -> Value {
    let url = format!("{api}/repos/{repo}/check-runs/{id}");
    let (slug, app_name) = if app_id == super::ACTIONS_APP_ID {
        ("github-actions", "GitHub Actions")
    } else {
        ("hallmark", "Hallmark")
    };
    json!({
        "id": id, "node_id": format!("CR_{id}"), "head_sha": head_sha, "external_id": external_id,
        "url": url, "html_url": format!("{api}/web/{repo}/runs/{id}"), "details_url": null,
        "status": status, "conclusion": conclusion, "started_at": CREATED,
        "completed_at": if status == "completed" { json!(CREATED) } else { Value::Null },
        "output": {"title": title, "summary": summary, "text": null, "annotations_count": annotations,
                   "annotations_url": format!("{url}/annotations")},
        "name": name, "check_suite": {"id": 1},
        "app": {"id": app_id, "slug": slug, "node_id": format!("A_{app_id}"), "name": app_name,
                "owner": null, "description": null, "external_url": "https://github.example",
                "html_url": format!("https://github.example/apps/{slug}"),
                "created_at": CREATED, "updated_at": CREATED, "permissions": {}, "events": []},
        "pull_requests": []
    })
}
