//! gongce: the public-toilet map server.
//!
//! `main.rs` only parses the command line; everything it runs lives here so
//! that tests can call it: [`http::app`] is the whole HTTP application.

pub mod auth;
pub mod clock;
pub mod commands;
pub mod config;
pub mod http;
pub mod import;
pub mod index;
pub mod metrics;
pub mod net;
pub mod retention;
pub mod store;
pub mod sync;
pub mod tz;
pub mod webhooks;

pub use http::{AppState, app};
