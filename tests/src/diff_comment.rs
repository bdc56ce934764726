//! A reviewer's comment on a line of a pull (merge) request's diff, as both fakes keep
//! it: GitHub's review comments, GitLab's diff notes.

/// One comment on the diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffComment {
    /// The repository (`owner/name`) or project path.
    pub repo: String,
    /// The pull request's number or the merge request's iid.
    pub number: u64,
    /// Who wrote it.
    pub author: String,
    /// The file it is on.
    pub path: String,
    /// Its text.
    pub body: String,
}

impl DiffComment {
    /// `author`'s comment `body` on `path` in request `number` of `repo`.
    pub fn new(repo: &str, number: u64, author: &str, path: &str, body: &str) -> Self {
        DiffComment {
            repo: repo.into(),
            number,
            author: author.into(),
            path: path.into(),
            body: body.into(),
        }
    }
}
