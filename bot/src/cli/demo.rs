//! `hallmark demo`: the bundled retail example, checked end to end with no network and
//! no key. It copies the example (compiled into the binary) into a temporary folder,
//! so it runs the same from any directory.

use super::check::{check_project, emit, outcome};
use super::Outcome;
use anyhow::Context;
use hallmark_checks::render::{render, Format};
use hallmark_checks::runner::{RunOptions, Selection};
use hallmark_checks::warehouse::Limits;
use hallmark_checks::Project;
use std::path::{Path, PathBuf};

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

/// Writes the example, checks it, and prints the checklist.
pub fn run(args: DemoArgs) -> anyhow::Result<Outcome> {
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
    eprintln!("hallmark demo: the retail example is in {}", root.display());
    let project = Project::load(&root).map_err(|e| anyhow::anyhow!("the bundled example does not load:\n{e}"))?;
    let checklist = check_project(
        &project,
        &Selection::default(),
        &RunOptions::default(),
        Limits::default(),
    )?;
    emit(&render(&checklist, Format::Markdown), None)?;
    let verdict = outcome(&checklist);
    eprintln!(
        "hallmark demo: the hand-written silver product {} its error-severity standards (exit code {})",
        if verdict == Outcome::Passed {
            "meets"
        } else {
            "does not yet meet"
        },
        match verdict {
            Outcome::Passed => 0,
            Outcome::Failed => 1,
            Outcome::BadInput => 2,
        }
    );
    // The demo shows a checklist with failures on purpose; it succeeded if it ran.
    Ok(Outcome::Passed)
}
