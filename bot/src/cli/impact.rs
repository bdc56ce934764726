//! `hallmark impact`: what a change to the data standards does to every product — the
//! table of products × changed standards, and which products passed before and fail
//! now. Exits 0 when every product passes at the head, 1 when one fails, 2 when a
//! version does not load or git cannot read it.

use super::check::parse_time;
use super::Outcome;
use chrono::{DateTime, Utc};
use hallmark::impact::run::impact;
use hallmark::impact::table::markdown;
use hallmark::impact::ImpactError;
use hallmark::isolated::Opener;
use hallmark_checks::runner::RunOptions;
use hallmark_checks::warehouse::Limits;
use std::path::PathBuf;

/// How the impact is printed.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ImpactFormat {
    /// The table, for people (and pull request comments).
    Md,
    /// The whole run, for tools.
    Json,
}

/// Arguments of `hallmark impact`.
#[derive(Debug, clap::Args)]
pub struct ImpactArgs {
    /// The repository folder holding data_standards.md and products/.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// The version before the change (a commit, branch or tag).
    #[arg(long, default_value = "main")]
    base: String,
    /// The version after the change.
    #[arg(long, default_value = "HEAD")]
    head: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "md")]
    format: ImpactFormat,
    /// The reference time for freshness checks (RFC 3339); now when absent.
    #[arg(long, value_parser = parse_time)]
    as_of: Option<DateTime<Utc>>,
}

/// Runs both versions' checks and prints the impact.
pub fn run(args: ImpactArgs) -> anyhow::Result<Outcome> {
    let options = RunOptions {
        reference_time: args.as_of.unwrap_or_else(Utc::now),
        ..RunOptions::default()
    };
    let result = match impact(
        &args.path,
        &args.base,
        &args.head,
        &options,
        Limits::default(),
        &Opener::default(),
    ) {
        Ok(r) => r,
        Err(e @ (ImpactError::Git { .. } | ImpactError::Project { .. })) => {
            eprintln!("error: {e}");
            return Ok(Outcome::BadInput);
        }
        Err(e) => return Err(e.into()),
    };
    match args.format {
        ImpactFormat::Md => print!("{}", markdown(&result)),
        ImpactFormat::Json => println!("{}", serde_json::to_string_pretty(&result)?),
    }
    Ok(if result.all_pass() {
        Outcome::Passed
    } else {
        Outcome::Failed
    })
}
