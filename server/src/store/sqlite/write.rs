//! The rusqlite writer connection the SQLite-only report writes still use
//! (filing and answering reports; the webhook queue). Toilet writes go
//! through sqlx (`store/write.rs`), written once for both stores.

use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use rusqlite::Connection;

use super::Sqlite;
use crate::store::Error;

/// The writer connection, opened on first use.
#[derive(Clone, Default)]
pub(super) struct Writer(Arc<Mutex<Option<Connection>>>);

impl Sqlite {
    pub(super) async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let writer = self.writer.clone();
        let path = Arc::clone(&self.path);
        tokio::task::spawn_blocking(move || {
            let mut guard = writer.0.lock().unwrap_or_else(|e| e.into_inner());
            if guard.is_none() {
                let conn = Connection::open(&*path)
                    .with_context(|| format!("cannot open {} for writing", path.display()))?;
                conn.busy_timeout(std::time::Duration::from_secs(10))?;
                conn.pragma_update(None, "foreign_keys", true)?;
                *guard = Some(conn);
            }
            f(guard.as_mut().expect("opened above"))
        })
        .await
        .map_err(|e| Error::Internal(e.into()))?
    }
}
