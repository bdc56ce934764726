//! What the worker does for each kind of job, one file per command (as rust-lang/bors
//! lays it out): [`promote`] (the label, the request form, `/hallmark promote`),
//! [`revise`], [`recheck`], [`explain`], [`cancel`] and [`help`], and [`standards`]
//! for a pull request that changes the data standards. Each handler works
//! on a [`Cx`]: the job, its trigger, the forge it came from, and the worker's means
//! (runtime, work dir, queue), and fails with a [`HandlerError`] that says what broke.

pub mod cancel;
pub mod explain;
pub mod help;
pub mod promote;
pub mod recheck;
pub mod revise;
pub mod standards;

use crate::agent::context::PromotionRequest;
use crate::agent::context::RequestError;
use crate::agent::drafter::{DraftError, Drafter};
use crate::agent::job::{promote, Events, JobError, JobOptions, Promotion};
use crate::agent::llm::{LlmConfig, LlmDrafter};
use crate::agent::rules::RulesDrafter;
use crate::commands::Command;
use crate::events::{Action, ForgeKind, Trigger};
use crate::forge::{Forge, ForgeError, Permission, Reaction, Thread};
use crate::git::{checkout_detached, clone_fresh, fetch_ref, GitCredentials, GitError};
use crate::isolated::Opener;
use crate::queue::{Job, Queue, QueueError};
use crate::request_form::RequestForm;
use crate::settings::BotSettings;
use hallmark_checks::error::SourceErrors;
use hallmark_checks::project::CONFIG_FILE;
use hallmark_checks::render::{render, Format};
use hallmark_checks::secret::Secret;
use hallmark_checks::warehouse::{Limits, Warehouse, WarehouseError};
use hallmark_checks::{Checklist, Project};
use std::path::{Path, PathBuf};

/// Where a job's clone keeps the pull request head it fetched.
const PULL_HEAD: &str = "refs/hallmark/pull-head";

/// Why a job failed; its text is what the queue records and the tracking comment says.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The forge refused or did not answer.
    #[error(transparent)]
    Forge(#[from] ForgeError),
    /// Cloning, committing or pushing failed.
    #[error(transparent)]
    Git(#[from] GitError),
    /// The queue could not be read or written.
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// The repository's standards or specs do not load.
    #[error("the standards or specs do not load:\n{0}")]
    Project(SourceErrors),
    /// The warehouse could not be opened.
    #[error(transparent)]
    Warehouse(#[from] WarehouseError),
    /// The request cannot be worked on (an unknown source, say).
    #[error(transparent)]
    Request(#[from] RequestError),
    /// The promotion failed.
    #[error(transparent)]
    Promotion(#[from] JobError),
    /// The drafter could not be set up.
    #[error(transparent)]
    Drafter(#[from] DraftError),
    /// `.hallmark.yml` (or another file of the repository) says something unusable.
    #[error("{file}: {problem}")]
    Config {
        /// The file.
        file: String,
        /// What is wrong.
        problem: String,
    },
    /// The job's work folder could not be cleared.
    #[error("cannot clear {path}: {message}")]
    WorkDir {
        /// The folder.
        path: String,
        /// Why.
        message: String,
    },
    /// The queued job is not a trigger.
    #[error("unreadable job: {0}")]
    Payload(#[from] serde_json::Error),
    /// The job's forge is not set up on this server.
    #[error("a {0} job, but this server has no {0} configured")]
    NotConfigured(&'static str),
    /// The standards' impact could not be worked out.
    #[error(transparent)]
    Impact(#[from] crate::impact::ImpactError),
    /// The repository named an endpoint the operator does not allow.
    #[error(transparent)]
    Refused(#[from] hallmark_checks::trust::EndpointRefused),
    /// `/hallmark cancel` stopped it.
    #[error("cancelled by `/hallmark cancel` before anything was pushed")]
    Cancelled,
    /// It ran past `--job-timeout` and was failed by the replica's supervisor.
    #[error("stopped after the job's time limit (--job-timeout), before anything more was pushed")]
    TimedOut,
    /// Something in the job panicked; the worker caught it at the job's boundary.
    #[error("the job stopped on an internal error: {0}")]
    Panicked(String),
}

/// What a handler may use of the replica that runs it, lent by the worker for one job:
/// handlers see these and nothing else of the worker.
pub struct Means<'a> {
    /// The job queue (cancelling a product's jobs, a job's cancellation).
    pub queue: &'a dyn Queue,
    /// The git remote of a repository.
    pub remote: &'a (dyn Fn(ForgeKind, &str) -> String + Send + Sync),
    /// Where jobs clone into.
    pub work_dir: &'a Path,
    /// The least permission that may run verbs that change something.
    pub write_permission: Permission,
    /// Drives the forge calls.
    pub runtime: &'a tokio::runtime::Runtime,
    /// The key for repositories whose `.hallmark.yml` configures a language model.
    pub llm_key: Option<&'a Secret>,
    /// How jobs open a repository's warehouse, under the operator's trust.
    pub opener: &'a Opener,
    /// True while job `id` is still this replica's and within its time limit.
    pub is_live: &'a dyn Fn(i64) -> bool,
}

/// Carries out the job `cx` holds: the handler its trigger's action names.
pub fn handle(cx: &Cx<'_>) -> Result<(), HandlerError> {
    match &cx.trigger.action {
        Action::PromoteIssue {
            source,
            level,
            product,
            owner,
            description,
            problems,
        } => {
            let form = RequestForm {
                source: source.clone(),
                level: *level,
                product: product.clone(),
                owner: owner.clone(),
                description: description.clone(),
                problems: problems.clone(),
            };
            promote::on_label(cx, &form)
        }
        Action::StandardsChange { base_ref, head_sha, .. } => standards::on_pull(cx, base_ref, head_sha),
        Action::StandardsPush { before, after } => standards::on_push(cx, before, after),
        Action::Command {
            comment_id,
            command: verb,
            bare,
        } => {
            if *bare && !cx.bare_commands_allowed()? {
                tracing::info!(repo = %cx.trigger.repo, "a bare command, turned off by the repository");
                return Ok(());
            }
            command(cx, *comment_id, verb)
        }
    }
}

/// One job being carried out.
pub struct Cx<'a> {
    /// What the replica lends the job.
    pub means: Means<'a>,
    /// The job.
    pub job: &'a Job,
    /// What it was triggered by.
    pub trigger: &'a Trigger,
    /// The forge it acts on.
    pub forge: &'a dyn Forge,
    /// The repository's `.hallmark.yml` on its default branch, read at most once a job.
    config: std::cell::OnceCell<Option<serde_norway::Value>>,
}

/// A `.hallmark.yml`'s text (`None`: there is none) as YAML.
pub fn parse_config(text: Option<&str>) -> Result<Option<serde_norway::Value>, HandlerError> {
    text.map(|text| {
        serde_norway::from_str(text).map_err(|e| HandlerError::Config {
            file: CONFIG_FILE.into(),
            problem: format!("not valid YAML: {e}"),
        })
    })
    .transpose()
}

impl<'a> Cx<'a> {
    /// The context of `job`, triggered by `trigger`, on `forge`.
    pub fn new(means: Means<'a>, job: &'a Job, trigger: &'a Trigger, forge: &'a dyn Forge) -> Self {
        Self {
            means,
            job,
            trigger,
            forge,
            config: std::cell::OnceCell::new(),
        }
    }
}

impl Cx<'_> {
    /// Runs a forge call (or any future) on the worker's runtime.
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.means.runtime.block_on(f)
    }

    /// Answers on the trigger's issue or pull request.
    pub fn reply(&self, text: &str) -> Result<(), HandlerError> {
        self.block_on(self.forge.comment(&self.trigger.repo, self.trigger.thread(), text))?;
        Ok(())
    }

    /// The actor's permission on the repository.
    pub fn actor_permission(&self) -> Result<Permission, HandlerError> {
        Ok(self.block_on(self.forge.permission(&self.trigger.repo, &self.trigger.actor))?)
    }

    /// Reacts to comment `comment` of the trigger's thread; a failure is only logged.
    pub fn react(&self, comment: u64, reaction: Reaction) {
        if let Err(e) =
            self.block_on(
                self.forge
                    .react_to_comment(&self.trigger.repo, self.trigger.thread(), comment, reaction),
            )
        {
            tracing::warn!(error = %e, "cannot react to the comment");
        }
    }

    /// A fresh clone of the trigger's repository in `work_dir/<name>` (replacing a
    /// leftover of an interrupted run), with the credentials for pushing.
    pub fn fresh_clone(&self, name: &str) -> Result<(PathBuf, GitCredentials), HandlerError> {
        let dir = self.means.work_dir.join(name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| HandlerError::WorkDir {
                path: dir.display().to_string(),
                message: e.to_string(),
            })?;
        }
        let credentials = self.block_on(self.forge.git_credentials())?;
        clone_fresh(&self.remote(), &dir, Some(&credentials))?;
        Ok((dir, credentials))
    }

    /// Fetches the head of this job's pull (merge) request into the clone at `dir` from
    /// the ref the forge keeps for it — a fork's commits are there, and a branch of the
    /// same name in this repository is not the request's; returns its commit.
    pub fn fetch_pull(&self, dir: &Path, credentials: &GitCredentials) -> Result<String, HandlerError> {
        let pull_ref = self.forge.pull_ref(self.trigger.number);
        Ok(fetch_ref(dir, &self.remote(), &pull_ref, PULL_HEAD, Some(credentials))?)
    }

    /// [`Cx::fetch_pull`], then checks that commit out detached; returns it.
    pub fn checkout_pull(&self, dir: &Path, credentials: &GitCredentials) -> Result<String, HandlerError> {
        let sha = self.fetch_pull(dir, credentials)?;
        checkout_detached(dir, PULL_HEAD)?;
        Ok(sha)
    }

    /// The repository's git remote.
    pub fn remote(&self) -> String {
        (self.means.remote)(self.trigger.forge, &self.trigger.repo)
    }

    /// The data diff of `relation` (and the products built on it) from `base` (a ref
    /// of the clone at `dir`, `origin/main`) to commit `head`, as markdown for the
    /// checklist comment, on the job's sandboxed warehouse; a product new at `head`
    /// shows its profile. A diff that cannot be made says why instead of failing the
    /// job: the checklist stands without it.
    pub fn data_diff_section(&self, dir: &Path, base: &str, head: &str, relation: &str) -> String {
        let relations = [relation.to_string()].into();
        let plan = crate::impact::data::DiffPlan {
            base,
            head,
            which: crate::impact::data::Which::Relations(&relations),
            config: None,
        };
        match crate::impact::data::data_diff(dir, &plan, Limits::default(), self.means.opener) {
            Ok(run) => crate::impact::data::markdown(&run),
            Err(e) => {
                tracing::warn!(error = %e, relation, "no data diff");
                format!("### Data diff\n\nNot made: {e}\n")
            }
        }
    }

    /// The repository at `dir` and a warehouse for the job.
    pub fn project_and_warehouse(&self, dir: &Path) -> Result<(Project, Box<dyn Warehouse>), HandlerError> {
        let project = Project::load(dir).map_err(HandlerError::Project)?;
        let warehouse = self
            .means
            .opener
            .open(&project, &format!("job{}", self.job.id), Limits::default())?;
        Ok((project, warehouse))
    }

    /// The repository's `bot:` settings (`.hallmark.yml` on its default branch): a key
    /// it does not know fails the job, naming it, rather than being ignored.
    pub fn settings(&self) -> Result<BotSettings, HandlerError> {
        BotSettings::from_value(self.config()?.and_then(|c| c.get("bot"))).map_err(|e| HandlerError::Config {
            file: CONFIG_FILE.into(),
            problem: e.to_string(),
        })
    }

    /// The repository's `.hallmark.yml` on its default branch, fetched once a job.
    pub fn config(&self) -> Result<Option<&serde_norway::Value>, HandlerError> {
        if let Some(config) = self.config.get() {
            return Ok(config.as_ref());
        }
        let text = self.block_on(self.forge.file_text(&self.trigger.repo, CONFIG_FILE))?;
        let parsed = parse_config(text.as_deref())?;
        Ok(self.config.get_or_init(|| parsed).as_ref())
    }

    /// Whether the repository accepts bare `/<verb>` commands: yes, unless its
    /// `.hallmark.yml` says `bot: { bare_commands: false }`.
    pub fn bare_commands_allowed(&self) -> Result<bool, HandlerError> {
        Ok(self.settings()?.bare_commands)
    }

    /// The least permission that may start a promotion (the label, the request form,
    /// `/hallmark promote`): `bot: { promote_permission: triage }` in `.hallmark.yml`,
    /// else the one every changing verb needs.
    pub fn promote_permission(&self) -> Result<Permission, HandlerError> {
        Ok(self
            .settings()?
            .promote_permission
            .unwrap_or(self.means.write_permission))
    }

    /// Drafts `request` in `project` on `warehouse` with the repository's drafter and
    /// the default job options, reporting to `events`: what every promoting handler
    /// (the label, `revise`, `fix`) runs.
    pub fn promote(
        &self,
        project: &Project,
        warehouse: &dyn Warehouse,
        request: &PromotionRequest,
        events: &dyn Events,
    ) -> Result<Promotion, HandlerError> {
        let mut drafter = self.drafter(project)?;
        Ok(promote(
            project,
            warehouse,
            request,
            drafter.as_mut(),
            &JobOptions::default(),
            events,
        )?)
    }

    /// The repository's drafter: its configured language model, else the rules. The
    /// model's transcript is kept under `work_dir/transcripts/job-<id>.jsonl`.
    fn drafter(&self, project: &Project) -> Result<Box<dyn Drafter>, HandlerError> {
        let config = LlmConfig::from_project(project).map_err(|problem| HandlerError::Config {
            file: CONFIG_FILE.into(),
            problem,
        })?;
        match config {
            Some(config) => {
                self.means.opener.trust.check("llm.base_url", &config.base_url)?;
                let transcript = self
                    .means
                    .work_dir
                    .join("transcripts")
                    .join(format!("job-{}.jsonl", self.job.id));
                let key = self.means.llm_key.map(|k| k.expose().to_string());
                Ok(Box::new(LlmDrafter::new(config, key, &transcript)?))
            }
            None => Ok(Box::new(RulesDrafter::default())),
        }
    }

    /// Stops a job that was cancelled while it ran, before it pushes or posts anything.
    pub fn stop_if_cancelled(&self) -> Result<(), HandlerError> {
        if !(self.means.is_live)(self.job.id) {
            return Err(HandlerError::TimedOut);
        }
        match self.means.queue.is_cancelled(self.job.id)? {
            true => Err(HandlerError::Cancelled),
            false => Ok(()),
        }
    }

    /// Posts the checklist on pull request `pull` (or updates the one already there),
    /// and sets the verdict as the status of commit `sha`, the branch's tip. A status
    /// the forge refuses is logged: the checklist has said it already.
    pub fn post_checklist(
        &self,
        pull: u64,
        sha: &str,
        checklist: &Checklist,
        diff: Option<&str>,
    ) -> Result<(), HandlerError> {
        let thread = Thread {
            number: pull,
            pull_request: true,
        };
        let mut body = render(checklist, Format::Markdown);
        if let Some(d) = diff {
            body.push('\n');
            body.push_str(d);
        }
        self.block_on(
            self.forge
                .upsert_comment(&self.trigger.repo, thread, "checklist", &body),
        )?;
        let s = &checklist.summary;
        let summary = format!(
            "{} passed, {} failed, {} could not run, {} need review",
            s.pass, s.fail, s.error, s.manual
        );
        if let Err(e) = self.block_on(
            self.forge
                .set_status(&self.trigger.repo, sha, checklist.passed(), &summary),
        ) {
            tracing::warn!(error = %e, "cannot set the commit status");
        }
        Ok(())
    }
}

/// Answers a slash command. Only `help` and `explain` are open to everyone; the rest
/// need write access (`promote`: the repository's promote permission).
pub fn command(cx: &Cx<'_>, comment: u64, command: &Result<Command, String>) -> Result<(), HandlerError> {
    let command = match command {
        Err(e) => return cx.reply(&format!("@{} {e}\n\n{}", cx.trigger.actor, crate::commands::HELP)),
        Ok(c) => c,
    };
    if command.changes_anything() {
        let required = match command {
            Command::Promote { .. } => cx.promote_permission()?,
            _ => cx.means.write_permission,
        };
        if cx.actor_permission()? < required {
            cx.react(comment, Reaction::Confused);
            return cx.reply(&format!(
                "@{} thanks for the suggestion! `/hallmark {}` changes the repository, so it needs {} access here; a maintainer can run it for you.",
                cx.trigger.actor,
                command.verb(),
                required.name()
            ));
        }
    }
    cx.react(comment, Reaction::Eyes);
    match command {
        Command::Help => help::run(cx),
        Command::Cancel => cancel::run(cx),
        Command::Explain { standard } => explain::run(cx, comment, standard),
        Command::Recheck => recheck::run(cx),
        Command::Fix => standards::fix(cx),
        Command::Promote { level, source } => promote::on_command(cx, *level, source.as_deref()),
        Command::Revise { feedback } => revise::run(cx, feedback),
    }
}
