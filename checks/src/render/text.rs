//! The checklist for a person at a terminal, read as `dbt test`, `soda scan` and pytest
//! are: one line per check with a coloured mark, fitted to the terminal's width (the
//! title gives way, never the figure); then the failures and errors again, expanded
//! (figure, failing rows as a small aligned table, the SQL that measured them) where
//! the eye lands; then a line per product and the total with what the exit code means.

use crate::render::markdown::tally;
use crate::result::{CheckResult, Checklist, ProductReport, Status};
use crate::scan::thousands;
use console::{measure_text_width, Style};
use std::fmt::Write;

/// How the text is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextOptions {
    /// ANSI colours (never when piped or under `NO_COLOR`, unless forced).
    pub color: bool,
    /// The terminal's width in columns.
    pub width: usize,
    /// The SQL of every check, not only of the failures.
    pub verbose: bool,
}

impl Default for TextOptions {
    fn default() -> Self {
        Self {
            color: false,
            width: 100,
            verbose: false,
        }
    }
}

/// A title gets at least this many columns, or none.
const MIN_TITLE: usize = 8;
/// Failing rows shown under a failure.
const SAMPLE_ROWS: usize = 3;
/// A sample cell is cut to this many characters.
const MAX_CELL: usize = 40;

struct Paint {
    color: bool,
}

impl Paint {
    fn style(&self, s: Style) -> Style {
        s.force_styling(self.color)
    }
    fn green(&self, t: &str) -> String {
        self.style(Style::new().green()).apply_to(t).to_string()
    }
    fn red(&self, t: &str) -> String {
        self.style(Style::new().red().bold()).apply_to(t).to_string()
    }
    fn yellow(&self, t: &str) -> String {
        self.style(Style::new().yellow()).apply_to(t).to_string()
    }
    fn dim(&self, t: &str) -> String {
        self.style(Style::new().dim()).apply_to(t).to_string()
    }
    fn bold(&self, t: &str) -> String {
        self.style(Style::new().bold()).apply_to(t).to_string()
    }
}

/// The mark of a status, plain.
fn mark(status: Status) -> &'static str {
    match status {
        Status::Pass => "✔",
        Status::Fail => "✘",
        Status::Warn => "!",
        Status::Error => "‼",
        Status::Manual => "?",
        Status::NotApplicable => "–",
    }
}

/// A status's mark as the text forms show it (the checklist, the impact), coloured
/// when `color`.
pub fn status_mark(status: Status, color: bool) -> String {
    painted_mark(&Paint { color }, status)
}

/// A verdict, `✔ passed` in green or `✘ failed` in red when `color`.
pub fn verdict(passed: bool, color: bool) -> String {
    let p = Paint { color };
    if passed {
        p.green("✔ passed")
    } else {
        p.red("✘ failed")
    }
}

fn painted_mark(p: &Paint, status: Status) -> String {
    let m = mark(status);
    match status {
        Status::Pass => p.green(m),
        Status::Fail | Status::Error => p.red(m),
        Status::Warn => p.yellow(m),
        Status::Manual | Status::NotApplicable => p.dim(m),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` cut to `width` columns with an ellipsis.
fn fit(text: &str, width: usize) -> String {
    if measure_text_width(text) <= width {
        return text.to_string();
    }
    console::truncate_str(text, width, "…").into_owned()
}

fn label(r: &CheckResult) -> String {
    if r.columns.is_empty() {
        r.check.clone()
    } else {
        format!("{}({})", r.check, r.columns.join(", "))
    }
}

/// The figure a line ends with.
fn figure(r: &CheckResult) -> String {
    match r.status {
        Status::Manual => "needs human review".into(),
        _ if r.figure.is_empty() => one_line(r.reason.as_deref().unwrap_or_default()),
        _ => one_line(&r.figure),
    }
}

/// One check's line: mark, id, title (cut to fit), check and columns, figure.
fn line(p: &Paint, r: &CheckResult, width: usize) -> String {
    let quiet = matches!(r.status, Status::Manual | Status::NotApplicable);
    let (check, fig) = match r.status {
        Status::NotApplicable => (String::new(), figure(r)),
        Status::Manual => (String::new(), figure(r)),
        _ => (label(r), figure(r)),
    };
    // "  ✔ " + id + " " + [title + " "] + check + " " + figure
    let fixed = 4 + measure_text_width(&r.standard_id) + 1 + measure_text_width(&check) + 1 + measure_text_width(&fig);
    let room = width.saturating_sub(fixed + 1);
    let title = one_line(&r.title);
    let title = if room >= MIN_TITLE.min(measure_text_width(&title)) && room > 0 {
        format!("{} ", fit(&title, room))
    } else {
        String::new()
    };
    let body = [title.trim_end(), check.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    if quiet {
        return format!(
            "  {} {}",
            painted_mark(p, r.status),
            p.dim(&format!("{} {body} — {fig}", r.standard_id))
        );
    }
    let fig = match r.status {
        Status::Fail | Status::Error => p.red(&fig),
        Status::Warn => p.yellow(&fig),
        _ => fig,
    };
    format!(
        "  {} {} {body} {fig}",
        painted_mark(p, r.status),
        p.bold(&r.standard_id)
    )
}

/// A product's header line.
fn header(p: &Paint, report: &ProductReport) -> String {
    let mut facts = Vec::new();
    if let Some(rows) = report.rows {
        facts.push(format!("{} rows", thousands(rows)));
    }
    facts.push(report.spec.clone());
    if let Some(d) = &report.deployed {
        facts.push(format!("in place at {d}"));
    }
    if let Some(c) = &report.cached_from {
        facts.push(format!("cached from {c}"));
    }
    format!("{}  {}", p.bold(&report.product), p.dim(&facts.join(" · ")))
}

/// Samples as an aligned table, indented.
fn table(out: &mut String, p: &Paint, columns: &[String], rows: &[Vec<Option<String>>]) {
    let cell = |v: &Option<String>| match v {
        Some(v) => fit(&one_line(v), MAX_CELL),
        None => "null".into(),
    };
    let shown: Vec<Vec<String>> = rows
        .iter()
        .take(SAMPLE_ROWS)
        .map(|r| r.iter().map(cell).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            shown
                .iter()
                .filter_map(|r| r.get(i))
                .map(|v| measure_text_width(v))
                .chain([measure_text_width(c)])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let pad = |text: &str, w: usize| format!("{text}{}", " ".repeat(w.saturating_sub(measure_text_width(text))));
    let head: Vec<String> = columns.iter().zip(&widths).map(|(c, w)| pad(c, *w)).collect();
    let _ = writeln!(out, "      {}", p.bold(head.join("  ").trim_end()));
    for row in &shown {
        let cells: Vec<String> = row.iter().zip(&widths).map(|(c, w)| pad(c, *w)).collect();
        let _ = writeln!(out, "      {}", cells.join("  ").trim_end());
    }
    if rows.len() > SAMPLE_ROWS {
        let _ = writeln!(out, "      {}", p.dim(&format!("… {} more", rows.len() - SAMPLE_ROWS)));
    }
}

fn sql(out: &mut String, p: &Paint, sql: &str) {
    for l in sql.lines() {
        let _ = writeln!(out, "      {}", p.dim(l));
    }
}

/// Renders the whole checklist.
pub fn render(checklist: &Checklist, opts: &TextOptions) -> String {
    let p = Paint { color: opts.color };
    let width = opts.width.max(40);
    let mut out = String::new();
    if checklist.products.is_empty() {
        out.push_str("No product matched; nothing was checked.\n");
    }
    for report in &checklist.products {
        let _ = writeln!(out, "{}", header(&p, report));
        if let Some(e) = &report.error {
            let _ = writeln!(out, "  {} {}", p.red("‼"), p.red(&one_line(e)));
        }
        for r in &report.results {
            let _ = writeln!(out, "{}", line(&p, r, width));
            if opts.verbose {
                if let Some(s) = &r.sql {
                    sql(&mut out, &p, s);
                }
            }
        }
        out.push('\n');
    }
    let failures: Vec<(&ProductReport, &CheckResult)> = checklist
        .products
        .iter()
        .flat_map(|report| report.results.iter().map(move |r| (report, r)))
        .filter(|(_, r)| matches!(r.status, Status::Fail | Status::Error))
        .collect();
    let broken: Vec<&ProductReport> = checklist.products.iter().filter(|r| r.error.is_some()).collect();
    if !failures.is_empty() || !broken.is_empty() {
        let _ = writeln!(out, "{}", p.red("Failures and errors"));
        for report in &broken {
            let _ = writeln!(out, "  {} {} did not build", p.red("‼"), p.bold(&report.product));
            for l in report.error.as_deref().unwrap_or_default().lines() {
                let _ = writeln!(out, "      {l}");
            }
        }
        for (report, r) in &failures {
            // An unbuilt product's checks were said above, once.
            if report.error.is_some() && r.figure == crate::runner::NOT_BUILT {
                continue;
            }
            let _ = writeln!(
                out,
                "  {} {} {} {} — {}",
                painted_mark(&p, r.status),
                p.bold(&report.product),
                p.bold(&r.standard_id),
                one_line(&r.title),
                label(r)
            );
            let _ = writeln!(out, "      {}", p.red(&figure(r)));
            if let (Some(reason), false) = (&r.reason, r.figure.is_empty()) {
                let _ = writeln!(out, "      {}", one_line(reason));
            }
            if let Some(s) = &r.samples {
                table(&mut out, &p, &s.columns, &s.rows);
            }
            if let Some(s) = &r.sql {
                sql(&mut out, &p, s);
            }
        }
        out.push('\n');
    }
    let name_width = checklist
        .products
        .iter()
        .map(|r| measure_text_width(&r.product))
        .max()
        .unwrap_or(0);
    for report in &checklist.products {
        let verdict = verdict(report.summary.passed() && report.error.is_none(), p.color);
        let _ = writeln!(
            out,
            "{}{}  {verdict}  {}",
            report.product,
            " ".repeat(name_width - measure_text_width(&report.product)),
            tally(&report.summary)
        );
    }
    let total = if checklist.passed() {
        p.green("✔ passed — exit 0: every error-severity standard passed")
    } else {
        p.red("✘ failed — exit 1: an error-severity standard failed or could not be measured")
    };
    let _ = writeln!(
        out,
        "{total} ({} product{} on {}, reference time {})",
        checklist.products.len(),
        if checklist.products.len() == 1 { "" } else { "s" },
        checklist.warehouse,
        checklist.reference_time
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_title_gives_way_to_the_figure() {
        let r = CheckResult {
            standard_id: "SLV-015".into(),
            title: "References to customers resolve, and this title goes on and on".into(),
            check: "null_ratio".into(),
            columns: vec!["customer_id".into()],
            severity: crate::rule::Severity::Warn,
            status: Status::Pass,
            figure: "0.85% null (68 of 7,972 rows), at most 2.00% allowed".into(),
            failing: Some(68),
            total: Some(7972),
            sql: None,
            samples: None,
            reason: None,
        };
        let p = Paint { color: false };
        let narrow = line(&p, &r, 110);
        assert!(measure_text_width(&narrow) <= 110, "{narrow}");
        assert!(
            narrow.ends_with("0.85% null (68 of 7,972 rows), at most 2.00% allowed"),
            "{narrow}"
        );
        assert!(narrow.contains("References to") && narrow.contains('…'), "{narrow}");
        let no_title = line(&p, &r, 80);
        assert_eq!(
            no_title,
            "  ✔ SLV-015 null_ratio(customer_id) 0.85% null (68 of 7,972 rows), at most 2.00% allowed"
        );
        let tiny = line(&p, &r, 40);
        assert!(
            tiny.ends_with("at most 2.00% allowed"),
            "the figure is never cut: {tiny}"
        );
        let wide = line(&p, &r, 200);
        assert!(wide.contains("goes on and on"), "{wide}");
    }
}
