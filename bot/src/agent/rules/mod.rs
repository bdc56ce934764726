//! The deterministic, offline drafter: the default when no language model is
//! configured. It drafts from the profile and the standards, and when the checks
//! still find values a standard rejects, it revises by setting those values aside
//! (NULL plus a flag column) rather than hiding the failure or dropping rows.

pub mod gold;
pub mod silver;

use super::context::Context;
use super::drafter::{Draft, DraftError, Drafter, Previous, Problems};
use super::files::DraftFiles;
use super::transform::{ident, SetAside};
use hallmark_checks::catalogue::CheckKind;
use hallmark_checks::dialect::DuckDbDialect;
use hallmark_checks::scan::value_failure;
use hallmark_checks::spec::parse_spec;
use hallmark_checks::{CheckResult, Level, Status};
use std::path::Path;

/// Name fragments that mark the column saying when a row was last changed: the
/// latest row per key wins by it, and gold does not aggregate by it.
pub const LATEST_MARKERS: &[&str] = &["updated", "modified", "changed", "loaded", "ingested"];

/// Name words of the column saying when an event happened, in an event log (one row
/// per event of a key): with no `updated`-like column, a key's latest row is its
/// latest event.
pub const EVENT_TIME_MARKERS: &[&str] = &["event", "occurred", "logged", "recorded", "timestamp"];

/// The rules drafter. It remembers what it set aside in earlier rounds.
#[derive(Debug, Default)]
pub struct RulesDrafter {
    set_aside: Vec<(SetAside, String)>,
}

impl Drafter for RulesDrafter {
    fn name(&self) -> &'static str {
        "rules"
    }

    fn draft(&mut self, ctx: &Context<'_>, previous: Option<&Previous>) -> Result<Draft, DraftError> {
        if let Some(previous) = previous {
            self.revise(ctx, previous)?;
        }
        let (spec, sql, quarantine, notes) = match ctx.target.level {
            Level::Silver => {
                let d = silver::draft_silver(ctx, &self.set_aside);
                (d.spec, d.sql.product, d.sql.quarantine, d.notes)
            }
            Level::Gold => {
                let d = gold::draft_gold(ctx).map_err(DraftError::Request)?;
                (d.spec, d.sql, None, d.notes)
            }
            Level::Bronze => return Err(DraftError::Request("bronze is not drafted".into())),
        };
        let yaml = serde_norway::to_string(&spec)
            .map_err(|e| DraftError::Request(format!("cannot write the spec as YAML: {e}")))?;
        let mut files = DraftFiles::default();
        let header = "# Drafted by Hallmark's rules drafter; PROMOTION.md explains each decision.\n";
        files
            .write(&ctx.target.spec_path(), format!("{header}{yaml}"))
            .and_then(|_| files.write(&ctx.target.sql_path(), sql))
            .map_err(|e| DraftError::Request(e.to_string()))?;
        if let Some(q) = quarantine {
            let sql_path = ctx.target.sql_path();
            let path = format!("{}.quarantine.sql", sql_path.strip_suffix(".sql").unwrap_or(&sql_path));
            files.write(&path, q).map_err(|e| DraftError::Request(e.to_string()))?;
        }
        Ok(Draft {
            files,
            notes,
            stopped: None,
        })
    }
}

impl RulesDrafter {
    /// Learns from the previous round: values that failed a value check are set aside
    /// next time. Anything else is beyond what rules can fix.
    fn revise(&mut self, ctx: &Context<'_>, previous: &Previous) -> Result<(), DraftError> {
        let failing = match &previous.problems {
            Problems::Checks(results) => results,
            Problems::Lint(e) | Problems::Build(e) => {
                return Err(DraftError::NoRevision(format!("the rules draft itself is broken: {e}")))
            }
        };
        let key: Vec<String> = previous
            .files
            .get(&ctx.target.spec_path())
            .and_then(|text| parse_spec(text, Path::new(&ctx.target.spec_path()), Some(ctx.target.level)).ok())
            .map(|spec| spec.primary_key)
            .unwrap_or_default();
        let mut learned = 0;
        let mut beyond = Vec::new();
        for r in failing {
            match (ctx.target.level, set_aside_for(ctx, r)) {
                (Level::Silver, Some(aside))
                    if !key.contains(&aside.0.column)
                        && !self.set_aside.iter().any(|(s, _)| s.column == aside.0.column) =>
                {
                    self.set_aside.push(aside);
                    learned += 1;
                }
                _ => beyond.push(format!("{} {} on {}", r.standard_id, r.check, r.columns.join(", "))),
            }
        }
        if learned == 0 {
            return Err(DraftError::NoRevision(format!(
                "the rules drafter has no fix for {}",
                beyond.join("; ")
            )));
        }
        Ok(())
    }
}

/// The set-aside that makes `result` pass, for a value check on one non-key column.
fn set_aside_for(ctx: &Context<'_>, result: &CheckResult) -> Option<(SetAside, String)> {
    if !matches!(result.status, Status::Fail | Status::Warn) || result.columns.len() != 1 {
        return None;
    }
    let column = &result.columns[0];
    let kind = ctx
        .project
        .standards
        .iter()
        .find(|s| s.id == result.standard_id)
        .and_then(|s| s.rule.as_ref())
        .into_iter()
        .flat_map(|r| r.checks())
        .find(|k| k.name() == result.check)?;
    if matches!(kind, CheckKind::NotNull | CheckKind::NullRatio(_)) {
        return None;
    }
    let fails = value_failure(&kind, &ident(column), None, &DuckDbDialect)?;
    let why = format!(
        "{} of its values fail {} ({}: {})",
        result.failing.map_or_else(|| "some".to_string(), |n| n.to_string()),
        result.standard_id,
        result.check,
        result.title
    );
    Some((
        SetAside {
            column: column.clone(),
            fails,
            flag: format!("{column}_nonconforming"),
        },
        why,
    ))
}
