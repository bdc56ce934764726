//! The GitLab edge: a REST API v4 client for what Hallmark writes on GitLab, today the
//! merge request note `hallmark ci` keeps its checklist in.

pub mod client;
pub mod quick_actions;
