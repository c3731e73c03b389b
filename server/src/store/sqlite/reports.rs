//! Problem reports, confirmations, the summary residents see on each
//! toilet, rate limits, report statistics and webhook deliveries.
//!
//! A report and the toilet's summary change in one transaction on the
//! writer connection; the summary lives in the toilet's row (without a
//! version bump: it is not an edit), so the change log carries it to every
//! server's index.

use chrono::{DateTime, Utc};
use gongce_shared::{
    Status, Toilet, ToiletId,
    reports::{NewReport, Report, ReportReceipt, ReportState},
};
use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior, params};

use super::{Sqlite, write::load};
use crate::store::{
    Actor, CROWD_THRESHOLD, DELIVERY_CLAIM, Delivery, Error, no_such_report, report_payload,
    timestamp,
};

fn parse_time(s: &str) -> anyhow::Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(s)?.with_timezone(&Utc))
}

/// Recomputes a toilet's report summary from its reports.
fn refresh_summary(conn: &Connection, toilet_id: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE toilets SET
            open_reports = (SELECT COUNT(*) FROM reports
                WHERE toilet_id = ?1 AND state != 'resolved'),
            reported_closed = (SELECT COUNT(DISTINCT client_hash) FROM reports
                WHERE toilet_id = ?1 AND state != 'resolved' AND kind IN ('closed', 'gone')) >= ?2,
            last_report_kind = (SELECT kind FROM reports WHERE toilet_id = ?1 ORDER BY id DESC LIMIT 1),
            last_report_at = (SELECT created_at FROM reports WHERE toilet_id = ?1 ORDER BY id DESC LIMIT 1),
            last_fixed_at = (SELECT MAX(resolved_at) FROM reports WHERE toilet_id = ?1)
         WHERE id = ?1",
        params![toilet_id, CROWD_THRESHOLD],
    )?;
    Ok(())
}

fn report_from(r: &rusqlite::Row<'_>) -> anyhow::Result<Report> {
    let time = |i: usize| -> anyhow::Result<Option<DateTime<Utc>>> {
        r.get::<_, Option<String>>(i)?
            .map(|t| parse_time(&t))
            .transpose()
    };
    Ok(Report {
        id: r.get(0)?,
        toilet_id: r.get(1)?,
        toilet_name: r.get(2)?,
        kind: r
            .get::<_, String>(3)?
            .parse()
            .map_err(|e: gongce_shared::ParseError| anyhow::anyhow!(e.reason))?,
        note: r.get(4)?,
        contact: r.get(5)?,
        state: r
            .get::<_, String>(6)?
            .parse()
            .map_err(|e: gongce_shared::ParseError| anyhow::anyhow!(e.reason))?,
        created_at: parse_time(&r.get::<_, String>(7)?)?,
        acknowledged_at: time(8)?,
        resolved_at: time(9)?,
        resolution: r.get(10)?,
    })
}

const REPORT_COLUMNS: &str = "r.id, r.toilet_id, t.name, r.kind, r.note, r.contact, r.state,
    r.created_at, r.acknowledged_at, r.resolved_at, r.resolution";

impl Sqlite {
    /// Files a resident's report; answers the receipt, the toilet as it now
    /// stands (for the index), and whether a webhook delivery was queued.
    pub async fn create_report(
        &self,
        toilet: ToiletId,
        report: NewReport,
        client_hash: String,
    ) -> Result<(ReportReceipt, Toilet), Error> {
        let at = self.now();
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let t = load(&tx, toilet.get())?.ok_or(Error::not_found("toilet", toilet))?;
            if t.status == Status::Removed {
                return Err(Error::not_found("toilet", toilet));
            }
            let now = at;
            let id: i64 = tx.query_row(
                "INSERT INTO reports (toilet_id, kind, note, contact, client_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                params![
                    toilet.get(),
                    report.kind.as_str(),
                    report.note,
                    report.contact,
                    client_hash,
                    timestamp(now)
                ],
                |r| r.get(0),
            )?;
            refresh_summary(&tx, toilet.get())?;
            // A webhook of the owning organisation gets it, later, from a queue.
            if let Some(org) = t.org_id {
                let has_hook: Option<i64> = tx
                    .query_row(
                        "SELECT org_id FROM webhooks WHERE org_id = ?1",
                        [org],
                        |r| r.get(0),
                    )
                    .optional()?;
                if has_hook.is_some() {
                    let payload = report_payload(id, &report, now, &t, org);
                    tx.execute(
                        "INSERT INTO webhook_deliveries (org_id, report_id, payload, next_at)
                         VALUES (?1, ?2, ?3, ?4)",
                        params![org, id, payload.to_string(), timestamp(now)],
                    )?;
                }
            }
            let after = load(&tx, toilet.get())?.ok_or(Error::not_found("toilet", toilet))?;
            tx.commit()?;
            Ok((
                ReportReceipt {
                    id,
                    state: ReportState::Open,
                    created_at: now,
                },
                after,
            ))
        })
        .await
    }

    /// "Still correct": sets the last-verified time. From the toilet's owner
    /// it also answers the open closed/gone reports (they are resolved).
    pub async fn confirm_toilet(
        &self,
        toilet: ToiletId,
        owner: Option<Actor>,
    ) -> Result<Toilet, Error> {
        let at = self.now();
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let t = load(&tx, toilet.get())?.ok_or(Error::not_found("toilet", toilet))?;
            if t.status == Status::Removed {
                return Err(Error::not_found("toilet", toilet));
            }
            let now = timestamp(at);
            tx.execute(
                "UPDATE toilets SET last_verified = ?2 WHERE id = ?1",
                params![toilet.get(), now],
            )?;
            if let Some(actor) = owner.filter(|a| a.may_change(t.org_id)) {
                tx.execute(
                    "UPDATE reports SET state = 'resolved', resolved_at = ?2, resolved_by = ?3,
                        resolution = 'confirmed in service by its owner',
                        acknowledged_at = COALESCE(acknowledged_at, ?2),
                        acknowledged_by = COALESCE(acknowledged_by, ?3)
                     WHERE toilet_id = ?1 AND state != 'resolved' AND kind IN ('closed', 'gone')",
                    params![toilet.get(), now, actor.user_id],
                )?;
            }
            refresh_summary(&tx, toilet.get())?;
            let after = load(&tx, toilet.get())?.ok_or(Error::not_found("toilet", toilet))?;
            tx.commit()?;
            Ok(after)
        })
        .await
    }

    /// Moves a report on (acknowledged, or resolved with a note) if `actor`
    /// owns its toilet. Answers the report and its toilet.
    pub async fn answer_report(
        &self,
        report: i64,
        state: ReportState,
        resolution: Option<String>,
        actor: Actor,
    ) -> Result<(Report, Toilet), Error> {
        let at = self.now();
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let found: Option<(i64, String)> = tx
                .query_row(
                    "SELECT toilet_id, state FROM reports WHERE id = ?1",
                    [report],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let missing = || no_such_report(report);
            let (toilet_id, current) = found.ok_or_else(missing)?;
            let toilet = load(&tx, toilet_id)?.ok_or_else(missing)?;
            if !actor.may_change(toilet.org_id) {
                return Err(Error::not_yours(toilet.id));
            }
            let now = timestamp(at);
            match (current.as_str(), state) {
                ("resolved", _) => {
                    return Err(Error::Conflict(format!(
                        "report {report} is resolved already"
                    )));
                }
                (_, ReportState::Acknowledged) => {
                    tx.execute(
                        "UPDATE reports SET state = 'acknowledged',
                            acknowledged_at = COALESCE(acknowledged_at, ?2),
                            acknowledged_by = COALESCE(acknowledged_by, ?3)
                         WHERE id = ?1",
                        params![report, now, actor.user_id],
                    )?;
                }
                (_, ReportState::Resolved) => {
                    tx.execute(
                        "UPDATE reports SET state = 'resolved', resolved_at = ?2, resolved_by = ?3,
                            resolution = ?4,
                            acknowledged_at = COALESCE(acknowledged_at, ?2),
                            acknowledged_by = COALESCE(acknowledged_by, ?3)
                         WHERE id = ?1",
                        params![report, now, actor.user_id, resolution],
                    )?;
                }
                (_, ReportState::Open) => {}
            }
            refresh_summary(&tx, toilet_id)?;
            let answered = tx.query_row(
                &format!(
                    "SELECT {REPORT_COLUMNS} FROM reports r JOIN toilets t ON t.id = r.toilet_id
                     WHERE r.id = ?1"
                ),
                [report],
                |r| Ok(report_from(r)),
            )??;
            let after = load(&tx, toilet_id)?.ok_or_else(missing)?;
            tx.commit()?;
            Ok((answered, after))
        })
        .await
    }

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
