//! Commits a promotion on its own branch with `git2`, writing objects straight into
//! the repository: the working tree, the index and the checked-out branch are never
//! touched, so a user's uncommitted work is safe while Hallmark runs.

use crate::agent::job::Promotion;
use git2::build::TreeUpdateBuilder;
use git2::{BranchType, FileMode, Oid, Repository, Signature};
use hallmark_checks::secret::Secret;
use std::path::Path;

/// Why the commit could not be made.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// libgit2 failed.
    #[error("git: {0}")]
    Git(#[from] git2::Error),
    /// There is no commit to branch from.
    #[error("the repository at {0} has no commit yet; commit something first so the branch has a base")]
    NoBase(String),
    /// The branch is checked out, and moving it would change the user's work tree.
    #[error("`{0}` is the branch checked out in the working tree; switch to another branch so Hallmark can commit to it without touching your files")]
    CheckedOut(String),
}

/// What was committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    /// The branch, without `refs/heads/`.
    pub branch: String,
    /// The new commit, or the branch's tip when nothing changed.
    pub commit: String,
    /// The commit it was made on.
    pub parent: String,
    /// False when the files were already there exactly.
    pub changed: bool,
}

/// The identity commits are made as when the repository configures none.
pub const DEFAULT_AUTHOR: (&str, &str) = ("Hallmark", "hallmark@users.noreply.localhost");

/// Commits `files` (and removes `deletions`) on `branch`: on top of the branch when it
/// exists, else on top of HEAD's commit.
pub fn commit_on_branch<'f>(
    repo_path: &Path,
    branch: &str,
    files: impl IntoIterator<Item = (&'f str, &'f str)>,
    deletions: &[String],
    message: &str,
) -> Result<Committed, GitError> {
    let repo = Repository::open(repo_path)?;
    let full = format!("refs/heads/{branch}");
    if repo
        .head()
        .ok()
        .and_then(|h| h.name().ok().map(str::to_string))
        .as_deref()
        == Some(full.as_str())
    {
        return Err(GitError::CheckedOut(branch.to_string()));
    }
    let parent = match repo.find_branch(branch, BranchType::Local) {
        Ok(b) => b.get().peel_to_commit()?,
        Err(_) => repo
            .head()
            .and_then(|h| h.peel_to_commit())
            .map_err(|_| GitError::NoBase(repo_path.display().to_string()))?,
    };
    let base_tree = parent.tree()?;
    let mut update = TreeUpdateBuilder::new();
    for (path, content) in files {
        let blob = repo.blob(content.as_bytes())?;
        update.upsert(path, blob, FileMode::Blob);
    }
    for path in deletions {
        update.remove(path);
    }
    let tree_id: Oid = update.create_updated(&repo, &base_tree)?;
    if tree_id == base_tree.id() {
        return Ok(Committed {
            branch: branch.to_string(),
            commit: parent.id().to_string(),
            parent: parent.id().to_string(),
            changed: false,
        });
    }
    let tree = repo.find_tree(tree_id)?;
    let sig = repo
        .signature()
        .or_else(|_| Signature::now(DEFAULT_AUTHOR.0, DEFAULT_AUTHOR.1))?;
    let commit = repo.commit(Some(&full), &sig, &sig, message, &tree, &[&parent])?;
    Ok(Committed {
        branch: branch.to_string(),
        commit: commit.to_string(),
        parent: parent.id().to_string(),
        changed: true,
    })
}

/// Makes `root` a git repository on `main` whose one commit holds every file in it.
/// For repositories Hallmark creates itself (the demo, tests), never a user's.
pub fn init_repository(root: &Path, message: &str) -> Result<String, GitError> {
    let mut opts = git2::RepositoryInitOptions::new();
    opts.initial_head("main");
    let repo = Repository::init_opts(root, &opts)?;
    let mut index = repo.index()?;
    index.add_all(["*"], git2::IndexAddOption::DEFAULT, None)?;
    index.write()?;
    let tree = repo.find_tree(index.write_tree()?)?;
    let sig = Signature::now(DEFAULT_AUTHOR.0, DEFAULT_AUTHOR.1)?;
    let commit = repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &[])?;
    Ok(commit.to_string())
}

/// Checks out `branch` in `root`'s working tree, overwriting it. For repositories
/// Hallmark created itself (the demo): a user's working tree is never checked out.
pub fn checkout_branch(root: &Path, branch: &str) -> Result<(), GitError> {
    let repo = Repository::open(root)?;
    let full = format!("refs/heads/{branch}");
    let tree = repo.find_reference(&full)?.peel_to_tree()?;
    repo.checkout_tree(tree.as_object(), Some(git2::build::CheckoutBuilder::new().force()))?;
    repo.set_head(&full)?;
    Ok(())
}

/// Commits a finished promotion on its branch (`hallmark/<level>/<product>`).
pub fn commit_promotion(root: &Path, p: &Promotion) -> Result<Committed, GitError> {
    commit_on_branch(
        root,
        &p.target.branch(),
        p.files.iter(),
        &p.deletions,
        &p.commit_message,
    )
}

/// The commit HEAD of the repository at `root` points at, as 40 hex digits.
pub fn head_commit(root: &Path) -> Result<String, GitError> {
    let repo = Repository::open(root)?;
    let commit = repo.head()?.peel_to_commit()?;
    Ok(commit.id().to_string())
}

/// The merge base of revisions `a` and `b` of the repository at `root`: where a pull
/// request's branch left its base.
pub fn merge_base(root: &Path, a: &str, b: &str) -> Result<String, GitError> {
    let repo = Repository::open(root)?;
    let a = repo.revparse_single(a)?.peel_to_commit()?.id();
    let b = repo.revparse_single(b)?.peel_to_commit()?.id();
    Ok(repo.merge_base(a, b)?.to_string())
}

/// The files that differ between revisions `a` and `b` of the repository at `root`
/// (both paths of a rename).
pub fn changed_between(root: &Path, a: &str, b: &str) -> Result<Vec<String>, GitError> {
    let repo = Repository::open(root)?;
    let a = repo.revparse_single(a)?.peel_to_tree()?;
    let b = repo.revparse_single(b)?.peel_to_tree()?;
    let diff = repo.diff_tree_to_tree(Some(&a), Some(&b), None)?;
    let mut files: Vec<String> = Vec::new();
    for delta in diff.deltas() {
        for path in [delta.old_file().path(), delta.new_file().path()].into_iter().flatten() {
            let path = path.to_string_lossy().replace('\\', "/");
            if !files.contains(&path) {
                files.push(path);
            }
        }
    }
    Ok(files)
}

/// The head of a pull (merge) request. A fork's branch is not in the base repository:
/// a branch of the same name there is someone else's work, so the head is checked out
/// from the ref the forge keeps for it (`refs/pull/N/head`) at `sha`, and nothing is ever pushed to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullHead {
    /// The branch it merges, in the repository it comes from.
    pub branch: String,
    /// The commit it is at.
    pub sha: String,
    /// The repository the branch is in, `owner/name`, when that is a fork.
    pub fork: Option<String>,
}

/// Credentials for an HTTPS remote: a token as the password of a user name the forge
/// names (GitHub: `x-access-token`; GitLab: `oauth2`).
#[derive(Debug, Clone)]
pub struct GitCredentials {
    /// The user name git sends.
    pub username: &'static str,
    /// The token, sent as the password.
    pub token: Secret,
}

/// Callbacks that answer the remote's credential request; the token lives only in
/// this callback.
fn callbacks(credentials: Option<&GitCredentials>) -> git2::RemoteCallbacks<'_> {
    let mut callbacks = git2::RemoteCallbacks::new();
    if let Some(c) = credentials {
        callbacks
            .credentials(move |_url, _user, _allowed| git2::Cred::userpass_plaintext(c.username, c.token.expose()));
    }
    callbacks
}

/// Clones `url` into `dest` (which must not exist) for a job: the bot never works in
/// a checkout someone else uses. `credentials` authenticate over HTTPS.
pub fn clone_fresh(url: &str, dest: &Path, credentials: Option<&GitCredentials>) -> Result<(), GitError> {
    let mut fetch = git2::FetchOptions::new();
    fetch.remote_callbacks(callbacks(credentials));
    git2::build::RepoBuilder::new().fetch_options(fetch).clone(url, dest)?;
    Ok(())
}

/// True when the clone at `root` has commit `sha`.
pub fn has_commit(root: &Path, sha: &str) -> bool {
    let Ok(repo) = Repository::open(root) else {
        return false;
    };
    git2::Oid::from_str(sha).is_ok_and(|oid| repo.find_commit(oid).is_ok())
}

/// Fetches `remote_ref` of `url` (a pull request's `refs/pull/N/head`, which holds a
/// fork's commits too) into `local_ref` of the clone at `repo_path`, overwriting it;
/// returns the commit fetched.
pub fn fetch_ref(
    repo_path: &Path,
    url: &str,
    remote_ref: &str,
    local_ref: &str,
    credentials: Option<&GitCredentials>,
) -> Result<String, GitError> {
    let repo = Repository::open(repo_path)?;
    let mut remote = repo.remote_anonymous(url)?;
    let mut options = git2::FetchOptions::new();
    options.remote_callbacks(callbacks(credentials));
    remote.fetch(&[format!("+{remote_ref}:{local_ref}")], Some(&mut options), None)?;
    let fetched = repo
        .refname_to_id(local_ref)
        .map_err(|_| GitError::Git(git2::Error::from_str(&format!("the remote has no {remote_ref}"))))?;
    Ok(fetched.to_string())
}

/// Makes the local branch `branch` start where the remote's does, when the remote
/// has it: a job that runs again commits on top of its earlier work instead of
/// beside it (which a push without force would rightly refuse).
pub fn track_remote_branch(repo_path: &Path, branch: &str) -> Result<bool, GitError> {
    let repo = Repository::open(repo_path)?;
    let Ok(remote) = repo.find_reference(&format!("refs/remotes/origin/{branch}")) else {
        return Ok(false);
    };
    let commit = remote.peel_to_commit()?;
    repo.branch(branch, &commit, true)?;
    Ok(true)
}

/// Pushes `branch` to `url` without force: if someone else moved the branch, the
/// push fails rather than overwriting their commits. `credentials` authenticate over HTTPS.
pub fn push_branch(
    repo_path: &Path,
    url: &str,
    branch: &str,
    credentials: Option<&GitCredentials>,
) -> Result<(), GitError> {
    let repo = Repository::open(repo_path)?;
    let mut remote = repo.remote_anonymous(url)?;
    let refspec = format!("refs/heads/{branch}:refs/heads/{branch}");
    let mut rejected: Option<String> = None;
    let mut callbacks = callbacks(credentials);
    callbacks.push_update_reference(|name, status| {
        if let Some(s) = status {
            rejected = Some(format!("{name}: {s}"));
        }
        Ok(())
    });
    let mut options = git2::PushOptions::new();
    options.remote_callbacks(callbacks);
    remote.push(&[refspec.as_str()], Some(&mut options))?;
    drop(options);
    match rejected {
        Some(why) => Err(GitError::Git(git2::Error::from_str(&format!(
            "the push was refused: {why}"
        )))),
        None => Ok(()),
    }
}

/// Checks out revision `rev` (a remote branch, a commit) with HEAD detached there, so
/// any branch, the checked-out one included, can be committed to afterwards.
pub fn checkout_detached(root: &Path, rev: &str) -> Result<(), GitError> {
    let repo = Repository::open(root)?;
    let commit = repo.revparse_single(rev)?.peel_to_commit()?;
    repo.checkout_tree(commit.as_object(), Some(git2::build::CheckoutBuilder::new().force()))?;
    repo.set_head_detached(commit.id())?;
    Ok(())
}

/// Detaches HEAD at its commit, so the branch it was on can be committed to with
/// [`commit_on_branch`]. For the bot's own clones only.
pub fn detach_head(repo_path: &Path) -> Result<(), GitError> {
    let repo = Repository::open(repo_path)?;
    let commit = repo.head()?.peel_to_commit()?;
    repo.set_head_detached(commit.id())?;
    Ok(())
}
