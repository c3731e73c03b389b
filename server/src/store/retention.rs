//! Deleting what the store no longer needs, written once for both stores,
//! run by a background task in `serve` (`crate::retention`).

use chrono::Duration;

use super::{Result, Store, stamp::Stamp, throttle::on_pool};

/// How long each kind of row is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Webhook deliveries after they were delivered or given up on.
    pub deliveries: Duration,
    /// Throttles after their window and back-off ended (every rule's
    /// window is shorter).
    pub throttles: Duration,
    /// Change-log entries kept behind the newest: a replica further behind
    /// than this reloads everything (it would past 20,000 anyway).
    pub change_log: i64,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            deliveries: Duration::days(30),
            throttles: Duration::days(1),
            change_log: 100_000,
        }
    }
}

/// How many rows one pass deleted, by table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub throttles: u64,
    pub deliveries: u64,
    pub sessions: u64,
    pub change_log: u64,
    /// Rows of the tables earlier releases counted in (`rate_limits`,
    /// `sign_in_failures`), kept for replicas of the release before.
    pub legacy: u64,
}

impl Store {
    /// One pass: expired throttles and sessions, finished deliveries past
    /// `keep.deliveries`, and change-log entries beyond `keep.change_log`.
    pub async fn prune(&self, keep: Retention) -> Result<Pruned> {
        let now = self.now();
        let throttled_before = (now - keep.throttles).timestamp_millis();
        let finished_before = Stamp(now - keep.deliveries);
        let legacy_before = Stamp(now - keep.throttles);
        Ok(on_pool!(self, |pool| {
            let mut legacy = 0;
            for table in ["rate_limits", "sign_in_failures"] {
                legacy += sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM {table} WHERE window_start < $1"
                )))
                .bind(legacy_before)
                .execute(pool)
                .await?
                .rows_affected();
            }
            Pruned {
                throttles: sqlx::query(
                    "DELETE FROM throttles WHERE window_start < $1 AND next_at < $1",
                )
                .bind(throttled_before)
                .execute(pool)
                .await?
                .rows_affected(),
                deliveries: sqlx::query(
                    "DELETE FROM webhook_deliveries WHERE delivered_at < $1 OR failed_at < $1",
                )
                .bind(finished_before)
                .execute(pool)
                .await?
                .rows_affected(),
                sessions: sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                    .bind(Stamp(now))
                    .execute(pool)
                    .await?
                    .rows_affected(),
                change_log: sqlx::query(
                    "DELETE FROM toilet_changes
                     WHERE seq <= (SELECT MAX(seq) FROM toilet_changes) - $1",
                )
                .bind(keep.change_log.max(1))
                .execute(pool)
                .await?
                .rows_affected(),
                legacy,
            }
        }))
    }

    /// Rows per table, for the soak and for operators.
    pub async fn table_sizes(&self) -> Result<Vec<(&'static str, i64)>> {
        const TABLES: [&str; 8] = [
            "toilets",
            "toilet_changes",
            "toilet_history",
            "reports",
            "throttles",
            "sessions",
            "webhook_deliveries",
            "rate_limits",
        ];
        let mut sizes = Vec::with_capacity(TABLES.len());
        for table in TABLES {
            let n: i64 = on_pool!(self, |pool| {
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                    .fetch_one(pool)
                    .await?
            });
            sizes.push((table, n));
        }
        Ok(sizes)
    }
}
