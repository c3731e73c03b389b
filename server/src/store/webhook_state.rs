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

type Row = (
    i64,
    String,
    i64,
    i64,
    i64,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<i32>,
);

impl Store {
    /// Every webhook's state, or organisation `org`'s.
    pub async fn webhook_states(&self, org: Option<i64>) -> super::Result<Vec<WebhookState>> {
        let rows: Vec<Row> = on_pool!(self, |pool| {
            sqlx::query_as(STATES)
                .bind(org.unwrap_or(0))
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(
                    org_id,
                    url,
                    pending,
                    failed,
                    failures,
                    last_error,
                    last_delivered_at,
                    last_failed,
                )| {
                    let state = if pending > 0 && failures > 0 {
                        "failing"
                    } else if last_failed == Some(1) {
                        "failed"
                    } else {
                        "ok"
                    };
                    WebhookState {
                        org_id,
                        host: crate::webhooks::host_of(&url),
                        state: state.to_owned(),
                        pending,
                        failed,
                        failures,
                        last_error,
                        last_delivered_at,
                    }
                },
            )
            .collect())
    }
}
