//! `hallmark diff`: each product built at two versions in one warehouse and compared
//! by key there ([`hallmark_checks::datadiff`]). The base build is copied to a table of
//! its own before the head is built, since the head binds its own sources under the
//! same names.

use super::tree::{export, project_subdir, resolve};
use super::ImpactError;
use crate::isolated::Opener;
use hallmark_checks::datadiff::{compare, profile_new, DataDiff, DiffRequest, DEFAULT_SAMPLES};
use hallmark_checks::runner::{run_checks, NoProgress, RunOptions, Selection};
use hallmark_checks::spec::Product;
use hallmark_checks::warehouse::{job_name, BuildForm, Limits, Warehouse};
use hallmark_checks::Project;
use serde::Serialize;
use std::path::Path;

/// Tags whose columns' values never appear in a diff.
const MASKED_TAGS: &[&str] = &["pii", "email"];

/// One product's diff, or why there is none.
#[derive(Debug, Clone, Serialize)]
pub struct ProductDiff {
    /// `silver.orders`.
    pub product: String,
    /// The comparison (a profile alone for a product new at the head).
    pub diff: Option<DataDiff>,
    /// Why there is no comparison (a version that does not build).
    pub error: Option<String>,
}

/// The diffs of one run.
#[derive(Debug, Clone, Serialize)]
pub struct DataDiffRun {
    /// The base commit.
    pub base: String,
    /// The head commit.
    pub head: String,
    /// One per product compared.
    pub products: Vec<ProductDiff>,
}

/// A loaded version, kept with the folder it was written to.
struct Version {
    project: Project,
    _dir: tempfile::TempDir,
}

fn load(project_dir: &Path, subdir: &Path, rev: &str) -> Result<Version, ImpactError> {
    let dir = tempfile::tempdir().map_err(|e| ImpactError::Write {
        path: std::env::temp_dir().display().to_string(),
        message: e.to_string(),
    })?;
    export(project_dir, rev, subdir, dir.path())?;
    let project = Project::load(dir.path()).map_err(|errors| ImpactError::Project {
        rev: rev.into(),
        errors,
    })?;
    Ok(Version { project, _dir: dir })
}

/// The text of a product's spec and SQL, to see whether a change touched it.
fn files_of(p: &Product) -> (String, String) {
    let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_default();
    (read(&p.spec_path), read(&p.sql_path))
}

/// Builds `relation` of `project` (and what it reads) in `warehouse`; the build
/// error, if any.
fn build(project: &Project, relation: &str, warehouse: &dyn Warehouse, options: &RunOptions) -> Option<String> {
    let selection = Selection {
        relations: Some([relation.to_string()].into()),
        ..Selection::default()
    };
    let list = run_checks(project, warehouse, &selection, options, &NoProgress);
    list.products.into_iter().find_map(|p| p.error)
}

/// The diff of the products the change from `base` to `head` touches (their spec or
/// SQL changed, or they are new), or of `product` alone, for the project at
/// `project_dir` (a folder of a git repository), on the warehouse the head configures.
pub fn data_diff(
    project_dir: &Path,
    base: &str,
    head: &str,
    product: Option<&str>,
    options: &RunOptions,
    limits: Limits,
    opener: &Opener,
) -> Result<DataDiffRun, ImpactError> {
    let subdir = project_subdir(project_dir, head)?;
    let (base_sha, head_sha) = (resolve(project_dir, base)?, resolve(project_dir, head)?);
    let before = load(project_dir, &subdir, &base_sha)?;
    let after = load(project_dir, &subdir, &head_sha)?;
    let warehouse = opener.open(&after.project, &job_name(), limits)?;
    let mut products = Vec::new();
    for p in &after.project.products {
        let relation = p.spec.relation();
        let old = before.project.products.iter().find(|b| b.spec.relation() == relation);
        let wanted = match product {
            Some(name) => name == p.spec.name || name == relation,
            None => old.is_none_or(|o| files_of(o) != files_of(p)),
        };
        if !wanted {
            continue;
        }
        products.push(diff_one(
            &before.project,
            &after.project,
            p,
            old.is_some(),
            warehouse.as_ref(),
            options,
        ));
    }
    Ok(DataDiffRun {
        base: base_sha,
        head: head_sha,
        products,
    })
}

fn diff_one(
    before: &Project,
    after: &Project,
    product: &Product,
    existed: bool,
    warehouse: &dyn Warehouse,
    options: &RunOptions,
) -> ProductDiff {
    let relation = product.spec.relation();
    let masked: Vec<String> = product
        .spec
        .columns
        .iter()
        .filter(|c| c.tags.iter().any(|t| MASKED_TAGS.contains(&t.as_str())))
        .map(|c| c.name.clone())
        .collect();
    let failed = |error: String| ProductDiff {
        product: relation.clone(),
        diff: None,
        error: Some(error),
    };
    let base_copy = format!("{relation}_hm_base");
    if existed {
        if let Some(e) = build(before, &relation, warehouse, options) {
            return failed(format!("at the base: {e}"));
        }
        let copy = format!("SELECT * FROM {relation}");
        if let Err(e) = warehouse.materialize(&base_copy, &copy, BuildForm::Table) {
            return failed(format!("cannot keep the base build of {relation}: {e}"));
        }
    }
    if let Some(e) = build(after, &relation, warehouse, options) {
        return failed(format!("at the head: {e}"));
    }
    let diff = if existed {
        compare(
            warehouse,
            &DiffRequest {
                base: base_copy,
                head: relation.clone(),
                key: product.spec.primary_key.clone(),
                masked,
                samples: DEFAULT_SAMPLES,
            },
        )
    } else {
        profile_new(warehouse, &relation, &masked)
    };
    match diff {
        Ok(d) => ProductDiff {
            product: relation,
            diff: Some(d),
            error: None,
        },
        Err(e) => failed(e.to_string()),
    }
}

/// The run as markdown: one folded section per product.
pub fn markdown(run: &DataDiffRun) -> String {
    let mut out = format!(
        "### Data diff: {} → {}\n\n",
        &run.base[..12.min(run.base.len())],
        &run.head[..12.min(run.head.len())]
    );
    if run.products.is_empty() {
        out.push_str("No product's spec or SQL changed.\n");
    }
    for p in &run.products {
        match (&p.diff, &p.error) {
            (Some(d), _) => out.push_str(&hallmark_checks::datadiff::markdown::render(&p.product, d)),
            (None, e) => out.push_str(&format!(
                "**{}**: no diff: {}\n",
                p.product,
                e.as_deref().unwrap_or("not built")
            )),
        }
        out.push('\n');
    }
    out
}
