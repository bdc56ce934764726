//! `hallmark check`: builds the selected products in a sandbox (or, with
//! `--deployed`, reads them where they are deployed) and prints the checklist.

use super::dbt::{self, DbtArgs};
use super::progress::Bar;
use super::terminal::{stdout_is_terminal, TerminalArgs};
use super::{FormatArg, LevelArg, Outcome};
use anyhow::Context;
use chrono::{DateTime, Utc};
use hallmark_checks::cache::ResultCache;
use hallmark_checks::deployed::Deployed;
use hallmark_checks::render::render;
use hallmark_checks::runner::{run_checks, RunOptions, Selection};
use hallmark_checks::warehouse::Limits;
use hallmark_checks::{Checklist, Project};
use std::path::{Path, PathBuf};

/// Arguments of `hallmark check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The repository root (holding data_standards.md and products/).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Check only this product (`orders` or `silver.orders`).
    #[arg(long)]
    pub product: Option<String>,
    /// Check only products at this level.
    #[arg(long, value_enum)]
    level: Option<LevelArg>,
    /// Output format: text at a terminal, markdown when piped, unless given.
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    #[command(flatten)]
    terminal: TerminalArgs,
    /// Write the checklist to this file instead of standard output.
    #[arg(long)]
    output: Option<PathBuf>,
    /// The reference time for freshness and future-timestamp checks (RFC 3339);
    /// now when absent.
    #[arg(long, value_parser = parse_time)]
    as_of: Option<DateTime<Utc>>,
    /// Read the configuration from this file instead of PATH/.hallmark.yml, e.g. to
    /// check the same products on another warehouse.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Interrupt any single query running longer than this many seconds.
    #[arg(long, default_value_t = 300)]
    timeout_secs: u64,
    /// Check each product where it is deployed, building nothing: at
    /// `--deployed=LOCATION` (a schema, or a template like `prod_{level}.{name}`), else
    /// at `.hallmark.yml`'s `deployed:`, else under its own name (`{level}.{name}`).
    #[arg(long, value_name = "LOCATION", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    deployed: Option<String>,
    /// Check every product, even those unchanged since a passing run (which are
    /// otherwise reported from `.hallmark/cache/`).
    #[arg(long)]
    no_cache: bool,
    #[command(flatten)]
    dbt: DbtArgs,
}

pub(super) fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("`{s}` is not an RFC 3339 time like 2024-12-31T00:00:00Z: {e}"))
}

/// Loads, builds and checks; prints or writes the checklist; returns the exit outcome.
pub fn run(args: CheckArgs) -> anyhow::Result<Outcome> {
    let Some((project, dbt)) = dbt::load(&args.path, args.config.as_deref(), &args.dbt.source) else {
        return Ok(Outcome::BadInput);
    };
    let selection = Selection {
        product: args.product.clone(),
        level: args.level.map(Into::into),
        relations: None,
    };
    let matched = project.products.iter().filter(|p| selection.includes(&p.spec)).count();
    if matched == 0 {
        let known: Vec<String> = project.products.iter().map(|p| p.spec.relation()).collect();
        eprintln!(
            "error: no product matches{}{} under {}; products: {}",
            args.product
                .as_deref()
                .map(|p| format!(" --product {p}"))
                .unwrap_or_default(),
            selection.level.map(|l| format!(" --level {l}")).unwrap_or_default(),
            args.path.display(),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        );
        return Ok(Outcome::BadInput);
    }
    let (mut options, limits) = run_settings(args.as_of, args.timeout_secs);
    if !args.no_cache {
        options.cache = Some(result_cache(&project.root));
    }
    if let Some(flag) = &args.deployed {
        options.deployed = Some(
            Deployed::choose(flag, project.config.deployed.as_deref())
                .map_err(|e| anyhow::anyhow!("--deployed: {e}"))?,
        );
    }
    if let Some(found) = &dbt {
        if let Err(e) = dbt::place(found, &args.dbt, &project, &selection, &mut options) {
            eprintln!("error: {e}");
            return Ok(Outcome::BadInput);
        }
    }
    let checklist = check_project(&project, &selection, &options, limits)?;
    let format = FormatArg::chosen(args.format, args.output.is_none() && stdout_is_terminal());
    let mut text = render(&checklist, format.format(&args.terminal));
    if let Some(found) = &dbt {
        // People read the overlap under the checklist; tools get the checklist alone.
        match format {
            FormatArg::Md | FormatArg::Text => text.push_str(&dbt::overlap_markdown(&checklist, found)),
            _ => dbt::say_overlap(&checklist, found),
        }
    }
    emit(&text, args.output.as_deref())?;
    Ok(outcome(&checklist))
}

/// Where a repository keeps its result cache (git-ignore `.hallmark/`).
pub const CACHE_FILE: &str = ".hallmark/cache/results.json";

/// The repository's result cache, labelled with the commit its HEAD points at.
pub(super) fn result_cache(root: &Path) -> std::sync::Arc<ResultCache> {
    let commit = git2::Repository::discover(root)
        .ok()
        .and_then(|r| r.head().ok()?.peel_to_commit().ok().map(|c| c.id().to_string()));
    std::sync::Arc::new(ResultCache::open(&root.join(CACHE_FILE), commit))
}

/// The run's reference time (`--as-of`, else now) and the per-query timeout.
pub(super) fn run_settings(as_of: Option<DateTime<Utc>>, timeout_secs: u64) -> (RunOptions, Limits) {
    let options = RunOptions {
        reference_time: as_of.unwrap_or_else(Utc::now),
        reference_pinned: as_of.is_some(),
        ..RunOptions::default()
    };
    let limits = Limits {
        timeout: std::time::Duration::from_secs(timeout_secs),
        ..Limits::default()
    };
    (options, limits)
}

/// Opens the project's warehouse and runs the checks with a progress bar.
pub fn check_project(
    project: &Project,
    selection: &Selection,
    options: &RunOptions,
    limits: Limits,
) -> anyhow::Result<Checklist> {
    let job = hallmark_checks::warehouse::job_name();
    let warehouse = hallmark_checks::warehouse::open(&project.config.warehouse, &project.root, &job, limits)
        .context("opening the warehouse")?;
    let total = project.products.iter().filter(|p| selection.includes(&p.spec)).count();
    let bar = Bar::new(total);
    let checklist = run_checks(project, warehouse.as_ref(), selection, options, &bar);
    bar.finish();
    Ok(checklist)
}

/// The exit outcome a checklist deserves.
pub fn outcome(checklist: &Checklist) -> Outcome {
    if checklist.passed() {
        Outcome::Passed
    } else {
        Outcome::Failed
    }
}

/// Writes `text` to `output`, or to standard output.
pub fn emit(text: &str, output: Option<&Path>) -> anyhow::Result<()> {
    match output {
        Some(path) => std::fs::write(path, text).with_context(|| format!("writing {}", path.display())),
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes()).context("writing to standard output")
        }
    }
}
