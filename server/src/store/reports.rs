//! The reads and simple writes of problem reports and webhooks, written
//! once for both stores. (Filing and answering a report, which change the
//! toilet's summary under each backend's write lock, are in the backends.)

use chrono::{DateTime, Duration, Utc};
use gongce_shared::reports::{Report, ReportState, ReportStats};

use super::{Error, Result, StatsRow, Store, report_stats_from, stamp::Stamp, throttle::on_pool};

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: i64,
    toilet_id: i64,
    toilet_name: String,
    kind: String,
    note: Option<String>,
    contact: Option<String>,
    state: String,
    created_at: Stamp,
    acknowledged_at: Option<Stamp>,
    resolved_at: Option<Stamp>,
    resolution: Option<String>,
}

impl ReportRow {
    fn report(self) -> Result<Report> {
        let parse = |e: gongce_shared::ParseError| Error::from(anyhow::anyhow!(e.reason));
        Ok(Report {
            id: self.id,
            toilet_id: self.toilet_id,
            toilet_name: self.toilet_name,
            kind: self.kind.parse().map_err(parse)?,
            note: self.note,
            contact: self.contact,
            state: self.state.parse().map_err(parse)?,
            created_at: self.created_at.0,
            acknowledged_at: self.acknowledged_at.map(|s| s.0),
            resolved_at: self.resolved_at.map(|s| s.0),
            resolution: self.resolution,
        })
    }
}

#[derive(sqlx::FromRow)]
struct StatsLine {
    org_id: i64,
    org_name: String,
    state: Option<String>,
    created_at: Option<Stamp>,
    acknowledged_at: Option<Stamp>,
    resolved_at: Option<Stamp>,
}

impl Store {
    /// An organisation's reports, newest first; `state` None for all.
    pub async fn org_reports(&self, org: i64, state: Option<ReportState>) -> Result<Vec<Report>> {
        let rows: Vec<ReportRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT r.id, r.toilet_id, t.name AS toilet_name, r.kind, r.note, r.contact,
                    r.state, r.created_at, r.acknowledged_at, r.resolved_at, r.resolution
                 FROM reports r JOIN toilets t ON t.id = r.toilet_id
                 WHERE t.org_id = $1 AND ($2 IS NULL OR r.state = $2)
                 ORDER BY r.id DESC LIMIT 1000",
            )
            .bind(org)
            .bind(state.map(ReportState::as_str))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(ReportRow::report).collect()
    }

    /// Per organisation: open, overdue (open longer than `overdue`),
    /// resolved, and the median times to acknowledge and to resolve.
    pub async fn report_stats(&self, overdue: Duration, org: Option<i64>) -> Result<ReportStats> {
        let now = self.now();
        let rows: Vec<StatsLine> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT o.id AS org_id, o.name AS org_name, r.state, r.created_at,
                    r.acknowledged_at, r.resolved_at
                 FROM orgs o LEFT JOIN toilets t ON t.org_id = o.id
                 LEFT JOIN reports r ON r.toilet_id = t.id
                 WHERE ($1 IS NULL OR o.id = $1) ORDER BY o.id",
            )
            .bind(org)
            .fetch_all(pool)
            .await?
        });
        let read = rows
            .into_iter()
            .map(|r| StatsRow {
                org_id: r.org_id,
                org_name: r.org_name,
                state: r.state,
                created: r.created_at.map(|s| s.0),
                acknowledged: r.acknowledged_at.map(|s| s.0),
                resolved: r.resolved_at.map(|s| s.0),
            })
            .collect();
        Ok(report_stats_from(read, overdue, now))
    }

    /// Sets (or with None, removes) where an organisation's reports go.
    pub async fn set_webhook(&self, org: i64, hook: Option<(String, String)>) -> Result<()> {
        on_pool!(self, |pool| {
            match &hook {
                Some((url, secret)) => sqlx::query(
                    "INSERT INTO webhooks (org_id, url, secret) VALUES ($1, $2, $3)
                     ON CONFLICT (org_id) DO UPDATE SET url = excluded.url, secret = excluded.secret",
                )
                .bind(org)
                .bind(url)
                .bind(secret)
                .execute(pool)
                .await?,
                None => sqlx::query("DELETE FROM webhooks WHERE org_id = $1")
                    .bind(org)
                    .execute(pool)
                    .await?,
            };
        });
        Ok(())
    }

    /// Records a delivery's outcome at `now`: delivered, tried again after
    /// a wait, or (no wait left) given up on.
    pub async fn delivery_done(
        &self,
        id: i64,
        outcome: std::result::Result<(), (String, Option<Duration>)>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (sql, error, at) = match outcome {
            Ok(()) => (
                "UPDATE webhook_deliveries SET delivered_at = $2, attempts = attempts + 1
                 WHERE id = $1 AND $3 IS NULL",
                None,
                now,
            ),
            Err((error, Some(retry))) => (
                "UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = $3,
                    next_at = $2 WHERE id = $1",
                Some(error),
                now + retry,
            ),
            Err((error, None)) => (
                "UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = $3,
                    failed_at = $2 WHERE id = $1",
                Some(error),
                now,
            ),
        };
        on_pool!(self, |pool| {
            sqlx::query(sql)
                .bind(id)
                .bind(Stamp(at))
                .bind(&error)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
