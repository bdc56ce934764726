//! How the rules drafter learns from a round: each failure names a column and a
//! check, and the drafter tries what a data engineer would, in order — another
//! spelling of the same values (case, spaces, quotes), another reading of the column,
//! and only then setting the values aside. Every change is measured on all of the
//! source's rows before it is made: a normalization is kept only when it makes values
//! pass and makes no passing value fail, so it cannot turn a right product wrong.

use super::super::context::Context;
use super::super::infer::Kind;
use super::super::transform::{ident, SetAside};
use super::revisions::{Normalization, Normalizing, Revisions};
use super::silver::{unique_names, SilverDraft, ValueCheck};
use hallmark_checks::catalogue::CheckKind;
use hallmark_checks::dialect::{Dialect, DuckDbDialect};
use hallmark_checks::guards::GUARD_ID;
use hallmark_checks::plan::normalize_type;
use hallmark_checks::scan::{thousands, value_failure};
use hallmark_checks::warehouse::QueryKind;
use hallmark_checks::{CheckResult, Level, Status};

impl Revisions {
    /// Learns from `failing`, the last round's results on `last`: returns how many
    /// failures got a change, and a line for each that got none.
    pub fn learn(&mut self, ctx: &Context<'_>, last: &SilverDraft, failing: &[CheckResult]) -> (usize, Vec<String>) {
        let mut learned = 0;
        let mut beyond = Vec::new();
        for r in failing {
            let outcome = match (r.standard_id == GUARD_ID, r.check.as_str()) {
                (true, "kept_values") => self.read_again(ctx, r),
                (true, "quarantine") => {
                    let n = self.normalize_held(ctx, last);
                    if n > 0 {
                        Ok(())
                    } else {
                        Err(format!(
                            "no spelling of the held values makes them pass (tried: {})",
                            Normalization::ALL.map(Normalization::label).join(", ")
                        ))
                    }
                }
                (false, _) if ctx.target.level == Level::Silver => self.fix_values(ctx, last, r),
                _ => Err("the rules drafter has no fix for it".to_string()),
            };
            match outcome {
                Ok(()) => learned += 1,
                Err(why) => {
                    let on = if r.columns.is_empty() {
                        "the table".to_string()
                    } else {
                        r.columns.join(", ")
                    };
                    beyond.push(format!("{} {} on {on}: {why}", r.standard_id, r.check));
                }
            }
        }
        (learned, beyond)
    }

    /// Normalizes the columns a quarantining standard checks, where a spelling of the
    /// held values makes them pass: a row is held back for what it says, not for how
    /// it is written. Returns how many columns got new normalizations.
    pub fn normalize_held(&mut self, ctx: &Context<'_>, draft: &SilverDraft) -> usize {
        let mut n = 0;
        for check in &draft.held_by {
            if self.normalize(ctx, draft, check).is_some_and(|m| m.fixed > 0) {
                n += 1;
            }
        }
        n
    }

    /// A value check failed on one column: tries spellings first, then sets aside
    /// what still fails (never on the key, which a row cannot lose).
    fn fix_values(&mut self, ctx: &Context<'_>, last: &SilverDraft, r: &CheckResult) -> Result<(), String> {
        if !matches!(r.status, Status::Fail | Status::Warn) || r.columns.len() != 1 {
            return Err("not a value check on one column".into());
        }
        let column = &r.columns[0];
        let kind = check_kind(ctx, r).ok_or("the check does not judge values one by one")?;
        if matches!(kind, CheckKind::NotNull | CheckKind::NullRatio(_)) {
            return Err("a missing value has no spelling to fix and cannot be set aside".into());
        }
        let check = ValueCheck {
            standard: r.standard_id.clone(),
            kind: kind.clone(),
            column: column.clone(),
            type_name: last
                .spec
                .columns
                .iter()
                .find(|c| c.name == *column)
                .map(|c| c.type_name.clone())
                .unwrap_or_default(),
        };
        let measured = self.normalize(ctx, last, &check);
        if measured.as_ref().is_some_and(|m| m.fixed > 0 && m.failing_after == 0) {
            return Ok(());
        }
        let still = measured
            .as_ref()
            .map_or_else(|| r.failing.unwrap_or(0), |m| m.failing_after);
        if last.spec.primary_key.contains(column) {
            return match measured.filter(|m| m.fixed > 0) {
                Some(_) => Ok(()),
                None => Err("no spelling makes its values pass, and a key's values cannot be set aside".into()),
            };
        }
        if self.set_aside.iter().any(|(s, _)| s.column == *column) {
            return Err("its failing values are set aside already".into());
        }
        let fails = value_failure(&kind, &ident(column), None, &DuckDbDialect).ok_or("no condition for it")?;
        let why = format!(
            "{} of its values fail {} ({}: {})",
            if still > 0 { thousands(still) } else { "some".into() },
            r.standard_id,
            r.check,
            r.title
        );
        self.set_aside.push((
            SetAside {
                column: column.clone(),
                fails,
                flag: format!("{column}_nonconforming"),
            },
            why,
        ));
        Ok(())
    }

    /// Values present in bronze were lost in `r`'s column: reads the column another
    /// way when one, measured on every row, reads more of its values. Text always
    /// reads everything, but a column of dates kept as text is a different product,
    /// so it is never the fallback; the stop says what was measured instead.
    fn read_again(&mut self, ctx: &Context<'_>, r: &CheckResult) -> Result<(), String> {
        let column = r.columns.first().ok_or("no column named")?;
        if self.set_aside.iter().any(|(s, _)| s.column == *column) {
            return Err("the lost values are the ones set aside for failing a standard".into());
        }
        let names = unique_names(&ctx.profile.columns);
        let i = names
            .iter()
            .position(|n| n == column)
            .ok_or("not a bronze column's own")?;
        let c = &ctx.profile.columns[i];
        let current = self
            .reading_of(&c.name)
            .or_else(|| c.readings.iter().position(|r| r.inferred == c.inferred))
            .ok_or("its reading is not among the measured ones")?;
        let read = |k: usize| c.readings[k].measured.map(|m| m.read);
        let now = read(current).ok_or("its readings were not measured on every row")?;
        // Only a reading that reads more: each revision reads more than the last, so
        // the search cannot go round in circles.
        let better = (0..c.readings.len())
            .filter(|&k| !matches!(c.readings[k].inferred.kind, Kind::Text | Kind::Category))
            .filter_map(|k| read(k).filter(|n| *n > now).map(|n| (k, n)))
            .max_by_key(|(k, n)| (*n, std::cmp::Reverse(*k)));
        let Some((k, n)) = better else {
            let others: Vec<String> = c
                .readings
                .iter()
                .enumerate()
                .filter(|(k, r)| *k != current && !matches!(r.inferred.kind, Kind::Text | Kind::Category))
                .map(|(_, r)| format!("{} {}", r.inferred.kind.label(), r.coverage()))
                .collect();
            return Err(format!(
                "no typed reading reads more of bronze `{}` than {} ({}){}",
                c.name,
                c.readings[current].inferred.kind.label(),
                c.readings[current].coverage(),
                if others.is_empty() {
                    "; no other reading fits".to_string()
                } else {
                    format!("; measured: {}", others.join(", "))
                }
            ));
        };
        let why = format!(
            "read as {} ({} values) instead of {} ({}), which lost values the kept-values guard counted",
            c.readings[k].inferred.kind.label(),
            thousands(n),
            c.readings[current].inferred.kind.label(),
            thousands(now)
        );
        self.readings.retain(|(col, _, _)| *col != c.name);
        self.readings.push((c.name.clone(), k, why));
        Ok(())
    }

    /// Measures, on every row of the source, which spellings of `check.column` make
    /// its failing values pass without failing one that passed, and keeps them (one
    /// after the other while each still helps). `None` when the column is not text or
    /// the check cannot be measured.
    fn normalize(&mut self, ctx: &Context<'_>, draft: &SilverDraft, check: &ValueCheck) -> Option<Measure> {
        if normalize_type(&check.type_name) != "varchar"
            || !matches!(
                check.kind,
                CheckKind::AcceptedValues(_) | CheckKind::Pattern(_) | CheckKind::Length(_)
            )
        {
            return None;
        }
        let output = draft.outputs.iter().find(|o| o.name == check.column)?;
        let mut expr = output.expr.clone();
        let mut steps: Vec<Normalization> = Vec::new();
        let mut before = None;
        let result = loop {
            let untried: Vec<Normalization> = Normalization::ALL
                .into_iter()
                .filter(|n| !steps.contains(n) && !self.normalizing(&check.column).is_some_and(|x| x.steps.contains(n)))
                .collect();
            let counts = measure(ctx, &expr, check, &untried)?;
            let failing_before = *before.get_or_insert(counts.failing);
            let best = counts
                .steps
                .iter()
                .filter(|o| o.fixed > 0 && o.broken == 0)
                .max_by_key(|o| {
                    (
                        o.fixed,
                        std::cmp::Reverse(Normalization::ALL.iter().position(|n| *n == o.step)),
                    )
                });
            match best {
                Some(best) => {
                    steps.push(best.step);
                    expr = best.step.apply(&expr);
                }
                None => {
                    break Measure {
                        failing_before,
                        fixed: failing_before.saturating_sub(counts.failing),
                        failing_after: counts.failing,
                    }
                }
            }
        };
        if steps.is_empty() {
            return Some(result);
        }
        let why = format!(
            "{} of the {} values that failed {} ({}) pass that way and none that passed fails (measured on every bronze row){}",
            thousands(result.fixed),
            thousands(result.failing_before),
            check.standard,
            check.kind.name(),
            if result.failing_after > 0 {
                format!("; {} still fail", thousands(result.failing_after))
            } else {
                String::new()
            }
        );
        match self.normalized.iter_mut().find(|n| n.column == check.column) {
            Some(n) => {
                n.steps.extend(steps);
                n.why = format!("{}; then {why}", n.why);
            }
            None => self.normalized.push(Normalizing {
                column: check.column.clone(),
                steps,
                why,
            }),
        }
        Some(result)
    }
}

/// What normalizing a column did to a check's failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Measure {
    failing_before: u64,
    fixed: u64,
    failing_after: u64,
}

/// One normalization's counts on every row.
struct StepCount {
    step: Normalization,
    fixed: u64,
    broken: u64,
}

/// A column's failing values, and what each normalization would do to them.
struct Counts {
    failing: u64,
    steps: Vec<StepCount>,
}

/// Counts, in one query over the source, the values of `expr` that fail `check`, and
/// for each of `steps` the failing ones it fixes and the passing ones it breaks.
/// `None` when the warehouse cannot run it (a ClickHouse source: the drafter's SQL is
/// DuckDB's).
fn measure(ctx: &Context<'_>, expr: &str, check: &ValueCheck, steps: &[Normalization]) -> Option<Counts> {
    let d = DuckDbDialect;
    let col_type = normalize_type(&check.type_name);
    let fails = |e: &str| value_failure(&check.kind, e, Some(&col_type), &d).map(|c| format!("coalesce(({c}), false)"));
    let now = fails("hm_v")?;
    let mut select = vec![format!("{} AS hm_failing", d.count_if(&now))];
    for (i, step) in steps.iter().enumerate() {
        let then = fails(&step.apply("hm_v"))?;
        select.push(format!(
            "{} AS hm_fixed_{i}",
            d.count_if(&format!("{now} AND NOT {then}"))
        ));
        select.push(format!(
            "{} AS hm_broken_{i}",
            d.count_if(&format!("NOT {now} AND {then}"))
        ));
    }
    let sql = format!(
        "SELECT {} FROM (SELECT {expr} AS hm_v FROM {}) AS hm_t",
        select.join(", "),
        ctx.warehouse.dialect().quote_relation(&ctx.source.spec.name)
    );
    let rows = ctx.warehouse.query(QueryKind::Profile, &sql).ok()?;
    let n = |alias: &str| rows.first(alias).and_then(|v| v.as_u64()).unwrap_or(0);
    Some(Counts {
        failing: n("hm_failing"),
        steps: steps
            .iter()
            .enumerate()
            .map(|(i, step)| StepCount {
                step: *step,
                fixed: n(&format!("hm_fixed_{i}")),
                broken: n(&format!("hm_broken_{i}")),
            })
            .collect(),
    })
}

/// The check a result reports, as its standard's rule declares it.
fn check_kind(ctx: &Context<'_>, result: &CheckResult) -> Option<CheckKind> {
    ctx.project
        .standards
        .iter()
        .find(|s| s.id == result.standard_id)
        .and_then(|s| s.rule.as_ref())
        .into_iter()
        .flat_map(|r| r.checks())
        .find(|k| k.name() == result.check)
}
