//! What the bot asks GitHub for, one method per endpoint, on top of the transport in
//! [`super::client`] (authentication, rate limits, retries, writes looked for before
//! they are made again): permissions, reactions, comments found by their marker and
//! their author, pull requests, issues, files.

use super::client::{decode, never, GitHubClient, Once, Verb, MAX_BODY};
use super::errors::GitHubError;
use super::paging::percent_encode;
use super::permission::Permission;
use crate::ci::fold::fit;
use crate::git::PullHead;
use crate::marker::{marked, marker};
use octocrab::models;
use serde::Deserialize;
use serde_json::json;

/// A comment on an issue or pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Its id.
    pub id: u64,
    /// Its text.
    pub body: String,
    /// Who wrote it.
    pub author: String,
    /// The app that wrote it (`performed_via_github_app.id`), if an app did.
    pub app_id: Option<u64>,
}

/// octocrab's issue comment with the one field its model lacks (0.54):
/// `performed_via_github_app`, which tells Hallmark's own comments from another
/// app's that carry the same marker.
#[derive(Deserialize)]
struct AppComment {
    #[serde(flatten)]
    comment: models::issues::Comment,
    performed_via_github_app: Option<AppRef>,
}

#[derive(Deserialize)]
struct AppRef {
    id: u64,
}

/// octocrab's issue with `performed_via_github_app`, which its model lacks (0.54).
#[derive(Deserialize)]
struct AppIssue {
    #[serde(flatten)]
    issue: models::issues::Issue,
    performed_via_github_app: Option<AppRef>,
}

impl GitHubClient {
    /// `user`'s permission on `repo` (`owner/name`); none when they are no collaborator.
    pub async fn permission(&self, installation: u64, repo: &str, user: &str) -> Result<Permission, GitHubError> {
        let path = format!("/repos/{repo}/collaborators/{}/permission", percent_encode(user));
        match self.call(installation, Verb::Get, &path, None).await {
            Ok((_, json)) => Ok(Permission::of_answer(&json)),
            Err(GitHubError::Status { status: 404, .. }) => Ok(Permission::None),
            Err(e) => Err(e),
        }
    }

    /// Reacts to a comment (`+1`, `eyes`, `rocket`, `confused`...).
    pub async fn react_to_comment(
        &self,
        installation: u64,
        repo: &str,
        comment: u64,
        content: &str,
    ) -> Result<(), GitHubError> {
        let path = format!("/repos/{repo}/issues/comments/{comment}/reactions");
        self.react(installation, &path, content).await
    }

    /// Reacts to an issue or pull request itself.
    pub async fn react_to_issue(
        &self,
        installation: u64,
        repo: &str,
        number: u64,
        content: &str,
    ) -> Result<(), GitHubError> {
        self.react(
            installation,
            &format!("/repos/{repo}/issues/{number}/reactions"),
            content,
        )
        .await
    }

    /// POSTs a reaction: GitHub answers an existing one with 200 and the same
    /// reaction, so a retried reaction is harmless.
    async fn react(&self, installation: u64, path: &str, content: &str) -> Result<(), GitHubError> {
        self.fetch::<models::reactions::Reaction>(
            installation,
            Verb::Post,
            path,
            Some(&json!({ "content": content })),
            "a reaction",
        )
        .await
        .map(|_| ())
    }

    /// Every comment on issue or pull request `number`.
    pub async fn comments(&self, installation: u64, repo: &str, number: u64) -> Result<Vec<Comment>, GitHubError> {
        let items: Vec<AppComment> = self
            .list(
                installation,
                &format!("/repos/{repo}/issues/{number}/comments"),
                "a list of issue comments",
            )
            .await?;
        Ok(items
            .into_iter()
            .map(|c| Comment {
                id: c.comment.id.0,
                body: c.comment.body.unwrap_or_default(),
                author: c.comment.user.login,
                app_id: c.performed_via_github_app.map(|app| app.id),
            })
            .collect())
    }

    /// Posts a comment; returns its id. When GitHub's answer is lost, a comment of
    /// this app with the same text is looked for before posting again.
    pub async fn comment(&self, installation: u64, repo: &str, number: u64, body: &str) -> Result<u64, GitHubError> {
        let body = fit(body, MAX_BODY);
        let body = body.as_str();
        let posted = || async {
            Ok(self
                .comments(installation, repo, number)
                .await?
                .into_iter()
                .rev()
                .find(|c| self.identity.wrote_as(&c.author, c.app_id) && c.body == body)
                .map(|c| c.id))
        };
        let path = format!("/repos/{repo}/issues/{number}/comments");
        match self
            .post_once(installation, &path, &json!({ "body": body }), false, never, posted)
            .await?
        {
            Once::Found(id) => Ok(id),
            Once::Written(json) => {
                decode::<models::issues::Comment>(json, Verb::Post, &path, "an issue comment").map(|c| c.id.0)
            }
        }
    }

    /// Replaces the text of a comment.
    pub async fn edit_comment(&self, installation: u64, repo: &str, id: u64, body: &str) -> Result<(), GitHubError> {
        self.fetch::<models::issues::Comment>(
            installation,
            Verb::Patch,
            &format!("/repos/{repo}/issues/comments/{id}"),
            Some(&json!({ "body": fit(body, MAX_BODY) })),
            "an issue comment",
        )
        .await
        .map(|_| ())
    }

    /// The id of this client's comment marked `key` on `number`, if there is one.
    pub async fn find_comment(
        &self,
        installation: u64,
        repo: &str,
        number: u64,
        key: &str,
    ) -> Result<Option<u64>, GitHubError> {
        Ok(self.own_comment(installation, repo, number, key).await?.map(|c| c.id))
    }

    /// This client's comment marked `key` on `number`: only comments it wrote count
    /// (this app's `performed_via_github_app.id`, or the token's login), so neither a
    /// person quoting the marker nor another app copying it is ever taken for it.
    async fn own_comment(
        &self,
        installation: u64,
        repo: &str,
        number: u64,
        key: &str,
    ) -> Result<Option<Comment>, GitHubError> {
        let mark = marker(key);
        Ok(self
            .comments(installation, repo, number)
            .await?
            .into_iter()
            .find(|c| self.identity.wrote_as(&c.author, c.app_id) && c.body.starts_with(&mark)))
    }

    /// Updates Hallmark's comment marked `key` on `number`, or posts it: one comment
    /// per key however often it runs, and never someone else's (see `own_comment`).
    pub async fn upsert_comment(
        &self,
        installation: u64,
        repo: &str,
        number: u64,
        key: &str,
        body: &str,
    ) -> Result<u64, GitHubError> {
        let text = fit(&marked(key, body), MAX_BODY);
        let ours = || self.own_comment(installation, repo, number, key);
        let path = format!("/repos/{repo}/issues/{number}/comments");
        match self
            .post_once(installation, &path, &json!({ "body": text }), true, never, ours)
            .await?
        {
            Once::Found(c) => {
                if c.body != text {
                    self.edit_comment(installation, repo, c.id, &text).await?;
                }
                Ok(c.id)
            }
            Once::Written(json) => {
                decode::<models::issues::Comment>(json, Verb::Post, &path, "an issue comment").map(|c| c.id.0)
            }
        }
    }

    /// The repository's default branch.
    pub async fn default_branch(&self, installation: u64, repo: &str) -> Result<String, GitHubError> {
        let repository: models::Repository = self
            .fetch(installation, Verb::Get, &format!("/repos/{repo}"), None, "a repository")
            .await?;
        Ok(repository.default_branch.unwrap_or_else(|| "main".into()))
    }

    /// What a pull request merges: its head branch and commit, and the fork the branch
    /// is in when it is not `repo` (a deleted fork has no repository at all).
    pub async fn pull_head(&self, installation: u64, repo: &str, number: u64) -> Result<PullHead, GitHubError> {
        let pull: models::pulls::PullRequest = self
            .fetch(
                installation,
                Verb::Get,
                &format!("/repos/{repo}/pulls/{number}"),
                None,
                "a pull request",
            )
            .await?;
        let head_repo = pull.head.repo.as_ref().and_then(|r| r.full_name.clone());
        let fork = match head_repo {
            Some(name) if name.eq_ignore_ascii_case(repo) => None,
            Some(name) => Some(name),
            None => Some("a deleted fork".to_string()),
        };
        Ok(PullHead {
            branch: pull.head.ref_field,
            sha: pull.head.sha,
            fork,
        })
    }

    /// The review comments on a pull request's diff, as "@user on path: text" lines;
    /// those of bots (Hallmark's own among them) are left out.
    pub async fn review_comments(
        &self,
        installation: u64,
        repo: &str,
        number: u64,
    ) -> Result<Vec<String>, GitHubError> {
        let items: Vec<models::pulls::Comment> = self
            .list(
                installation,
                &format!("/repos/{repo}/pulls/{number}/comments"),
                "a list of review comments",
            )
            .await?;
        Ok(items
            .iter()
            .filter(|c| c.user.as_ref().is_none_or(|u| u.r#type != "Bot"))
            .map(|c| {
                format!(
                    "@{} on {}: {}",
                    c.user.as_ref().map_or("someone", |u| u.login.as_str()),
                    c.path,
                    c.body.trim()
                )
            })
            .collect())
    }

    /// Updates this client's open issue marked `key`, or opens it (once, whatever
    /// GitHub's answers); returns its number.
    pub async fn upsert_issue(
        &self,
        installation: u64,
        repo: &str,
        key: &str,
        title: &str,
        body: &str,
    ) -> Result<u64, GitHubError> {
        let mark = marker(key);
        let text = fit(&marked(key, body), MAX_BODY);
        let ours = || async {
            let open: Vec<AppIssue> = self
                .list(
                    installation,
                    &format!("/repos/{repo}/issues?state=open"),
                    "a list of issues",
                )
                .await?;
            Ok(open.into_iter().find(|i| {
                i.issue.pull_request.is_none()
                    && self
                        .identity
                        .wrote_as(&i.issue.user.login, i.performed_via_github_app.as_ref().map(|a| a.id))
                    && i.issue.body.as_deref().unwrap_or_default().starts_with(&mark)
            }))
        };
        let path = format!("/repos/{repo}/issues");
        match self
            .post_once(
                installation,
                &path,
                &json!({ "title": title, "body": text }),
                true,
                never,
                ours,
            )
            .await?
        {
            Once::Found(found) => {
                let number = found.issue.number;
                if found.issue.title != title || found.issue.body.as_deref() != Some(text.as_str()) {
                    self.fetch::<models::issues::Issue>(
                        installation,
                        Verb::Patch,
                        &format!("{path}/{number}"),
                        Some(&json!({ "title": title, "body": text })),
                        "an issue",
                    )
                    .await?;
                }
                Ok(number)
            }
            Once::Written(json) => {
                decode::<models::issues::Issue>(json, Verb::Post, &path, "an issue").map(|i| i.number)
            }
        }
    }

    /// The files a pull request changes (a rename names both paths).
    pub async fn pull_files(&self, installation: u64, repo: &str, number: u64) -> Result<Vec<String>, GitHubError> {
        let entries: Vec<models::repos::DiffEntry> = self
            .list(
                installation,
                &format!("/repos/{repo}/pulls/{number}/files"),
                "a list of pull request files",
            )
            .await?;
        Ok(entries
            .into_iter()
            .flat_map(|e| std::iter::once(e.filename).chain(e.previous_filename))
            .collect())
    }

    /// A file of the repository's default branch, or `None` when it does not exist.
    pub async fn file_text(&self, installation: u64, repo: &str, path: &str) -> Result<Option<String>, GitHubError> {
        use base64::Engine as _;
        let route = format!("/repos/{repo}/contents/{path}");
        let content: models::repos::Content = match self
            .fetch(installation, Verb::Get, &route, None, "a file's contents")
            .await
        {
            Ok(content) => content,
            Err(GitHubError::Status { status: 404, .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        // octocrab's `decoded_content` panics on bad base64; decoded here instead.
        let packed: String = content.content.unwrap_or_default().split_whitespace().collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(packed)
            .map_err(|e| GitHubError::Shape {
                method: "GET".into(),
                path: route.clone(),
                what: "a file's contents",
                message: format!("the content is not base64: {e}"),
            })?;
        Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// An issue's body.
    pub async fn issue_body(&self, installation: u64, repo: &str, number: u64) -> Result<String, GitHubError> {
        let issue: models::issues::Issue = self
            .fetch(
                installation,
                Verb::Get,
                &format!("/repos/{repo}/issues/{number}"),
                None,
                "an issue",
            )
            .await?;
        Ok(issue.body.unwrap_or_default())
    }

    /// Opens a pull request from `head` into `base`, or updates the title and body of
    /// the open one from `head`: a job that runs again never opens a second.
    pub async fn open_or_update_pull(
        &self,
        installation: u64,
        repo: &str,
        head: &str,
        base: &str,
        title: &str,
        body: &str,
    ) -> Result<u64, GitHubError> {
        let owner = repo.split('/').next().unwrap_or_default();
        let open = || async {
            let open: Vec<models::pulls::PullRequest> = self
                .list(
                    installation,
                    &format!(
                        "/repos/{repo}/pulls?state=open&head={}",
                        percent_encode(&format!("{owner}:{head}"))
                    ),
                    "a list of pull requests",
                )
                .await?;
            Ok(open.first().map(|p| p.number))
        };
        // Opened once: when the answer is lost, or GitHub says one already exists
        // (another run got there first), the open one is found and updated.
        let path = format!("/repos/{repo}/pulls");
        let body = fit(body, MAX_BODY);
        let request = json!({ "title": title, "body": body, "head": head, "base": base });
        match self
            .post_once(installation, &path, &request, true, GitHubError::pull_exists, open)
            .await?
        {
            Once::Found(number) => {
                self.fetch::<models::pulls::PullRequest>(
                    installation,
                    Verb::Patch,
                    &format!("/repos/{repo}/pulls/{number}"),
                    Some(&json!({ "title": title, "body": body })),
                    "a pull request",
                )
                .await?;
                Ok(number)
            }
            Once::Written(json) => {
                decode::<models::pulls::PullRequest>(json, Verb::Post, &path, "a pull request").map(|p| p.number)
            }
        }
    }
}
