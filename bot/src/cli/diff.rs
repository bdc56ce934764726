//! `hallmark diff`: what a change does to the rows of the products it touches, each
//! built at both versions and compared by key in the warehouse. Exits 0 when every
//! product was compared, 1 when one could not be built at a version, 2 when a version
//! does not load or git cannot read it.

use super::check::parse_time;
use super::Outcome;
use chrono::{DateTime, Utc};
use hallmark::impact::data::{data_diff, markdown, DiffPlan, Which};
use hallmark::impact::ImpactError;
use hallmark::isolated::Opener;
use hallmark_checks::runner::RunOptions;
use hallmark_checks::warehouse::Limits;
use std::path::PathBuf;

/// How the diff is printed.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum DiffFormat {
    /// Folded sections, for people and pull request comments.
    Md,
    /// Every figure, for tools.
    Json,
}

/// Arguments of `hallmark diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The repository folder holding data_standards.md and products/.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// The version before the change (a commit, branch or tag).
    #[arg(long, default_value = "main")]
    base: String,
    /// The version after the change.
    #[arg(long, default_value = "HEAD")]
    head: String,
    /// Only this product (`orders` or `silver.orders`); else every product whose spec
    /// or SQL the change touches, every new one, and the products built on them.
    #[arg(long)]
    product: Option<String>,
    /// Read the configuration from this file instead of each version's .hallmark.yml.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "md")]
    format: DiffFormat,
    /// The reference time for the checks run while building (RFC 3339); now when absent.
    #[arg(long, value_parser = parse_time)]
    as_of: Option<DateTime<Utc>>,
}

/// Builds both versions, compares them and prints the diff.
pub fn run(args: DiffArgs) -> anyhow::Result<Outcome> {
    let options = RunOptions {
        reference_time: args.as_of.unwrap_or_else(Utc::now),
        ..RunOptions::default()
    };
    let plan = DiffPlan {
        base: &args.base,
        head: &args.head,
        which: match &args.product {
            Some(name) => Which::Named(name),
            None => Which::Touched,
        },
        config: args.config.as_deref(),
    };
    let result = match data_diff(&args.path, &plan, &options, Limits::default(), &Opener::default()) {
        Ok(r) => r,
        Err(e @ (ImpactError::Git { .. } | ImpactError::Project { .. })) => {
            eprintln!("error: {e}");
            return Ok(Outcome::BadInput);
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(name) = &args.product {
        if result.products.is_empty() {
            eprintln!("error: no product `{name}` at {}", args.head);
            return Ok(Outcome::BadInput);
        }
    }
    match args.format {
        DiffFormat::Md => print!("{}", markdown(&result)),
        DiffFormat::Json => println!("{}", serde_json::to_string_pretty(&result)?),
    }
    Ok(if result.products.iter().all(|p| p.error.is_none()) {
        Outcome::Passed
    } else {
        Outcome::Failed
    })
}
