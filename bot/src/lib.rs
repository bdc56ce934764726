//! Hallmark's promotion agent and, later, the bot: everything above the checks
//! engine. The binary (`src/main.rs`) is a thin command line over this library, and
//! the end-to-end tests drive the same code.

pub mod agent;
pub mod ci;
pub mod commands;
pub mod events;
pub mod forge;
pub mod git;
pub mod github;
pub mod gitlab;
pub mod handlers;
pub mod impact;
pub mod io_runtime;
pub mod isolated;
pub mod marker;
pub mod mcp;
pub mod queue;
pub mod request_form;
pub mod server;
pub mod settings;
pub mod stop;
pub mod telemetry;
pub mod webhook;
pub mod worker;
