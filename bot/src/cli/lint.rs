//! `hallmark lint`: validates the standards and specs, and plans every product, without
//! touching any data.

use super::Outcome;
use hallmark_checks::plan::{plan_product, PlanItem};
use hallmark_checks::Project;
use std::path::Path;

/// Loads the project and reports every problem, or a one-line summary per product.
pub fn run(path: &Path) -> anyhow::Result<Outcome> {
    let project = match Project::load(path) {
        Ok(p) => p,
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!("{} problem(s) found", errors.0.len());
            return Ok(Outcome::BadInput);
        }
    };
    let rules = project.standards.iter().filter(|s| s.rule.is_some()).count();
    println!(
        "{} standards ({} with rules, {} need human review), {} products",
        project.standards.len(),
        rules,
        project.standards.len() - rules,
        project.products.len()
    );
    for p in &project.products {
        let plan = plan_product(&project.standards, &p.spec);
        let checks = plan.iter().filter(|i| matches!(i, PlanItem::Check(_))).count();
        let manual = plan.iter().filter(|i| matches!(i, PlanItem::Manual { .. })).count();
        let na = plan
            .iter()
            .filter(|i| matches!(i, PlanItem::NotApplicable { .. }))
            .count();
        println!(
            "  {:<28} {} checks, {} for human review, {} not applicable",
            p.spec.relation(),
            checks,
            manual,
            na
        );
    }
    println!("ok");
    Ok(Outcome::Passed)
}
