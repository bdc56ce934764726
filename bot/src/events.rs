//! What a delivery asks the bot to do, as both forges' routers produce it and the
//! queue stores it: a promotion of an issue's request, or a slash command.

use crate::commands::Command;
use crate::request_form::RequestForm;
use hallmark_checks::Level;
use serde::{Deserialize, Serialize};

/// The forge a trigger came from, and its jobs act on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ForgeKind {
    /// GitHub, as a GitHub App.
    #[default]
    GitHub,
    /// GitLab, with a project/group access token or a bot user's token.
    GitLab,
}

/// Work for the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    /// The forge it came from (jobs queued before GitLab existed are GitHub's).
    #[serde(default)]
    pub forge: ForgeKind,
    /// `owner/name` (GitLab: the project's `path_with_namespace`).
    pub repo: String,
    /// The GitHub App installation that sent it: every GitHub job acts through it, so
    /// a delivery without one is refused at routing. Unused on GitLab.
    pub installation: u64,
    /// The issue or pull request number (GitLab: the issue's or merge request's iid).
    pub number: u64,
    /// True when `number` is a pull (merge) request.
    pub pull_request: bool,
    /// Who triggered it (the labeler, the commenter).
    pub actor: String,
    /// A confidential issue (GitLab): its text is never quoted where the public can
    /// read it, so it is not used for the pull (merge) request at all.
    #[serde(default)]
    pub confidential: bool,
    /// What to do.
    pub action: Action,
}

impl Trigger {
    /// The issue or pull request it is about.
    pub fn thread(&self) -> crate::forge::Thread {
        crate::forge::Thread {
            number: self.number,
            pull_request: self.pull_request,
        }
    }

    /// The queue key: one job at a time per issue or pull request (each asks for one
    /// product). Commands that change nothing, and `cancel`, get a key of their own so
    /// they are answered while a promotion runs.
    pub fn key(&self) -> String {
        match &self.action {
            Action::Command {
                comment_id,
                command: Err(_) | Ok(Command::Help | Command::Explain { .. } | Command::Cancel),
                ..
            } => format!("{}/{comment_id}", self.product_key()),
            _ => self.product_key(),
        }
    }

    /// The key of the issue's (or pull request's) promotion jobs, which `cancel` stops.
    pub fn product_key(&self) -> String {
        format!("{}#{}", self.repo, self.number)
    }
}

/// What a trigger asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// Promote what the issue's request form asks for.
    PromoteIssue {
        /// The source the form names.
        source: Option<String>,
        /// The level the form names.
        level: Option<Level>,
        /// The product name the form names.
        product: Option<String>,
        /// The owner the form names.
        #[serde(default)]
        owner: Option<String>,
        /// The consumer's description.
        description: Option<String>,
        /// Form answers that could not be used.
        problems: Vec<String>,
    },
    /// A pull (merge) request's new commits, which may change the data standards: the
    /// job checks what they change and, when the standards or `.hallmark.yml` are
    /// among it, comments the impact on every product.
    StandardsChange {
        /// The branch the pull request merges into.
        base_ref: String,
        /// The pull request's branch.
        head_ref: String,
        /// Its newest commit: a later push is another request, not the same one.
        head_sha: String,
    },
    /// A push to the default branch that may change the data standards: when it does,
    /// the products that no longer meet them get one tracking issue.
    StandardsPush {
        /// The branch's commit before the push.
        before: String,
        /// Its commit after.
        after: String,
    },
    /// A slash command, or the reason it could not be parsed.
    Command {
        /// The comment it came from.
        comment_id: u64,
        /// The command, or what was wrong with it.
        command: Result<Command, String>,
        /// Written as a bare `/<verb>`, which a repository may turn off.
        #[serde(default)]
        bare: bool,
    },
}

impl Action {
    /// What kind of work this is, as `/metrics` labels job durations.
    pub fn name(&self) -> &'static str {
        match self {
            Action::PromoteIssue { .. } => "promote",
            Action::StandardsChange { .. } => "standards_change",
            Action::StandardsPush { .. } => "standards_push",
            Action::Command { .. } => "command",
        }
    }

    /// The promotion an issue's request form asks for.
    pub fn promote(form: RequestForm) -> Action {
        Action::PromoteIssue {
            source: form.source,
            level: form.level,
            product: form.product,
            owner: form.owner,
            description: form.description,
            problems: form.problems,
        }
    }
}

/// The outcome of routing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Routed {
    /// Queue this.
    Work(Box<Trigger>),
    /// Nothing to do, and why (for logs and metrics).
    Ignored(&'static str),
}
