//! What a write on PostgreSQL needs of its own: the toilets lock taken
//! first (`store/write.rs` has the writes themselves, for both stores).

use gongce_shared::Toilet;
use sqlx::{PgConnection, Postgres as Pg, Transaction};

use super::{Decoder, TOILETS_LOCK, select_toilets};
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

pub(super) async fn load(conn: &mut PgConnection, id: i64) -> anyhow::Result<Option<Toilet>> {
    let row = sqlx::query(concat!(select_toilets!(), " WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| Decoder::default().toilet(&r)).transpose()
}
