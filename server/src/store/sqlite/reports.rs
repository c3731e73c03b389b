//! Handing out due webhook deliveries on SQLite (the rest of reports is
//! written once for both stores, `store/reports.rs`).

use chrono::{DateTime, Utc};

use super::Sqlite;
use crate::store::{DELIVERY_CLAIM, Delivery, Error, stamp::Stamp};

impl Sqlite {
    /// Deliveries whose time has come, oldest first, each claimed for
    /// [`DELIVERY_CLAIM`] (its next attempt moved on); none of `skip_orgs`,
    /// whose earlier deliveries are still being sent. SQLite has one
    /// writer, so `BEGIN IMMEDIATE` is the claim's lock.
    pub async fn due_deliveries(
        &self,
        limit: i64,
        skip_orgs: &[i64],
        now: DateTime<Utc>,
    ) -> Result<Vec<Delivery>, Error> {
        let skip = serde_json::to_string(skip_orgs)?;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let due: Vec<Delivery> = sqlx::query_as(
            "SELECT d.id, d.org_id, w.url, w.secret, d.payload, d.attempts
             FROM webhook_deliveries d JOIN webhooks w ON w.org_id = d.org_id
             WHERE d.delivered_at IS NULL AND d.failed_at IS NULL AND d.next_at <= $1
               AND d.org_id NOT IN (SELECT value FROM json_each($3))
             ORDER BY d.id LIMIT $2",
        )
        .bind(Stamp(now))
        .bind(limit)
        .bind(skip)
        .fetch_all(&mut *tx)
        .await?;
        for d in &due {
            sqlx::query("UPDATE webhook_deliveries SET next_at = $2 WHERE id = $1")
                .bind(d.id)
                .bind(Stamp(now + DELIVERY_CLAIM))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(due)
    }
}
