//! The deterministic, offline drafter: the default when no language model is
//! configured. It drafts from the profile and the standards, and when the checks
//! still fail it revises (see [`revise`]): other spellings of the failing values,
//! another reading of a column that lost values, and only then setting values aside
//! (NULL plus a flag column) rather than hiding the failure or dropping rows.

pub mod gold;
pub mod markers;
pub mod revise;
pub mod revisions;
pub mod silver;

use super::context::Context;
use super::drafter::{Draft, DraftError, Drafter, Previous, Problems};
use super::files::DraftFiles;
use hallmark_checks::Level;
use revisions::Revisions;

/// The rules drafter. It remembers what earlier rounds taught it, and the last
/// silver draft, to measure the next revision against.
#[derive(Debug, Default)]
pub struct RulesDrafter {
    revisions: Revisions,
    last: Option<silver::SilverDraft>,
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
                let mut d = silver::draft_silver(ctx, &self.revisions);
                // Before any row is held back for how it is spelled, the spellings that
                // make it pass are measured (and kept where they break nothing).
                if previous.is_none() && self.revisions.normalize_held(ctx, &d) > 0 {
                    d = silver::draft_silver(ctx, &self.revisions);
                }
                self.last = Some(d.clone());
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
    /// Learns from the previous round (see [`revise`]); stops, saying what it tried,
    /// when no failure got a change.
    fn revise(&mut self, ctx: &Context<'_>, previous: &Previous) -> Result<(), DraftError> {
        let failing = match &previous.problems {
            Problems::Checks(results) => results,
            Problems::Lint(e) | Problems::Build(e) => {
                return Err(DraftError::NoRevision(format!("the rules draft itself is broken: {e}")))
            }
        };
        let last = match (&self.last, ctx.target.level) {
            (Some(last), Level::Silver) => last.clone(),
            _ => {
                return Err(DraftError::NoRevision(format!(
                    "the rules drafter revises silver products only; it has no fix for {}",
                    failing
                        .iter()
                        .map(|r| format!("{} {}", r.standard_id, r.check))
                        .collect::<Vec<_>>()
                        .join("; ")
                )))
            }
        };
        let (learned, beyond) = self.revisions.learn(ctx, &last, failing);
        if learned == 0 {
            return Err(DraftError::NoRevision(format!(
                "nothing new to try — {}",
                beyond.join("; ")
            )));
        }
        Ok(())
    }
}
