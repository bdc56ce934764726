//! `hallmark promote`: drafts a silver or gold product from a source, checks it in the
//! sandbox, revises it, and commits the result on `hallmark/<level>/<product>`.

use super::{LevelArg, Outcome};
use anyhow::Context as _;
use hallmark::agent::context::PromotionRequest;
use hallmark::agent::drafter::Drafter;
use hallmark::agent::job::{promote, Events, JobError, JobOptions, Promotion, Stage};
use hallmark::agent::llm::{LlmConfig, LlmDrafter, API_KEY_ENV};
use hallmark::agent::rules::RulesDrafter;
use hallmark::git::{commit_promotion, Committed};
use hallmark_checks::render::{render, Format};
use hallmark_checks::warehouse::{job_name, open, Limits};
use hallmark_checks::Project;
use std::path::PathBuf;

/// Arguments of `hallmark promote`.
#[derive(Debug, clap::Args)]
pub struct PromoteArgs {
    /// The repository root (a git repository holding data_standards.md).
    #[arg(default_value = ".")]
    path: PathBuf,
    /// What to promote: a bronze file (`bronze/orders.csv`), a table, or for gold a
    /// product (`silver.orders`).
    #[arg(long)]
    source: String,
    /// The level to promote to.
    #[arg(long = "to", value_enum)]
    to: LevelArg,
    /// The product's name (default: from the source, or `<source>_<grain>` for gold).
    #[arg(long)]
    product: Option<String>,
    /// What the consumer asked for, in their words.
    #[arg(long, conflicts_with = "request_file")]
    request: Option<String>,
    /// Read the request from this file (an issue body, say).
    #[arg(long)]
    request_file: Option<PathBuf>,
    /// Who drafts: the offline rules, or the language model configured in
    /// .hallmark.yml. The default is the model when one is configured, else the rules.
    #[arg(long, value_enum)]
    drafter: Option<DrafterArg>,
    /// The product's owner (default: the owner the repository's products share).
    #[arg(long)]
    owner: Option<String>,
    /// At most this many drafts are built and checked.
    #[arg(long, default_value_t = 4)]
    max_rounds: usize,
    /// Print the result without committing it.
    #[arg(long)]
    no_commit: bool,
    /// Where the llm drafter writes its JSONL transcript (default: a new file under
    /// the system's temporary folder).
    #[arg(long)]
    transcript: Option<PathBuf>,
}

/// The drafters on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum DrafterArg {
    /// Deterministic and offline.
    Rules,
    /// An OpenAI-compatible model.
    Llm,
}

/// Prints each stage on stderr.
pub struct Printer;

impl Events for Printer {
    fn stage(&self, stage: &Stage) {
        let line = match stage {
            Stage::Profiling { source } => format!("profiling {source}"),
            Stage::Drafting => "drafting".to_string(),
            Stage::Checking { round } => format!("building and checking draft {round}"),
            Stage::Revising { round, problems } => {
                format!("revising (draft {round}, {problems} problem(s) to fix)")
            }
        };
        eprintln!("hallmark: {line}");
    }
}

/// Runs `hallmark promote`.
pub fn run(args: PromoteArgs) -> anyhow::Result<Outcome> {
    let project = match Project::load(&args.path) {
        Ok(p) => p,
        Err(errors) => {
            eprintln!("{errors}");
            return Ok(Outcome::BadInput);
        }
    };
    let text = match (&args.request, &args.request_file) {
        (Some(t), _) => t.clone(),
        (None, Some(f)) => std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?,
        (None, None) => String::new(),
    };
    let request = PromotionRequest {
        source: args.source.clone(),
        level: args.to.into(),
        product: args.product.clone(),
        text,
        owner: args.owner.clone(),
    };
    let configured = match LlmConfig::from_project(&project) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Outcome::BadInput);
        }
    };
    let choice = args.drafter.unwrap_or(if configured.is_some() {
        DrafterArg::Llm
    } else {
        DrafterArg::Rules
    });
    let mut drafter: Box<dyn Drafter> = match choice {
        DrafterArg::Rules => Box::new(RulesDrafter::default()),
        DrafterArg::Llm => {
            let Some(config) = configured else {
                eprintln!(
                    "error: --drafter llm needs an `llm:` section in {} (at least `model:`), and the key in {API_KEY_ENV}",
                    project.root.join(".hallmark.yml").display()
                );
                return Ok(Outcome::BadInput);
            };
            let transcript = args.transcript.clone().unwrap_or_else(|| {
                std::env::temp_dir()
                    .join("hallmark-transcripts")
                    .join(format!("{}.jsonl", job_name()))
            });
            eprintln!("hallmark: the model's transcript goes to {}", transcript.display());
            Box::new(LlmDrafter::new(config, std::env::var(API_KEY_ENV).ok(), &transcript)?)
        }
    };
    let options = JobOptions {
        max_rounds: args.max_rounds,
        ..JobOptions::default()
    };
    let (promotion, committed) =
        match promote_and_commit(&project, &request, drafter.as_mut(), &options, !args.no_commit) {
            Ok(done) => done,
            Err(e) if e.downcast_ref::<JobError>().is_some_and(is_bad_input) => {
                eprintln!("error: {e:#}");
                return Ok(Outcome::BadInput);
            }
            Err(e) => return Err(e),
        };
    report(&promotion, committed.as_ref());
    Ok(if promotion.checklist.as_ref().is_some_and(|c| c.passed()) {
        Outcome::Passed
    } else {
        Outcome::Failed
    })
}

fn is_bad_input(e: &JobError) -> bool {
    matches!(e, JobError::Request(_) | JobError::Source { .. })
}

/// Promotes on the project's warehouse and, when `commit`, commits on the branch.
pub fn promote_and_commit(
    project: &Project,
    request: &PromotionRequest,
    drafter: &mut dyn Drafter,
    options: &JobOptions,
    commit: bool,
) -> anyhow::Result<(Promotion, Option<Committed>)> {
    let warehouse = open(&project.config.warehouse, &project.root, &job_name(), Limits::default())
        .context("opening the warehouse")?;
    let promotion = promote(project, warehouse.as_ref(), request, drafter, options, &Printer)?;
    let committed = if commit {
        Some(
            commit_promotion(&project.root, &promotion)
                .with_context(|| format!("committing on {}", promotion.target.branch()))?,
        )
    } else {
        None
    };
    Ok((promotion, committed))
}

/// Prints the checklist on stdout and the outcome on stderr.
pub fn report(p: &Promotion, committed: Option<&Committed>) {
    if let Some(c) = &p.checklist {
        print!("{}", render(c, Format::Markdown));
    }
    eprintln!(
        "hallmark: {} drafted by the {} drafter in {} round(s): {}",
        p.target.relation(),
        p.drafter,
        p.rounds.len(),
        if p.all_pass() {
            "every machine-checkable standard passes".to_string()
        } else {
            p.rounds.last().map(|r| r.outcome.clone()).unwrap_or_default()
        }
    );
    if let Some(why) = &p.stopped {
        eprintln!("hallmark: stopped: {why}");
    }
    match committed {
        Some(c) if c.changed => eprintln!("hallmark: committed {} on branch {}", &c.commit[..12], c.branch),
        Some(c) => eprintln!("hallmark: branch {} already holds these files", c.branch),
        None => eprintln!("hallmark: not committed (--no-commit)"),
    }
}
