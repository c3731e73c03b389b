//! Problem reports, confirmations, the toilet's report summary, statistics
//! and webhook deliveries, written once for both stores. A report and the
//! summary change in one write transaction (the summary is in the toilet's
//! row, so the change log carries it to every replica). Only handing out
//! due deliveries differs by backend (`SKIP LOCKED` on PostgreSQL).

use chrono::{DateTime, Duration, Utc};
use gongce_shared::{
    Status, Toilet, ToiletId,
    reports::{NewReport, Report, ReportReceipt, ReportState, ReportStats},
};

use super::{
    Actor, Error, Reporter, Result, StatsRow, Store, report_payload, report_stats_from,
    stamp::Stamp,
    throttle::on_pool,
    toilet_row::{load_toilet, write_tx},
};

/// Recomputes toilet `$toilet_id`'s report summary from its reports;
/// "reported closed" by the `$crowd` rule, counted within its window of
/// the latest unresolved closed/gone report.
macro_rules! refresh_summary {
    ($conn:expr, $toilet_id:expr, $crowd:expr) => {{
        let crowd: $crate::store::Crowd = $crowd;
        let latest: Option<$crate::store::stamp::Stamp> = sqlx::query_scalar(
            "SELECT MAX(created_at) FROM reports
             WHERE toilet_id = $1 AND state != 'resolved' AND kind IN ('closed', 'gone')",
        )
        .bind($toilet_id)
        .fetch_one(&mut *$conn)
        .await?;
        // With no such report there is nothing to count, from any time.
        let since = latest.map_or(chrono::DateTime::UNIX_EPOCH, |t| t.0 - crowd.window);
        sqlx::query(
            "UPDATE toilets SET
                open_reports = (SELECT COUNT(*) FROM reports
                    WHERE toilet_id = $1 AND state != 'resolved'),
                reported_closed = (SELECT COUNT(DISTINCT net_hash) FROM reports
                    WHERE toilet_id = $1 AND state != 'resolved' AND kind IN ('closed', 'gone')
                      AND created_at >= $3) >= $2,
                last_report_kind = (SELECT kind FROM reports WHERE toilet_id = $1 ORDER BY id DESC LIMIT 1),
                last_report_at = (SELECT created_at FROM reports WHERE toilet_id = $1 ORDER BY id DESC LIMIT 1),
                last_fixed_at = (SELECT MAX(resolved_at) FROM reports WHERE toilet_id = $1)
             WHERE id = $1",
        )
        .bind($toilet_id)
        .bind(crowd.min)
        .bind($crate::store::stamp::Stamp(since))
        .execute(&mut *$conn)
        .await?
    }};
}
pub(crate) use refresh_summary;

/// Resolves toilet `$toilet_id`'s open closed/gone reports as answered by
/// its owner `$actor` at `$now`, with `$why`.
macro_rules! answer_closed_reports {
    ($conn:expr, $toilet_id:expr, $actor:expr, $now:expr, $why:expr) => {
        sqlx::query(
            "UPDATE reports SET state = 'resolved', resolved_at = $2, resolved_by = $3,
                resolution = $4,
                acknowledged_at = COALESCE(acknowledged_at, $2),
                acknowledged_by = COALESCE(acknowledged_by, $3)
             WHERE toilet_id = $1 AND state != 'resolved' AND kind IN ('closed', 'gone')",
        )
        .bind($toilet_id)
        .bind($crate::store::stamp::Stamp($now))
        .bind($actor.user_id)
        .bind($why)
        .execute(&mut *$conn)
        .await?
    };
}
pub(crate) use answer_closed_reports;

const REPORT_SELECT: &str = "SELECT r.id, r.toilet_id, t.name AS toilet_name, r.kind, r.note,
    r.contact, r.state, r.created_at, r.acknowledged_at, r.resolved_at, r.resolution
    FROM reports r JOIN toilets t ON t.id = r.toilet_id";

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

impl Store {
    /// Files a resident's report; answers the receipt and the toilet as it
    /// now stands. A new report for an organisation with a webhook is
    /// queued for delivery in the same transaction.
    pub async fn create_report(
        &self,
        toilet: ToiletId,
        report: NewReport,
        reporter: &Reporter,
    ) -> Result<(ReportReceipt, Toilet)> {
        let (now, crowd) = (self.now(), self.crowd());
        let (id, after) = write_tx!(self, |tx| {
            let t: Toilet =
                load_toilet!(&mut *tx, toilet.get()).ok_or(Error::not_found("toilet", toilet))?;
            if t.status == Status::Removed {
                return Err(Error::not_found("toilet", toilet));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO reports (toilet_id, kind, note, contact, client_hash, net_hash,
                    created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(toilet.get())
            .bind(report.kind.as_str())
            .bind(&report.note)
            .bind(&report.contact)
            .bind(&reporter.client)
            .bind(&reporter.network)
            .bind(Stamp(now))
            .fetch_one(&mut *tx)
            .await?;
            refresh_summary!(tx, toilet.get(), crowd);
            if let Some(org) = t.org_id {
                let has_hook = sqlx::query("SELECT 1 FROM webhooks WHERE org_id = $1")
                    .bind(org)
                    .fetch_optional(&mut *tx)
                    .await?
                    .is_some();
                if has_hook {
                    let payload = report_payload(id, &report, now, &t, org);
                    sqlx::query(
                        "INSERT INTO webhook_deliveries (org_id, report_id, payload, next_at)
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(org)
                    .bind(id)
                    .bind(payload.to_string())
                    .bind(Stamp(now))
                    .execute(&mut *tx)
                    .await?;
                }
            }
            let after: Toilet =
                load_toilet!(&mut *tx, toilet.get()).ok_or(Error::not_found("toilet", toilet))?;
            (id, after)
        });
        let receipt = ReportReceipt {
            id,
            state: ReportState::Open,
            created_at: now,
        };
        Ok((receipt, after))
    }

    /// "Still correct": sets the last-verified time; from the owner it also
    /// resolves the open closed/gone reports.
    pub async fn confirm_toilet(&self, toilet: ToiletId, owner: Option<Actor>) -> Result<Toilet> {
        let (now, crowd) = (self.now(), self.crowd());
        let after = write_tx!(self, |tx| {
            let t: Toilet =
                load_toilet!(&mut *tx, toilet.get()).ok_or(Error::not_found("toilet", toilet))?;
            if t.status == Status::Removed {
                return Err(Error::not_found("toilet", toilet));
            }
            sqlx::query("UPDATE toilets SET last_verified = $2 WHERE id = $1")
                .bind(toilet.get())
                .bind(Stamp(now))
                .execute(&mut *tx)
                .await?;
            if let Some(actor) = owner.filter(|a| a.may_change(t.org_id)) {
                answer_closed_reports!(
                    tx,
                    toilet.get(),
                    actor,
                    now,
                    "confirmed in service by its owner"
                );
            }
            refresh_summary!(tx, toilet.get(), crowd);
            let after: Toilet =
                load_toilet!(&mut *tx, toilet.get()).ok_or(Error::not_found("toilet", toilet))?;
            after
        });
        Ok(after)
    }

    /// Moves a report on (acknowledged, or resolved with a note) if `actor`
    /// owns its toilet.
    pub async fn answer_report(
        &self,
        report: i64,
        state: ReportState,
        resolution: Option<String>,
        actor: Actor,
    ) -> Result<(Report, Toilet)> {
        let (now, crowd) = (self.now(), self.crowd());
        let select = format!("{REPORT_SELECT} WHERE r.id = $1");
        let (row, after) = write_tx!(self, |tx| {
            let found: Option<(i64, String)> =
                sqlx::query_as("SELECT toilet_id, state FROM reports WHERE id = $1")
                    .bind(report)
                    .fetch_optional(&mut *tx)
                    .await?;
            let (toilet_id, current) = found.ok_or_else(|| Error::not_found("report", report))?;
            let toilet: Toilet = load_toilet!(&mut *tx, toilet_id)
                .ok_or_else(|| Error::not_found("report", report))?;
            if !actor.may_change(toilet.org_id) {
                return Err(Error::not_yours(toilet.id));
            }
            match (current.as_str(), state) {
                ("resolved", _) => {
                    return Err(Error::Conflict(format!(
                        "report {report} is resolved already"
                    )));
                }
                (_, ReportState::Open) => {}
                (_, to) => {
                    // Resolving acknowledges too, if that was skipped.
                    sqlx::query(
                        "UPDATE reports SET state = $4,
                            acknowledged_at = COALESCE(acknowledged_at, $2),
                            acknowledged_by = COALESCE(acknowledged_by, $3),
                            resolved_at = CASE WHEN $4 = 'resolved' THEN $2 ELSE resolved_at END,
                            resolved_by = CASE WHEN $4 = 'resolved' THEN $3 ELSE resolved_by END,
                            resolution = CASE WHEN $4 = 'resolved' THEN $5 ELSE resolution END
                         WHERE id = $1",
                    )
                    .bind(report)
                    .bind(Stamp(now))
                    .bind(actor.user_id)
                    .bind(to.as_str())
                    .bind(&resolution)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            refresh_summary!(tx, toilet_id, crowd);
            let row: ReportRow = sqlx::query_as(sqlx::AssertSqlSafe(select.clone()))
                .bind(report)
                .fetch_one(&mut *tx)
                .await?;
            let after: Toilet = load_toilet!(&mut *tx, toilet_id)
                .ok_or_else(|| Error::not_found("report", report))?;
            (row, after)
        });
        Ok((row.report()?, after))
    }

    /// An organisation's reports, newest first; `state` None for all.
    pub async fn org_reports(&self, org: i64, state: Option<ReportState>) -> Result<Vec<Report>> {
        let rows: Vec<ReportRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{REPORT_SELECT} WHERE t.org_id = $1 AND ($2 IS NULL OR r.state = $2)
                 ORDER BY r.id DESC LIMIT 1000"
            )))
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
        let rows: Vec<StatsRow> = on_pool!(self, |pool| {
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
        Ok(report_stats_from(rows, overdue, now))
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
