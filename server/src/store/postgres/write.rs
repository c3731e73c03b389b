//! What a write on PostgreSQL needs of its own: the toilets lock taken
//! first (`store/write.rs` has the writes themselves, for both stores).

use sqlx::{Postgres as Pg, Transaction};

use super::TOILETS_LOCK;
use crate::store::Error;

/// A transaction holding the toilets lock.
pub(crate) async fn begin(pool: &sqlx::PgPool) -> Result<Transaction<'static, Pg>, Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(TOILETS_LOCK)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}
