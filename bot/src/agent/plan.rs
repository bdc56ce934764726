//! What a promotion writes for people besides the product: `bronze.yml` (the source's
//! recorded schema and profile), `PROMOTION.md` (the plan, the rounds and the
//! checklist), the schema diff, and the commit message.

use super::context::{Context, PromotionRequest, Target};
use super::profile::Profile;
use super::sentinels::{range_label, Sentinel};
use hallmark_checks::render::{render, Format};
use hallmark_checks::result::{Checklist, ProductReport, Summary, SCHEMA_VERSION};
use hallmark_checks::scan::thousands;
use hallmark_checks::spec::ProductSpec;
use hallmark_checks::Status;
use serde::Serialize;
use similar::TextDiff;
use std::fmt::Write;

/// Tags whose values are personal: their values are never written to the repository.
const PERSONAL_TAGS: &[&str] = &["pii", "email"];

/// One round of the loop, as the plan reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundRecord {
    /// 1-based.
    pub number: usize,
    /// What the round's draft got: "every machine-checkable standard passes", or the
    /// failures.
    pub outcome: String,
}

#[derive(Serialize)]
struct BronzeRecord<'a> {
    source: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    table: Option<&'a str>,
    profiled_at: &'a str,
    rows: u64,
    sampled_rows: usize,
    columns: Vec<BronzeColumn<'a>>,
}

#[derive(Serialize)]
struct BronzeColumn<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    type_name: &'a str,
    nulls: u64,
    distinct: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    min: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    top_values: Vec<TopValue<'a>>,
    inferred: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    readings: Vec<BronzeReading>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    placeholders: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    values_withheld: bool,
}

#[derive(Serialize)]
struct BronzeReading {
    reading: String,
    #[serde(rename = "type")]
    type_name: &'static str,
    reads: String,
}

#[derive(Serialize)]
struct TopValue<'a> {
    value: &'a str,
    count: u64,
}

/// `bronze.yml`: the source as Hallmark saw it. Values of personal columns (tagged
/// `pii` or `email`) are withheld: a profile must not copy them into git.
pub fn bronze_yaml(ctx: &Context<'_>) -> Result<String, serde_norway::Error> {
    let p: &Profile = &ctx.profile;
    let reference = ctx
        .options
        .reference_time
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let record = BronzeRecord {
        source: &ctx.source.spec.name,
        file: ctx.source.spec.file.as_deref(),
        table: ctx.source.spec.table.as_deref(),
        profiled_at: &reference,
        rows: p.rows,
        sampled_rows: p.sampled,
        columns: p
            .columns
            .iter()
            .map(|c| {
                let personal = c.inferred.tags.iter().any(|t| PERSONAL_TAGS.contains(t));
                BronzeColumn {
                    name: &c.name,
                    type_name: &c.source_type,
                    nulls: c.nulls,
                    distinct: c.distinct,
                    min: c.min.as_deref().filter(|_| !personal),
                    max: c.max.as_deref().filter(|_| !personal),
                    top_values: if personal {
                        Vec::new()
                    } else {
                        c.top.iter().map(|(v, n)| TopValue { value: v, count: *n }).collect()
                    },
                    inferred: c.inferred.kind.label(),
                    readings: c
                        .readings
                        .iter()
                        .map(|r| BronzeReading {
                            reading: r.inferred.kind.label(),
                            type_name: r.inferred.silver_type,
                            reads: r.coverage(),
                        })
                        .collect(),
                    tags: c.inferred.tags.clone(),
                    placeholders: c.sentinels.iter().map(placeholder_line).collect(),
                    values_withheld: personal,
                }
            })
            .collect(),
    };
    Ok(format!(
        "# Recorded by Hallmark when it promoted this source: its schema and profile.\n{}",
        serde_norway::to_string(&record)?
    ))
}

/// A one-product checklist, for rendering.
pub fn checklist_of(report: &ProductReport, ctx: &Context<'_>) -> Checklist {
    Checklist {
        schema_version: SCHEMA_VERSION,
        warehouse: ctx.warehouse.dialect().name().to_string(),
        reference_time: ctx
            .options
            .reference_time
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        summary: Summary::of(report.results.iter()),
        products: vec![report.clone()],
    }
}

/// The columns before and after, one `name type` line each, as a unified diff.
pub fn schema_diff(before_name: &str, before: &[(String, String)], after: &ProductSpec) -> String {
    let old: String = before
        .iter()
        .map(|(n, t)| format!("{n} {}\n", t.to_lowercase()))
        .collect();
    let new: String = after
        .columns
        .iter()
        .map(|c| format!("{} {}\n", c.name, c.type_name))
        .collect();
    TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(100)
        .header(before_name, &after.relation())
        .to_string()
}

/// Everything `PROMOTION.md` reports.
pub struct PlanInputs<'a> {
    /// The request.
    pub request: &'a PromotionRequest,
    /// The target.
    pub target: &'a Target,
    /// The source relation and a short description of it.
    pub source: String,
    /// The drafter's name.
    pub drafter: &'a str,
    /// The drafter's decisions.
    pub notes: &'a [String],
    /// Every round.
    pub rounds: &'a [RoundRecord],
    /// Why the loop stopped before everything passed, if it did.
    pub stopped: Option<&'a str>,
    /// The last checklist, when the last draft could be checked.
    pub checklist: Option<&'a Checklist>,
    /// The schema diff.
    pub schema_diff: &'a str,
    /// Files the promotion removes.
    pub deletions: &'a [String],
    /// Which bronze columns a standard checks, for a silver promotion.
    pub coverage: Option<String>,
    /// The bronze profile whose readings the plan lists, for a silver promotion.
    pub readings: Option<&'a Profile>,
}

/// The readings of each bronze column, one line each: the chosen one with what it
/// reads on every row, then the others tried, so a reviewer sees what else the values
/// could have been and how much of them each reading explains.
pub fn readings_md(profile: &Profile) -> String {
    let mut out = String::new();
    let measured = profile
        .columns
        .iter()
        .any(|c| c.readings.iter().any(|r| r.measured.is_some()));
    let _ = writeln!(
        out,
        "Each bronze column's readings, in the drafter's order of preference; the chosen one is the first that reads at least 95 % of the values ({}). Blanks and missing-value markers (`N/A`, `#N/A`, `-`) are not values.
",
        if measured {
            format!("measured on all {} rows", thousands(profile.rows))
        } else {
            format!("measured on {} sampled rows", thousands(profile.sampled as u64))
        }
    );
    for c in &profile.columns {
        let name = c.name.replace('`', "'");
        let chosen = &c.inferred;
        let coverage = c
            .readings
            .iter()
            .find(|r| r.inferred.kind == chosen.kind)
            .map(|r| r.coverage())
            .unwrap_or_default();
        let others: Vec<String> = c
            .readings
            .iter()
            .filter(|r| r.inferred.kind != chosen.kind)
            .map(|r| format!("{} ({})", r.inferred.kind.label(), r.coverage()))
            .collect();
        let _ = write!(out, "- `{name}`: **{}**, {coverage}", chosen.kind.label());
        if !c.sentinels.is_empty() {
            let lines: Vec<String> = c.sentinels.iter().map(placeholder_line).collect();
            let _ = write!(out, "; placeholders for no value: {}", lines.join(", "));
        }
        if !others.is_empty() {
            let _ = write!(out, "; also tried: {}", others.join("; "));
        }
        let _ = writeln!(out, ".");
    }
    out
}

/// `-999 (37 rows; the other values lie in -20.5..45.1)`.
pub fn placeholder_line(s: &Sentinel) -> String {
    format!(
        "`{}` ({} rows; the other values lie in {})",
        s.label,
        thousands(s.rows),
        range_label(s)
    )
}

/// The coverage line of a silver promotion: how many of the `bronze` columns some
/// standard measures in `report` (through the product column of the same name), and
/// which ones none does, so a reviewer sees what a green checklist says nothing about.
pub fn coverage_line(bronze: &[String], report: &hallmark_checks::result::ProductReport) -> String {
    use hallmark_checks::guards::{bare, GUARD_ID};
    use hallmark_checks::Status;
    let checked = |column: &str| {
        report.results.iter().any(|r| {
            r.standard_id != GUARD_ID
                && matches!(r.status, Status::Pass | Status::Fail | Status::Warn | Status::Error)
                && r.columns.iter().any(|c| bare(c) == bare(column))
        })
    };
    let uncovered: Vec<String> = bronze
        .iter()
        .filter(|c| !checked(c))
        .map(|c| format!("`{c}`"))
        .collect();
    let covered = bronze.len() - uncovered.len();
    if uncovered.is_empty() {
        format!(
            "{covered} of {} bronze columns are checked by a standard.",
            bronze.len()
        )
    } else {
        format!(
            "{covered} of {} bronze columns are checked by a standard; no standard checks {}.",
            bronze.len(),
            uncovered.join(", ")
        )
    }
}

/// `PROMOTION.md`.
pub fn promotion_md(p: &PlanInputs<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Promotion of {}\n", p.target.relation());
    let _ = writeln!(
        out,
        "Drafted by Hallmark's `{}` drafter from {} in {} round{}.\n",
        p.drafter,
        p.source,
        p.rounds.len(),
        if p.rounds.len() == 1 { "" } else { "s" }
    );
    let _ = writeln!(out, "## Request\n");
    if p.request.text.trim().is_empty() {
        let _ = writeln!(out, "No request text was given.\n");
    } else {
        let fence = fence_for(&p.request.text);
        let _ = writeln!(out, "{fence}text\n{}\n{fence}\n", p.request.text.trim());
    }
    let _ = writeln!(out, "## Plan\n");
    for n in p.notes {
        let _ = writeln!(out, "- {n}");
    }
    if !p.deletions.is_empty() {
        let _ = writeln!(
            out,
            "- Removed {}: it was the previous transform for one warehouse and no longer matches the product.",
            p.deletions.join(", ")
        );
    }
    if let Some(profile) = p.readings {
        let _ = writeln!(out, "\n## Readings\n\n{}", readings_md(profile).trim_end());
    }
    if let Some(line) = &p.coverage {
        let _ = writeln!(out, "\n## Coverage\n\n{line}");
    }
    let _ = writeln!(out, "\n## Rounds\n");
    for r in p.rounds {
        let _ = writeln!(out, "{}. {}", r.number, r.outcome);
    }
    if let Some(why) = p.stopped {
        let _ = writeln!(out, "\nStopped: {why}.");
    }
    let _ = writeln!(out, "\n## Schema: source → product\n\n```diff\n{}```\n", p.schema_diff);
    match p.checklist {
        Some(c) => {
            let manual: Vec<_> = c
                .products
                .iter()
                .flat_map(|r| r.results.iter())
                .filter(|r| r.status == Status::Manual)
                .collect();
            if !manual.is_empty() {
                let _ = writeln!(out, "## Needs a person\n");
                for m in manual {
                    let _ = writeln!(out, "- **{}** {}", m.standard_id, m.title);
                }
                let _ = writeln!(out);
            }
            let _ = writeln!(out, "## Checklist\n\n{}", render(c, Format::Markdown));
        }
        None => {
            let _ = writeln!(out, "## Checklist\n\nThe last draft could not be checked.");
        }
    }
    out
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// A code fence that `text` cannot close: one backtick longer than its longest run,
/// and at least three.
pub fn fence_for(text: &str) -> String {
    "`".repeat(longest_backtick_run(text).max(2) + 1)
}

/// The commit message: the verdict on the first line, then the tally.
pub fn commit_message(target: &Target, source: &str, checklist: Option<&Checklist>, stopped: Option<&str>) -> String {
    let mut msg = format!("Promote {source} to {}", target.relation());
    match checklist {
        Some(c) => {
            let s = &c.summary;
            let _ = write!(
                msg,
                "\n\nChecklist: {} passed, {} failed, {} warnings, {} could not run, {} need human review.",
                s.pass, s.fail, s.warn, s.error, s.manual
            );
            for r in c.products.iter().flat_map(|r| r.results.iter()) {
                if matches!(r.status, Status::Fail | Status::Warn | Status::Error) {
                    let _ = write!(
                        msg,
                        "\n- {} {} {}: {}",
                        r.status.label(),
                        r.standard_id,
                        r.check,
                        r.figure
                    );
                }
            }
        }
        None => msg.push_str("\n\nThe last draft could not be checked."),
    }
    if let Some(why) = stopped {
        let _ = write!(msg, "\n\nStopped: {why}.");
    }
    msg.push_str("\n\nDrafted by Hallmark; PROMOTION.md has the plan and the full checklist.\n");
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_names_the_bronze_columns_no_standard_measures() {
        use hallmark_checks::result::{CheckResult, ProductReport, Summary};
        use hallmark_checks::rule::Severity;
        use hallmark_checks::Status;
        let result = |id: &str, column: &str, status: Status| CheckResult {
            standard_id: id.into(),
            title: String::new(),
            check: "not_null".into(),
            columns: vec![column.into()],
            severity: Severity::Error,
            status,
            figure: String::new(),
            failing: None,
            total: None,
            sql: None,
            samples: None,
            reason: None,
        };
        let results = vec![
            result("S-1", "order_id", Status::Pass),
            result("S-2", "amount", Status::Fail),
            result("hallmark", "notes", Status::Pass),
            result("S-3", "phone", Status::NotApplicable),
        ];
        let report = ProductReport {
            product: "silver.orders".into(),
            deployed: None,
            built_as: None,
            cached_from: None,
            spec: String::new(),
            rows: Some(1),
            error: None,
            summary: Summary::of(&results),
            results,
        };
        let bronze = ["Order ID", "Amount", "Notes", "Phone"].map(String::from);
        assert_eq!(
            coverage_line(&bronze, &report),
            "2 of 4 bronze columns are checked by a standard; no standard checks `Notes`, `Phone`."
        );
    }

    #[test]
    fn backtick_runs_are_measured() {
        assert_eq!(longest_backtick_run("a ``` b ` c"), 3);
        assert_eq!(longest_backtick_run("none"), 0);
    }
}
