//! Test support for Hallmark: deterministic data sets (the `examples/retail` bronze
//! files among them) and a scripted OpenAI-compatible server. The end-to-end tests
//! live under `tests/`.

pub mod llm_server;
pub mod retail;
pub mod rng;
