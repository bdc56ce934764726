//! The impact run: both versions written out and loaded, every product checked at
//! each (on the warehouse each version configures), and for every product the status
//! of each changed standard at the head, with whether it passed before and passes now.

use super::diff::{diff_standards, Change, Version};
use super::tree::{checkout, project_subdir, resolve};
use super::ImpactError;
use crate::isolated::Opener;
use hallmark_checks::result::{ProductReport, Status};
use hallmark_checks::runner::{run_checks, NoProgress, RunOptions, Selection};
use hallmark_checks::warehouse::{job_name, Limits};
use hallmark_checks::{Checklist, Project};
use serde::Serialize;
use std::path::Path;

/// One product's row.
#[derive(Debug, Clone, Serialize)]
pub struct ProductImpact {
    /// `silver.orders`.
    pub product: String,
    /// One cell per change, in the changes' order.
    pub cells: Vec<Cell>,
    /// Whether it passed at the base; `None` when it is new at the head.
    pub passed_before: Option<bool>,
    /// Whether it passes at the head.
    pub passes_now: bool,
}

/// What one changed standard says of one product at the head.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    /// The worst status of the standard's checks; `None` when the standard was removed
    /// or does not apply to the product.
    pub status: Option<Status>,
    /// The figure behind it (`12 of 40 rows are below 10`), or why there is none.
    pub figure: String,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Impact {
    /// The base commit.
    pub base: String,
    /// The head commit.
    pub head: String,
    /// What changed in the standards.
    pub changes: Vec<Change>,
    /// Every product at the head.
    pub products: Vec<ProductImpact>,
}

impl Impact {
    /// The products that passed at the base and fail at the head.
    pub fn newly_failing(&self) -> Vec<&str> {
        self.products
            .iter()
            .filter(|p| p.passed_before == Some(true) && !p.passes_now)
            .map(|p| p.product.as_str())
            .collect()
    }

    /// True when every product passes at the head.
    pub fn all_pass(&self) -> bool {
        self.products.iter().all(|p| p.passes_now)
    }
}

/// How bad a status is, to pick the one a cell shows.
fn rank(s: Status) -> u8 {
    match s {
        Status::Fail => 5,
        Status::Error => 4,
        Status::Warn => 3,
        Status::Manual => 2,
        Status::Pass => 1,
        Status::NotApplicable => 0,
    }
}

fn cell(report: &ProductReport, change: &Change) -> Cell {
    if change.removed() {
        return Cell {
            status: None,
            figure: "removed: no longer checked".into(),
        };
    }
    let worst = report
        .results
        .iter()
        .filter(|r| r.standard_id == change.id() && r.status != Status::NotApplicable)
        .max_by_key(|r| rank(r.status));
    match worst {
        Some(r) => Cell {
            status: Some(r.status),
            figure: if r.figure.is_empty() {
                r.reason.clone().unwrap_or_default()
            } else {
                r.figure.clone()
            },
        },
        None => Cell {
            status: None,
            figure: "does not apply".into(),
        },
    }
}

/// One version: written out, loaded, checked; with its standards file's text.
fn check_version(
    repo_dir: &Path,
    subdir: &Path,
    rev: &str,
    options: &RunOptions,
    limits: Limits,
    opener: &Opener,
) -> Result<(Project, Checklist, String), ImpactError> {
    let version = checkout(repo_dir, subdir, rev, None)?;
    let project = version.project;
    let warehouse = opener.open(&project, &job_name(), limits)?;
    let checklist = run_checks(
        &project,
        warehouse.as_ref(),
        &Selection::default(),
        options,
        &NoProgress,
    );
    let text = std::fs::read_to_string(project.root.join(&project.config.standards)).unwrap_or_default();
    Ok((project, checklist, text))
}

/// The impact of the standards' change from `base` to `head` on the products of the
/// project at `project_dir` (a folder of a git repository).
pub fn impact(
    project_dir: &Path,
    base: &str,
    head: &str,
    options: &RunOptions,
    limits: Limits,
    opener: &Opener,
) -> Result<Impact, ImpactError> {
    let subdir = project_subdir(project_dir, head)?;
    let (base_sha, head_sha) = (resolve(project_dir, base)?, resolve(project_dir, head)?);
    let (base_project, before, base_text) = check_version(project_dir, &subdir, &base_sha, options, limits, opener)?;
    let (head_project, after, head_text) = check_version(project_dir, &subdir, &head_sha, options, limits, opener)?;
    let changes = diff_standards(
        Version {
            standards: &base_project.standards,
            text: &base_text,
        },
        Version {
            standards: &head_project.standards,
            text: &head_text,
        },
    );
    let products = after
        .products
        .iter()
        .map(|report| ProductImpact {
            product: report.product.clone(),
            cells: changes.iter().map(|c| cell(report, c)).collect(),
            passed_before: before
                .products
                .iter()
                .find(|b| b.product == report.product)
                .map(|b| b.summary.passed()),
            passes_now: report.summary.passed(),
        })
        .collect();
    Ok(Impact {
        base: base_sha,
        head: head_sha,
        changes,
        products,
    })
}
