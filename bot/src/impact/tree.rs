//! One version of the repository written out to a folder, so it can be loaded and
//! checked like any checkout without touching the user's working tree, index or
//! branches. Only regular files are written: a symbolic link in history is skipped
//! rather than followed out of the folder.

use super::ImpactError;
use hallmark_checks::Project;
use std::path::Path;

/// The commit `rev` names in the repository holding `repo_dir`, as 40 hex digits.
pub fn resolve(repo_dir: &Path, rev: &str) -> Result<String, ImpactError> {
    let fail = |message: String| ImpactError::Git {
        rev: rev.into(),
        repo: repo_dir.display().to_string(),
        message,
    };
    let repo = git2::Repository::discover(repo_dir).map_err(|e| fail(e.message().into()))?;
    let commit = repo
        .revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map_err(|e| fail(e.message().into()))?;
    Ok(commit.id().to_string())
}

/// The folder of `project_dir` inside its git repository (`""` for the root), which
/// is what a version written out holds. `rev` names the version in errors.
pub fn project_subdir(project_dir: &Path, rev: &str) -> Result<std::path::PathBuf, ImpactError> {
    let repo = git2::Repository::discover(project_dir).map_err(|e| ImpactError::Git {
        rev: rev.into(),
        repo: project_dir.display().to_string(),
        message: e.message().into(),
    })?;
    let root = repo
        .workdir()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| project_dir.to_path_buf());
    let here = project_dir.canonicalize().unwrap_or_else(|_| project_dir.to_path_buf());
    let root = root.canonicalize().unwrap_or(root);
    Ok(here.strip_prefix(&root).unwrap_or(Path::new("")).to_path_buf())
}

/// Writes the files of `rev` under `subdir` (the project's folder inside the
/// repository, `""` for its root) to `dest`.
pub fn export(repo_dir: &Path, rev: &str, subdir: &Path, dest: &Path) -> Result<(), ImpactError> {
    let fail = |message: String| ImpactError::Git {
        rev: rev.into(),
        repo: repo_dir.display().to_string(),
        message,
    };
    let repo = git2::Repository::discover(repo_dir).map_err(|e| fail(e.message().into()))?;
    let tree = repo
        .revparse_single(rev)
        .and_then(|o| o.peel_to_tree())
        .map_err(|e| fail(e.message().into()))?;
    let mut failed: Option<ImpactError> = None;
    tree.walk(git2::TreeWalkMode::PreOrder, |parent, entry| {
        if entry.kind() != Some(git2::ObjectType::Blob) || entry.filemode() == 0o120000 {
            return git2::TreeWalkResult::Ok;
        }
        let rel = Path::new(parent).join(entry.name().unwrap_or_default());
        let Ok(inside) = rel.strip_prefix(subdir) else {
            return git2::TreeWalkResult::Ok;
        };
        let path = dest.join(inside);
        let written = repo
            .find_blob(entry.id())
            .map_err(|e| e.message().to_string())
            .and_then(|blob| {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
                }
                std::fs::write(&path, blob.content()).map_err(|e| e.to_string())
            });
        match written {
            Ok(()) => git2::TreeWalkResult::Ok,
            Err(message) => {
                failed = Some(ImpactError::Write {
                    path: path.display().to_string(),
                    message,
                });
                git2::TreeWalkResult::Abort
            }
        }
    })
    .map_err(|e| failed.take().unwrap_or_else(|| fail(e.message().into())))?;
    Ok(())
}

/// One version of the repository written out and loaded. The folder lives as long as
/// this does: checks read its bronze files and specs.
pub struct Checkout {
    /// The version, loaded.
    pub project: Project,
    _dir: tempfile::TempDir,
}

/// Writes `rev` (the project under `subdir`) out to a temporary folder and loads it,
/// with the configuration from `config` instead of its `.hallmark.yml` when given.
pub fn checkout(repo_dir: &Path, subdir: &Path, rev: &str, config: Option<&Path>) -> Result<Checkout, ImpactError> {
    let dir = tempfile::tempdir().map_err(|e| ImpactError::Write {
        path: std::env::temp_dir().display().to_string(),
        message: e.to_string(),
    })?;
    export(repo_dir, rev, subdir, dir.path())?;
    let loaded = match config {
        Some(file) => Project::load_with_config(dir.path(), file),
        None => Project::load(dir.path()),
    };
    let project = loaded.map_err(|errors| ImpactError::Project {
        rev: rev.into(),
        errors,
    })?;
    Ok(Checkout { project, _dir: dir })
}
