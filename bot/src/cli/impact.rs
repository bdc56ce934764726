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

/// How a comparison of two versions is printed (`impact`, `diff`).
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ReportFormat {
    /// Tables and folded sections, for people (and pull request comments).
    Md,
    /// The whole run, for tools.
    Json,
}

/// The repository and the two versions a comparison reads (`impact`, `diff`).
#[derive(Debug, clap::Args)]
pub struct Versions {
    /// The repository folder holding data_standards.md and products/.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The version before the change (a commit, branch or tag).
    #[arg(long, default_value = "main")]
    pub base: String,
    /// The version after the change.
    #[arg(long, default_value = "HEAD")]
    pub head: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "md")]
    pub format: ReportFormat,
}

impl Versions {
    /// Prints `run` as `format` says, with `markdown` for people.
    pub fn print<T: serde::Serialize>(&self, run: &T, markdown: impl Fn(&T) -> String) -> anyhow::Result<()> {
        match self.format {
            ReportFormat::Md => print!("{}", markdown(run)),
            ReportFormat::Json => println!("{}", serde_json::to_string_pretty(run)?),
        }
        Ok(())
    }
}

/// A version that git cannot read or that does not load is the user's input to fix:
/// said on standard error, exit 2. Anything else is the run's failure.
pub fn bad_versions(e: ImpactError) -> anyhow::Result<Outcome> {
    match e {
        ImpactError::Git { .. } | ImpactError::Project { .. } => {
            eprintln!("error: {e}");
            Ok(Outcome::BadInput)
        }
        e => Err(e.into()),
    }
}

/// Arguments of `hallmark impact`.
#[derive(Debug, clap::Args)]
pub struct ImpactArgs {
    #[command(flatten)]
    versions: Versions,
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
    let v = &args.versions;
    let result = match impact(
        &v.path,
        &v.base,
        &v.head,
        &options,
        Limits::default(),
        &Opener::default(),
    ) {
        Ok(r) => r,
        Err(e) => return bad_versions(e),
    };
    v.print(&result, markdown)?;
    Ok(if result.all_pass() {
        Outcome::Passed
    } else {
        Outcome::Failed
    })
}
