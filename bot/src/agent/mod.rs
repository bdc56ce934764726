//! The promotion agent: it reads a bronze source and the team's standards and drafts
//! silver and gold products that meet them. It knows nothing of HTTP or forges, so
//! the CLI and the bot share it.

pub mod asks;
pub mod context;
pub mod dbt_model;
pub mod drafter;
pub mod files;
pub mod grain;
pub mod infer;
pub mod job;
pub mod llm;
pub mod numbers;
pub mod overlay;
pub mod plan;
pub mod profile;
pub mod prompts;
pub mod request_filters;
pub mod request_terms;
pub mod rules;
pub mod sentinels;
pub mod synonyms;
pub mod transform;
pub mod units;
