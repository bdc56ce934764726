//! `hallmark promote`: drafts a silver or gold product from a source, checks it in the
//! sandbox, revises it, and commits the result on `hallmark/<level>/<product>`.

use super::dbt::DbtSource;
use super::terminal::{stdout_is_terminal, TerminalArgs};
use super::{FormatArg, LevelArg, Outcome};
use anyhow::Context as _;
use hallmark::agent::context::PromotionRequest;
use hallmark::agent::dbt_model::{build_with_dbt, commit_model, dbt_dir};
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
    /// With --dbt: the products from dbt's manifest, and the result written as a dbt
    /// model (SQL with source()/ref(), its YAML with dbt tests), which `dbt build
    /// --select +<model>` then builds on the branch when dbt is installed.
    #[command(flatten)]
    dbt: DbtSource,
    /// The dbt executable that checks the model (default: `dbt` on PATH; none found,
    /// Hallmark's own checks of the same SQL are the proof).
    #[arg(long, requires = "dbt", env = "HALLMARK_DBT_BIN")]
    dbt_bin: Option<PathBuf>,
    /// The checklist's form: text at a terminal, markdown when piped, unless given.
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    #[command(flatten)]
    terminal: TerminalArgs,
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
    let Some((project, dbt)) = super::dbt::load(&args.path, None, &args.dbt) else {
        return Ok(Outcome::BadInput);
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
    // Gold is built on a dbt model: the sandbox needs its compiled SQL.
    if let (Some(found), hallmark_checks::Level::Gold) = (&dbt, request.level) {
        let source = request.source.trim();
        let read = project
            .products
            .iter()
            .filter(|p| p.spec.relation() == source || p.spec.name == source)
            .map(|p| p.spec.relation());
        if let Err(e) = super::dbt::require_compiled(found, read) {
            eprintln!("error: {e}");
            return Ok(Outcome::BadInput);
        }
    }
    let commit = !args.no_commit && dbt.is_none();
    let (promotion, committed) = match promote_and_commit(&project, &request, drafter.as_mut(), &options, commit) {
        Ok(done) => done,
        Err(e) if e.downcast_ref::<JobError>().is_some_and(is_bad_input) => {
            eprintln!("error: {e:#}");
            return Ok(Outcome::BadInput);
        }
        Err(e) => return Err(e),
    };
    let format = FormatArg::chosen(args.format, stdout_is_terminal()).format(&args.terminal);
    if let Some(found) = &dbt {
        report_outcome(&promotion, format);
        if !args.no_commit {
            let built = commit_dbt_model(&project, found, &promotion, args.dbt_bin.as_deref())?;
            if built == Some(false) {
                return Ok(Outcome::Failed);
            }
        }
    } else {
        report(&promotion, committed.as_ref(), format);
    }
    Ok(if promotion.checklist.as_ref().is_some_and(|c| c.passed()) {
        Outcome::Passed
    } else {
        Outcome::Failed
    })
}

fn is_bad_input(e: &JobError) -> bool {
    matches!(e, JobError::Request(_) | JobError::Source { .. })
}

/// Writes `promotion` as a dbt model, commits it on the promotion's branch, and has dbt
/// build it there when a dbt executable is given or on PATH: `Some(passed)` then,
/// `None` when there is no dbt (Hallmark's checks of the same SQL are the proof).
fn commit_dbt_model(
    project: &Project,
    dbt: &hallmark_checks::dbt::DbtProject,
    promotion: &Promotion,
    dbt_bin: Option<&std::path::Path>,
) -> anyhow::Result<Option<bool>> {
    let (model, committed) =
        commit_model(&project.root, promotion, project, dbt).context("committing the dbt model")?;
    let branch = committed.branch.clone();
    eprintln!(
        "hallmark: committed the dbt model {} ({}) on branch {}, with dbt tests {}",
        model.name,
        model.sql_path,
        committed.branch,
        if model.tests.is_empty() {
            "none".to_string()
        } else {
            model.tests.join(", ")
        }
    );
    let exe = dbt_bin.map(std::path::Path::to_path_buf).or_else(|| which("dbt"));
    let Some(exe) = exe else {
        eprintln!("hallmark: dbt is not installed here, so Hallmark's own checks of the same SQL are the proof");
        return Ok(None);
    };
    let built =
        build_with_dbt(&exe, &project.root, &branch, &dbt_dir(project), &model.name).map_err(anyhow::Error::msg)?;
    if built.passed {
        eprintln!("hallmark: dbt build --select +{}: {}", model.name, built.summary);
    } else {
        eprintln!("hallmark: dbt build --select +{} failed:\n{}", model.name, built.tail);
    }
    Ok(Some(built.passed))
}

/// The first `name` on PATH.
fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
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

/// Prints the checklist on stdout and the outcome and the commit on stderr.
pub fn report(p: &Promotion, committed: Option<&Committed>, format: Format) {
    report_outcome(p, format);
    match committed {
        Some(c) if c.changed => eprintln!("hallmark: committed {} on branch {}", &c.commit[..12], c.branch),
        Some(c) => eprintln!("hallmark: branch {} already holds these files", c.branch),
        None => eprintln!("hallmark: not committed (--no-commit)"),
    }
}

/// Prints the checklist on stdout and the outcome on stderr.
fn report_outcome(p: &Promotion, format: Format) {
    if let Some(c) = &p.checklist {
        print!("{}", render(c, format));
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
}
