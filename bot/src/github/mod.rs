//! The GitHub edge: app authentication and the REST client the bot's forge
//! implementation is built on.

pub mod auth;
pub mod client;
