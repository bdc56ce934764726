//! The GitHub edge: the app's credentials and the octocrab-based client the bot's
//! jobs act through, with GitHub's rate limits, pagination and errors handled.

pub mod auth;
pub mod check_runs;
pub mod client;
pub mod endpoints;
pub mod errors;
pub mod limits;
pub mod manifest;
mod paging;
pub mod permission;
