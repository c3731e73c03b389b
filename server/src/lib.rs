//! gongce: the public-toilet map server.

pub mod import;
pub mod index;
pub mod store;
