//! The `hallmark` command line.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    cli::unset_empty_variables();
    let args = cli::Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("HALLMARK_LOG").unwrap_or_else(|_| "warn".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match args.log_format {
        cli::LogFormat::Text => logs.init(),
        // One JSON object per line, for log collectors.
        cli::LogFormat::Json => logs.json().flatten_event(true).init(),
    }
    match cli::run(args) {
        Ok(code) => code.into(),
        Err(e) => {
            eprintln!("error: {e:#}");
            cli::Outcome::BadInput.into()
        }
    }
}
