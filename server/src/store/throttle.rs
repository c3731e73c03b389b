//! Throttles: attempts per key, counted in the store before the work they
//! guard, so replicas share them and a burst cannot race past them.
//!
//! One `INSERT … ON CONFLICT DO UPDATE … RETURNING` admits or refuses an
//! attempt atomically on both stores (SQLite serialises writers; PostgreSQL
//! locks the conflicting row). It is written once: times are Unix
//! milliseconds and placeholders `$N`, which both drivers bind by number.

use chrono::{DateTime, Duration, Utc};

use super::Store;

/// How many attempts a key may make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Attempts admitted per window…
    pub limit: i64,
    /// …over this window, counted from the window's first attempt.
    pub window: Duration,
    /// Past the limit: `None` refuses until the window ends; `Some(max)`
    /// admits one more attempt after a delay that doubles from a second,
    /// up to `max`, so a key is slowed down, never locked out.
    pub backoff: Option<Duration>,
}

/// The first delay past the limit, with back-off.
const BACKOFF_BASE_MS: i64 = 1000;

/// Calls `$body` with `$pool` bound to whichever sqlx pool the store has:
/// the body is written once and compiled for both drivers.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match $store {
            Store::Sqlite(s) => {
                let $pool = s.pool();
                $body
            }
            Store::Postgres(p) => {
                let $pool = p.pool();
                $body
            }
        }
    };
}
pub(crate) use on_pool;

const ATTEMPT: &str = "
INSERT INTO throttles AS t (key, count, window_start, next_at, grant_id)
VALUES ($1, 1, $2, CASE WHEN $4 <= 1 AND $5 > 0 THEN $2 + $7 ELSE 0 END, $6)
ON CONFLICT (key) DO UPDATE SET
    count = CASE
        WHEN t.window_start + $3 <= $2 THEN 1
        WHEN t.count < $4 OR ($5 > 0 AND t.next_at <= $2) THEN t.count + 1
        ELSE t.count END,
    next_at = CASE
        WHEN t.window_start + $3 <= $2 THEN 0
        WHEN $5 > 0 AND t.count + 1 >= $4 AND (t.count < $4 OR t.next_at <= $2) THEN $2 +
            CASE WHEN t.count + 1 - $4 >= 20 THEN $5
                 WHEN ($7 << CAST(t.count + 1 - $4 AS INTEGER)) > $5 THEN $5
                 ELSE ($7 << CAST(t.count + 1 - $4 AS INTEGER)) END
        ELSE t.next_at END,
    window_start = CASE WHEN t.window_start + $3 <= $2 THEN $2 ELSE t.window_start END,
    grant_id = CASE
        WHEN t.window_start + $3 <= $2 OR t.count < $4 OR ($5 > 0 AND t.next_at <= $2) THEN $6
        ELSE t.grant_id END
RETURNING count, window_start, next_at, grant_id";

/// Whole seconds to tell a client to wait (`Retry-After`), at least one.
pub fn retry_secs(wait: Duration) -> u64 {
    ((wait.num_milliseconds() + 999) / 1000).max(1) as u64
}

impl Store {
    /// Counts an attempt by `key` at `now`: `None` when it is admitted,
    /// else how long to wait before the next one is.
    pub async fn throttle(
        &self,
        key: &str,
        rule: Rule,
        now: DateTime<Utc>,
    ) -> super::Result<Option<Duration>> {
        let grant: i64 = rand::random();
        let now_ms = now.timestamp_millis();
        let backoff_ms = rule.backoff.map_or(0, |b| b.num_milliseconds().max(1));
        let row: (i64, i64, i64, i64) = on_pool!(self, |pool| {
            sqlx::query_as(ATTEMPT)
                .bind(key)
                .bind(now_ms)
                .bind(rule.window.num_milliseconds())
                .bind(rule.limit)
                .bind(backoff_ms)
                .bind(grant)
                .bind(BACKOFF_BASE_MS)
                .fetch_one(pool)
                .await?
        });
        let (count, window_start, next_at, granted) = row;
        if granted == grant {
            return Ok(None);
        }
        let until = if rule.backoff.is_some() && count >= rule.limit {
            next_at
        } else {
            window_start + rule.window.num_milliseconds()
        };
        Ok(Some(Duration::milliseconds((until - now_ms).max(1))))
    }

    /// Forgets `key`'s attempts (a correct password was given).
    pub async fn forget_throttle(&self, key: &str) -> super::Result<()> {
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM throttles WHERE key = $1")
                .bind(key)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
