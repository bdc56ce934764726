//! The GitHub edge: app authentication now; the REST client and the forge
//! implementation build on it.

pub mod auth;
