//! `hallmark impact`: what a change to the data standards does to every product — the
//! table of products × changed standards, and which products passed before and fail
//! now. Exits 0 when every product passes at the head, 1 when one fails, 2 when a
//! version does not load or git cannot read it.

use super::check::parse_time;
use super::terminal::{stdout_is_terminal, TerminalArgs};
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Lines for a person at a terminal (the default there).
    Text,
    /// Tables and folded sections, for pull request comments (the default when piped).
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
    /// Output format: text at a terminal, markdown when piped, unless given.
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
    #[command(flatten)]
    pub terminal: TerminalArgs,
}

impl Versions {
    /// Prints `run` as `format` says: `text` for a terminal (given whether to
    /// colour), `markdown` for pull requests and pipes, or JSON.
    pub fn print<T: serde::Serialize>(
        &self,
        run: &T,
        markdown: impl Fn(&T) -> String,
        text: impl Fn(&T, bool) -> String,
    ) -> anyhow::Result<()> {
        let to_terminal = stdout_is_terminal();
        let chosen = self.format.unwrap_or(if to_terminal {
            ReportFormat::Text
        } else {
            ReportFormat::Md
        });
        match chosen {
            ReportFormat::Text => print!("{}", text(run, self.terminal.text_options().color)),
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
    v.print(&result, markdown, hallmark::impact::table::text)?;
    Ok(if result.all_pass() {
        Outcome::Passed
    } else {
        Outcome::Failed
    })
}
