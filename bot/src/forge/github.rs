//! GitHub behind [`Forge`]: the app's client acting as one installation. Pull
//! requests are issues on GitHub, so comments and reactions on either go to the
//! issue endpoints.

use super::{Forge, ForgeFuture, Permission, Reaction, Thread, STATUS_NAME};
use crate::git::{GitCredentials, PullHead};
use crate::github::check_runs::CheckRunReport;
use crate::github::client::GitHubClient;

/// GitHub, as one installation of the app.
#[derive(Debug, Clone)]
pub struct GitHubForge {
    /// The app's client.
    pub client: GitHubClient,
    /// The installation the job acts for.
    pub installation: u64,
}

impl Forge for GitHubForge {
    fn permission<'a>(&'a self, repo: &'a str, user: &'a str) -> ForgeFuture<'a, Permission> {
        Box::pin(async move { Ok(self.client.permission(self.installation, repo, user).await?) })
    }

    fn comment<'a>(&'a self, repo: &'a str, thread: Thread, body: &'a str) -> ForgeFuture<'a, u64> {
        Box::pin(async move {
            Ok(self
                .client
                .comment(self.installation, repo, thread.number, body)
                .await?)
        })
    }

    fn edit_comment<'a>(&'a self, repo: &'a str, _thread: Thread, id: u64, body: &'a str) -> ForgeFuture<'a, ()> {
        Box::pin(async move { Ok(self.client.edit_comment(self.installation, repo, id, body).await?) })
    }

    fn upsert_comment<'a>(
        &'a self,
        repo: &'a str,
        thread: Thread,
        key: &'a str,
        body: &'a str,
    ) -> ForgeFuture<'a, u64> {
        Box::pin(async move {
            Ok(self
                .client
                .upsert_comment(self.installation, repo, thread.number, key, body)
                .await?)
        })
    }

    fn react_to_thread<'a>(&'a self, repo: &'a str, thread: Thread, reaction: Reaction) -> ForgeFuture<'a, ()> {
        Box::pin(async move {
            Ok(self
                .client
                .react_to_issue(self.installation, repo, thread.number, reaction.name())
                .await?)
        })
    }

    fn react_to_comment<'a>(
        &'a self,
        repo: &'a str,
        _thread: Thread,
        comment: u64,
        reaction: Reaction,
    ) -> ForgeFuture<'a, ()> {
        Box::pin(async move {
            Ok(self
                .client
                .react_to_comment(self.installation, repo, comment, reaction.name())
                .await?)
        })
    }

    fn default_branch<'a>(&'a self, repo: &'a str) -> ForgeFuture<'a, String> {
        Box::pin(async move { Ok(self.client.default_branch(self.installation, repo).await?) })
    }

    fn file_text<'a>(&'a self, repo: &'a str, path: &'a str) -> ForgeFuture<'a, Option<String>> {
        Box::pin(async move { Ok(self.client.file_text(self.installation, repo, path).await?) })
    }

    fn issue_body<'a>(&'a self, repo: &'a str, number: u64) -> ForgeFuture<'a, String> {
        Box::pin(async move { Ok(self.client.issue_body(self.installation, repo, number).await?) })
    }

    fn pull_head<'a>(&'a self, repo: &'a str, number: u64) -> ForgeFuture<'a, PullHead> {
        Box::pin(async move { Ok(self.client.pull_head(self.installation, repo, number).await?) })
    }

    fn pull_ref(&self, number: u64) -> String {
        format!("refs/pull/{number}/head")
    }

    fn review_comments<'a>(&'a self, repo: &'a str, number: u64) -> ForgeFuture<'a, Vec<String>> {
        Box::pin(async move { Ok(self.client.review_comments(self.installation, repo, number).await?) })
    }

    fn upsert_issue<'a>(&'a self, repo: &'a str, key: &'a str, title: &'a str, body: &'a str) -> ForgeFuture<'a, u64> {
        Box::pin(async move {
            Ok(self
                .client
                .upsert_issue(self.installation, repo, key, title, body)
                .await?)
        })
    }

    fn pull_changed_files<'a>(&'a self, repo: &'a str, number: u64) -> ForgeFuture<'a, Vec<String>> {
        Box::pin(async move { Ok(self.client.pull_files(self.installation, repo, number).await?) })
    }

    fn open_or_update_pull<'a>(
        &'a self,
        repo: &'a str,
        head: &'a str,
        base: &'a str,
        title: &'a str,
        body: &'a str,
    ) -> ForgeFuture<'a, u64> {
        Box::pin(async move {
            Ok(self
                .client
                .open_or_update_pull(self.installation, repo, head, base, title, body)
                .await?)
        })
    }

    fn git_credentials(&self) -> ForgeFuture<'_, GitCredentials> {
        Box::pin(async move {
            Ok(GitCredentials {
                username: "x-access-token",
                token: self.client.installation_token(self.installation).await?,
            })
        })
    }

    fn set_status<'a>(&'a self, repo: &'a str, sha: &'a str, passed: bool, summary: &'a str) -> ForgeFuture<'a, ()> {
        Box::pin(async move {
            let report = CheckRunReport {
                name: STATUS_NAME.into(),
                head_sha: sha.into(),
                conclusion: if passed { "success" } else { "failure" },
                title: summary.into(),
                summary: format!("{summary}\n\nThe checklist is the pull request's `hallmark` comment."),
                details_url: None,
                external_id: super::STATUS_EXTERNAL_ID,
                annotations: Vec::new(),
            };
            self.client.publish_check_run(self.installation, repo, &report).await?;
            Ok(())
        })
    }

    fn pull_name(&self, number: u64) -> String {
        format!("Pull request #{number}")
    }
}
