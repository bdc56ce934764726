//! The one repository an MCP server works on, and the walls around it: the project
//! is read afresh for every call (an agent writes files between calls), files are
//! read only from the standards file and product folders, written only under
//! `products/<name>/`, and never through a link that leads outside.

use crate::agent::files::{product_path, PRODUCTS_DIR};
use hallmark_checks::Project;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// Data file endings the `query` tool binds as bronze sources.
const DATA_ENDINGS: &[&str] = &[".csv", ".csv.gz", ".parquet", ".json", ".jsonl", ".ndjson"];
/// Folders the data-file walk does not enter (besides hidden ones).
const SKIPPED_FOLDERS: &[&str] = &["products", "target", "node_modules"];
/// How deep and how far the data-file walk goes.
const MAX_WALK_DEPTH: usize = 4;
/// At most this many data files are offered to `query`.
const MAX_DATA_FILES: usize = 200;
/// Product file endings offered as resources.
const PRODUCT_FILE_ENDINGS: &[&str] = &[".yml", ".yaml", ".sql", ".md"];

/// The standards file of `project`, relative to its root.
pub fn standards_file_of(project: &Project) -> String {
    project.config.standards.to_string_lossy().replace('\\', "/")
}

/// The last checklist a `check` or `draft` produced, for the resource.
#[derive(Debug, Clone)]
pub struct LastChecklist {
    /// As markdown.
    pub markdown: String,
    /// As Hallmark's versioned JSON.
    pub json: String,
}

/// The repository the server was started on.
#[derive(Debug)]
pub struct Repo {
    /// Its root, with every link resolved.
    pub root: PathBuf,
    /// The configuration file given on the command line instead of `.hallmark.yml`.
    pub config: Option<PathBuf>,
    last: Mutex<Option<LastChecklist>>,
}

impl Repo {
    /// The repository at `root` (a folder), configured by `config` when given.
    pub fn open(root: &Path, config: Option<PathBuf>) -> Result<Self, String> {
        let root = root.canonicalize().map_err(|e| format!("{}: {e}", root.display()))?;
        if !root.is_dir() {
            return Err(format!("{} is not a folder", root.display()));
        }
        Ok(Self {
            root,
            config,
            last: Mutex::new(None),
        })
    }

    /// The project as its files say now, or every problem in them with file and line.
    pub fn project(&self) -> Result<Project, String> {
        let loaded = match &self.config {
            Some(file) => Project::load_with_config(&self.root, file),
            None => Project::load(&self.root),
        };
        loaded.map_err(|errors| format!("the repository does not load:\n{errors}"))
    }

    /// Keeps `checklist` as the last one.
    pub fn set_last(&self, checklist: LastChecklist) {
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(checklist);
    }

    /// The last checklist, if a check ran.
    pub fn last(&self) -> Option<LastChecklist> {
        self.last.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Writes one product file, `products/<name>/<file>` with a product file ending,
    /// refusing anything else and any path through a link. Returns the path written.
    pub fn write_product_file(&self, path: &str, content: &str) -> Result<String, String> {
        let rel = product_path(path).map_err(|e| e.to_string())?;
        if content.len() > crate::agent::files::MAX_FILE_BYTES {
            return Err(format!(
                "`{rel}` is {} bytes, more than the {}-byte limit",
                content.len(),
                crate::agent::files::MAX_FILE_BYTES
            ));
        }
        let file = self.root.join(&rel);
        let folder = file.parent().ok_or_else(|| format!("`{rel}` has no folder"))?;
        // Every part that exists must be a plain folder or file, not a link.
        let products = self.root.join(PRODUCTS_DIR);
        for part in [products.as_path(), folder, file.as_path()] {
            if std::fs::symlink_metadata(part).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(format!(
                    "`{rel}` is not written: {} is a link, and a product file is written only inside the repository",
                    part.strip_prefix(&self.root).unwrap_or(part).display()
                ));
            }
        }
        std::fs::create_dir_all(folder).map_err(|e| format!("cannot create the folder of `{rel}`: {e}"))?;
        let real = folder
            .canonicalize()
            .map_err(|e| format!("cannot resolve the folder of `{rel}`: {e}"))?;
        if !real.starts_with(&self.root) {
            return Err(format!("`{rel}` leads outside the repository"));
        }
        std::fs::write(&file, content).map_err(|e| format!("cannot write `{rel}`: {e}"))?;
        Ok(rel)
    }

    /// The files offered as resources, relative to the root: the standards file and
    /// every product file under `products/<name>/`.
    pub fn resource_files(&self) -> Vec<String> {
        let mut files = vec![self.standards_file()];
        let products = self.root.join(PRODUCTS_DIR);
        let Ok(folders) = std::fs::read_dir(&products) else {
            return files;
        };
        let mut found = Vec::new();
        for folder in folders.flatten() {
            let Ok(entries) = std::fs::read_dir(folder.path()) else {
                continue;
            };
            for entry in entries.flatten() {
                let rel = format!(
                    "{PRODUCTS_DIR}/{}/{}",
                    folder.file_name().to_string_lossy(),
                    entry.file_name().to_string_lossy()
                );
                if PRODUCT_FILE_ENDINGS.iter().any(|e| rel.ends_with(e)) && product_path(&rel).is_ok() {
                    found.push(rel);
                }
            }
        }
        found.sort();
        files.extend(found);
        files
    }

    /// The standards file's path relative to the root (`data_standards.md` unless
    /// the configuration says otherwise).
    pub fn standards_file(&self) -> String {
        self.project()
            .map_or_else(|_| "data_standards.md".to_string(), |p| standards_file_of(&p))
    }

    /// The text of a resource file: one [`Repo::resource_files`] lists, read only if
    /// it resolves inside the repository.
    pub fn read_resource_file(&self, rel: &str) -> Result<String, String> {
        if !self.resource_files().iter().any(|f| f == rel) {
            return Err(format!(
                "`{rel}` is not a resource of this server: it serves the standards file and the files under products/<name>/"
            ));
        }
        let real = self
            .root
            .join(rel)
            .canonicalize()
            .map_err(|e| format!("`{rel}`: {e}"))?;
        if !real.starts_with(&self.root) {
            return Err(format!("`{rel}` leads outside the repository"));
        }
        std::fs::read_to_string(&real).map_err(|e| format!("`{rel}`: {e}"))
    }

    /// Data files in the repository (CSV, Parquet, JSON), relative to the root, that
    /// a query may read as `bronze.<stem>`: found in plain folders only (no hidden
    /// ones, no products), a few levels deep.
    pub fn data_files(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.walk(&self.root, 0, &mut out);
        out.sort();
        out
    }

    fn walk(&self, dir: &Path, depth: usize, out: &mut Vec<String>) {
        if depth > MAX_WALK_DEPTH || out.len() >= MAX_DATA_FILES {
            return;
        }
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let Ok(kind) = entry.file_type() else { continue };
            if name.starts_with('.') || kind.is_symlink() {
                continue;
            }
            let path = entry.path();
            if kind.is_dir() {
                if !(depth == 0 && SKIPPED_FOLDERS.contains(&name.as_str())) {
                    self.walk(&path, depth + 1, out);
                }
            } else if DATA_ENDINGS.iter().any(|e| name.to_lowercase().ends_with(e)) && out.len() < MAX_DATA_FILES {
                if let Ok(rel) = path.strip_prefix(&self.root) {
                    let plain = rel.components().all(|c| matches!(c, Component::Normal(_)));
                    if plain {
                        out.push(rel.to_string_lossy().replace('\\', "/"));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> (tempfile::TempDir, Repo) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("data_standards.md"), "# Standards\n").unwrap();
        let repo = Repo::open(dir.path(), None).unwrap();
        (dir, repo)
    }

    #[test]
    fn product_files_are_written_under_products_only() {
        let (dir, repo) = repo();
        assert_eq!(
            repo.write_product_file("products/orders/silver.sql", "SELECT 1")
                .unwrap(),
            "products/orders/silver.sql"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("products/orders/silver.sql")).unwrap(),
            "SELECT 1"
        );
        for bad in [
            "data_standards.md",
            "../outside/products/x/silver.sql",
            "/tmp/products/x/silver.sql",
            "products/x/run.sh",
            ".github/workflows/x.yml",
        ] {
            let e = repo.write_product_file(bad, "x").unwrap_err();
            assert!(e.contains(bad) || e.contains("products/"), "{bad}: {e}");
        }
        assert_eq!(
            std::fs::read_to_string(dir.path().join("data_standards.md")).unwrap(),
            "# Standards\n"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_link_out_of_the_repository_is_neither_written_nor_read() {
        let (dir, repo) = repo();
        let outside = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("products")).unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("products/evil")).unwrap();
        let e = repo
            .write_product_file("products/evil/silver.sql", "SELECT 1")
            .unwrap_err();
        assert!(e.contains("is a link"), "{e}");
        assert!(!outside.path().join("silver.sql").exists());
        std::fs::write(outside.path().join("secret.sql"), "secret").unwrap();
        std::fs::create_dir_all(dir.path().join("products/orders")).unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret.sql"),
            dir.path().join("products/orders/silver.sql"),
        )
        .unwrap();
        let e = repo.read_resource_file("products/orders/silver.sql").unwrap_err();
        assert!(e.contains("outside the repository"), "{e}");
        let e = repo.write_product_file("products/orders/silver.sql", "x").unwrap_err();
        assert!(e.contains("is a link"), "{e}");
        assert_eq!(
            std::fs::read_to_string(outside.path().join("secret.sql")).unwrap(),
            "secret"
        );
    }

    #[test]
    fn data_files_are_found_in_plain_folders() {
        let (dir, repo) = repo();
        for f in [
            "bronze/orders.csv",
            "raw/2024/events.parquet",
            ".cache/x.csv",
            "products/o/x.csv",
        ] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "a\n1\n").unwrap();
        }
        assert_eq!(repo.data_files(), ["bronze/orders.csv", "raw/2024/events.parquet"]);
    }
}
