//! The impact as people read it: a table of products × changed standards (✅ ❌ ⚠️ 💥
//! 👤, the figure), the products that passed before and fail now, and the diff of each
//! changed standard folded underneath; or the same as JSON.

use super::diff::Change;
use super::run::Impact;
use crate::agent::plan::fence_for;
use hallmark_checks::render::text;
use hallmark_checks::result::Status;
use std::fmt::Write as _;

fn symbol(status: Option<Status>) -> &'static str {
    match status {
        Some(Status::Pass) => "✅",
        Some(Status::Fail) => "❌",
        Some(Status::Warn) => "⚠️",
        Some(Status::Error) => "💥",
        Some(Status::Manual) => "👤 manual",
        Some(Status::NotApplicable) | None => "—",
    }
}

/// A table cell's text: `|` and line breaks would break the row.
fn cell_text(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn verdict(passed: Option<bool>) -> &'static str {
    match passed {
        Some(true) => "✅",
        Some(false) => "❌",
        None => "new",
    }
}

/// The impact in markdown.
pub fn markdown(impact: &Impact) -> String {
    let mut out = String::new();
    let short = |sha: &str| sha.chars().take(7).collect::<String>();
    let failing = impact.newly_failing();
    let _ = writeln!(
        out,
        "### Standards change {} → {}: {} of {} products no longer meet the standards\n",
        short(&impact.base),
        short(&impact.head),
        failing.len(),
        impact.products.len()
    );
    if impact.changes.is_empty() {
        let _ = writeln!(out, "No standard changed.");
        return out;
    }
    let mut header = String::from("| Product |");
    let mut rule = String::from("|---|");
    for c in &impact.changes {
        let what = match c {
            Change::Added { .. } => "added".to_string(),
            Change::Removed { .. } => "removed".to_string(),
            Change::Changed { what, .. } => format!("changed: {}", what.join(", ")),
        };
        let _ = write!(header, " {} ({what}) |", c.id());
        rule.push_str("---|");
    }
    header.push_str(" Before → now |");
    rule.push_str("---|");
    let _ = writeln!(out, "{header}\n{rule}");
    for p in &impact.products {
        let _ = write!(out, "| `{}` |", p.product);
        for (c, cell) in impact.changes.iter().zip(&p.cells) {
            if c.removed() {
                out.push_str(" removed |");
            } else if cell.status.is_none() {
                out.push_str(" — |");
            } else {
                let _ = write!(out, " {} {} |", symbol(cell.status), cell_text(&cell.figure));
            }
        }
        let _ = writeln!(out, " {} → {} |", verdict(p.passed_before), verdict(Some(p.passes_now)));
    }
    if !failing.is_empty() {
        let _ = writeln!(
            out,
            "\nNo longer meeting the standards: {}.",
            failing.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
        );
    }
    for c in &impact.changes {
        if let Change::Changed { id, title, diff, .. } = c {
            // The standard's own ```rule fence must not close the diff's.
            let fence = fence_for(diff);
            let _ = writeln!(
                out,
                "\n<details><summary>{id} {title}</summary>\n\n{fence}diff\n{diff}{fence}\n\n</details>"
            );
        }
    }
    out
}

/// The impact for a person at a terminal: each changed standard on a line, then per
/// product whether it passed before and passes now, and each changed standard's
/// status and figure on it, the products no longer meeting the standards last.
pub fn text(impact: &Impact, color: bool) -> String {
    let paint = |style: console::Style, t: &str| style.force_styling(color).apply_to(t).to_string();
    let red = |t: &str| paint(console::Style::new().red().bold(), t);
    let green = |t: &str| paint(console::Style::new().green(), t);
    // The checklist's own marks and verdicts; a removed or inapplicable cell is "–".
    let mark = |status: Option<Status>| text::status_mark(status.unwrap_or(Status::NotApplicable), color);
    let verdict = |passed: Option<bool>| match passed {
        Some(passed) => text::verdict(passed, color),
        None => paint(console::Style::new().dim(), "new"),
    };
    let short = |sha: &str| sha.chars().take(7).collect::<String>();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Standards change {} → {}",
        short(&impact.base),
        short(&impact.head)
    );
    if impact.changes.is_empty() {
        let _ = writeln!(out, "No standard changed.");
        return out;
    }
    for c in &impact.changes {
        let what = match c {
            Change::Added { .. } => "added".to_string(),
            Change::Removed { .. } => "removed".to_string(),
            Change::Changed { what, .. } => format!("changed: {}", what.join(", ")),
        };
        let _ = writeln!(out, "  {} ({what})", c.id());
    }
    out.push('\n');
    for p in &impact.products {
        let _ = writeln!(
            out,
            "{}  before {} → now {}",
            p.product,
            verdict(p.passed_before),
            verdict(Some(p.passes_now))
        );
        for (c, cell) in impact.changes.iter().zip(&p.cells) {
            let figure = if c.removed() {
                "removed: no longer checked".to_string()
            } else {
                cell.figure.replace('\n', " ")
            };
            let _ = writeln!(out, "  {} {} {figure}", mark(cell.status), c.id());
        }
    }
    let failing = impact.newly_failing();
    out.push('\n');
    if failing.is_empty() {
        let _ = writeln!(
            out,
            "{} of {} products no longer meet the standards",
            green("0"),
            impact.products.len()
        );
    } else {
        let _ = writeln!(
            out,
            "{} of {} products no longer meet the standards: {}",
            red(&failing.len().to_string()),
            impact.products.len(),
            failing.join(", ")
        );
    }
    out
}
