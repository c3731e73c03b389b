//! Problem reports, confirmations, the toilet's report summary, rate
//! limits, statistics and webhook deliveries on PostgreSQL. A report and the
//! summary change in one transaction holding the toilets lock (the summary
//! is in the toilet's row, so the change log carries it to every replica).

use chrono::{DateTime, Utc};
use gongce_shared::{
    Status, Toilet, ToiletId,
    reports::{NewReport, Report, ReportReceipt, ReportState},
};
use sqlx::{PgConnection, Row as _, postgres::PgRow};

use super::{
    Postgres,
    write::{begin, load},
};
use crate::store::{
    Actor, CROWD_THRESHOLD, DELIVERY_CLAIM, Delivery, Error, no_such_report, report_payload,
};

/// Recomputes a toilet's report summary from its reports.
async fn refresh_summary(conn: &mut PgConnection, toilet_id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE toilets SET
            open_reports = (SELECT COUNT(*) FROM reports
                WHERE toilet_id = $1 AND state != 'resolved'),
            reported_closed = (SELECT COUNT(DISTINCT client_hash) FROM reports
                WHERE toilet_id = $1 AND state != 'resolved' AND kind IN ('closed', 'gone')) >= $2,
            last_report_kind = (SELECT kind FROM reports WHERE toilet_id = $1 ORDER BY id DESC LIMIT 1),
            last_report_at = (SELECT created_at FROM reports WHERE toilet_id = $1 ORDER BY id DESC LIMIT 1),
            last_fixed_at = (SELECT MAX(resolved_at) FROM reports WHERE toilet_id = $1)
         WHERE id = $1",
    )
    .bind(toilet_id)
    .bind(CROWD_THRESHOLD)
    .execute(conn)
    .await?;
    Ok(())
}

fn report_from(r: &PgRow) -> anyhow::Result<Report> {
    Ok(Report {
        id: r.try_get(0)?,
        toilet_id: r.try_get(1)?,
        toilet_name: r.try_get(2)?,
        kind: r
            .try_get::<String, _>(3)?
            .parse()
            .map_err(|e: gongce_shared::ParseError| anyhow::anyhow!(e.reason))?,
        note: r.try_get(4)?,
        contact: r.try_get(5)?,
        state: r
            .try_get::<String, _>(6)?
            .parse()
            .map_err(|e: gongce_shared::ParseError| anyhow::anyhow!(e.reason))?,
        created_at: r.try_get(7)?,
        acknowledged_at: r.try_get(8)?,
        resolved_at: r.try_get(9)?,
        resolution: r.try_get(10)?,
    })
}

macro_rules! report_columns {
    () => {
        "r.id, r.toilet_id, t.name, r.kind, r.note, r.contact, r.state,
    r.created_at, r.acknowledged_at, r.resolved_at, r.resolution"
    };
}

impl Postgres {
    /// Files a resident's report; answers the receipt and the toilet as it now stands.
    pub async fn create_report(
        &self,
        toilet: ToiletId,
        report: NewReport,
        client_hash: String,
    ) -> Result<(ReportReceipt, Toilet), Error> {
        let at = self.now();
        let mut tx = begin(self.pool()).await?;
        let t = load(&mut tx, toilet.get())
            .await?
            .ok_or(Error::not_found("toilet", toilet))?;
        if t.status == Status::Removed {
            return Err(Error::not_found("toilet", toilet));
        }
        let now = at;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO reports (toilet_id, kind, note, contact, client_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(toilet.get())
        .bind(report.kind.as_str())
        .bind(&report.note)
        .bind(&report.contact)
        .bind(&client_hash)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        refresh_summary(&mut tx, toilet.get()).await?;
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
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
        let after = load(&mut tx, toilet.get())
            .await?
            .ok_or(Error::not_found("toilet", toilet))?;
        tx.commit().await?;
        Ok((
            ReportReceipt {
                id,
                state: ReportState::Open,
                created_at: now,
            },
            after,
        ))
    }

    /// "Still correct": sets the last-verified time; from the owner it also
    /// resolves the open closed/gone reports.
    pub async fn confirm_toilet(
        &self,
        toilet: ToiletId,
        owner: Option<Actor>,
    ) -> Result<Toilet, Error> {
        let at = self.now();
        let mut tx = begin(self.pool()).await?;
        let t = load(&mut tx, toilet.get())
            .await?
            .ok_or(Error::not_found("toilet", toilet))?;
        if t.status == Status::Removed {
            return Err(Error::not_found("toilet", toilet));
        }
        let now = at;
        sqlx::query("UPDATE toilets SET last_verified = $2 WHERE id = $1")
            .bind(toilet.get())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        if let Some(actor) = owner.filter(|a| a.may_change(t.org_id)) {
            sqlx::query(
                "UPDATE reports SET state = 'resolved', resolved_at = $2, resolved_by = $3,
                    resolution = 'confirmed in service by its owner',
                    acknowledged_at = COALESCE(acknowledged_at, $2),
                    acknowledged_by = COALESCE(acknowledged_by, $3)
                 WHERE toilet_id = $1 AND state != 'resolved' AND kind IN ('closed', 'gone')",
            )
            .bind(toilet.get())
            .bind(now)
            .bind(actor.user_id)
            .execute(&mut *tx)
            .await?;
        }
        refresh_summary(&mut tx, toilet.get()).await?;
        let after = load(&mut tx, toilet.get())
            .await?
            .ok_or(Error::not_found("toilet", toilet))?;
        tx.commit().await?;
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
    ) -> Result<(Report, Toilet), Error> {
        let at = self.now();
        let mut tx = begin(self.pool()).await?;
        let found: Option<(i64, String)> =
            sqlx::query_as("SELECT toilet_id, state FROM reports WHERE id = $1")
                .bind(report)
                .fetch_optional(&mut *tx)
                .await?;
        let (toilet_id, current) = found.ok_or_else(|| no_such_report(report))?;
        let toilet = load(&mut tx, toilet_id)
            .await?
            .ok_or_else(|| no_such_report(report))?;
        if !actor.may_change(toilet.org_id) {
            return Err(Error::not_yours(toilet.id));
        }
        let now = at;
        match (current.as_str(), state) {
            ("resolved", _) => {
                return Err(Error::Conflict(format!(
                    "report {report} is resolved already"
                )));
            }
            (_, ReportState::Acknowledged) => {
                sqlx::query(
                    "UPDATE reports SET state = 'acknowledged',
                        acknowledged_at = COALESCE(acknowledged_at, $2),
                        acknowledged_by = COALESCE(acknowledged_by, $3)
                     WHERE id = $1",
                )
                .bind(report)
                .bind(now)
                .bind(actor.user_id)
                .execute(&mut *tx)
                .await?;
            }
            (_, ReportState::Resolved) => {
                sqlx::query(
                    "UPDATE reports SET state = 'resolved', resolved_at = $2, resolved_by = $3,
                        resolution = $4,
                        acknowledged_at = COALESCE(acknowledged_at, $2),
                        acknowledged_by = COALESCE(acknowledged_by, $3)
                     WHERE id = $1",
                )
                .bind(report)
                .bind(now)
                .bind(actor.user_id)
                .bind(&resolution)
                .execute(&mut *tx)
                .await?;
            }
            (_, ReportState::Open) => {}
        }
        refresh_summary(&mut tx, toilet_id).await?;
        let row = sqlx::query(concat!(
            "SELECT ",
            report_columns!(),
            " FROM reports r JOIN toilets t ON t.id = r.toilet_id WHERE r.id = $1"
        ))
        .bind(report)
        .fetch_one(&mut *tx)
        .await?;
        let answered = report_from(&row)?;
        let after = load(&mut tx, toilet_id)
            .await?
            .ok_or_else(|| no_such_report(report))?;
        tx.commit().await?;
        Ok((answered, after))
    }

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
        let rows = sqlx::query(
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
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(Delivery {
                id: r.try_get(0)?,
                org_id: r.try_get(1)?,
                url: r.try_get(2)?,
                secret: r.try_get(3)?,
                payload: r.try_get(4)?,
                attempts: r.try_get(5)?,
            });
        }
        out.sort_by_key(|d| d.id);
        Ok(out)
    }
}
