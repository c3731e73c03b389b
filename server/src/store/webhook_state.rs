//! How each organisation's webhook is doing, for admins: read once for
//! both stores.

use chrono::{DateTime, Utc};
use gongce_shared::reports::WebhookState;

use super::{Store, throttle::on_pool};

const STATES: &str = "
SELECT w.org_id, w.url,
    (SELECT COUNT(*) FROM webhook_deliveries d
      WHERE d.org_id = w.org_id AND d.delivered_at IS NULL AND d.failed_at IS NULL) AS pending,
    (SELECT COUNT(*) FROM webhook_deliveries d
      WHERE d.org_id = w.org_id AND d.failed_at IS NOT NULL) AS failed,
    (SELECT CAST(COALESCE(MAX(d.attempts), 0) AS BIGINT) FROM webhook_deliveries d
      WHERE d.org_id = w.org_id AND d.delivered_at IS NULL AND d.failed_at IS NULL) AS failures,
    (SELECT d.last_error FROM webhook_deliveries d
      WHERE d.org_id = w.org_id AND d.delivered_at IS NULL AND d.last_error IS NOT NULL
      ORDER BY d.id DESC LIMIT 1) AS last_error,
    (SELECT MAX(d.delivered_at) FROM webhook_deliveries d
      WHERE d.org_id = w.org_id) AS last_delivered_at,
    (SELECT CASE WHEN d.failed_at IS NULL THEN 0 ELSE 1 END FROM webhook_deliveries d
      WHERE d.org_id = w.org_id AND (d.delivered_at IS NOT NULL OR d.failed_at IS NOT NULL)
      ORDER BY d.id DESC LIMIT 1) AS last_failed
FROM webhooks w
WHERE $1 = 0 OR w.org_id = $1
ORDER BY w.org_id";

#[derive(sqlx::FromRow)]
struct StateRow {
    org_id: i64,
    url: String,
    pending: i64,
    failed: i64,
    failures: i64,
    last_error: Option<String>,
    last_delivered_at: Option<DateTime<Utc>>,
    last_failed: Option<i32>,
}

impl Store {
    /// Every webhook's state, or organisation `org`'s.
    pub async fn webhook_states(&self, org: Option<i64>) -> super::Result<Vec<WebhookState>> {
        let rows: Vec<StateRow> = on_pool!(self, |pool| {
            sqlx::query_as(STATES)
                .bind(org.unwrap_or(0))
                .fetch_all(pool)
                .await?
        });
        let state = |r: &StateRow| match (r.pending > 0 && r.failures > 0, r.last_failed) {
            (true, _) => "failing",
            (false, Some(1)) => "failed",
            _ => "ok",
        };
        Ok(rows
            .into_iter()
            .map(|r| WebhookState {
                org_id: r.org_id,
                host: crate::webhooks::host_of(&r.url),
                state: state(&r).to_owned(),
                pending: r.pending,
                failed: r.failed,
                failures: r.failures,
                last_error: r.last_error,
                last_delivered_at: r.last_delivered_at,
            })
            .collect())
    }
}
