//! Paths a repository's configuration names, held inside the repository: relative,
//! no `..`, no symbolic link out of it.

use std::path::{Path, PathBuf};

/// Checks that `rel`, a path a repository's file names, is relative and climbs no
/// folder (`..`): a repository's configuration must not point Hallmark at a file of
/// the host. Symbolic links are followed where the file is opened
/// ([`inside_repository`]).
pub fn relative_inside(rel: &Path) -> Result<(), String> {
    use std::path::Component;
    if rel
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        Ok(())
    } else {
        Err(format!(
            "`{}` must be a path inside the repository, relative to its root and without `..`",
            rel.display()
        ))
    }
}

/// `root` joined with `rel` after checking that it stays inside the repository once
/// symbolic links are followed; the error names only `rel`, never where the host
/// keeps the repository or what lies outside it.
pub fn inside_repository(root: &Path, rel: &Path) -> Result<PathBuf, String> {
    relative_inside(rel)?;
    let joined = root.join(rel);
    // One message for a link out of the repository whether or not its target exists,
    // so the answer tells nothing of the host's files.
    let outside = || {
        format!(
            "`{}` resolves outside the repository (through a symbolic link)",
            rel.display()
        )
    };
    let real_root = root
        .canonicalize()
        .map_err(|_| "the repository cannot be read".to_string())?;
    match joined.canonicalize() {
        Ok(real) if real.starts_with(&real_root) => Ok(real),
        Ok(_) => Err(outside()),
        Err(_) => {
            // Missing: but if a link on the way leads out, say that instead, whether
            // or not what it points at exists.
            let mut path = root.to_path_buf();
            for part in rel.components() {
                path.push(part);
                match path.symlink_metadata() {
                    Err(_) => break,
                    Ok(m) if m.file_type().is_symlink() => match path.canonicalize() {
                        Ok(real) if real.starts_with(&real_root) => {}
                        _ => return Err(outside()),
                    },
                    Ok(_) => {}
                }
            }
            Err(format!("`{}` does not exist in the repository", rel.display()))
        }
    }
}
