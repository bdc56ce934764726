//! The forge a job acts on, behind one trait: GitHub (as an app installation) and
//! GitLab (with a token) both comment, react, read permissions and files, and open or
//! update the pull (merge) request, so the worker and its commands never name either.
//! Methods return boxed futures so the trait can be used as `dyn Forge`.

pub mod github;
pub mod gitlab;

use crate::git::GitCredentials;
pub use crate::git::PullHead;
use crate::github::errors::GitHubError;
pub use crate::github::permission::Permission;
use crate::gitlab::client::GitLabError;
use std::future::Future;
use std::pin::Pin;

/// The name of Hallmark's status on a commit (a check run on GitHub, a commit status
/// on GitLab): what a branch rule requires.
pub const STATUS_NAME: &str = "hallmark";

/// The App's mark on its check runs (`external_id`): `hallmark ci` marks its own
/// differently, so neither finds, and edits, the other's.
pub const STATUS_EXTERNAL_ID: &str = "hallmark-app";

/// What a forge call returns.
pub type ForgeFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, ForgeError>> + Send + 'a>>;

/// Why a forge call failed.
#[derive(Debug, thiserror::Error)]
pub enum ForgeError {
    /// GitHub's.
    #[error(transparent)]
    GitHub(#[from] GitHubError),
    /// GitLab's.
    #[error(transparent)]
    GitLab(#[from] GitLabError),
}

/// An issue or a pull (merge) request. GitLab numbers issues and merge requests
/// separately, so the kind goes with the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thread {
    /// The number (GitLab: the iid).
    pub number: u64,
    /// True for a pull (merge) request.
    pub pull_request: bool,
}

/// The reactions Hallmark gives: 👀 when it starts, 😕 when it refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reaction {
    /// Seen, working on it.
    Eyes,
    /// Cannot do that.
    Confused,
}

impl Reaction {
    /// GitHub's reaction `content` and GitLab's award emoji `name` (the same words).
    pub fn name(self) -> &'static str {
        match self {
            Reaction::Eyes => "eyes",
            Reaction::Confused => "confused",
        }
    }
}

/// What Hallmark does on a forge.
pub trait Forge: Send + Sync {
    /// `user`'s permission on `repo`; none when they are no member.
    fn permission<'a>(&'a self, repo: &'a str, user: &'a str) -> ForgeFuture<'a, Permission>;
    /// Posts a comment; returns its id. A lost answer never posts it twice.
    fn comment<'a>(&'a self, repo: &'a str, thread: Thread, body: &'a str) -> ForgeFuture<'a, u64>;
    /// Replaces the text of comment `id` (which Hallmark wrote) on `thread`.
    fn edit_comment<'a>(&'a self, repo: &'a str, thread: Thread, id: u64, body: &'a str) -> ForgeFuture<'a, ()>;
    /// Updates Hallmark's comment marked `key` on `thread`, or posts it; returns its id.
    fn upsert_comment<'a>(&'a self, repo: &'a str, thread: Thread, key: &'a str, body: &'a str)
        -> ForgeFuture<'a, u64>;
    /// Reacts to the issue or pull request itself.
    fn react_to_thread<'a>(&'a self, repo: &'a str, thread: Thread, reaction: Reaction) -> ForgeFuture<'a, ()>;
    /// Reacts to comment `comment` on `thread`.
    fn react_to_comment<'a>(
        &'a self,
        repo: &'a str,
        thread: Thread,
        comment: u64,
        reaction: Reaction,
    ) -> ForgeFuture<'a, ()>;
    /// The repository's default branch.
    fn default_branch<'a>(&'a self, repo: &'a str) -> ForgeFuture<'a, String>;
    /// A file of the default branch, or `None` when it does not exist.
    fn file_text<'a>(&'a self, repo: &'a str, path: &'a str) -> ForgeFuture<'a, Option<String>>;
    /// An issue's text.
    fn issue_body<'a>(&'a self, repo: &'a str, number: u64) -> ForgeFuture<'a, String>;
    /// What pull (merge) request `number` merges: its branch, commit, and whether that
    /// branch is in a fork.
    fn pull_head<'a>(&'a self, repo: &'a str, number: u64) -> ForgeFuture<'a, PullHead>;
    /// The ref of the base repository that holds pull (merge) request `number`'s head
    /// commit, a fork's included (`refs/pull/N/head`, `refs/merge-requests/N/head`).
    fn pull_ref(&self, number: u64) -> String;
    /// The review comments on a pull (merge) request's diff, as "@user on path: text".
    fn review_comments<'a>(&'a self, repo: &'a str, number: u64) -> ForgeFuture<'a, Vec<String>>;
    /// Updates Hallmark's open issue marked `key`, or opens it; returns its number.
    fn upsert_issue<'a>(&'a self, repo: &'a str, key: &'a str, title: &'a str, body: &'a str) -> ForgeFuture<'a, u64>;
    /// The files pull (merge) request `number` changes (old and new paths of renames).
    fn pull_changed_files<'a>(&'a self, repo: &'a str, number: u64) -> ForgeFuture<'a, Vec<String>>;
    /// Opens a pull (merge) request from `head` into `base`, or updates the open one.
    fn open_or_update_pull<'a>(
        &'a self,
        repo: &'a str,
        head: &'a str,
        base: &'a str,
        title: &'a str,
        body: &'a str,
    ) -> ForgeFuture<'a, u64>;
    /// How git clones from and pushes to the forge.
    fn git_credentials(&self) -> ForgeFuture<'_, GitCredentials>;
    /// Sets Hallmark's verdict on commit `sha`, where the pull (merge) request shows
    /// it: GitHub's `hallmark` check run, GitLab's `hallmark` commit status.
    fn set_status<'a>(&'a self, repo: &'a str, sha: &'a str, passed: bool, summary: &'a str) -> ForgeFuture<'a, ()>;
    /// How the forge's people name pull (merge) request `number` at a sentence's
    /// start: `Pull request #5`, `Merge request !5`.
    fn pull_name(&self, number: u64) -> String;
}
