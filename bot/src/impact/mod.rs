//! What a change to the data standards does to the products: the standards compared
//! as standards, not lines ([`diff`]), every product checked at the new version and
//! at the old ([`run`]), and the table of products × changed standards that
//! `hallmark impact`, CI and the bot show ([`table`]); and what a change does to a
//! product's rows, each version built and compared by key ([`data`]).

pub mod data;
pub mod diff;
pub mod run;
pub mod table;
pub mod tree;

/// Why an impact run cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ImpactError {
    /// Git could not read a version.
    #[error("cannot read {rev} of {repo}: {message}")]
    Git {
        /// The commit or ref.
        rev: String,
        /// The repository.
        repo: String,
        /// Git's message.
        message: String,
    },
    /// A version's standards or specs do not load.
    #[error("the repository at {rev} does not load:\n{errors}")]
    Project {
        /// The commit or ref.
        rev: String,
        /// Every problem, with file and line.
        errors: hallmark_checks::error::SourceErrors,
    },
    /// The warehouse could not be opened.
    #[error(transparent)]
    Warehouse(#[from] hallmark_checks::warehouse::WarehouseError),
    /// A version could not be written out to check it.
    #[error("cannot write {path}: {message}")]
    Write {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
}
