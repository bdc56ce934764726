//! The seam between the promotion loop and whoever writes the product: the offline
//! rules drafter or a language model. The loop owns the checks and the verdict; a
//! drafter only proposes files, and sees what the previous proposal got wrong.

use super::context::Context;
pub use super::context::Problems;
use super::files::DraftFiles;

/// One earlier round, handed to the drafter when it revises.
#[derive(Debug, Clone, PartialEq)]
pub struct Previous {
    /// The files that round proposed.
    pub files: DraftFiles,
    /// What was wrong with them.
    pub problems: Problems,
}

/// A proposal: the product's files and why they look as they do.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Draft {
    /// The spec and the SQL (and anything else under `products/`).
    pub files: DraftFiles,
    /// The decisions, one line each, for the promotion plan.
    pub notes: Vec<String>,
    /// Set when the drafter ran out of budget or failed while drafting these files:
    /// they are still checked, and the loop ends after them.
    pub stopped: Option<String>,
}

/// Why a drafter stopped without a proposal.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    /// The drafter has nothing better to offer for the problems it was shown.
    #[error("no further revision: {0}")]
    NoRevision(String),
    /// A budget (turns, tokens, wall time) ran out.
    #[error("budget exhausted: {0}")]
    Budget(String),
    /// The request cannot be drafted (no usable column, an unknown source product).
    #[error("{0}")]
    Request(String),
    /// The model could not be reached or answered nonsense repeatedly.
    #[error("the model failed: {0}")]
    Model(String),
}

/// Something that writes a product for a promotion.
pub trait Drafter {
    /// The name users pick it by (`rules`, `llm`).
    fn name(&self) -> &'static str;

    /// Proposes files for `ctx`'s target; `previous` is the last round, when revising.
    fn draft(&mut self, ctx: &Context<'_>, previous: Option<&Previous>) -> Result<Draft, DraftError>;
}
