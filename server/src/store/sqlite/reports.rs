//! Handing out due webhook deliveries on SQLite, on the writer connection
//! (the rest of reports is written once for both stores, `store/reports.rs`).

use chrono::{DateTime, Utc};
use rusqlite::{TransactionBehavior, params};

use super::Sqlite;
use crate::store::{DELIVERY_CLAIM, Delivery, Error, timestamp};

impl Sqlite {
    /// Deliveries whose time has come, oldest first, each claimed for
    /// [`DELIVERY_CLAIM`] (its next attempt moved on); none of `skip_orgs`,
    /// whose earlier deliveries are still being sent.
    pub async fn due_deliveries(
        &self,
        limit: i64,
        skip_orgs: &[i64],
        now: DateTime<Utc>,
    ) -> Result<Vec<Delivery>, Error> {
        let skip = serde_json::to_string(skip_orgs).map_err(anyhow::Error::from)?;
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut stmt = tx.prepare(
                "SELECT d.id, d.org_id, w.url, w.secret, d.payload, d.attempts
                 FROM webhook_deliveries d JOIN webhooks w ON w.org_id = d.org_id
                 WHERE d.delivered_at IS NULL AND d.failed_at IS NULL AND d.next_at <= ?1
                   AND d.org_id NOT IN (SELECT value FROM json_each(?3))
                 ORDER BY d.id LIMIT ?2",
            )?;
            let due = stmt
                .query_map(params![timestamp(now), limit, skip], |r| {
                    Ok(Delivery {
                        id: r.get(0)?,
                        org_id: r.get(1)?,
                        url: r.get(2)?,
                        secret: r.get(3)?,
                        payload: r.get(4)?,
                        attempts: r.get(5)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            drop(stmt);
            // Claimed, as on PostgreSQL: not handed out again meanwhile.
            for d in &due {
                tx.execute(
                    "UPDATE webhook_deliveries SET next_at = ?2 WHERE id = ?1",
                    params![d.id, timestamp(now + DELIVERY_CLAIM)],
                )?;
            }
            tx.commit()?;
            Ok(due)
        })
        .await
    }
}
