//! Changes to single toilets made through the API — create, edit, close,
//! reopen, reassign, remove — written once for both stores. Each runs in
//! one write transaction ([`write_tx!`]) that checks who may make it and
//! that it was made from the current version, writes the toilet, and
//! records the change with the toilet before and after.

use anyhow::Context as _;
use gongce_shared::{
    Status, Toilet, ToiletId,
    accounts::{HistoryEntry, ToiletDraft, ToiletPatch},
};

use super::{
    Actor, Error, Result, Store, apply_patch, check, no_such_org, position,
    reports::{answer_closed_reports, refresh_summary},
    stamp::Stamp,
    status_parts,
    throttle::on_pool,
    toilet_row::{bind_facts, decode_all, fact_columns, load_toilet, toilet_columns, write_tx},
};

/// The toilet as JSON, for history.
fn json(t: Option<&Toilet>) -> Result<Option<String>> {
    Ok(t.map(serde_json::to_string).transpose()?)
}

/// Reads toilet `$id` as it now stands and appends a history entry: who
/// did what to it, from what to what. Gives the toilet after.
macro_rules! record {
    ($conn:expr, $id:expr, $actor:expr, $action:expr, $before:expr, $at:expr) => {{
        let after: Toilet = load_toilet!(&mut *$conn, $id).context("the toilet vanished")?;
        sqlx::query(
            "INSERT INTO toilet_history (toilet_id, user_id, action, before, after, at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind($id)
        .bind($actor.user_id)
        .bind($action)
        .bind(json($before)?)
        .bind(json(Some(&after))?)
        .bind(Stamp($at))
        .execute(&mut *$conn)
        .await?;
        after
    }};
}

/// Whether organisation `$org` exists.
macro_rules! org_exists {
    ($conn:expr, $org:expr) => {
        sqlx::query("SELECT 1 FROM orgs WHERE id = $1")
            .bind($org)
            .fetch_optional($conn)
            .await?
            .is_some()
    };
}

impl Store {
    /// Creates a toilet owned by `org_id`.
    pub async fn create_toilet(
        &self,
        mut draft: ToiletDraft,
        org_id: Option<i64>,
        actor: Actor,
    ) -> Result<Toilet> {
        draft.keep_written_hours();
        let at = self.now();
        let position = position(draft.lat, draft.lon)?;
        let after = write_tx!(self, |tx| {
            if let Some(org) = org_id
                && !org_exists!(&mut *tx, org)
            {
                return Err(no_such_org(org));
            }
            let insert = sqlx::query_scalar(concat!(
                "INSERT INTO toilets (source, ",
                fact_columns!(),
                ", org_id, last_verified, created_at, updated_at)
                 VALUES ('gongce', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
                    $15, $16, $16, $16) RETURNING id"
            ));
            // Without a zone, the one where the toilet stands.
            let zone = draft
                .timezone
                .unwrap_or_else(|| crate::tz::zone_at(position));
            let id: i64 = bind_facts!(insert, draft, position, zone)
                .bind(org_id)
                .bind(Stamp(at))
                .fetch_one(&mut *tx)
                .await?;
            record!(tx, id, actor, "create", None, at)
        });
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
    ) -> Result<Toilet> {
        let (at, crowd) = (self.now(), self.crowd());
        let after = write_tx!(self, |tx| {
            let before: Toilet =
                load_toilet!(&mut *tx, id.get()).ok_or(Error::not_found("toilet", id))?;
            let patched = apply_patch(&before, patch, expected, actor, at)?;
            if let Some(org) = patched.new_org
                && !org_exists!(&mut *tx, org)
            {
                return Err(no_such_org(org));
            }
            let t = patched.toilet;
            let (status, reason, until) = status_parts(&t.status);
            let update = sqlx::query(concat!(
                "UPDATE toilets SET (",
                fact_columns!(),
                ") = ($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15),
                    org_id = $16, last_verified = $17, status = $18, closed_reason = $19,
                    closed_until = $20, version = version + 1, updated_at = $21
                 WHERE id = $1"
            ));
            bind_facts!(update.bind(id.get()), t, t.position, t.timezone)
                .bind(t.org_id)
                .bind(t.last_verified.map(Stamp))
                .bind(status)
                .bind(reason)
                .bind(until.map(Stamp))
                .bind(Stamp(at))
                .execute(&mut *tx)
                .await?;
            if patched.action == "reopen" {
                // Reopening answers residents' "closed" reports.
                answer_closed_reports!(tx, id.get(), actor, at, "reopened by its owner");
                refresh_summary!(tx, id.get(), crowd);
            }
            record!(tx, id.get(), actor, patched.action, Some(&before), at)
        });
        Ok(after)
    }

    /// Soft removal; `expected`, when given, must be the current version.
    pub async fn remove_toilet(
        &self,
        id: ToiletId,
        expected: Option<i64>,
        actor: Actor,
    ) -> Result<Toilet> {
        let at = self.now();
        let after = write_tx!(self, |tx| {
            let before: Toilet =
                load_toilet!(&mut *tx, id.get()).ok_or(Error::not_found("toilet", id))?;
            if before.status == Status::Removed {
                return Err(Error::not_found("toilet", id));
            }
            check(&before, expected.unwrap_or(before.version), actor)?;
            sqlx::query(
                "UPDATE toilets SET status = 'removed', closed_reason = NULL, closed_until = NULL,
                    version = version + 1, updated_at = $2 WHERE id = $1",
            )
            .bind(id.get())
            .bind(Stamp(at))
            .execute(&mut *tx)
            .await?;
            record!(tx, id.get(), actor, "remove", Some(&before), at)
        });
        Ok(after)
    }

    /// A toilet's changes, newest first, if `actor` may see them.
    pub async fn toilet_history(&self, id: ToiletId, actor: Actor) -> Result<Vec<HistoryEntry>> {
        let (toilet, rows): (Option<Toilet>, Vec<HistoryRow>) = on_pool!(self, |pool| {
            let toilet = load_toilet!(pool, id.get());
            let rows = sqlx::query_as(
                "SELECT h.at, h.action, u.username, h.before, h.after FROM toilet_history h
                 LEFT JOIN users u ON u.id = h.user_id WHERE h.toilet_id = $1 ORDER BY h.id DESC",
            )
            .bind(id.get())
            .fetch_all(pool)
            .await?;
            (toilet, rows)
        });
        let toilet = toilet.ok_or(Error::not_found("toilet", id))?;
        if !actor.may_change(toilet.org_id) {
            return Err(Error::not_yours(id));
        }
        let json = |s: Option<String>| -> Result<Option<Toilet>> {
            Ok(
                s.map(|s| serde_json::from_str(&s).context("a history entry"))
                    .transpose()?,
            )
        };
        rows.into_iter()
            .map(|r| {
                Ok(HistoryEntry {
                    at: r.at.0,
                    action: r.action,
                    user: r.username,
                    before: json(r.before)?,
                    after: json(r.after)?,
                })
            })
            .collect()
    }

    /// An organisation's toilets (removed ones too, so they can be seen).
    pub async fn org_toilets(&self, org_id: i64) -> Result<Vec<Toilet>> {
        Ok(on_pool!(self, |pool| {
            let rows = sqlx::query(concat!(
                "SELECT ",
                toilet_columns!(),
                " FROM toilets WHERE org_id = $1 ORDER BY id"
            ))
            .bind(org_id)
            .fetch_all(pool)
            .await?;
            decode_all(&rows, &mut super::Parsed::default())
        }))
    }
}

#[derive(sqlx::FromRow)]
struct HistoryRow {
    at: Stamp,
    action: String,
    username: Option<String>,
    before: Option<String>,
    after: Option<String>,
}
