//! `hallmark diff`: each product built at two versions in one warehouse (built, not
//! checked) and compared by key there ([`hallmark_checks::datadiff`]). The base build is
//! copied to a table of its own before the head is built, since the head binds its own
//! sources under the same names.

use super::tree::{checkout, project_subdir, resolve};
use super::ImpactError;
use crate::isolated::Opener;
use hallmark_checks::datadiff::{compare, profile_new, DataDiff, DiffRequest, DEFAULT_SAMPLES};
use hallmark_checks::runner::{build_products, Selection};
use hallmark_checks::spec::Product;
use hallmark_checks::warehouse::{job_name, BuildForm, Limits, Warehouse};
use hallmark_checks::Project;
use serde::Serialize;
use std::collections::BTreeSet;
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

/// The text of a product's spec and SQL, to see whether a change touched it.
fn files_of(p: &Product) -> (String, String) {
    let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_default();
    (read(&p.spec_path), read(&p.sql_path))
}

/// Builds `relation` of `project`, and what it reads, as tables without checking them.
fn build(project: &Project, relation: &str, warehouse: &dyn Warehouse) -> Result<(), String> {
    let selection = Selection {
        relations: Some([relation.to_string()].into()),
        ..Selection::default()
    };
    build_products(project, warehouse, &selection)
}

/// Which products a diff compares.
#[derive(Debug, Clone)]
pub enum Which<'a> {
    /// Those whose spec or SQL the change touches, and the new ones.
    Touched,
    /// The one product with this name or relation.
    Named(&'a str),
    /// These relations (the products `hallmark ci` checks, the one a review revised).
    Relations(&'a BTreeSet<String>),
}

/// What a diff compares.
#[derive(Debug, Clone)]
pub struct DiffPlan<'a> {
    /// The version before the change (a commit, branch or tag).
    pub base: &'a str,
    /// The version after it.
    pub head: &'a str,
    /// Which products; except for [`Which::Named`], the products built on them (gold
    /// on a changed silver product) are compared too.
    pub which: Which<'a>,
    /// A configuration file read instead of each version's `.hallmark.yml` (the same
    /// products on another warehouse, as `--config` says).
    pub config: Option<&'a Path>,
}

/// `selected` and every product of `project` that reads one of them, directly or
/// through another.
fn with_downstream(project: &Project, mut selected: BTreeSet<String>) -> BTreeSet<String> {
    loop {
        let more: Vec<String> = project
            .products
            .iter()
            .filter(|p| !selected.contains(&p.spec.relation()))
            .filter(|p| {
                p.spec
                    .sources
                    .iter()
                    .any(|s| s.is_product() && selected.contains(&s.name))
            })
            .map(|p| p.spec.relation())
            .collect();
        if more.is_empty() {
            return selected;
        }
        selected.extend(more);
    }
}

/// The diff of the products `plan` names, for the project at `project_dir` (a folder
/// of a git repository), on the warehouse the head configures.
pub fn data_diff(
    project_dir: &Path,
    plan: &DiffPlan<'_>,
    limits: Limits,
    opener: &Opener,
) -> Result<DataDiffRun, ImpactError> {
    let subdir = project_subdir(project_dir, plan.head)?;
    let (base_sha, head_sha) = (resolve(project_dir, plan.base)?, resolve(project_dir, plan.head)?);
    let before = checkout(project_dir, &subdir, &base_sha, plan.config)?;
    let after = checkout(project_dir, &subdir, &head_sha, plan.config)?;
    let old = |p: &Product| {
        let relation = p.spec.relation();
        before.project.products.iter().find(|b| b.spec.relation() == relation)
    };
    let heads = &after.project.products;
    let wanted: BTreeSet<String> = match &plan.which {
        Which::Named(name) => heads
            .iter()
            .filter(|p| *name == p.spec.name || *name == p.spec.relation())
            .map(|p| p.spec.relation())
            .collect(),
        Which::Touched => with_downstream(
            &after.project,
            heads
                .iter()
                .filter(|p| old(p).is_none_or(|o| files_of(o) != files_of(p)))
                .map(|p| p.spec.relation())
                .collect(),
        ),
        Which::Relations(r) => with_downstream(&after.project, (*r).clone()),
    };
    let mut products = Vec::new();
    if !wanted.is_empty() {
        let warehouse = opener.open(&after.project, &job_name(), limits)?;
        for p in heads.iter().filter(|p| wanted.contains(&p.spec.relation())) {
            let existed = old(p).is_some();
            products.push(diff_one(
                &before.project,
                &after.project,
                p,
                existed,
                warehouse.as_ref(),
            ));
        }
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
        if let Err(e) = build(before, &relation, warehouse) {
            return failed(format!("at the base: {e}"));
        }
        let copy = format!("SELECT * FROM {relation}");
        if let Err(e) = warehouse.materialize(&base_copy, &copy, BuildForm::Table) {
            return failed(format!("cannot keep the base build of {relation}: {e}"));
        }
    }
    if let Err(e) = build(after, &relation, warehouse) {
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
                min_parts: 1,
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
        "### Data diff: {} → {}\n\nWhat the change does to the rows, each product built at both commits and compared by key.\n\n",
        &run.base[..12.min(run.base.len())],
        &run.head[..12.min(run.head.len())]
    );
    if run.products.is_empty() {
        out.push_str("No product to compare: none is new, and no product's spec or SQL changed.\n");
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
