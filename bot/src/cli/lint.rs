//! `hallmark lint`: validates the standards, the specs and every section of
//! `.hallmark.yml` (an unknown key is named with its line), and plans every product,
//! without touching any data.

use super::Outcome;
use hallmark::agent::llm::LlmConfig;
use hallmark::settings::BotSettings;
use hallmark_checks::plan::{plan_product, PlanItem};
use hallmark_checks::project::CONFIG_FILE;
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
    // The sections the checks crate keeps as YAML for the bot and the agent: a key
    // they do not know is named here, with its line, not ignored at run time.
    let config_file = path.join(CONFIG_FILE);
    let text = std::fs::read_to_string(&config_file).unwrap_or_default();
    let mut problems: Vec<String> = Vec::new();
    if let Err(e) = BotSettings::from_text(&text) {
        let at = e.line.map(|l| format!(":{l}")).unwrap_or_default();
        problems.push(format!("{}{at}: bot: {}", config_file.display(), e.message));
    }
    if let Err(problem) = LlmConfig::from_project(&project) {
        let problem = problem.trim_start_matches(".hallmark.yml ");
        problems.push(format!("{}: {problem}", config_file.display()));
    }
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("{p}");
        }
        eprintln!("{} problem(s) found", problems.len());
        return Ok(Outcome::BadInput);
    }
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
