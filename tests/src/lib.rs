//! Test support for Hallmark: deterministic data sets (the `examples/retail` bronze
//! files among them), a scripted OpenAI-compatible server and a small HTTP client. The end-to-end tests
//! live under `tests/`.

pub mod canary;
pub mod clickhouse;
pub mod deliveries;
pub mod diff_comment;
pub mod fake_github;
pub mod fake_gitlab;
pub mod http;
pub mod llm_server;
pub mod load;
pub mod local_repo;
pub mod messy;
pub mod postgres;
pub mod remote;
pub mod retail;
pub mod rng;
pub mod serve;
pub mod shop;
pub mod tools;
