//! The one error every store operation answers with. Each variant is one
//! HTTP status (`http/error.rs` maps them), so handlers only use `?`.

use std::fmt::Display;

use gongce_shared::ToiletId;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such toilet, organisation, user or report (404).
    #[error("no {what} {id}")]
    NotFound { what: &'static str, id: String },
    /// The caller may not do this (403).
    #[error("{0}")]
    Forbidden(String),
    /// An edit made from an older version of the toilet (409).
    #[error("toilet {id} has changed since version {expected}: it is at version {current}")]
    Stale {
        id: ToiletId,
        expected: i64,
        current: i64,
    },
    /// A name that must be unique is taken already (409).
    #[error("the {field} {value:?} is taken")]
    Taken { field: &'static str, value: String },
    /// The change contradicts what is stored: a report already resolved,
    /// a committee member without an organisation (409).
    #[error("{0}")]
    Conflict(String),
    /// A field and its bad value (400).
    #[error("invalid `{field}` value {value:?}: {reason}")]
    Invalid {
        field: &'static str,
        value: String,
        reason: String,
    },
    /// Anything else: the database failed (500, logged in full).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn not_found(what: &'static str, id: impl Display) -> Self {
        Error::NotFound {
            what,
            id: id.to_string(),
        }
    }

    /// A toilet of another organisation.
    pub fn not_yours(id: ToiletId) -> Self {
        Error::Forbidden(format!("toilet {id} belongs to another organisation"))
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Internal(e.into())
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Internal(e.into())
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Internal(e.into())
    }
}
