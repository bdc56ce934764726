//! `hallmark ci`: the checks of a pull or merge request, run where CI runs. It knows
//! its runner from the environment ([`runner`]), checks the products the change
//! touches ([`scope`]), and reports where the forge shows it: a check run with
//! annotations on the lines behind each failure ([`annotations`]), one sticky
//! comment, the job summary and outputs ([`outputs`]), folded to fit GitHub's limits
//! ([`fold`]).

pub mod annotations;
pub mod codequality;
pub mod fold;
pub mod outputs;
pub mod runner;
pub mod scope;

/// Why `hallmark ci` cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum CiError {
    /// A variable the runner must set is missing or unusable.
    #[error("{variable} {problem}")]
    Environment {
        /// The variable.
        variable: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The event file could not be read.
    #[error("cannot read the event file {path}: {message}")]
    Event {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// Git could not say what changed.
    #[error("cannot compare {base} with HEAD in {repo}: {message}")]
    Git {
        /// The base commit or ref.
        base: String,
        /// The repository.
        repo: String,
        /// Git's message.
        message: String,
    },
    /// A report file could not be written.
    #[error("cannot write {path}: {message}")]
    Write {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
}
