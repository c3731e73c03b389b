//! Changes to single toilets through the API, on PostgreSQL: each in one
//! transaction that takes the toilets lock, loads the row, checks who may
//! change it and its version, writes, and records the history entry.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use gongce_shared::{
    Access, OpeningHours, Toilet, ToiletId,
    accounts::{HistoryEntry, ToiletDraft, ToiletPatch},
};
use sqlx::{PgConnection, Postgres as Pg, Row as _, Transaction};

use super::{Decoder, Postgres, TOILETS_LOCK, select_toilets};
use crate::store::{Actor, Error, apply_patch, check, no_such_org, position, status_parts};

/// A transaction holding the toilets lock.
pub(super) async fn begin(pool: &sqlx::PgPool) -> Result<Transaction<'static, Pg>, Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(TOILETS_LOCK)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

pub(super) async fn load(conn: &mut PgConnection, id: i64) -> anyhow::Result<Option<Toilet>> {
    let row = sqlx::query(concat!(select_toilets!(), " WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| Decoder::default().toilet(&r)).transpose()
}

async fn org_exists(conn: &mut PgConnection, org: i64) -> Result<bool, Error> {
    Ok(sqlx::query("SELECT 1 FROM orgs WHERE id = $1")
        .bind(org)
        .fetch_optional(conn)
        .await?
        .is_some())
}

async fn record(
    conn: &mut PgConnection,
    toilet_id: i64,
    actor: Actor,
    action: &str,
    before: Option<&Toilet>,
    after: Option<&Toilet>,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let json = |t: Option<&Toilet>| t.map(serde_json::to_string).transpose();
    sqlx::query(
        "INSERT INTO toilet_history (toilet_id, user_id, action, before, after, at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(toilet_id)
    .bind(actor.user_id)
    .bind(action)
    .bind(json(before)?)
    .bind(json(after)?)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

impl Postgres {
    /// Creates a toilet owned by `org_id`.
    pub async fn create_toilet(
        &self,
        draft: ToiletDraft,
        org_id: Option<i64>,
        actor: Actor,
    ) -> Result<Toilet, Error> {
        let at = self.now();
        let position = position(draft.lat, draft.lon)?;
        let mut tx = begin(self.pool()).await?;
        if let Some(org) = org_id
            && !org_exists(&mut tx, org).await?
        {
            return Err(no_such_org(org));
        }
        let now = at;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO toilets (source, name, address, lat, lon, wheelchair, baby_change,
                family_room, free, access, opening_hours, hours_note, timezone, operator,
                org_id, last_verified, created_at, updated_at)
             VALUES ('gongce', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
                $15, $15, $15)
             RETURNING id",
        )
        .bind(draft.name.as_str())
        .bind(&draft.address)
        .bind(position.lat())
        .bind(position.lon())
        .bind(draft.wheelchair)
        .bind(draft.baby_change)
        .bind(draft.family_room)
        .bind(draft.free)
        .bind(draft.access.map(Access::as_str))
        .bind(draft.opening_hours.as_ref().map(OpeningHours::as_str))
        .bind(&draft.hours_note)
        .bind(draft.timezone.unwrap_or_default().name())
        .bind(&draft.operator)
        .bind(org_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let after = load(&mut tx, id)
            .await?
            .context("the new toilet vanished")?;
        record(&mut tx, id, actor, "create", None, Some(&after), at).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Applies `patch` to toilet `id` if `actor` may and `expected` is its
    /// current version (whichever replica wrote that version).
    pub async fn update_toilet(
        &self,
        id: ToiletId,
        patch: ToiletPatch,
        expected: i64,
        actor: Actor,
    ) -> Result<Toilet, Error> {
        let at = self.now();
        let mut tx = begin(self.pool()).await?;
        let before = load(&mut tx, id.get())
            .await?
            .ok_or(Error::not_found("toilet", id))?;
        let now = at;
        let patched = apply_patch(&before, patch, expected, actor, now)?;
        if let Some(org) = patched.new_org
            && !org_exists(&mut tx, org).await?
        {
            return Err(no_such_org(org));
        }
        let t = patched.toilet;
        let (status, reason, until) = status_parts(&t.status);
        sqlx::query(
            "UPDATE toilets SET name = $2, address = $3, lat = $4, lon = $5, wheelchair = $6,
                baby_change = $7, family_room = $8, free = $9, access = $10,
                opening_hours = $11, hours_note = $12, timezone = $13, operator = $14,
                org_id = $15, last_verified = $16, status = $17, closed_reason = $18,
                closed_until = $19, version = version + 1, updated_at = $20
             WHERE id = $1",
        )
        .bind(id.get())
        .bind(t.name.as_str())
        .bind(&t.address)
        .bind(t.position.lat())
        .bind(t.position.lon())
        .bind(t.wheelchair)
        .bind(t.baby_change)
        .bind(t.family_room)
        .bind(t.free)
        .bind(t.access.map(Access::as_str))
        .bind(t.opening_hours.as_ref().map(OpeningHours::as_str))
        .bind(&t.hours_note)
        .bind(t.timezone.name())
        .bind(&t.operator)
        .bind(t.org_id)
        .bind(t.last_verified)
        .bind(status)
        .bind(reason)
        .bind(until)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let after = load(&mut tx, id.get())
            .await?
            .context("the toilet vanished")?;
        record(
            &mut tx,
            id.get(),
            actor,
            patched.action,
            Some(&before),
            Some(&after),
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Soft removal; `expected`, when given, must be the current version.
    pub async fn remove_toilet(
        &self,
        id: ToiletId,
        expected: Option<i64>,
        actor: Actor,
    ) -> Result<Toilet, Error> {
        let at = self.now();
        let mut tx = begin(self.pool()).await?;
        let before = load(&mut tx, id.get())
            .await?
            .ok_or(Error::not_found("toilet", id))?;
        if before.status == gongce_shared::Status::Removed {
            return Err(Error::not_found("toilet", id));
        }
        check(&before, expected.unwrap_or(before.version), actor)?;
        sqlx::query(
            "UPDATE toilets SET status = 'removed', closed_reason = NULL, closed_until = NULL,
                version = version + 1, updated_at = $2 WHERE id = $1",
        )
        .bind(id.get())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let after = load(&mut tx, id.get())
            .await?
            .context("the toilet vanished")?;
        record(
            &mut tx,
            id.get(),
            actor,
            "remove",
            Some(&before),
            Some(&after),
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// A toilet's changes, newest first, if `actor` may see them.
    pub async fn toilet_history(
        &self,
        id: ToiletId,
        actor: Actor,
    ) -> Result<Vec<HistoryEntry>, Error> {
        let mut conn = self.pool().acquire().await?;
        let toilet = load(&mut conn, id.get())
            .await?
            .ok_or(Error::not_found("toilet", id))?;
        if !actor.may_change(toilet.org_id) {
            return Err(Error::not_yours(id));
        }
        let rows = sqlx::query(
            "SELECT h.at, h.action, u.username, h.before, h.after FROM toilet_history h
             LEFT JOIN users u ON u.id = h.user_id WHERE h.toilet_id = $1 ORDER BY h.id DESC",
        )
        .bind(id.get())
        .fetch_all(&mut *conn)
        .await?;
        let json = |s: Option<String>| -> anyhow::Result<Option<Toilet>> {
            s.map(|s| serde_json::from_str(&s).context("a history entry"))
                .transpose()
        };
        let mut entries = Vec::with_capacity(rows.len());
        for r in rows {
            entries.push(HistoryEntry {
                at: r.try_get::<DateTime<Utc>, _>(0)?,
                action: r.try_get(1)?,
                user: r.try_get(2)?,
                before: json(r.try_get(3)?)?,
                after: json(r.try_get(4)?)?,
            });
        }
        Ok(entries)
    }
}
