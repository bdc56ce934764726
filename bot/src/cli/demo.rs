//! `hallmark demo`: the bundled retail example, promoted end to end with no network
//! and no key. It copies the example (compiled into the binary) into a temporary git
//! repository, so it runs the same from any directory.

use super::promote::{promote_and_commit, report};
use super::terminal::{stdout_is_terminal, ColorArg, TerminalArgs};
use super::{FormatArg, Outcome};
use anyhow::Context;
use hallmark::agent::context::PromotionRequest;
use hallmark::agent::job::JobOptions;
use hallmark::agent::rules::RulesDrafter;
use hallmark::git::{checkout_branch, init_repository};
use hallmark_checks::{Level, Project};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `hallmark demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Keep the example here instead of a temporary folder (it must not exist yet).
    #[arg(long)]
    keep: Option<PathBuf>,
}

/// The example's files, relative to its root, compiled in.
const FILES: &[(&str, &str)] = &[
    (
        "data_standards.md",
        include_str!("../../../examples/retail/data_standards.md"),
    ),
    (
        "products/orders/silver.yml",
        include_str!("../../../examples/retail/products/orders/silver.yml"),
    ),
    (
        "products/orders/silver.sql",
        include_str!("../../../examples/retail/products/orders/silver.sql"),
    ),
    (
        "bronze/orders.csv",
        include_str!("../../../examples/retail/bronze/orders.csv"),
    ),
    (
        "bronze/customers.csv",
        include_str!("../../../examples/retail/bronze/customers.csv"),
    ),
];

/// Writes the example under `root`.
pub fn write_example(root: &Path) -> anyhow::Result<()> {
    for (rel, text) in FILES {
        let path = root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// The promotions the demo runs, in order: (source, level, product, request).
const PROMOTIONS: &[(&str, Level, Option<&str>, &str)] = &[
    (
        "bronze/orders.csv",
        Level::Silver,
        None,
        "We need clean orders for the finance dashboards: one row per order, amounts as numbers, ISO country codes.",
    ),
    (
        "bronze/customers.csv",
        Level::Silver,
        None,
        "Customer master data for marketing: one row per customer with a usable e-mail address and country.",
    ),
    (
        "silver.orders",
        Level::Gold,
        Some("daily_revenue"),
        "Daily revenue by ship country, with order and customer counts.",
    ),
];

/// Writes the example into a new git repository, promotes its sources to silver and
/// one gold product, and prints the checklists, branches and schema diffs.
pub fn run(args: DemoArgs) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let temp;
    let root = match &args.keep {
        Some(dir) => {
            anyhow::ensure!(
                !dir.exists(),
                "{} already exists; pick a new folder for --keep",
                dir.display()
            );
            dir.clone()
        }
        None => {
            temp = tempfile::tempdir().context("creating a temporary folder")?;
            temp.path().to_path_buf()
        }
    };
    write_example(&root)?;
    init_repository(&root, "The retail example: bronze data and standards")?;
    eprintln!(
        "hallmark demo: the retail example is a git repository in {}",
        root.display()
    );

    let mut summary = Vec::new();
    for (source, level, product, text) in PROMOTIONS {
        if *level == Level::Gold {
            // Gold reads the drafted silver product, which lives on its branch.
            checkout_branch(&root, "hallmark/silver/orders")?;
        }
        let project = Project::load(&root).map_err(|e| anyhow::anyhow!("the bundled example does not load:\n{e}"))?;
        let request = PromotionRequest {
            source: source.to_string(),
            level: *level,
            product: product.map(str::to_string),
            text: text.to_string(),
            owner: None,
        };
        eprintln!("\nhallmark demo: promoting {source} to {level}");
        let (promotion, committed) = promote_and_commit(
            &project,
            &request,
            &mut RulesDrafter::default(),
            &JobOptions::default(),
            true,
        )?;
        println!("\n## {}\n", promotion.target.relation());
        // A person trying Hallmark at a terminal reads the text form.
        let terminal = TerminalArgs {
            color: ColorArg::Auto,
            verbose: false,
        };
        report(
            &promotion,
            committed.as_ref(),
            FormatArg::chosen(None, stdout_is_terminal()).format(&terminal),
        );
        println!("\nSchema diff:\n\n```diff\n{}```", promotion.schema_diff);
        summary.push(format!(
            "{:<22} branch {:<32} {}",
            promotion.target.relation(),
            promotion.target.branch(),
            promotion.summary_line()
        ));
    }
    println!("\n## Summary\n");
    for line in &summary {
        println!("- {line}");
    }
    println!(
        "\nThe branches are in {} (`git log --all --oneline`). Wall time: {:.1} s.",
        if args.keep.is_some() {
            root.display().to_string()
        } else {
            "a temporary repository, removed on exit; use --keep DIR to keep it".to_string()
        },
        started.elapsed().as_secs_f64()
    );
    Ok(Outcome::Passed)
}
