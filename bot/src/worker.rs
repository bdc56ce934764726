//! The worker: takes a job from the queue and carries it out against the forge. For a
//! promotion it reacts on the issue, keeps one tracking comment up to date, runs the
//! promotion job on a fresh clone, pushes the branch, opens (or updates) the pull
//! request and posts the checklist as one comment found again by its marker. A job
//! that runs again (after a crash, or a second trigger) commits on top of its branch
//! and updates the same pull request and comments, so it is simply run again.

use crate::agent::context::PromotionRequest;
use crate::agent::drafter::Drafter;
use crate::agent::job::{promote, Events, JobOptions, Promotion, Stage};
use crate::agent::llm::{LlmConfig, LlmDrafter};
use crate::agent::rules::RulesDrafter;
use crate::commands::{Command, HELP};
use crate::events::{Action, ForgeKind, Trigger};
use crate::forge::github::GitHubForge;
use crate::forge::gitlab::GitLabForge;
use crate::forge::{Forge, Permission, Reaction, Thread};
use crate::git::{
    checkout_branch, clone_fresh, commit_promotion, detach_head, push_branch, track_remote_branch, GitCredentials,
};
use crate::github::client::GitHubClient;
use crate::marker::marked;
use crate::queue::{Job, Queue};
use crate::request_form::{parse_issue_body, RequestForm};
use hallmark_checks::project::CONFIG_FILE;
use hallmark_checks::render::{render, Format};
use hallmark_checks::runner::{run_checks, NoProgress, RunOptions, Selection};
use hallmark_checks::secret::Secret;
use hallmark_checks::warehouse::{open, Limits, Warehouse};
use hallmark_checks::{Checklist, Level, Project};
use std::path::PathBuf;
use std::sync::Arc;

/// Where a repository's git remote is on its forge (`https://github.com/owner/name.git`,
/// or a bare repository on disk in tests).
pub type RemoteFor = Box<dyn Fn(ForgeKind, &str) -> String + Send + Sync>;

/// The forges a worker can act on; a job of one that is not set up fails, saying so.
#[derive(Debug, Clone, Default)]
pub struct Forges {
    /// GitHub, as the app.
    pub github: Option<GitHubClient>,
    /// GitLab, with a token.
    pub gitlab: Option<GitLabForge>,
}

/// What a worker needs.
pub struct Worker {
    /// The forges.
    pub forges: Forges,
    /// The queue.
    pub queue: Arc<Queue>,
    /// The git remote of a repository.
    pub remote: RemoteFor,
    /// Where jobs clone into.
    pub work_dir: PathBuf,
    /// The least permission that may run verbs that change something.
    pub write_permission: Permission,
    /// Drives the forge calls (the promotion itself is blocking work).
    pub runtime: tokio::runtime::Runtime,
    /// The key for repositories whose `.hallmark.yml` configures a language model.
    pub llm_key: Option<Secret>,
    /// How many jobs may run at once across every worker sharing the queue.
    pub concurrency: usize,
}

/// Updates the tracking comment as the promotion moves. The comment is found (or
/// posted) once; later updates edit it by id instead of listing the comments again.
struct Tracker<'a> {
    worker: &'a Worker,
    trigger: &'a Trigger,
    forge: &'a dyn Forge,
    comment: std::cell::Cell<Option<u64>>,
}

impl<'a> Tracker<'a> {
    fn new(worker: &'a Worker, trigger: &'a Trigger, forge: &'a dyn Forge) -> Self {
        Self {
            worker,
            trigger,
            forge,
            comment: std::cell::Cell::new(None),
        }
    }

    fn say(&self, text: &str) {
        let t = self.trigger;
        let body = format!("**Hallmark** is working on this request.\n\n{text}");
        let updated = match self.comment.get() {
            Some(id) => self.worker.runtime.block_on(self.forge.edit_comment(
                &t.repo,
                t.thread(),
                id,
                &marked("tracking", &body),
            )),
            None => self
                .worker
                .runtime
                .block_on(self.forge.upsert_comment(&t.repo, t.thread(), "tracking", &body))
                .map(|id| self.comment.set(Some(id))),
        };
        if let Err(e) = updated {
            tracing::warn!(error = %e, "cannot update the tracking comment");
        }
    }
}

impl Events for Tracker<'_> {
    fn stage(&self, stage: &Stage) {
        self.say(&match stage {
            Stage::Profiling { source } => format!("- [x] queued\n- [ ] profiling `{source}`…"),
            Stage::Drafting => "- [x] queued\n- [x] profiled\n- [ ] drafting…".into(),
            Stage::Checking { round } => format!("- [x] queued\n- [x] profiled\n- [x] drafted\n- [ ] checking draft {round}…"),
            Stage::Revising { round, problems } => format!(
                "- [x] queued\n- [x] profiled\n- [x] drafted\n- [ ] revising (draft {round}, {problems} problem(s) to fix)…"
            ),
        });
    }
}

impl Worker {
    /// The forge `t` came from, acting as its installation.
    fn forge(&self, t: &Trigger) -> Result<Box<dyn Forge>, String> {
        match t.forge {
            ForgeKind::GitHub => self
                .forges
                .github
                .clone()
                .map(|client| {
                    Box::new(GitHubForge {
                        client,
                        installation: t.installation,
                    }) as Box<dyn Forge>
                })
                .ok_or_else(|| "a GitHub job, but this server has no GitHub App configured".to_string()),
            ForgeKind::GitLab => self
                .forges
                .gitlab
                .clone()
                .map(|forge| Box::new(forge) as Box<dyn Forge>)
                .ok_or_else(|| "a GitLab job, but this server has no GitLab token configured".to_string()),
        }
    }

    /// Takes one job and carries it out; false when there was none.
    pub fn run_one(&self) -> bool {
        let job = match self.queue.claim(self.concurrency.max(1)) {
            Ok(Some(job)) => job,
            Ok(None) => return false,
            Err(e) => {
                tracing::error!(error = %e, "cannot claim a job");
                return false;
            }
        };
        self.run(&job);
        true
    }

    /// Carries out a job already claimed from the queue, and records its end.
    pub fn run(&self, job: &Job) {
        let outcome = self.process(job);
        if let Err(e) = &outcome {
            tracing::warn!(job = job.id, error = %e, "job failed");
        }
        if let Err(e) = self.queue.finish(job.id, outcome.err().as_deref()) {
            tracing::error!(job = job.id, error = %e, "cannot record the job's end");
        }
    }

    fn process(&self, job: &Job) -> Result<(), String> {
        let trigger: Trigger = serde_json::from_str(&job.payload).map_err(|e| format!("unreadable job: {e}"))?;
        let forge = self.forge(&trigger)?;
        let forge = forge.as_ref();
        match &trigger.action {
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
                if !self.may_start_promotion(forge, &trigger)? {
                    return Ok(());
                }
                self.promote_request(forge, job, &trigger, &form)
            }
            Action::Command {
                comment_id,
                command,
                bare,
            } => {
                if *bare && !self.bare_commands_allowed(forge, &trigger)? {
                    tracing::info!(repo = %trigger.repo, "a bare command, turned off by the repository");
                    return Ok(());
                }
                self.command(forge, job, &trigger, *comment_id, command)
            }
        }
    }

    /// Whether the labeler or form filer may start a promotion. Anyone who can open an
    /// issue can send `issues.opened` with the label, so it asks the permission
    /// `/hallmark promote` does (which its own path checks), and answers politely when
    /// that is missing.
    fn may_start_promotion(&self, forge: &dyn Forge, trigger: &Trigger) -> Result<bool, String> {
        let required = self.promote_permission(forge, trigger)?;
        let permission = self
            .runtime
            .block_on(forge.permission(&trigger.repo, &trigger.actor))
            .map_err(|e| e.to_string())?;
        if permission >= required {
            return Ok(true);
        }
        tracing::info!(repo = %trigger.repo, actor = %trigger.actor, "a promotion request below the required permission");
        self.runtime
            .block_on(forge.comment(
                &trigger.repo,
                trigger.thread(),
                &format!(
                    "@{} thanks for the request! Starting a promotion here needs {} access; a maintainer can comment `/hallmark promote` on this issue to start it.",
                    trigger.actor,
                    required.name()
                ),
            ))
            .map_err(|e| e.to_string())?;
        Ok(false)
    }

    /// Promotes what `form` asks for on the trigger's issue, or asks for what is missing.
    fn promote_request(
        &self,
        forge: &dyn Forge,
        job: &Job,
        trigger: &Trigger,
        form: &RequestForm,
    ) -> Result<(), String> {
        let tracker = Tracker::new(self, trigger, forge);
        let mut missing: Vec<String> = Vec::new();
        if form.source.is_none() {
            missing.push("the **source** (a bronze file or table, e.g. `bronze/orders.csv`)".into());
        }
        if form.level.is_none() {
            missing.push("the **target level** (`silver` or `gold`)".into());
        }
        missing.extend(form.problems.iter().cloned());
        if !missing.is_empty() {
            tracker.say(&format!(
                "I need a little more before I can start:\n\n{}\n\nEdit the issue, then comment `/hallmark promote`.",
                missing.iter().map(|m| format!("- {m}")).collect::<Vec<_>>().join("\n")
            ));
            return Ok(());
        }
        let _ = self
            .runtime
            .block_on(forge.react_to_thread(&trigger.repo, trigger.thread(), Reaction::Eyes));
        tracker.say("- [ ] queued…");
        let request = PromotionRequest {
            source: form.source.clone().unwrap_or_default(),
            level: form.level.unwrap_or(Level::Silver),
            product: form.product.clone(),
            // A confidential issue's words never reach the public branch or request.
            text: match trigger.confidential {
                true => String::new(),
                false => form.description.clone().unwrap_or_default(),
            },
            owner: form.owner.clone(),
        };
        let withheld = match trigger.confidential {
            true => "\n\nThis issue is confidential, so its text was not used: the branch and the merge request are visible to everyone who can see the project. Say what the product needs in a review of the merge request, and `/hallmark revise` will use it.",
            false => "",
        };
        match self.promote_and_open_pull(forge, job, trigger, &request, &tracker) {
            Ok((promotion, pull)) => {
                let verdict = promotion.summary_line();
                tracker.say(&format!(
                    "{} proposes `{}` on `{}`: {verdict}{withheld}",
                    forge.pull_name(pull),
                    promotion.target.relation(),
                    promotion.target.branch()
                ));
                Ok(())
            }
            Err(e) => {
                tracker.say(&format!("❌ The promotion failed: {e}"));
                Err(e)
            }
        }
    }

    /// Re-runs the promotion of a pull request's product on its branch with the
    /// reviewer's feedback as part of the request, commits on top, pushes, and updates
    /// the checklist comment. Returns the reply for the reviewer.
    fn revise(&self, forge: &dyn Forge, job: &Job, t: &Trigger, feedback: &str) -> Result<String, String> {
        let head = self
            .runtime
            .block_on(forge.pull_head(&t.repo, t.number))
            .map_err(|e| e.to_string())?;
        let Some((level, product)) = head
            .strip_prefix("hallmark/")
            .and_then(|rest| rest.split_once('/'))
            .and_then(|(l, p)| l.parse::<Level>().ok().map(|l| (l, p.to_string())))
        else {
            return Ok(format!("`{head}` is not a branch Hallmark opened (`hallmark/<level>/<product>`), so there is nothing to revise."));
        };
        let (dir, token) = self.fresh_clone(forge, t, &format!("job-{}", job.id))?;
        track_remote_branch(&dir, &head).map_err(|e| e.to_string())?;
        checkout_branch(&dir, &head).map_err(|e| e.to_string())?;
        detach_head(&dir).map_err(|e| e.to_string())?;
        let (project, warehouse) = Self::project_and_warehouse(&dir, job)?;
        let relation = format!("{level}.{product}");
        let spec = project
            .product(&relation)
            .map(|p| p.spec.clone())
            .ok_or_else(|| format!("the branch `{head}` has no product {relation}"))?;
        let source = spec
            .sources
            .first()
            .map(|s| s.file.clone().or(s.table.clone()).unwrap_or(s.name.clone()))
            .ok_or_else(|| format!("{relation} declares no source"))?;
        let reviews = self
            .runtime
            .block_on(forge.review_comments(&t.repo, t.number))
            .map_err(|e| e.to_string())?;
        let mut text = format!(
            "{}\n\nReviewer feedback from @{}:\n{feedback}",
            spec.description.unwrap_or_default(),
            t.actor
        );
        if !reviews.is_empty() {
            text.push_str("\n\nReview comments on the pull request:\n");
            text.push_str(&reviews.iter().map(|r| format!("- {r}")).collect::<Vec<_>>().join("\n"));
        }
        let request = PromotionRequest {
            source,
            level,
            product: Some(product),
            text,
            owner: spec.owner,
        };
        let tracker = Tracker::new(self, t, forge);
        let promotion = promote(
            &project,
            warehouse.as_ref(),
            &request,
            self.drafter(&project, job)?.as_mut(),
            &JobOptions::default(),
            &tracker,
        )
        .map_err(|e| e.to_string())?;
        self.stop_if_cancelled(job)?;
        let committed = commit_promotion(&dir, &promotion).map_err(|e| e.to_string())?;
        push_branch(&dir, &(self.remote)(t.forge, &t.repo), &head, Some(&token)).map_err(|e| e.to_string())?;
        let _ = std::fs::remove_dir_all(&dir);
        if let Some(checklist) = &promotion.checklist {
            self.post_checklist(forge, t, t.number, checklist)?;
        }
        let verdict = promotion.summary_line();
        Ok(format!(
            "@{} revised with your feedback in commit {} on `{head}` ({} drafter): {verdict}.{}",
            t.actor,
            &committed.commit[..12.min(committed.commit.len())],
            promotion.drafter,
            if promotion.drafter == "rules" {
                " The rules drafter records feedback in PROMOTION.md; a language model configured in `.hallmark.yml` acts on it."
            } else {
                ""
            }
        ))
    }

    /// A fresh clone of the trigger's repository in `work_dir/<name>` (replacing a
    /// leftover of an interrupted run), with the credentials for pushing.
    fn fresh_clone(&self, forge: &dyn Forge, t: &Trigger, name: &str) -> Result<(PathBuf, GitCredentials), String> {
        let dir = self.work_dir.join(name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| format!("cannot clear {}: {e}", dir.display()))?;
        }
        let credentials = self
            .runtime
            .block_on(forge.git_credentials())
            .map_err(|e| e.to_string())?;
        clone_fresh(&(self.remote)(t.forge, &t.repo), &dir, Some(&credentials)).map_err(|e| e.to_string())?;
        Ok((dir, credentials))
    }

    /// The repository at `dir` and a warehouse for job `job`.
    fn project_and_warehouse(dir: &std::path::Path, job: &Job) -> Result<(Project, Box<dyn Warehouse>), String> {
        let project = Project::load(dir).map_err(|e| format!("the standards or specs do not load:\n{e}"))?;
        let warehouse = open(
            &project.config.warehouse,
            &project.root,
            &format!("job{}", job.id),
            Limits::default(),
        )
        .map_err(|e| e.to_string())?;
        Ok((project, warehouse))
    }

    /// Checks a pull request's branch again and updates its checklist comment.
    fn recheck(&self, forge: &dyn Forge, job: &Job, t: &Trigger) -> Result<(), String> {
        let head = self
            .runtime
            .block_on(forge.pull_head(&t.repo, t.number))
            .map_err(|e| e.to_string())?;
        let (dir, _) = self.fresh_clone(forge, t, &format!("job-{}", job.id))?;
        track_remote_branch(&dir, &head).map_err(|e| e.to_string())?;
        checkout_branch(&dir, &head).map_err(|e| e.to_string())?;
        let (project, warehouse) = Self::project_and_warehouse(&dir, job)?;
        let checklist = run_checks(
            &project,
            warehouse.as_ref(),
            &Selection::default(),
            &RunOptions::default(),
            &NoProgress,
        );
        let _ = std::fs::remove_dir_all(&dir);
        self.post_checklist(forge, t, t.number, &checklist)
    }

    /// The `bot:` setting `name` of the repository's `.hallmark.yml` on its default
    /// branch, if it sets one.
    fn bot_setting(&self, forge: &dyn Forge, t: &Trigger, name: &str) -> Result<Option<serde_norway::Value>, String> {
        let text = self
            .runtime
            .block_on(forge.file_text(&t.repo, CONFIG_FILE))
            .map_err(|e| e.to_string())?;
        let Some(text) = text else { return Ok(None) };
        let config: serde_norway::Value =
            serde_norway::from_str(&text).map_err(|e| format!("{CONFIG_FILE} is not valid YAML: {e}"))?;
        Ok(config.get("bot").and_then(|b| b.get(name)).cloned())
    }

    /// Whether the repository accepts bare `/<verb>` commands: yes, unless its
    /// `.hallmark.yml` says `bot: { bare_commands: false }`.
    fn bare_commands_allowed(&self, forge: &dyn Forge, t: &Trigger) -> Result<bool, String> {
        Ok(self
            .bot_setting(forge, t, "bare_commands")?
            .and_then(|v| v.as_bool())
            .unwrap_or(true))
    }

    /// The least permission that may start a promotion (the label, the request form,
    /// `/hallmark promote`): `bot: { promote_permission: triage }` in `.hallmark.yml`,
    /// else the one every changing verb needs.
    fn promote_permission(&self, forge: &dyn Forge, t: &Trigger) -> Result<Permission, String> {
        match self.bot_setting(forge, t, "promote_permission")? {
            None => Ok(self.write_permission),
            Some(v) => v.as_str().and_then(Permission::from_name).ok_or_else(|| {
                format!("{CONFIG_FILE}: `bot.promote_permission` must be read, triage, write, maintain or admin")
            }),
        }
    }

    /// The repository's drafter: its configured language model, else the rules. The
    /// model's transcript is kept under `work_dir/transcripts/job-<id>.jsonl`.
    fn drafter(&self, project: &Project, job: &Job) -> Result<Box<dyn Drafter>, String> {
        match LlmConfig::from_project(project)? {
            Some(config) => {
                let transcript = self.work_dir.join("transcripts").join(format!("job-{}.jsonl", job.id));
                let key = self.llm_key.as_ref().map(|k| k.expose().to_string());
                Ok(Box::new(
                    LlmDrafter::new(config, key, &transcript).map_err(|e| e.to_string())?,
                ))
            }
            None => Ok(Box::new(RulesDrafter::default())),
        }
    }

    /// Stops a job that was cancelled while it ran, before it pushes or posts anything.
    fn stop_if_cancelled(&self, job: &Job) -> Result<(), String> {
        match self.queue.is_cancelled(job.id) {
            Ok(true) => Err("cancelled by `/hallmark cancel` before anything was pushed".into()),
            Ok(false) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Posts the checklist on pull request `pull`, or updates the one already there.
    fn post_checklist(&self, forge: &dyn Forge, t: &Trigger, pull: u64, checklist: &Checklist) -> Result<(), String> {
        self.runtime
            .block_on(forge.upsert_comment(
                &t.repo,
                Thread {
                    number: pull,
                    pull_request: true,
                },
                "checklist",
                &render(checklist, Format::Markdown),
            ))
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn promote_and_open_pull(
        &self,
        forge: &dyn Forge,
        job: &Job,
        t: &Trigger,
        request: &PromotionRequest,
        tracker: &Tracker<'_>,
    ) -> Result<(Promotion, u64), String> {
        let (dir, token) = self.fresh_clone(forge, t, &format!("job-{}", job.id))?;
        let url = (self.remote)(t.forge, &t.repo);
        let (project, warehouse) = Self::project_and_warehouse(&dir, job)?;
        let branch_known = {
            let (_, target) = crate::agent::context::resolve(&project, request).map_err(|e| e.to_string())?;
            track_remote_branch(&dir, &target.branch()).map_err(|e| e.to_string())?
        };
        tracing::info!(job = job.id, branch_known, "promoting");
        let promotion = promote(
            &project,
            warehouse.as_ref(),
            request,
            self.drafter(&project, job)?.as_mut(),
            &JobOptions::default(),
            tracker,
        )
        .map_err(|e| e.to_string())?;
        self.stop_if_cancelled(job)?;
        commit_promotion(&dir, &promotion).map_err(|e| e.to_string())?;
        push_branch(&dir, &url, &promotion.target.branch(), Some(&token)).map_err(|e| e.to_string())?;
        let base = self
            .runtime
            .block_on(forge.default_branch(&t.repo))
            .map_err(|e| e.to_string())?;
        let title = format!(
            "Promote {} to {}",
            promotion.source.spec.name,
            promotion.target.relation()
        );
        let body = format!(
            "Closes #{}\n\n{}\n\n<details><summary>Schema: source → product</summary>\n\n```diff\n{}```\n\n</details>\n\n`PROMOTION.md` has the plan and every round.",
            t.number,
            promotion.commit_message.lines().skip(2).collect::<Vec<_>>().join("\n"),
            promotion.schema_diff
        );
        let pull = self
            .runtime
            .block_on(forge.open_or_update_pull(&t.repo, &promotion.target.branch(), &base, &title, &body))
            .map_err(|e| e.to_string())?;
        if let Some(checklist) = &promotion.checklist {
            self.post_checklist(forge, t, pull, checklist)?;
        }
        let _ = std::fs::remove_dir_all(&dir);
        Ok((promotion, pull))
    }

    /// The text of a standard and how Hallmark checks it, from the repository's
    /// default branch.
    fn explain(&self, forge: &dyn Forge, t: &Trigger, comment: u64, id: &str) -> Result<String, String> {
        let (dir, _) = self.fresh_clone(forge, t, &format!("explain-{comment}"))?;
        let loaded = Project::load(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        let project = loaded.map_err(|e| format!("the repository's standards do not load:\n{e}"))?;
        let Some(s) = project.standards.iter().find(|s| s.id.eq_ignore_ascii_case(id)) else {
            let ids: Vec<&str> = project.standards.iter().map(|s| s.id.as_str()).collect();
            return Ok(format!(
                "`{id}` is not a standard in `{}`; its standards are {}.",
                project.config.standards.display(),
                ids.join(", ")
            ));
        };
        let levels: Vec<String> = s.applies_to.iter().map(|l| l.to_string()).collect();
        let how = match &s.rule {
            Some(rule) => format!(
                "Hallmark checks it with this rule:\n\n```yaml\n{}```",
                serde_norway::to_string(rule).unwrap_or_default()
            ),
            None => "It has no rule block, so a person reviews it: it is listed as \"needs human review\" on every checklist.".into(),
        };
        Ok(format!(
            "**{} {}** — applies to {}\n\n{}\n\n{how}",
            s.id,
            s.title,
            levels.join(", "),
            s.prose.trim()
        ))
    }

    /// Answers a slash command. Only `help` and `explain` are open to everyone; the
    /// rest need write access. Verbs the worker cannot carry out yet say so.
    fn command(
        &self,
        forge: &dyn Forge,
        job: &Job,
        t: &Trigger,
        comment: u64,
        command: &Result<Command, String>,
    ) -> Result<(), String> {
        let reply = |text: String| {
            self.runtime
                .block_on(forge.comment(&t.repo, t.thread(), &text))
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        let command = match command {
            Err(e) => return reply(format!("@{} {e}\n\n{HELP}", t.actor)),
            Ok(c) => c,
        };
        if command.changes_anything() {
            let required = match command {
                Command::Promote { .. } => self.promote_permission(forge, t)?,
                _ => self.write_permission,
            };
            let permission = self
                .runtime
                .block_on(forge.permission(&t.repo, &t.actor))
                .map_err(|e| e.to_string())?;
            if permission < required {
                let _ = self
                    .runtime
                    .block_on(forge.react_to_comment(&t.repo, t.thread(), comment, Reaction::Confused));
                return reply(format!(
                    "@{} thanks for the suggestion! `/hallmark {}` changes the repository, so it needs {} access here; a maintainer can run it for you.",
                    t.actor,
                    command.verb(),
                    required.name()
                ));
            }
        }
        let _ = self
            .runtime
            .block_on(forge.react_to_comment(&t.repo, t.thread(), comment, Reaction::Eyes));
        match command {
            Command::Help => reply(HELP.to_string()),
            Command::Cancel => {
                let n = self.queue.cancel(&t.product_key()).map_err(|e| e.to_string())?;
                reply(format!("Cancelled {n} job(s) for #{}.", t.number))
            }
            Command::Explain { standard } => reply(self.explain(forge, t, comment, standard)?),
            Command::Recheck if t.pull_request => self.recheck(forge, job, t),
            Command::Recheck => reply("`/hallmark recheck` works on a pull request.".into()),
            Command::Promote { level, source } if !t.pull_request => {
                let body = self
                    .runtime
                    .block_on(forge.issue_body(&t.repo, t.number))
                    .map_err(|e| e.to_string())?;
                let mut form = parse_issue_body(&body);
                if level.is_some() {
                    form.level = *level;
                }
                if source.is_some() {
                    form.source = source.clone();
                }
                self.promote_request(forge, job, t, &form)
            }
            Command::Promote { .. } => {
                reply("`/hallmark promote` works on an issue that requests a data product.".into())
            }
            Command::Revise { feedback } if t.pull_request => {
                let summary = self.revise(forge, job, t, feedback)?;
                reply(summary)
            }
            Command::Revise { .. } => reply("`/hallmark revise` works on a pull request Hallmark opened.".into()),
        }
    }
}
