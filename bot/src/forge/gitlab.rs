//! GitLab behind [`Forge`]: a project's issues and merge requests through the REST
//! API v4 with a token. Permissions come from the member's access level, inherited
//! group membership included: Guest reads, Reporter triages, Developer writes,
//! Maintainer maintains, Owner administers.

use super::{Forge, ForgeFuture, Permission, Reaction, Thread, STATUS_NAME};
use crate::git::{GitCredentials, PullHead};
use crate::gitlab::client::{self, GitLabClient};

/// GitLab, with one token.
#[derive(Debug, Clone)]
pub struct GitLabForge {
    /// The client.
    pub client: GitLabClient,
    /// The token git pushes with (as `oauth2`).
    pub token: hallmark_checks::secret::Secret,
}

/// The permission a GitLab access level grants.
pub fn permission_of(access_level: u64) -> Permission {
    match access_level {
        50.. => Permission::Admin,
        40..=49 => Permission::Maintain,
        30..=39 => Permission::Write,
        // Reporter (20), and Planner (15, GitLab 17.7+), who plans and triages issues.
        15..=29 => Permission::Triage,
        10..=14 => Permission::Read,
        _ => Permission::None,
    }
}

fn thread(t: Thread) -> client::Thread {
    client::Thread {
        iid: t.number,
        merge_request: t.pull_request,
    }
}

impl Forge for GitLabForge {
    fn permission<'a>(&'a self, repo: &'a str, user: &'a str) -> ForgeFuture<'a, Permission> {
        Box::pin(async move { Ok(permission_of(self.client.access_level(repo, user).await?)) })
    }

    fn comment<'a>(&'a self, repo: &'a str, t: Thread, body: &'a str) -> ForgeFuture<'a, u64> {
        Box::pin(async move { Ok(self.client.note(repo, thread(t), body).await?) })
    }

    fn edit_comment<'a>(&'a self, repo: &'a str, t: Thread, id: u64, body: &'a str) -> ForgeFuture<'a, ()> {
        Box::pin(async move { Ok(self.client.edit_note(repo, thread(t), id, body).await?) })
    }

    fn upsert_comment<'a>(&'a self, repo: &'a str, t: Thread, key: &'a str, body: &'a str) -> ForgeFuture<'a, u64> {
        Box::pin(async move { Ok(self.client.upsert_note(repo, thread(t), key, body).await?) })
    }

    fn react_to_thread<'a>(&'a self, repo: &'a str, t: Thread, reaction: Reaction) -> ForgeFuture<'a, ()> {
        Box::pin(async move { Ok(self.client.award(repo, thread(t), None, reaction.name()).await?) })
    }

    fn react_to_comment<'a>(
        &'a self,
        repo: &'a str,
        t: Thread,
        comment: u64,
        reaction: Reaction,
    ) -> ForgeFuture<'a, ()> {
        Box::pin(async move {
            Ok(self
                .client
                .award(repo, thread(t), Some(comment), reaction.name())
                .await?)
        })
    }

    fn default_branch<'a>(&'a self, repo: &'a str) -> ForgeFuture<'a, String> {
        Box::pin(async move { Ok(self.client.default_branch(repo).await?) })
    }

    fn file_text<'a>(&'a self, repo: &'a str, path: &'a str) -> ForgeFuture<'a, Option<String>> {
        Box::pin(async move { Ok(self.client.file_text(repo, path).await?) })
    }

    fn issue_body<'a>(&'a self, repo: &'a str, number: u64) -> ForgeFuture<'a, String> {
        Box::pin(async move { Ok(self.client.issue_description(repo, number).await?) })
    }

    fn pull_head<'a>(&'a self, repo: &'a str, number: u64) -> ForgeFuture<'a, PullHead> {
        Box::pin(async move { Ok(self.client.merge_request_source(repo, number).await?) })
    }

    fn pull_ref(&self, number: u64) -> String {
        format!("refs/merge-requests/{number}/head")
    }

    fn review_comments<'a>(&'a self, repo: &'a str, number: u64) -> ForgeFuture<'a, Vec<String>> {
        Box::pin(async move { Ok(self.client.diff_notes(repo, number).await?) })
    }

    fn upsert_issue<'a>(&'a self, repo: &'a str, key: &'a str, title: &'a str, body: &'a str) -> ForgeFuture<'a, u64> {
        Box::pin(async move { Ok(self.client.upsert_issue(repo, key, title, body).await?) })
    }

    fn pull_changed_files<'a>(&'a self, repo: &'a str, number: u64) -> ForgeFuture<'a, Vec<String>> {
        Box::pin(async move { Ok(self.client.merge_request_files(repo, number).await?) })
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
                .open_or_update_merge_request(repo, head, base, title, body)
                .await?)
        })
    }

    fn git_credentials(&self) -> ForgeFuture<'_, GitCredentials> {
        Box::pin(async move {
            Ok(GitCredentials {
                username: "oauth2",
                token: self.token.clone(),
            })
        })
    }

    fn set_status<'a>(&'a self, repo: &'a str, sha: &'a str, passed: bool, summary: &'a str) -> ForgeFuture<'a, ()> {
        Box::pin(async move {
            let state = if passed { "success" } else { "failed" };
            Ok(self
                .client
                .set_commit_status(repo, sha, STATUS_NAME, state, summary)
                .await?)
        })
    }

    fn pull_name(&self, number: u64) -> String {
        format!("Merge request !{number}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_levels_map_to_permissions() {
        let p: Vec<Permission> = [0, 5, 10, 15, 20, 30, 40, 50].into_iter().map(permission_of).collect();
        assert_eq!(
            p,
            [
                Permission::None,
                Permission::None,
                Permission::Read,
                Permission::Triage,
                Permission::Triage,
                Permission::Write,
                Permission::Maintain,
                Permission::Admin
            ]
        );
    }
}
