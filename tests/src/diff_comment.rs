//! A reviewer's comment on a line of a pull (merge) request's diff, as both fakes keep
//! it, under the repository or project it is in: GitHub's review comments, GitLab's
//! diff notes.

/// One comment on the diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffComment {
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
    /// `author`'s comment `body` on `path` in request `number`.
    pub fn new(number: u64, author: &str, path: &str, body: &str) -> Self {
        DiffComment {
            number,
            author: author.into(),
            path: path.into(),
            body: body.into(),
        }
    }
}
