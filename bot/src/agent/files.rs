//! The files a promotion writes, held in memory until they are committed. Drafters
//! (the LLM's `write_file` tool among them) can only put files here, and only under
//! `products/`, so whatever a request says, nothing else in the repository changes.

use std::collections::BTreeMap;
use std::path::{Component, Path};

/// The folder every drafted file lives under.
pub const PRODUCTS_DIR: &str = "products";

/// File name endings a drafter may write.
const ALLOWED_ENDINGS: &[&str] = &[".yml", ".yaml", ".sql", ".md"];

/// Largest file a drafter may write, in bytes.
pub const MAX_FILE_BYTES: usize = 512 * 1024;

/// Why a path or a file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// The path leaves `products/` (absolute, `..`, or another folder).
    #[error("`{0}` is outside products/: drafts may only write under products/<product>/")]
    OutsideProducts(String),
    /// The path is not `products/<product>/<file>`.
    #[error("`{0}` is not products/<product>/<file>")]
    Shape(String),
    /// The file type is not one a product has.
    #[error("`{0}` is not a product file: only .yml, .sql and .md files may be written")]
    Ending(String),
    /// The content is too large.
    #[error("`{path}` is {bytes} bytes, more than the {MAX_FILE_BYTES}-byte limit")]
    TooLarge {
        /// The path.
        path: String,
        /// Its size.
        bytes: usize,
    },
}

/// Checks that `path` is `products/<product>/<file>` with a product file ending, and
/// returns it with `/` separators.
pub fn product_path(path: &str) -> Result<String, FileError> {
    let p = Path::new(path);
    let mut parts = Vec::new();
    for c in p.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_str().ok_or_else(|| FileError::Shape(path.into()))?),
            Component::CurDir => {}
            _ => return Err(FileError::OutsideProducts(path.into())),
        }
    }
    if parts.first() != Some(&PRODUCTS_DIR) {
        return Err(FileError::OutsideProducts(path.into()));
    }
    if parts.len() != 3 || parts.iter().any(|s| s.starts_with('.')) {
        return Err(FileError::Shape(path.into()));
    }
    if !ALLOWED_ENDINGS.iter().any(|e| parts[2].ends_with(e)) {
        return Err(FileError::Ending(path.into()));
    }
    Ok(parts.join("/"))
}

/// The drafted files, by path relative to the repository root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftFiles {
    files: BTreeMap<String, String>,
}

impl DraftFiles {
    /// Adds or replaces a file, after checking its path and size.
    pub fn write(&mut self, path: &str, content: impl Into<String>) -> Result<String, FileError> {
        let path = product_path(path)?;
        let content = content.into();
        if content.len() > MAX_FILE_BYTES {
            return Err(FileError::TooLarge {
                path,
                bytes: content.len(),
            });
        }
        self.files.insert(path.clone(), content);
        Ok(path)
    }

    /// The content of a drafted file.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    /// Drops a drafted file; true if it was there.
    pub fn remove(&mut self, path: &str) -> bool {
        self.files.remove(path).is_some()
    }

    /// Every file, in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().map(|(p, c)| (p.as_str(), c.as_str()))
    }

    /// True when nothing was drafted.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_product_files_under_products_are_accepted() {
        assert_eq!(
            product_path("products/orders/silver.yml").unwrap(),
            "products/orders/silver.yml"
        );
        assert_eq!(
            product_path("./products/orders/gold_daily.sql").unwrap(),
            "products/orders/gold_daily.sql"
        );
        for bad in [
            "../products/orders/silver.yml",
            "/etc/passwd",
            "products/../.github/workflows/x.yml",
            "data_standards.md",
            ".hallmark.yml",
        ] {
            assert!(matches!(product_path(bad), Err(FileError::OutsideProducts(_))), "{bad}");
        }
        assert!(matches!(product_path("products/x.yml"), Err(FileError::Shape(_))));
        assert!(matches!(product_path("products/a/b/c.yml"), Err(FileError::Shape(_))));
        assert!(matches!(
            product_path("products/.git/config.yml"),
            Err(FileError::Shape(_))
        ));
        assert!(matches!(
            product_path("products/orders/run.sh"),
            Err(FileError::Ending(_))
        ));
    }

    #[test]
    fn writes_are_checked_and_replace() {
        let mut f = DraftFiles::default();
        f.write("products/o/silver.sql", "SELECT 1").unwrap();
        f.write("products/o/silver.sql", "SELECT 2").unwrap();
        assert_eq!(f.get("products/o/silver.sql"), Some("SELECT 2"));
        assert!(f.write("bronze/orders.csv", "x").is_err());
        let big = "x".repeat(MAX_FILE_BYTES + 1);
        assert!(matches!(
            f.write("products/o/silver.md", big),
            Err(FileError::TooLarge { .. })
        ));
        assert_eq!(f.iter().count(), 1);
    }
}
