//! Test support for Hallmark: deterministic data sets (the `examples/retail` bronze
//! files among them). The end-to-end tests live under `tests/`.

pub mod retail;
pub mod rng;
