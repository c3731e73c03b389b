//! Handing out due webhook deliveries on PostgreSQL: `FOR UPDATE SKIP
//! LOCKED`, so two replicas' workers never send the same one (the rest of
//! reports is written once for both stores, `store/reports.rs`).

use chrono::{DateTime, Utc};

use super::Postgres;
use crate::store::{DELIVERY_CLAIM, Delivery, Error};

impl Postgres {
    /// Deliveries whose time has come, oldest first; none of `skip_orgs`,
    /// whose earlier deliveries are still being sent. Each is claimed for
    /// [`DELIVERY_CLAIM`] (its next attempt moved on) so two replicas'
    /// workers do not send the same delivery at once.
    pub async fn due_deliveries(
        &self,
        limit: i64,
        skip_orgs: &[i64],
        now: DateTime<Utc>,
    ) -> Result<Vec<Delivery>, Error> {
        let mut due: Vec<Delivery> = sqlx::query_as(
            "WITH due AS (
                SELECT id FROM webhook_deliveries
                WHERE delivered_at IS NULL AND failed_at IS NULL AND next_at <= $1
                  AND NOT (org_id = ANY($4))
                ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
             UPDATE webhook_deliveries d SET next_at = $3
             FROM due, webhooks w
             WHERE d.id = due.id AND w.org_id = d.org_id
             RETURNING d.id, d.org_id, w.url, w.secret, d.payload, d.attempts",
        )
        .bind(now)
        .bind(limit)
        .bind(now + DELIVERY_CLAIM)
        .bind(skip_orgs)
        .fetch_all(self.pool())
        .await?;
        due.sort_by_key(|d| d.id);
        Ok(due)
    }
}
