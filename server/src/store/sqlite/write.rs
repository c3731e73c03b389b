//! Changes to single toilets made through the API: create, edit, close,
//! reopen, reassign, remove. Each runs in one transaction that checks who
//! may make it and that it was made from the current version, writes the
//! toilet, and records the change with the toilet before and after.
//!
//! These use one rusqlite connection (SQLite has one writer anyway) on a
//! blocking thread, and the same row decoder as the snapshot readers.

use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use gongce_shared::{
    Access, OpeningHours, Status, Toilet, ToiletId,
    accounts::{HistoryEntry, ToiletDraft, ToiletPatch},
};
use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior, params};

use super::{Sqlite, read};
use crate::store::{
    Actor, Error, apply_patch, check, no_such_org, position, status_parts, timestamp,
};

/// The writer connection, opened on first use.
#[derive(Clone, Default)]
pub(super) struct Writer(Arc<Mutex<Option<Connection>>>);

impl Sqlite {
    pub(super) async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let writer = self.writer.clone();
        let path = Arc::clone(&self.path);
        tokio::task::spawn_blocking(move || {
            let mut guard = writer.0.lock().unwrap_or_else(|e| e.into_inner());
            if guard.is_none() {
                let conn = Connection::open(&*path)
                    .with_context(|| format!("cannot open {} for writing", path.display()))?;
                conn.busy_timeout(std::time::Duration::from_secs(10))?;
                conn.pragma_update(None, "foreign_keys", true)?;
                *guard = Some(conn);
            }
            f(guard.as_mut().expect("opened above"))
        })
        .await
        .map_err(|e| Error::Internal(e.into()))?
    }

    /// Creates a toilet owned by `org_id`.
    pub async fn create_toilet(
        &self,
        draft: ToiletDraft,
        org_id: Option<i64>,
        actor: Actor,
    ) -> Result<Toilet, Error> {
        let at = self.now();
        let position = position(draft.lat, draft.lon)?;
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if let Some(org) = org_id {
                let exists: Option<i64> = tx
                    .query_row("SELECT id FROM orgs WHERE id = ?1", [org], |r| r.get(0))
                    .optional()?;
                if exists.is_none() {
                    return Err(no_such_org(org));
                }
            }
            let now = timestamp(at);
            let id: i64 = tx.query_row(
                "INSERT INTO toilets (source, name, address, lat, lon, wheelchair, baby_change,
                    family_room, free, access, opening_hours, hours_note, timezone, operator,
                    org_id, last_verified, created_at, updated_at)
                 VALUES ('gongce', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,
                    ?15, ?15, ?15)
                 RETURNING id",
                params![
                    draft.name.as_str(),
                    draft.address,
                    position.lat(),
                    position.lon(),
                    draft.wheelchair,
                    draft.baby_change,
                    draft.family_room,
                    draft.free,
                    draft.access.map(Access::as_str),
                    draft.opening_hours.as_ref().map(OpeningHours::as_str),
                    draft.hours_note,
                    draft.timezone.unwrap_or_default().name(),
                    draft.operator,
                    org_id,
                    now,
                ],
                |r| r.get(0),
            )?;
            let after = load(&tx, id)?.context("the new toilet vanished")?;
            record(&tx, id, actor, "create", None, Some(&after), at)?;
            tx.commit()?;
            Ok(after)
        })
        .await
    }

    /// Applies `patch` to toilet `id` if `actor` may and `expected` is its
    /// current version.
    pub async fn update_toilet(
        &self,
        id: ToiletId,
        patch: ToiletPatch,
        expected: i64,
        actor: Actor,
    ) -> Result<Toilet, Error> {
        let at = self.now();
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let before = load(&tx, id.get())?.ok_or(Error::not_found("toilet", id))?;
            let now = at;
            let patched = apply_patch(&before, patch, expected, actor, now)?;
            if let Some(org) = patched.new_org {
                let exists: Option<i64> = tx
                    .query_row("SELECT id FROM orgs WHERE id = ?1", [org], |r| r.get(0))
                    .optional()?;
                if exists.is_none() {
                    return Err(no_such_org(org));
                }
            }
            let (t, action) = (patched.toilet, patched.action);
            let (status, reason, until) = status_parts(&t.status);
            tx.execute(
                "UPDATE toilets SET name = ?2, address = ?3, lat = ?4, lon = ?5, wheelchair = ?6,
                    baby_change = ?7, family_room = ?8, free = ?9, access = ?10,
                    opening_hours = ?11, hours_note = ?12, timezone = ?13, operator = ?14,
                    org_id = ?15, last_verified = ?16, status = ?17, closed_reason = ?18,
                    closed_until = ?19, version = version + 1, updated_at = ?20
                 WHERE id = ?1",
                params![
                    id.get(),
                    t.name.as_str(),
                    t.address,
                    t.position.lat(),
                    t.position.lon(),
                    t.wheelchair,
                    t.baby_change,
                    t.family_room,
                    t.free,
                    t.access.map(Access::as_str),
                    t.opening_hours.as_ref().map(OpeningHours::as_str),
                    t.hours_note,
                    t.timezone.name(),
                    t.operator,
                    t.org_id,
                    t.last_verified.map(timestamp),
                    status,
                    reason,
                    until.map(timestamp),
                    timestamp(now),
                ],
            )?;
            let after = load(&tx, id.get())?.context("the toilet vanished")?;
            record(
                &tx,
                id.get(),
                actor,
                action,
                Some(&before),
                Some(&after),
                at,
            )?;
            tx.commit()?;
            Ok(after)
        })
        .await
    }

    /// Soft removal: the toilet leaves the map and stays in the store and
    /// its history. `expected`, when given, must be the current version.
    pub async fn remove_toilet(
        &self,
        id: ToiletId,
        expected: Option<i64>,
        actor: Actor,
    ) -> Result<Toilet, Error> {
        let at = self.now();
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let before = load(&tx, id.get())?.ok_or(Error::not_found("toilet", id))?;
            if before.status == Status::Removed {
                return Err(Error::not_found("toilet", id));
            }
            check(&before, expected.unwrap_or(before.version), actor)?;
            tx.execute(
                "UPDATE toilets SET status = 'removed', closed_reason = NULL, closed_until = NULL,
                    version = version + 1, updated_at = ?2 WHERE id = ?1",
                params![id.get(), timestamp(at)],
            )?;
            let after = load(&tx, id.get())?.context("the toilet vanished")?;
            record(
                &tx,
                id.get(),
                actor,
                "remove",
                Some(&before),
                Some(&after),
                at,
            )?;
            tx.commit()?;
            Ok(after)
        })
        .await
    }

    /// A toilet's changes, newest first, if `actor` may see them.
    pub async fn toilet_history(
        &self,
        id: ToiletId,
        actor: Actor,
    ) -> Result<Vec<HistoryEntry>, Error> {
        self.write(move |conn| {
            let toilet = load(conn, id.get())?.ok_or(Error::not_found("toilet", id))?;
            if !actor.may_change(toilet.org_id) {
                return Err(Error::not_yours(id));
            }
            let mut stmt = conn.prepare(
                "SELECT h.at, h.action, u.username, h.before, h.after FROM toilet_history h
                 LEFT JOIN users u ON u.id = h.user_id WHERE h.toilet_id = ?1 ORDER BY h.id DESC",
            )?;
            let rows = stmt.query_map([id.get()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            })?;
            let mut entries = Vec::new();
            for row in rows {
                let (at, action, user, before, after) = row?;
                let json = |s: Option<String>| -> anyhow::Result<Option<Toilet>> {
                    s.map(|s| serde_json::from_str(&s).context("a history entry"))
                        .transpose()
                };
                entries.push(HistoryEntry {
                    at: chrono::DateTime::parse_from_rfc3339(&at)
                        .context("a history time")?
                        .with_timezone(&Utc),
                    action,
                    user,
                    before: json(before)?,
                    after: json(after)?,
                });
            }
            Ok(entries)
        })
        .await
    }

    /// An organisation's toilets (removed ones too, so they can be seen).
    pub async fn org_toilets(&self, org_id: i64) -> anyhow::Result<Vec<Toilet>> {
        let path = Arc::clone(&self.path);
        tokio::task::spawn_blocking(move || {
            let conn = read::open_reader(&path)?;
            read::matching(&conn, "org_id = ?1 ORDER BY id", [org_id])
        })
        .await?
    }
}

pub(super) fn load(conn: &Connection, id: i64) -> anyhow::Result<Option<Toilet>> {
    Ok(read::matching(conn, "id = ?1", [id])?.pop())
}

fn record(
    conn: &Connection,
    toilet_id: i64,
    actor: Actor,
    action: &str,
    before: Option<&Toilet>,
    after: Option<&Toilet>,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let json = |t: Option<&Toilet>| t.map(serde_json::to_string).transpose();
    conn.execute(
        "INSERT INTO toilet_history (toilet_id, user_id, action, before, after, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            toilet_id,
            actor.user_id,
            action,
            json(before)?,
            json(after)?,
            timestamp(at)
        ],
    )?;
    Ok(())
}
