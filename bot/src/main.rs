//! The `hallmark` command line.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    cli::unset_empty_variables();
    let args = cli::Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("HALLMARK_LOG").unwrap_or_else(|_| "warn".into());
    // Colours only for a person at a terminal: a log file, journald or a CI log gets
    // plain text (and `NO_COLOR` turns them off anywhere).
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
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
