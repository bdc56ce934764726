//! `hallmark lint`: validates the standards, the specs and every section of
//! `.hallmark.yml` (an unknown key is named with its line), and plans every product,
//! without touching any data.

use super::dbt::DbtSource;
use super::Outcome;
use hallmark::agent::llm::LlmConfig;
use hallmark::settings::BotSettings;
use hallmark_checks::plan::selects;
use hallmark_checks::plan::{plan_product, PlanItem};
use hallmark_checks::project::CONFIG_FILE;
use hallmark_checks::Project;
use std::path::PathBuf;

/// Arguments of `hallmark lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// The repository root.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// With --dbt, every standard whose column selector matches no column of the
    /// models is named too.
    #[command(flatten)]
    dbt: DbtSource,
}

/// Loads the project and reports every problem, or a one-line summary per product.
pub fn run(args: &LintArgs) -> anyhow::Result<Outcome> {
    let path = args.path.as_path();
    let loaded = match args.dbt.dbt {
        true => Project::load_dbt(path, None, args.dbt.manifest.as_deref()).map(|(p, _)| p),
        false => Project::load(path),
    };
    let project = match loaded {
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
    if args.dbt.dbt {
        let unmatched = selectors_matching_nothing(&project);
        for line in &unmatched {
            eprintln!("{line}");
        }
        if !unmatched.is_empty() {
            eprintln!(
                "{} standard(s) select no column of the dbt models: tag the columns in their YAML (`tags:`, or `meta: {{hallmark: {{tags: [...]}}}}`) or say why not",
                unmatched.len()
            );
            return Ok(Outcome::Failed);
        }
    }
    println!("ok");
    Ok(Outcome::Passed)
}

/// One line per standard whose rule selects columns and selects none of any product
/// at its levels: in a dbt project, where tags come from the models' YAML, such a
/// standard is silently never checked.
fn selectors_matching_nothing(project: &Project) -> Vec<String> {
    project
        .standards
        .iter()
        .filter_map(|s| {
            let selector = s.rule.as_ref()?.columns.as_ref()?;
            let products: Vec<_> = project.products.iter().filter(|p| s.applies_to(p.spec.level)).collect();
            if products.is_empty() {
                return None;
            }
            let matched = products
                .iter()
                .any(|p| p.spec.columns.iter().any(|c| selects(selector, c, &p.spec)));
            (!matched).then(|| {
                format!(
                    "{}:{}: {} selects columns by {}, and no column of {} matches",
                    project.root.join(&project.config.standards).display(),
                    s.line,
                    s.id,
                    selector.describe(),
                    products
                        .iter()
                        .map(|p| p.spec.relation())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
        })
        .collect()
}
