//! `hallmark mcp`: serves one repository's standards, sandbox and checklist to an MCP
//! client over stdio (standard output is the protocol's; logs go to standard error).

use super::Outcome;
use anyhow::Context;
use hallmark::isolated::Opener;
use hallmark::mcp::repo::Repo;
use hallmark::mcp::{serve_stdio, HallmarkServer};
use std::path::PathBuf;

/// Arguments of `hallmark mcp`.
#[derive(Debug, clap::Args)]
pub struct McpArgs {
    /// The repository root (holding data_standards.md and products/).
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Read the configuration from this file instead of PATH/.hallmark.yml.
    #[arg(long)]
    config: Option<PathBuf>,
}

/// Serves until the client closes standard input.
pub fn run(args: McpArgs) -> anyhow::Result<Outcome> {
    let repo = match Repo::open(&args.path, args.config) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Outcome::BadInput);
        }
    };
    // The repository's own run, as `hallmark check` is; DuckDB in a child process, so
    // that a cancelled request's statement is killed rather than left running.
    let opener = Opener {
        isolate: Some(std::env::current_exe().context("finding this executable, which runs the warehouse")?),
        ..Opener::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    tracing::info!(repository = %repo.root.display(), "serving MCP on stdio");
    runtime.block_on(serve_stdio(HallmarkServer::new(repo, opener)))?;
    Ok(Outcome::Passed)
}
