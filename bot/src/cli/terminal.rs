//! Whether output goes to a person at a terminal, and how to draw it there: the
//! checklist's text form by default at a terminal (markdown when piped), colours only
//! there (`--color`, `NO_COLOR`), fitted to its width.

use hallmark_checks::render::text::TextOptions;
use std::io::IsTerminal;

/// When to colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorArg {
    /// At a terminal, unless `NO_COLOR` is set.
    Auto,
    /// Always, even piped.
    Always,
    /// Never.
    Never,
}

/// `--color` and `-v`.
#[derive(Debug, Clone, clap::Args)]
pub struct TerminalArgs {
    /// Colours in the text form: auto (at a terminal without NO_COLOR), always, never.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorArg,
    /// The text form shows the SQL of every check, not only of the failures.
    #[arg(short, long)]
    pub verbose: bool,
}

/// True when standard output is a terminal.
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// The terminal's width: the terminal's own, else `COLUMNS`, else 100.
fn width() -> usize {
    console::Term::stdout()
        .size_checked()
        .map(|(_, w)| usize::from(w))
        .or_else(|| std::env::var("COLUMNS").ok()?.trim().parse().ok())
        .unwrap_or(100)
}

impl TerminalArgs {
    /// How the text form is drawn on standard output.
    pub fn text_options(&self) -> TextOptions {
        let color = match self.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => stdout_is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        };
        TextOptions {
            color,
            width: width(),
            verbose: self.verbose,
        }
    }
}
