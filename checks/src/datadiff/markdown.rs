//! The data diff as a reviewer reads it in a pull request: one summary line, then a
//! folded section with the counts, the schema change, a table of columns and a few
//! sample rows of each kind of change.

use super::{Cell, DataDiff, KeyedDiff, NumberRange, Sides};
use crate::render::markdown::cell;
use crate::scan::thousands;

/// What a masked value shows.
const MASKED: &str = "•••";

/// `12 added · 3 removed · 40 changed · 7,917 unchanged (by `order_id`)`, or the
/// row counts where the diff has no key.
pub fn summary(diff: &DataDiff) -> String {
    match &diff.keyed {
        Some(k) => {
            let mut s = format!(
                "{} added · {} removed · {} changed · {} unchanged (by `{}`)",
                thousands(k.only_in_head),
                thousands(k.only_in_base),
                thousands(k.changed),
                thousands(k.unchanged),
                k.key.join("`, `")
            );
            let skipped = k.not_compared.base.unwrap_or(0) + k.not_compared.head.unwrap_or(0);
            if skipped > 0 {
                s.push_str(&format!(" · {} rows not compared", thousands(skipped)));
            }
            s
        }
        None if diff.rows.base.is_none() => format!(
            "new product, {} rows (no base to compare with)",
            thousands(diff.rows.head.unwrap_or(0))
        ),
        None => format!(
            "{} → {} rows, not compared by key",
            thousands(diff.rows.base.unwrap_or(0)),
            thousands(diff.rows.head.unwrap_or(0))
        ),
    }
}

fn text(c: &Cell, masked: bool) -> String {
    if masked {
        return MASKED.into();
    }
    match c {
        Some(v) => cell(v),
        None => "_NULL_".into(),
    }
}

fn sides(s: &Sides<u64>) -> String {
    let side = |v: Option<u64>| v.map_or("—".to_string(), thousands);
    if s.base == s.head {
        side(s.base)
    } else {
        format!("{} → {}", side(s.base), side(s.head))
    }
}

fn number(x: Option<f64>) -> String {
    match x {
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{v:.0}"),
        Some(v) => format!("{v:.4}").trim_end_matches('0').to_string(),
        None => "—".into(),
    }
}

fn range(r: &Option<NumberRange>) -> String {
    r.map_or("—".into(), |r| {
        format!("{}..{}, mean {}", number(r.min), number(r.max), number(r.mean))
    })
}

fn top(t: &Option<Vec<(String, u64)>>) -> String {
    t.as_ref().map_or("—".into(), |values| {
        values
            .iter()
            .map(|(v, n)| format!("{} {}", cell(v), thousands(*n)))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// The whole diff of `product`, folded under its summary line.
pub fn render(product: &str, diff: &DataDiff) -> String {
    let mut out = format!(
        "<details><summary><b>Data diff</b> of <code>{product}</code>: {}</summary>\n\n",
        summary(diff)
    );
    out.push_str("Figures read base → head; one figure is the same on both sides.\n\n");
    out.push_str(&format!(
        "Rows: {} (base `{}`, head `{}`).\n\n",
        sides(&diff.rows),
        diff.base,
        diff.head
    ));
    match &diff.keyed {
        Some(k) => keyed_counts(&mut out, k),
        None => out.push_str(&format!(
            "Not compared by key: {}.\n\n",
            diff.unkeyed.as_deref().unwrap_or("no key")
        )),
    }
    let s = &diff.schema;
    if diff.rows.base.is_none() {
        // A new product: every column is new, and the table below is its profile.
    } else if s.is_empty() {
        out.push_str("Schema: unchanged.\n\n");
    } else {
        let mut parts = Vec::new();
        if !s.added.is_empty() {
            parts.push(format!("added `{}`", s.added.join("`, `")));
        }
        if !s.removed.is_empty() {
            parts.push(format!("removed `{}`", s.removed.join("`, `")));
        }
        for r in &s.retyped {
            parts.push(format!("`{}` {} → {} (compared as text)", r.name, r.before, r.after));
        }
        out.push_str(&format!("Schema: {}.\n\n", parts.join("; ")));
    }
    out.push_str("| column | values changed | NULLs | distinct | range (numbers) | most frequent (codes) |\n|---|---:|---:|---:|---|---|\n");
    for c in &diff.columns {
        let changed = c.values_changed.map_or("—".into(), thousands);
        // As printed: a mean summed in another order differs in its last bits.
        let (before, after) = (range(&c.numbers.base), range(&c.numbers.head));
        let numbers = if before == after {
            before
        } else {
            format!("{before} → {after}")
        };
        let frequent = if c.masked {
            MASKED.to_string()
        } else if c.top.base == c.top.head {
            top(&c.top.base)
        } else {
            format!("{} → {}", top(&c.top.base), top(&c.top.head))
        };
        out.push_str(&format!(
            "| `{}` | {changed} | {} | {} | {numbers} | {frequent} |\n",
            c.name,
            sides(&c.nulls),
            sides(&c.distinct)
        ));
    }
    if let Some(k) = &diff.keyed {
        samples(&mut out, k, &diff.columns);
    }
    out.push_str("\n</details>\n");
    out
}

fn keyed_counts(out: &mut String, k: &KeyedDiff) {
    out.push_str(&format!(
        "By `{}`: {} only in head (added), {} only in base (removed), {} changed, {} unchanged.\n",
        k.key.join("`, `"),
        thousands(k.only_in_head),
        thousands(k.only_in_base),
        thousands(k.changed),
        thousands(k.unchanged)
    ));
    let mut notes = Vec::new();
    for (what, s) in [
        ("rows with a NULL key", &k.null_keys),
        ("repeated keys", &k.repeated_keys),
    ] {
        if s.base.unwrap_or(0) + s.head.unwrap_or(0) > 0 {
            notes.push(format!("{what}: {}", sides(s)));
        }
    }
    if !notes.is_empty() {
        out.push_str(&format!(
            "Not compared, since such a key matches no single row: {} ({} rows of base, {} of head).\n",
            notes.join("; "),
            thousands(k.not_compared.base.unwrap_or(0)),
            thousands(k.not_compared.head.unwrap_or(0))
        ));
    }
    out.push('\n');
}

fn samples(out: &mut String, k: &KeyedDiff, columns: &[super::ColumnDiff]) {
    let masked = |name: &str| columns.iter().any(|c| c.name == name && c.masked);
    let key_cells =
        |key: &[Cell]| -> Vec<String> { key.iter().zip(&k.key).map(|(v, name)| text(v, masked(name))).collect() };
    if !k.changed_samples.is_empty() {
        out.push_str(&format!(
            "\nChanged, first {} keys:\n\n| {} | column | base | head |\n|{}---|---|---|\n",
            k.changed_samples.len(),
            k.key.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(" | "),
            "---|".repeat(k.key.len())
        ));
        for row in &k.changed_samples {
            let key = key_cells(&row.key).join(" | ");
            for (column, before, after) in &row.changes {
                let m = masked(column);
                out.push_str(&format!(
                    "| {key} | `{column}` | {} | {} |\n",
                    text(before, m),
                    text(after, m)
                ));
            }
        }
    }
    for (title, rows) in [
        ("Only in head", &k.only_in_head_samples),
        ("Only in base", &k.only_in_base_samples),
    ] {
        if rows.is_empty() {
            continue;
        }
        let header: Vec<String> = k.key.iter().chain(&k.compared).map(|c| format!("`{c}`")).collect();
        out.push_str(&format!(
            "\n{title}, first {} keys:\n\n| {} |\n|{}\n",
            rows.len(),
            header.join(" | "),
            "---|".repeat(header.len())
        ));
        for row in rows {
            let values: Vec<String> = row
                .values
                .iter()
                .zip(&k.compared)
                .map(|(v, name)| text(v, masked(name)))
                .collect();
            out.push_str(&format!(
                "| {} |\n",
                key_cells(&row.key)
                    .into_iter()
                    .chain(values)
                    .collect::<Vec<_>>()
                    .join(" | ")
            ));
        }
    }
}
