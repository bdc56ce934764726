//! The promotion loop: resolve the source, profile it, then draft → build in the
//! sandbox → check → feed the failures back → revise, until every machine-checkable
//! standard passes, the drafter has nothing better, or the rounds run out. The result
//! is honest either way: the files, the last checklist and why the loop stopped.

use super::context::{problems_of, resolve, Context, PromotionRequest, RequestError, ResolvedSource, Target};
use super::drafter::{DraftError, Drafter, Previous, Problems};
use super::files::DraftFiles;
use super::overlay::stale_variants;
use super::plan::{
    bronze_yaml, checklist_of, commit_message, coverage_line, promotion_md, schema_diff, PlanInputs, RoundRecord,
};
use super::profile::{profile, Profile};
use hallmark_checks::render::markdown::summary_line;
use hallmark_checks::result::{Checklist, ProductReport};
use hallmark_checks::runner::{build_products, RunOptions, Selection};
use hallmark_checks::scan::thousands;
use hallmark_checks::spec::parse_spec;
use hallmark_checks::warehouse::{Warehouse, WarehouseError};
use hallmark_checks::{Level, Project};
use std::path::Path;

/// Where a promotion is, for progress bars and the bot's tracking comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// Reading the source.
    Profiling {
        /// The source relation.
        source: String,
    },
    /// Asking the drafter for a first draft.
    Drafting,
    /// Building and checking round `round`'s draft.
    Checking {
        /// 1-based.
        round: usize,
    },
    /// Asking the drafter to fix what failed.
    Revising {
        /// The round being drafted, 1-based.
        round: usize,
        /// How many problems it is told about.
        problems: usize,
    },
}

/// Receives the stages as the loop moves.
pub trait Events {
    /// The loop entered `stage`.
    fn stage(&self, stage: &Stage);
}

/// [`Events`] that go nowhere.
pub struct NoEvents;

impl Events for NoEvents {
    fn stage(&self, _: &Stage) {}
}

/// How many rounds and with which clock.
#[derive(Debug, Clone)]
pub struct JobOptions {
    /// At most this many drafts are checked.
    pub max_rounds: usize,
    /// The reference time and sample limit for every round's checks.
    pub run: RunOptions,
}

impl Default for JobOptions {
    fn default() -> Self {
        Self {
            max_rounds: 4,
            run: RunOptions::default(),
        }
    }
}

/// Why a promotion could not run at all (as opposed to running and failing checks).
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The request names something unusable.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// The source cannot be read.
    #[error("cannot read the source `{source_name}`: {error}")]
    Source {
        /// The source.
        source_name: String,
        /// Why.
        error: WarehouseError,
    },
    /// The product the gold target reads does not build.
    #[error("the source product {0} does not build: {1}")]
    SourceProduct(String, String),
    /// The drafter produced nothing at all.
    #[error("the {drafter} drafter produced no draft: {error}")]
    NoDraft {
        /// Which drafter.
        drafter: &'static str,
        /// Why.
        error: DraftError,
    },
    /// A file Hallmark writes itself could not be produced.
    #[error("cannot write {0}: {1}")]
    Write(String, String),
}

/// A finished promotion.
#[derive(Debug, Clone)]
pub struct Promotion {
    /// The product.
    pub target: Target,
    /// Its source.
    pub source: ResolvedSource,
    /// Which drafter drafted it.
    pub drafter: &'static str,
    /// Every file to commit (product, `bronze.yml`, `PROMOTION.md`).
    pub files: DraftFiles,
    /// Files to remove from the branch (stale per-warehouse SQL).
    pub deletions: Vec<String>,
    /// The last draft's checklist, when it could be checked.
    pub checklist: Option<Checklist>,
    /// Every round.
    pub rounds: Vec<RoundRecord>,
    /// Why the loop stopped before everything passed.
    pub stopped: Option<String>,
    /// Source columns → product columns.
    pub schema_diff: String,
    /// The source's profile.
    pub profile: Profile,
    /// The commit message.
    pub commit_message: String,
}

impl Promotion {
    /// The checklist's one-line tally (`✅ passed: 19 passed · …`), for comments and
    /// summaries.
    pub fn summary_line(&self) -> String {
        self.checklist
            .as_ref()
            .map(|c| summary_line(&c.summary))
            .unwrap_or_else(|| "not checked".into())
    }

    /// True when every machine-checkable standard passes (warnings included).
    pub fn all_pass(&self) -> bool {
        self.checklist
            .as_ref()
            .and_then(|c| c.products.first())
            .is_some_and(|r| problems_of(r).is_none())
    }
}

/// Runs the promotion `request` asks for on `project`.
pub fn promote(
    project: &Project,
    warehouse: &dyn Warehouse,
    request: &PromotionRequest,
    drafter: &mut dyn Drafter,
    options: &JobOptions,
    events: &dyn Events,
) -> Result<Promotion, JobError> {
    let (source, target) = resolve(project, request)?;
    let source_name = source.spec.name.clone();
    events.stage(&Stage::Profiling {
        source: source_name.clone(),
    });
    prepare_source(project, warehouse, &source)?;
    let profile = profile(warehouse, &source_name).map_err(|error| JobError::Source {
        source_name: source_name.clone(),
        error,
    })?;
    let ctx = Context {
        request,
        project,
        warehouse,
        target,
        source,
        profile,
        owner: request.owner.clone().or_else(|| usual_owner(project)),
        options: options.run.clone(),
    };

    let mut rounds = Vec::new();
    let mut previous: Option<Previous> = None;
    // The round whose draft failed fewest checks, then fewest values (the earlier on a
    // tie): a revision can make things worse, and the loop hands over its best, not
    // its last.
    let mut best: Option<Best> = None;
    let mut stopped = None;
    for round in 1..=options.max_rounds.max(1) {
        events.stage(&match &previous {
            None => Stage::Drafting,
            Some(p) => Stage::Revising {
                round,
                problems: count(&p.problems),
            },
        });
        let draft = match drafter.draft(&ctx, previous.as_ref()) {
            Ok(d) => d,
            Err(error) if best.is_none() => {
                return Err(JobError::NoDraft {
                    drafter: drafter.name(),
                    error,
                })
            }
            Err(e) => {
                stopped = Some(e.to_string());
                break;
            }
        };
        let drafter_stopped = draft.stopped;
        events.stage(&Stage::Checking { round });
        let (problems, report) = match ctx.evaluate(&draft.files) {
            Ok(report) => (problems_of(&report), Some(report)),
            Err(p) => (Some(p), None),
        };
        rounds.push(RoundRecord {
            number: round,
            outcome: describe(problems.as_ref()),
        });
        let failures = problems.as_ref().map_or((0, 0), failures);
        if best.as_ref().is_none_or(|b| failures < b.failures) {
            best = Some(Best {
                round,
                failures,
                files: draft.files.clone(),
                report,
                notes: draft.notes,
            });
        }
        if let Some(why) = drafter_stopped {
            stopped = Some(why);
            break;
        }
        match problems {
            None => break,
            Some(problems) => {
                previous = Some(Previous {
                    files: draft.files,
                    problems,
                })
            }
        }
        if round == options.max_rounds.max(1) {
            stopped = Some(format!("the budget of {round} rounds is spent"));
        }
    }
    let Some(Best {
        round,
        mut files,
        report,
        notes,
        ..
    }) = best
    else {
        return Err(JobError::NoDraft {
            drafter: drafter.name(),
            error: DraftError::Request("no round ran".into()),
        });
    };
    if round < rounds.len() {
        stopped = Some(format!(
            "{}; the files are round {round}'s, which failed least",
            stopped.unwrap_or_else(|| "later rounds did no better".into())
        ));
    }
    finish(ctx, drafter.name(), &mut files, report, rounds, notes, stopped)
}

/// The best round so far.
struct Best {
    round: usize,
    failures: (usize, u64),
    files: DraftFiles,
    report: Option<ProductReport>,
    notes: Vec<String>,
}

/// Adds `bronze.yml` and `PROMOTION.md` and assembles the result.
fn finish(
    ctx: Context<'_>,
    drafter: &'static str,
    files: &mut DraftFiles,
    report: Option<ProductReport>,
    rounds: Vec<RoundRecord>,
    notes: Vec<String>,
    stopped: Option<String>,
) -> Result<Promotion, JobError> {
    let checklist = report.as_ref().map(|r| checklist_of(r, &ctx));
    let spec = files
        .get(&ctx.target.spec_path())
        .and_then(|t| parse_spec(t, Path::new(&ctx.target.spec_path()), Some(ctx.target.level)).ok());
    let before: Vec<(String, String)> = match ctx.source_product() {
        Some(p) => p
            .spec
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.type_name.clone()))
            .collect(),
        None => ctx
            .profile
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.source_type.clone()))
            .collect(),
    };
    let diff = spec
        .as_ref()
        .map(|s| schema_diff(&ctx.source.spec.name, &before, s))
        .unwrap_or_default();
    let write_err = |path: &str, e: String| JobError::Write(path.to_string(), e);
    if ctx.target.level == Level::Silver {
        let path = format!("products/{}/bronze.yml", ctx.target.folder);
        let yaml = bronze_yaml(&ctx).map_err(|e| write_err(&path, e.to_string()))?;
        files.write(&path, yaml).map_err(|e| write_err(&path, e.to_string()))?;
    }
    let deletions = stale_variants(ctx.project, files);
    let source_desc = match (&ctx.source.spec.file, &ctx.source.spec.table) {
        (Some(f), _) => format!(
            "{} (file `{f}`, {} rows)",
            ctx.source.spec.name,
            thousands(ctx.profile.rows)
        ),
        (None, Some(t)) => format!(
            "{} (table `{t}`, {} rows)",
            ctx.source.spec.name,
            thousands(ctx.profile.rows)
        ),
        (None, None) => format!("{} ({} rows)", ctx.source.spec.name, thousands(ctx.profile.rows)),
    };
    let md = promotion_md(&PlanInputs {
        request: ctx.request,
        target: &ctx.target,
        source: source_desc,
        drafter,
        notes: &notes,
        rounds: &rounds,
        stopped: stopped.as_deref(),
        checklist: checklist.as_ref(),
        schema_diff: &diff,
        deletions: &deletions,
        readings: (ctx.target.level == Level::Silver).then_some(&ctx.profile),
        coverage: (ctx.target.level == Level::Silver)
            .then_some(report.as_ref())
            .flatten()
            .map(|r| {
                coverage_line(
                    &ctx.profile.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
                    r,
                )
            }),
    });
    let path = format!("products/{}/PROMOTION.md", ctx.target.folder);
    files.write(&path, md).map_err(|e| write_err(&path, e.to_string()))?;
    let commit_message = commit_message(
        &ctx.target,
        &ctx.source.spec.name,
        checklist.as_ref(),
        stopped.as_deref(),
    );
    Ok(Promotion {
        target: ctx.target,
        source: ctx.source,
        drafter,
        files: files.clone(),
        deletions,
        checklist,
        rounds,
        stopped,
        schema_diff: diff,
        profile: ctx.profile,
        commit_message,
    })
}

/// Makes the source readable: binds a bronze source, or builds the product a gold
/// target reads (with everything it depends on).
pub fn prepare_source(project: &Project, warehouse: &dyn Warehouse, source: &ResolvedSource) -> Result<(), JobError> {
    if source.spec.is_product() {
        let selection = Selection {
            product: Some(source.spec.name.clone()),
            level: None,
            relations: None,
        };
        build_products(project, warehouse, &selection).map_err(|e| JobError::SourceProduct(source.spec.name.clone(), e))
    } else {
        warehouse
            .bind_source(&source.spec.name, &source.location)
            .map_err(|error| JobError::Source {
                source_name: source.spec.name.clone(),
                error,
            })
    }
}

/// The owner every existing product names, when they agree.
fn usual_owner(project: &Project) -> Option<String> {
    let mut owners = project.products.iter().filter_map(|p| p.spec.owner.clone());
    let first = owners.next()?;
    owners.all(|o| o == first).then_some(first)
}

fn count(problems: &Problems) -> usize {
    match problems {
        Problems::Checks(r) => r.len(),
        _ => 1,
    }
}

/// How bad a round was: the checks it failed, then the values or rows they failed on
/// (a round that fixed 93 of 95 values and set 2 aside beats the one before); a draft
/// that does not lint or build is worse than any that was checked.
fn failures(problems: &Problems) -> (usize, u64) {
    match problems {
        Problems::Checks(r) => (r.len(), r.iter().map(|r| r.failing.unwrap_or(1).max(1)).sum()),
        _ => (usize::MAX, u64::MAX),
    }
}

/// One line on a round's outcome.
fn describe(problems: Option<&Problems>) -> String {
    match problems {
        None => "Every machine-checkable standard passes.".into(),
        Some(Problems::Lint(e)) => format!("The draft did not lint: {e}"),
        Some(Problems::Build(e)) => format!("The draft did not build: {e}"),
        Some(Problems::Checks(failing)) => format!(
            "{} did not pass: {}.",
            failing.len(),
            failing
                .iter()
                .map(|r| format!(
                    "{} {} on {} ({})",
                    r.standard_id,
                    r.check,
                    if r.columns.is_empty() {
                        "the table".to_string()
                    } else {
                        r.columns.join(", ")
                    },
                    r.figure
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}
