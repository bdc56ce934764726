//! Which products a change touches, from the git diff between the base and HEAD
//! (from their merge base, as a pull request's "Files changed" shows it): a product
//! whose folder (spec, SQL, quarantine) changed, one that reads a changed file, and
//! every product downstream of one that is touched. A change to the standards or to
//! `.hallmark.yml` touches every product, since any of them may now pass or fail.

use super::CiError;
use hallmark_checks::dbt::DbtProject;
use hallmark_checks::project::CONFIG_FILE;
use hallmark_checks::spec::Product;
use hallmark_checks::Project;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The standards file, at the project's root.
const STANDARDS_FILE: &str = "data_standards.md";

/// What to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every product, and why.
    All(String),
    /// These relations (`silver.orders`); empty when the change touches none.
    Products(BTreeSet<String>),
}

/// The files changed between `base` and HEAD of the repository holding `dir`,
/// relative to that repository's root, and that root.
pub fn changed_files(dir: &Path, base: &str) -> Result<(PathBuf, Vec<PathBuf>), CiError> {
    let fail = |message: String| CiError::Git {
        base: base.to_string(),
        repo: dir.display().to_string(),
        message,
    };
    let repo = git2::Repository::discover(dir).map_err(|e| fail(e.message().to_string()))?;
    let root = repo
        .workdir()
        .ok_or_else(|| fail("the repository has no working tree".into()))?
        .to_path_buf();
    let head = repo
        .head()
        .and_then(|h| h.peel_to_commit())
        .map_err(|e| fail(format!("HEAD: {}", e.message())))?;
    let base_commit = repo
        .revparse_single(base)
        .and_then(|o| o.peel_to_commit())
        .map_err(|e| {
            fail(format!(
                "{} (fetch the base: `fetch-depth: 0` in actions/checkout)",
                e.message()
            ))
        })?;
    let from = repo
        .merge_base(base_commit.id(), head.id())
        .and_then(|id| repo.find_commit(id))
        .map_err(|e| fail(format!("no merge base: {}", e.message())))?;
    let diff = repo
        .diff_tree_to_tree(
            Some(&from.tree().map_err(|e| fail(e.message().to_string()))?),
            Some(&head.tree().map_err(|e| fail(e.message().to_string()))?),
            None,
        )
        .map_err(|e| fail(e.message().to_string()))?;
    let mut files = BTreeSet::new();
    for delta in diff.deltas() {
        for file in [delta.old_file().path(), delta.new_file().path()].into_iter().flatten() {
            files.insert(file.to_path_buf());
        }
    }
    Ok((root, files.into_iter().collect()))
}

/// The products of `project` that the `changed` files touch; `changed` are relative
/// to the repository root `repo_root`, which holds the project.
pub fn touched(project: &Project, repo_root: &Path, changed: &[PathBuf]) -> Scope {
    scope(project, repo_root, changed, &[], |product, changed_in_repo| {
        let folder = product.spec_path.parent().unwrap_or(Path::new(""));
        changed_in_repo(folder)
    })
}

/// [`touched`] for a dbt project's models, file by file: a model is touched by its
/// SQL, its YAML, those of the models it is built through and its sources' YAML (a
/// folder of models is not one product); `dbt_project.yml`, the packages and the
/// macros touch every model.
pub fn touched_in_dbt(project: &Project, dbt: &DbtProject, repo_root: &Path, changed: &[PathBuf]) -> Scope {
    let shared: Vec<&str> = dbt.shared.iter().map(String::as_str).collect();
    scope(project, repo_root, changed, &shared, |product, changed_in_repo| {
        dbt.inputs
            .get(&product.spec.relation())
            .is_some_and(|files| files.iter().any(|f| changed_in_repo(Path::new(f))))
    })
}

/// The scope of a change: every product when a `shared` file (or the standards or
/// the configuration) changed, else those `directly` touches, those reading a changed
/// file, and everything downstream of them. `directly` asks whether a path (relative
/// to the project), or anything under it, changed.
fn scope(
    project: &Project,
    repo_root: &Path,
    changed: &[PathBuf],
    shared: &[&str],
    directly: impl Fn(&Product, &dyn Fn(&Path) -> bool) -> bool,
) -> Scope {
    let project_root = project.root.canonicalize().unwrap_or_else(|_| project.root.clone());
    let repo_root = repo_root.canonicalize().unwrap_or_else(|_| repo_root.to_path_buf());
    let in_repo = |p: &Path| -> PathBuf {
        let absolute = if p.is_absolute() {
            p.to_path_buf()
        } else {
            project_root.join(p)
        };
        absolute
            .strip_prefix(&repo_root)
            .map(Path::to_path_buf)
            .unwrap_or(absolute)
    };
    // A path of the project changed: that file, or anything under that folder.
    let changed_in_repo = |p: &Path| {
        let at = in_repo(p);
        changed.iter().any(|c| c.starts_with(&at))
    };
    for every in [STANDARDS_FILE, CONFIG_FILE].into_iter().chain(shared.iter().copied()) {
        if changed_in_repo(Path::new(every)) {
            return Scope::All(format!("{every} changed"));
        }
    }
    let mut touched: BTreeSet<String> = BTreeSet::new();
    for product in &project.products {
        let reads_changed_file = product
            .spec
            .sources
            .iter()
            .filter_map(|s| s.file.as_deref())
            .any(|f| changed_in_repo(Path::new(f)));
        if reads_changed_file || directly(product, &changed_in_repo) {
            touched.insert(product.spec.relation());
        }
    }
    // Downstream of a touched product, to a fixed point (gold reads silver).
    loop {
        let more: Vec<String> = project
            .products
            .iter()
            .filter(|p| !touched.contains(&p.spec.relation()))
            .filter(|p| {
                p.spec
                    .sources
                    .iter()
                    .any(|s| s.is_product() && touched.contains(&s.name))
            })
            .map(|p| p.spec.relation())
            .collect();
        if more.is_empty() {
            return Scope::Products(touched);
        }
        touched.extend(more);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hallmark_tests::shop::{commit_all, shop};

    const GOLD: &str = "name: sale_ids\nlevel: gold\ndescription: Sale ids.\nowner: shop-data@example.com\nsources:\n  - name: silver.sales\nprimary_key: [sale_id]\ncolumns:\n  - name: sale_id\n    type: varchar\n    description: The sale.\n";

    fn scope_after(change: impl FnOnce(&Path)) -> Scope {
        let dir = tempfile::tempdir().unwrap();
        let (root, _) = shop(dir.path());
        std::fs::create_dir_all(root.join("products/sale_ids")).unwrap();
        std::fs::write(root.join("products/sale_ids/gold.yml"), GOLD).unwrap();
        std::fs::write(
            root.join("products/sale_ids/gold.sql"),
            "SELECT sale_id FROM silver.sales\n",
        )
        .unwrap();
        let base = commit_all(&root, "A gold product");
        change(&root);
        commit_all(&root, "The change");
        let project = Project::load(&root).unwrap_or_else(|e| panic!("{e}"));
        let (repo_root, changed) = changed_files(&root, &base.to_string()).unwrap();
        touched(&project, &repo_root, &changed)
    }

    fn products(names: &[&str]) -> Scope {
        Scope::Products(names.iter().map(|n| n.to_string()).collect())
    }

    #[test]
    fn a_bronze_file_touches_its_reader_and_everything_downstream() {
        let scope = scope_after(|root| std::fs::write(root.join("bronze/sales.csv"), "id,amount\n1,2.50\n").unwrap());
        assert_eq!(scope, products(&["gold.sale_ids", "silver.sales"]));
        let scope = scope_after(|root| {
            std::fs::write(root.join("products/stores/silver.sql"), "SELECT 1 AS store_id\n").unwrap()
        });
        assert_eq!(scope, products(&["silver.stores"]));
        let scope = scope_after(|root| {
            std::fs::write(
                root.join("products/sale_ids/gold.sql"),
                "SELECT sale_id FROM silver.sales WHERE true\n",
            )
            .unwrap()
        });
        assert_eq!(
            scope,
            products(&["gold.sale_ids"]),
            "upstream is not touched by a change downstream"
        );
    }

    #[test]
    fn the_standards_or_the_configuration_touch_everything_and_a_bad_base_is_named() {
        let scope = scope_after(|root| {
            std::fs::write(root.join(".hallmark.yml"), "promotion:\n  max_set_aside: 0.01\n").unwrap()
        });
        assert_eq!(scope, Scope::All(".hallmark.yml changed".into()));
        let scope = scope_after(|root| std::fs::write(root.join("NOTES.md"), "notes\n").unwrap());
        assert_eq!(scope, products(&[]));
        let dir = tempfile::tempdir().unwrap();
        let (root, _) = shop(dir.path());
        let err = changed_files(&root, "no-such-ref").unwrap_err().to_string();
        assert!(
            err.starts_with("cannot compare no-such-ref with HEAD") && err.contains("fetch-depth: 0"),
            "{err}"
        );
    }
}
