//! The verbs of the `hallmark` binary and their exit codes.

mod check;
mod ci;
mod dbt;
mod demo;
mod diff;
mod doctor;
mod impact;
mod lint;
mod mcp;
mod progress;
mod promote;
mod serve;
mod setup;
mod terminal;

use clap::{Parser, Subcommand, ValueEnum};
use hallmark_checks::render::Format;
use hallmark_checks::Level;
use std::process::ExitCode;

/// Unsets every empty `HALLMARK_*` variable before the command line is read: an env
/// file's blank `HALLMARK_GITHUB_APP_ID=` (compose, a Kubernetes Secret) means "not
/// set", as it does for the secrets, where clap would read it as an empty value and
/// refuse it. Called first thing in `main`, before any thread exists.
pub fn unset_empty_variables() {
    let empty: Vec<std::ffi::OsString> = std::env::vars_os()
        .filter(|(name, value)| name.to_string_lossy().starts_with("HALLMARK_") && value.is_empty())
        .map(|(name, _)| name)
        .collect();
    for name in empty {
        std::env::remove_var(name);
    }
}

/// Hallmark promotes data products bronze → silver → gold and proves, with a
/// checklist, which of the team's data standards they meet.
#[derive(Debug, Parser)]
#[command(name = "hallmark", version, about)]
pub struct Cli {
    /// How logs are written to standard error (level from `HALLMARK_LOG`, e.g. `info`).
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    /// Lines for people.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build products in a sandbox and check them against the standards.
    Check(check::CheckArgs),
    /// Check the products a pull or merge request touches and report on it (GitHub
    /// Actions, GitLab CI, or locally).
    Ci(ci::CiArgs),
    /// Show what a change to the data standards does to every product.
    Impact(impact::ImpactArgs),
    /// Show what a change does to the rows of the products it touches: each built at
    /// both versions and compared by key.
    Diff(diff::DiffArgs),
    /// Validate data_standards.md and the product specs without touching data.
    Lint(lint::LintArgs),
    /// Serve the repository's standards, sandbox and checklist to an AI agent as a Model
    /// Context Protocol server on stdio (Claude Code, Cursor, VS Code).
    Mcp(mcp::McpArgs),
    /// Draft a silver or gold product from a source, check it, and commit it on a branch.
    Promote(promote::PromoteArgs),
    /// Promote the bundled retail example in a temporary git repository (no network, no key).
    Demo(demo::DemoArgs),
    /// Run the GitHub App: the webhook server and its workers.
    Serve(serve::ServeArgs),
    /// Check the bot's configuration, keys, tokens and warehouse, and say what is wrong.
    Doctor(doctor::DoctorArgs),
    /// Create the GitHub App from its manifest, in one command.
    #[command(subcommand)]
    Setup(setup::SetupCommand),
    /// List the check kinds and their parameters.
    Checks,
    /// The child process `serve` runs a job's DuckDB warehouse in (one JSON request
    /// per line on stdin, one answer per line on stdout), so a statement that ignores
    /// interruption can be killed.
    #[command(name = "warehouse-worker", hide = true)]
    WarehouseWorker,
}

/// How a run ended, as the process exit code: CI reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every error-severity standard passed (exit 0).
    Passed,
    /// At least one error-severity standard failed or could not be measured (exit 1).
    Failed,
    /// The input was wrong: a malformed standard or spec, an unknown product (exit 2).
    BadInput,
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> ExitCode {
        ExitCode::from(match o {
            Outcome::Passed => 0,
            Outcome::Failed => 1,
            Outcome::BadInput => 2,
        })
    }
}

/// Output formats on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    /// Lines for a person at a terminal (the default there).
    Text,
    /// GitHub/GitLab-flavoured markdown (the default when piped).
    Md,
    /// The versioned JSON document.
    Json,
    /// JUnit XML.
    Junit,
}

impl FormatArg {
    /// The format to print in: the one asked for, else text at a terminal and markdown
    /// elsewhere (a file, a pipe, a CI log).
    fn chosen(asked: Option<FormatArg>, to_terminal: bool) -> FormatArg {
        asked.unwrap_or(if to_terminal { FormatArg::Text } else { FormatArg::Md })
    }

    /// The renderer's format, drawn as `terminal` says for text.
    fn format(self, terminal: &terminal::TerminalArgs) -> Format {
        match self {
            FormatArg::Text => Format::Text(terminal.text_options()),
            FormatArg::Md => Format::Markdown,
            FormatArg::Json => Format::Json,
            FormatArg::Junit => Format::Junit,
        }
    }
}

/// Levels on the command line (bronze is never checked).
#[derive(Debug, Clone, Copy, ValueEnum)]
enum LevelArg {
    /// Silver products.
    Silver,
    /// Gold products.
    Gold,
}

impl From<LevelArg> for Level {
    fn from(l: LevelArg) -> Level {
        match l {
            LevelArg::Silver => Level::Silver,
            LevelArg::Gold => Level::Gold,
        }
    }
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Ci(args) => ci::run(args),
        Command::Impact(args) => impact::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Lint(args) => lint::run(&args),
        Command::Mcp(args) => mcp::run(args),
        Command::Promote(args) => promote::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Doctor(args) => doctor::run(args),
        Command::Setup(command) => setup::run(command),
        Command::WarehouseWorker => {
            hallmark::isolated::serve_child(std::io::stdin().lock(), std::io::stdout().lock())?;
            Ok(Outcome::Passed)
        }
        Command::Checks => {
            for e in hallmark_checks::catalogue::CATALOGUE {
                println!("{:<26} {:<44} {}", e.name, e.parameters, e.description);
            }
            Ok(Outcome::Passed)
        }
    }
}
