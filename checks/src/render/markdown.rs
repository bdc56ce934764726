//! The markdown checklist: a summary line on top, then one task list per product.
//! It reads the same on GitHub and GitLab (task lists, `<details>`, fenced SQL, tables).

use crate::result::{CheckResult, Checklist, ProductReport, Status, Summary};
use crate::scan::thousands;
use std::fmt::Write;

fn mark(status: Status) -> &'static str {
    match status {
        Status::Pass => "",
        Status::Fail => "❌ **fail**",
        Status::Warn => "⚠️ **warn**",
        Status::Error => "💥 **error**",
        Status::Manual => "👀 **needs human review**",
        Status::NotApplicable => "➖ n/a",
    }
}

/// The one-line tally, e.g. `❌ 2 failed · 14 passed · 1 warning · 3 need human review`.
pub fn summary_line(s: &Summary) -> String {
    let head = if s.passed() { "✅ passed" } else { "❌ failed" };
    format!("**{head}**: {}", tally(s))
}

/// The counts of a tally, `2 failed · 14 passed · 1 warning · 3 need human review`.
pub fn tally(s: &Summary) -> String {
    let mut parts = Vec::new();
    if s.fail > 0 {
        parts.push(format!("{} failed", s.fail));
    }
    if s.error > 0 {
        parts.push(format!("{} could not run", s.error));
    }
    parts.push(format!("{} passed", s.pass));
    if s.warn > 0 {
        parts.push(format!(
            "{} {}",
            s.warn,
            if s.warn == 1 { "warning" } else { "warnings" }
        ));
    }
    if s.manual > 0 {
        parts.push(format!(
            "{} {} human review",
            s.manual,
            if s.manual == 1 { "needs" } else { "need" }
        ));
    }
    if s.not_applicable > 0 {
        parts.push(format!("{} not applicable", s.not_applicable));
    }
    parts.join(" · ")
}

/// Renders the whole checklist.
pub fn render(checklist: &Checklist) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### Hallmark checklist\n");
    let _ = writeln!(
        out,
        "{} — {} {} on {}, reference time {}\n",
        summary_line(&checklist.summary),
        checklist.products.len(),
        if checklist.products.len() == 1 {
            "product"
        } else {
            "products"
        },
        checklist.warehouse,
        checklist.reference_time
    );
    if checklist.products.is_empty() {
        out.push_str("_No product matched; nothing was checked._\n");
    }
    for p in &checklist.products {
        product(&mut out, p);
    }
    out
}

fn product(out: &mut String, p: &ProductReport) {
    let rows = p.rows.map(|r| format!(" — {} rows", thousands(r))).unwrap_or_default();
    let deployed = p
        .deployed
        .as_ref()
        .map(|d| format!(" — checked in place at `{d}`"))
        .unwrap_or_default();
    let built = p
        .built_as
        .as_ref()
        .map(|b| format!(" — built as a {} ({})", b.form, b.why))
        .unwrap_or_default();
    let cached = p
        .cached_from
        .as_ref()
        .map(|c| format!(" — cached from {c} (unchanged since; `--no-cache` checks again)"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "#### `{}`{rows} ({}){deployed}{built}{cached}\n",
        p.product, p.spec
    );
    let _ = writeln!(out, "{}\n", summary_line(&p.summary));
    if let Some(e) = &p.error {
        let _ = writeln!(out, "> 💥 {}\n", e.replace('\n', "\n> "));
    }
    for r in &p.results {
        item(out, r);
    }
    out.push('\n');
}

fn item(out: &mut String, r: &CheckResult) {
    let tick = if r.status == Status::Pass { "x" } else { " " };
    let label = if r.columns.is_empty() {
        r.check.clone()
    } else {
        format!("{}({})", r.check, r.columns.join(", "))
    };
    let label = match r.status {
        Status::Manual | Status::NotApplicable => String::new(),
        _ => format!(" — `{label}`"),
    };
    // A manual result's figure only repeats its mark; its prose is in the details.
    let figure = if r.status == Status::Manual {
        String::new()
    } else {
        inline(&r.figure)
    };
    let line = [mark(r.status), figure.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let _ = writeln!(
        out,
        "- [{tick}] **{}** {}{label}: {line}",
        r.standard_id,
        inline(&r.title)
    );
    if r.sql.is_none() && r.samples.is_none() && r.reason.is_none() {
        return;
    }
    let summary = match (&r.samples, r.status) {
        (Some(s), _) => format!(
            "details: SQL and {} failing {}",
            s.rows.len(),
            if s.rows.len() == 1 { "row" } else { "rows" }
        ),
        (None, Status::Manual) => "what a reviewer should judge".to_string(),
        (None, Status::Error) => "why it could not run".to_string(),
        _ => "SQL".to_string(),
    };
    let _ = writeln!(out, "  <details><summary>{summary}</summary>\n");
    if let Some(reason) = &r.reason {
        // Prose is shown as text: HTML in it must not close our `<details>`.
        for line in reason.lines() {
            let _ = writeln!(out, "  {}", line.replace('<', "&lt;").replace('>', "&gt;"));
        }
        out.push('\n');
    }
    if let Some(sql) = &r.sql {
        let _ = writeln!(out, "  ```sql");
        for line in sql.lines() {
            let _ = writeln!(out, "  {line}");
        }
        let _ = writeln!(out, "  ```\n");
    }
    if let Some(s) = &r.samples {
        let _ = writeln!(
            out,
            "  | {} |",
            s.columns.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
        );
        let _ = writeln!(out, "  |{}", "---|".repeat(s.columns.len()));
        for row in &s.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|v| v.as_deref().map(cell).unwrap_or_else(|| "_null_".into()))
                .collect();
            let _ = writeln!(out, "  | {} |", cells.join(" | "));
        }
        out.push('\n');
    }
    let _ = writeln!(out, "  </details>");
}

/// Keeps user text on one line and free of markup that would break the list.
fn inline(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A value as a table cell: on one line, pipes escaped, in backticks; `_empty_` for
/// the empty string.
pub(crate) fn cell(text: &str) -> String {
    let t = inline(text).replace('|', "\\|");
    if t.is_empty() {
        "_empty_".into()
    } else {
        format!("`{}`", t.replace('`', "'"))
    }
}
