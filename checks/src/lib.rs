//! Hallmark's checks engine: it reads a team's data standards and product specs,
//! compiles them into checks, measures them on a warehouse with as few scans as
//! possible, and renders the evidence as a checklist.
//!
//! It knows nothing of forges or LLMs: the bot and the CLI drive it.

pub mod cache;
pub mod catalogue;
pub mod datadiff;
pub mod dbt;
pub mod deployed;
pub mod dialect;
pub mod error;
pub mod exposure;
pub mod guards;
pub mod holding;
pub mod level;
pub mod paths;
pub mod plan;
pub mod project;
pub mod render;
pub mod result;
pub mod rule;
pub mod runner;
pub mod sandbox;
pub mod scan;
pub mod secret;
pub mod spec;
pub mod standards;
pub mod trust;
pub mod values;
pub mod warehouse;

pub use error::{SourceError, SourceErrors};
pub use level::Level;
pub use project::Project;
pub use result::{CheckResult, Checklist, Status};
