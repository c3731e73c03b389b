//! The views below the map, one file each.

mod admin;
mod committee;
mod queue;
mod sheet;
mod signin;

pub(crate) use admin::*;
pub(crate) use committee::*;
pub(crate) use queue::*;
pub(crate) use sheet::*;
pub(crate) use signin::*;
