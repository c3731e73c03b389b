//! gongce: the public-toilet map server.

pub mod index;
