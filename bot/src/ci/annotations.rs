//! An annotation for each failure, on the line a reader must look at: a standard's
//! failure on its heading in `data_standards.md`, a product's own check on the
//! column (or check) in its spec, a product that could not be built on its SQL file.
//! Paths are relative to the repository root, as GitHub and GitLab want them.

use crate::github::check_runs::Annotation;
use hallmark_checks::error::line_of;
use hallmark_checks::result::Status;
use hallmark_checks::{Checklist, Project};
use std::path::Path;

/// The annotations of `checklist`'s failures, errors and warnings.
pub fn annotations(checklist: &Checklist, project: &Project, repo_root: &Path) -> Vec<Annotation> {
    let relative = |p: &Path| -> String {
        let absolute = if p.is_absolute() {
            p.to_path_buf()
        } else {
            project.root.join(p)
        };
        let absolute = absolute.canonicalize().unwrap_or(absolute);
        let root = repo_root.canonicalize().unwrap_or_else(|_| repo_root.to_path_buf());
        absolute
            .strip_prefix(&root)
            .unwrap_or(&absolute)
            .to_string_lossy()
            .replace('\\', "/")
    };
    let standards_file = relative(Path::new("data_standards.md"));
    let mut out = Vec::new();
    for report in &checklist.products {
        let product = project.product(&report.product);
        if let (Some(error), Some(p)) = (&report.error, product) {
            out.push(Annotation {
                path: relative(&p.sql_path),
                start_line: 1,
                end_line: 1,
                annotation_level: "failure",
                title: format!("{} could not be built", report.product),
                message: error.clone(),
            });
        }
        for result in &report.results {
            // An unbuilt product's checks were not measured: its one annotation on
            // the SQL says why.
            if report.error.is_some() && result.status == Status::Error {
                continue;
            }
            let level = match result.status {
                Status::Fail | Status::Error => "failure",
                Status::Warn => "warning",
                Status::Pass | Status::Manual | Status::NotApplicable => continue,
            };
            let (path, line) = match project.standards.iter().find(|s| s.id == result.standard_id) {
                Some(standard) => (standards_file.clone(), standard.line.max(1)),
                None => match product {
                    Some(p) => {
                        let text = std::fs::read_to_string(&p.spec_path).unwrap_or_default();
                        let needle = result
                            .columns
                            .first()
                            .map(|c| format!("name: {c}"))
                            .unwrap_or_else(|| result.check.clone());
                        (relative(&p.spec_path), line_of(&text, &needle, 1))
                    }
                    None => continue,
                },
            };
            let message = match (&result.reason, result.status) {
                (Some(reason), Status::Error) => reason.clone(),
                _ => result.figure.clone(),
            };
            out.push(Annotation {
                path,
                start_line: line,
                end_line: line,
                annotation_level: level,
                title: format!(
                    "{} {} on {}{}",
                    result.standard_id,
                    result.status.label(),
                    report.product,
                    if result.columns.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", result.columns.join(", "))
                    }
                ),
                message,
            });
        }
    }
    out
}
