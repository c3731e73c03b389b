//! Storage: the toilets, their change log, accounts and reports, in a SQLite
//! file ([`sqlite`]) or a PostgreSQL database ([`postgres`]) shared by
//! several replicas.
//!
//! Handlers never write SQL; they call [`Store`], which forwards to the
//! backend the `DATABASE_URL` names. Both keep the same tables under the
//! same migration versions (`server/migrations/{sqlite,postgres}`) and pass
//! the same contract tests (`server/tests/api/contract.rs`). The store is
//! the source of truth; every server's in-memory index follows its change
//! log (`toilet_changes`, filled by triggers, so every writer is seen).
//!
//! What does not depend on the backend lives here: the types the backends
//! answer with, who may change what ([`Actor`]), how a patch changes a
//! toilet ([`apply_patch`]) and how report times become statistics.

mod accounts;
mod error;
pub(crate) mod import_sql;
pub mod postgres;
mod reports;
pub mod retention;
pub mod sqlite;
mod stamp;
pub mod throttle;
pub(crate) mod toilet_row;
mod webhook_state;
mod write;

use std::{path::Path, sync::Arc};

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use gongce_shared::{
    LatLon, Status, Toilet, ToiletId,
    accounts::{Role, ToiletPatch, User},
    reports::{NewReport, OrgReportStats, ReportStats},
};

/// Everything the store holds, and the change-log position it was read at.
pub struct Snapshot<T = Arc<Toilet>> {
    /// Each toilet as the reader's [`Keep`] made it.
    pub toilets: Vec<T>,
    pub seq: i64,
}

/// What a snapshot keeps of each toilet, made on the thread that read its
/// row (one `Keep` per reader), so that a million rows never all exist as
/// full [`Toilet`]s when only the index's records are wanted.
pub trait Keep: Default + Send + 'static {
    type Kept: Send + 'static;
    fn keep(&mut self, toilet: Toilet) -> Self::Kept;
}

/// Keeps each toilet whole, shared.
#[derive(Default)]
pub struct Whole;

impl Keep for Whole {
    type Kept = Arc<Toilet>;
    fn keep(&mut self, toilet: Toilet) -> Arc<Toilet> {
        Arc::new(toilet)
    }
}

/// Keeps each toilet as the index's compact record.
impl Keep for crate::index::Interner {
    type Kept = Arc<crate::index::Record>;
    fn keep(&mut self, toilet: Toilet) -> Self::Kept {
        Arc::new(crate::index::Record::new(&toilet, self))
    }
}

/// Changes after some log position.
pub enum Changes {
    /// These toilets changed; `toilets` holds their rows now (a missing id was deleted).
    Rows {
        ids: Vec<ToiletId>,
        toilets: Vec<Toilet>,
        seq: i64,
    },
    /// So much changed that reloading everything is cheaper.
    Reload(Snapshot<Arc<crate::index::Record>>),
}

/// Above this many changed rows, following the log reloads everything.
const RELOAD_THRESHOLD: i64 = 20_000;

/// Who is making a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
    pub org_id: Option<i64>,
}

impl Actor {
    /// Whether this actor may change a toilet owned by `owner`.
    pub fn may_change(&self, owner: Option<i64>) -> bool {
        self.role == Role::Admin || (owner.is_some() && owner == self.org_id)
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.kind() == sqlx::error::ErrorKind::UniqueViolation)
}

/// A user with what signing in needs.
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
    pub org_disabled: bool,
}

/// A live session's user, found by token hash.
pub struct SessionRow {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// When residents' closed/gone reports mark a toilet "reported closed":
/// from at least `min` distinct networks (IPv4 /24, IPv6 /64) within
/// `window` of the latest one. It stays marked until its owner answers
/// ("still correct", or reopening it), which resolves those reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crowd {
    pub min: i64,
    pub window: Duration,
}

impl Default for Crowd {
    fn default() -> Self {
        Crowd {
            min: 3,
            window: Duration::hours(24),
        }
    }
}

/// Who filed a report, as hashes: the client (its address or IPv6 /64)
/// and its network (IPv4 /24 or IPv6 /64).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reporter {
    pub client: String,
    pub network: String,
}

/// How long a worker holds the deliveries it took: longer than a batch of
/// 20 at the webhook client's 10 s timeout each, so no other replica's
/// worker sends them meanwhile.
const DELIVERY_CLAIM: Duration = Duration::minutes(5);

/// A webhook delivery due now.
#[derive(sqlx::FromRow)]
pub struct Delivery {
    pub id: i64,
    pub org_id: i64,
    pub url: String,
    pub secret: String,
    pub payload: String,
    pub attempts: i64,
}

/// The store: a SQLite file, or a PostgreSQL database.
#[derive(Clone)]
pub enum Store {
    Sqlite(sqlite::Sqlite),
    Postgres(postgres::Postgres),
}

/// Whether `url` names a PostgreSQL database.
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres:") || url.starts_with("postgresql:")
}

pub use error::{Error, Result};
pub use postgres::redact;
pub use sqlite::sqlite_path;
use throttle::on_pool;

/// Calls the same method on whichever backend this is.
macro_rules! forward {
    ($($vis:vis async fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*) => {$(
        $vis async fn $name(&self $(, $arg: $ty)*) -> $ret {
            match self {
                Store::Sqlite(s) => s.$name($($arg),*).await.map_err(Into::into),
                Store::Postgres(s) => s.$name($($arg),*).await.map_err(Into::into),
            }
        }
    )*};
}

impl Store {
    /// Opens (creating it if needed) the database at `url` and brings its
    /// schema up to date: `sqlite:PATH` or `postgres://…`.
    pub async fn open(url: &str) -> Result<Store> {
        if is_postgres(url) {
            Ok(Store::Postgres(postgres::Postgres::open(url, true).await?))
        } else {
            Ok(Store::Sqlite(sqlite::Sqlite::open(url).await?))
        }
    }

    /// Opens an existing database without changing its schema (a dry-run
    /// import). For SQLite nothing is opened: the importer reads the file.
    pub async fn open_for_reading(url: &str) -> Result<ImportTarget> {
        if is_postgres(url) {
            Ok(ImportTarget::Postgres(
                postgres::Postgres::open(url, false).await?,
            ))
        } else {
            Ok(ImportTarget::Sqlite(sqlite_path(url)?))
        }
    }

    /// The same store, writing times by `clock` (tests move it by hand).
    pub fn with_clock(mut self, clock: crate::clock::Clock) -> Store {
        match &mut self {
            Store::Sqlite(s) => s.clock = clock,
            Store::Postgres(p) => p.clock = clock,
        }
        self
    }

    /// The same store, marking "reported closed" by `crowd`.
    pub fn with_crowd(mut self, crowd: Crowd) -> Store {
        match &mut self {
            Store::Sqlite(s) => s.crowd = crowd,
            Store::Postgres(p) => p.crowd = crowd,
        }
        self
    }

    fn crowd(&self) -> Crowd {
        match self {
            Store::Sqlite(s) => s.crowd,
            Store::Postgres(p) => p.crowd,
        }
    }

    /// Now, by the store's clock.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Store::Sqlite(s) => (s.clock)(),
            Store::Postgres(p) => (p.clock)(),
        }
    }

    /// The SQLite file, if this is one.
    pub fn sqlite_file(&self) -> Option<&Path> {
        match self {
            Store::Sqlite(s) => Some(s.path()),
            Store::Postgres(_) => None,
        }
    }

    /// Where the importer writes this store.
    pub fn import_target(&self) -> ImportTarget {
        match self {
            Store::Sqlite(s) => ImportTarget::Sqlite(s.path().to_path_buf()),
            Store::Postgres(p) => ImportTarget::Postgres(p.clone()),
        }
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite(s) => s.close().await,
            Store::Postgres(s) => s.close().await,
        }
    }

    /// The connection pool's size and idle connections, as gauges.
    pub fn record_pool_use(&self) {
        let (size, idle) = match self {
            Store::Sqlite(s) => (s.pool().size(), s.pool().num_idle()),
            Store::Postgres(p) => (p.pool().size(), p.pool().num_idle()),
        };
        metrics::gauge!("gongce_store_connections").set(f64::from(size));
        metrics::gauge!("gongce_store_connections_idle").set(idle as f64);
    }

    /// Whether the store answers (for a readiness check).
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, |pool| {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// How many log entries come after `seq`, the last one, and the
    /// oldest entry the log still holds.
    async fn log_after(&self, seq: i64) -> Result<(i64, Option<i64>, Option<i64>)> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT COUNT(*), MAX(seq), (SELECT MIN(seq) FROM toilet_changes)
                 FROM toilet_changes WHERE seq > $1",
            )
            .bind(seq)
            .fetch_one(pool)
            .await?
        }))
    }

    /// Which store this is (drawn when it was made, kept by its copies).
    pub async fn identity(&self) -> Result<String> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT id FROM store_identity LIMIT 1")
                .fetch_one(pool)
                .await?
        }))
    }

    /// The last `n` log entries at or before `seq` (sequence number and
    /// toilet), newest first: how an index image tells that it was made
    /// from this store's history.
    pub async fn log_tail(&self, seq: i64, n: i64) -> Result<Vec<(i64, i64)>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT seq, toilet_id FROM toilet_changes WHERE seq <= $1
                 ORDER BY seq DESC LIMIT $2",
            )
            .bind(seq)
            .bind(n)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The toilets the log names after `after`, up to `upto`.
    async fn changed_ids(&self, after: i64, upto: i64) -> Result<Vec<i64>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT DISTINCT toilet_id FROM toilet_changes WHERE seq > $1 AND seq <= $2",
            )
            .bind(after)
            .bind(upto)
            .fetch_all(pool)
            .await?
        }))
    }

    pub async fn toilet(&self, id: ToiletId) -> Result<Option<Toilet>> {
        Ok(self.toilets(&[id]).await?.pop())
    }

    /// What changed after log position `seq`.
    pub async fn changes_since(&self, seq: i64) -> Result<Changes> {
        let (count, max, oldest) = self.log_after(seq).await?;
        // Entries after `seq` may have been pruned (retention): reload.
        if oldest.is_some_and(|oldest| seq < oldest - 1) {
            return Ok(Changes::Reload(self.records().await?));
        }
        let Some(max) = max else {
            return Ok(Changes::Rows {
                ids: Vec::new(),
                toilets: Vec::new(),
                seq,
            });
        };
        if count > RELOAD_THRESHOLD {
            return Ok(Changes::Reload(self.records().await?));
        }
        let ids: Vec<ToiletId> = self
            .changed_ids(seq, max)
            .await?
            .into_iter()
            .filter_map(ToiletId::new)
            .collect();
        let toilets = self.toilets(&ids).await?;
        Ok(Changes::Rows {
            ids,
            toilets,
            seq: max,
        })
    }

    /// A new user: a committee member belongs to an existing organisation.
    pub async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        org_id: Option<i64>,
    ) -> Result<User, Error> {
        match (role, org_id) {
            (Role::Committee, None) => {
                return Err(Error::Conflict(
                    "a committee member belongs to an organisation: give org_id".to_owned(),
                ));
            }
            (_, Some(org)) if self.org(org).await?.is_none() => {
                return Err(Error::not_found("organisation", org));
            }
            _ => {}
        }
        self.insert_user(username, password_hash, role, org_id)
            .await
    }

    /// Changes a user; disabling one, or changing their password, role or
    /// organisation, ends their sessions.
    pub async fn update_user(
        &self,
        id: i64,
        password_hash: Option<&str>,
        role: Option<Role>,
        org_id: Option<i64>,
        disabled: Option<bool>,
    ) -> Result<User, Error> {
        let Some(current) = self.user(id).await? else {
            return Err(Error::not_found("user", id));
        };
        if let Some(org) = org_id
            && self.org(org).await?.is_none()
        {
            return Err(Error::not_found("organisation", org));
        }
        if role.unwrap_or(current.role) == Role::Committee && org_id.or(current.org_id).is_none() {
            return Err(Error::Conflict(
                "a committee member belongs to an organisation: give org_id".to_owned(),
            ));
        }
        self.write_user(&current, password_hash, role, org_id, disabled)
            .await
    }

    /// All toilets (removed ones too), whole, and the log position.
    pub async fn snapshot(&self) -> Result<Snapshot> {
        self.snapshot_as::<Whole>().await
    }

    /// All toilets (removed ones too) as the index's records, and the log
    /// position: what a server starts (or reloads) its index from.
    pub async fn records(&self) -> Result<Snapshot<Arc<crate::index::Record>>> {
        self.snapshot_as::<crate::index::Interner>().await
    }

    async fn snapshot_as<K: Keep>(&self) -> Result<Snapshot<K::Kept>> {
        match self {
            Store::Sqlite(s) => Ok(s.snapshot::<K>().await?),
            Store::Postgres(p) => Ok(p.snapshot::<K>().await?),
        }
    }

    forward! {
        pub async fn toilets(&self, ids: &[ToiletId]) -> Result<Vec<Toilet>>;
        pub async fn due_deliveries(&self, limit: i64, skip_orgs: &[i64], now: DateTime<Utc>) -> Result<Vec<Delivery>, Error>;
    }
}

/// Where an import writes (or, in a dry run, what it compares with).
#[derive(Clone)]
pub enum ImportTarget {
    /// The SQLite file (it may not exist yet).
    Sqlite(std::path::PathBuf),
    Postgres(postgres::Postgres),
}

/// What an import does to the store's toilets of its source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// The source's toilets the list no longer has (removed with `remove_missing`).
    pub removed: usize,
}

impl ImportCounts {
    /// From the counting query's (inserted, updated, unchanged) and the removals.
    fn new((inserted, updated, unchanged): (i64, i64, i64), removed: i64) -> Self {
        ImportCounts {
            inserted: inserted as usize,
            updated: updated as usize,
            unchanged: unchanged as usize,
            removed: removed as usize,
        }
    }
}

/// An import's steps against the store, from the importer's scratch SQLite
/// database (its `venues` table). They block: the importer runs on a
/// blocking thread.
impl ImportTarget {
    /// The SQLite file, when it exists yet.
    fn existing_file(&self) -> Option<&Path> {
        match self {
            ImportTarget::Sqlite(file) => file.exists().then_some(file.as_path()),
            ImportTarget::Postgres(_) => None,
        }
    }

    /// Other sources' toilets (id, name, position), for the possible-duplicate check.
    pub fn others(&self, source: &str) -> anyhow::Result<Vec<(i64, String, LatLon)>> {
        match self {
            ImportTarget::Sqlite(_) => sqlite::import::others(self.existing_file(), source),
            ImportTarget::Postgres(pg) => postgres::import::others(pg, source),
        }
    }

    /// What writing the venues would do, writing nothing.
    pub fn compare(
        &self,
        staging: &rusqlite::Connection,
        source: &str,
        remove_missing: bool,
    ) -> anyhow::Result<ImportCounts> {
        match self {
            ImportTarget::Sqlite(_) => {
                sqlite::import::compare(staging, self.existing_file(), source, remove_missing)
            }
            ImportTarget::Postgres(pg) => {
                postgres::import::compare(pg, staging, source, remove_missing)
            }
        }
    }

    /// Writes the venues in one transaction (counted again inside it);
    /// `before_write` runs once the counts are known.
    pub fn commit(
        &self,
        staging: &rusqlite::Connection,
        source: &str,
        remove_missing: bool,
        now: DateTime<Utc>,
        before_write: impl FnOnce(),
    ) -> anyhow::Result<ImportCounts> {
        match self {
            ImportTarget::Sqlite(file) => {
                sqlite::import::commit(staging, file, source, remove_missing, now, before_write)
            }
            ImportTarget::Postgres(pg) => {
                postgres::import::commit(pg, staging, source, remove_missing, now, before_write)
            }
        }
    }
}

/// One parsed copy of each distinct opening-hours text and time zone, for
/// decoding toilet rows (most toilets share a handful of each).
#[derive(Default)]
pub(crate) struct Parsed {
    hours: std::collections::HashMap<String, gongce_shared::OpeningHours>,
    zones: std::collections::HashMap<String, gongce_shared::TimeZone>,
}

impl Parsed {
    pub(crate) fn hours(&mut self, text: &str) -> anyhow::Result<gongce_shared::OpeningHours> {
        if let Some(parsed) = self.hours.get(text) {
            return Ok(parsed.clone());
        }
        let parsed = gongce_shared::OpeningHours::parse(text)?;
        self.hours.insert(text.to_owned(), parsed.clone());
        Ok(parsed)
    }

    pub(crate) fn zone(&mut self, name: &str) -> anyhow::Result<gongce_shared::TimeZone> {
        if let Some(zone) = self.zones.get(name) {
            return Ok(*zone);
        }
        let zone: gongce_shared::TimeZone = name.parse()?;
        self.zones.insert(name.to_owned(), zone);
        Ok(zone)
    }
}

/// `min..=max` split into one id range per core (at most 8), for reading a
/// snapshot in parallel.
fn id_ranges(min: i64, max: i64) -> Vec<(i64, i64)> {
    let parts = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8) as i64;
    let step = (max - min) / parts + 1;
    (0..parts)
        .map(|i| (min + i * step, (min + (i + 1) * step - 1).min(max)))
        .filter(|(lo, hi)| lo <= hi)
        .collect()
}

/// Timestamps are stored as RFC 3339 text in UTC, to the millisecond (SQLite).
pub(crate) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A position, or the field that is out of range.
fn position(lat: f64, lon: f64) -> Result<LatLon, Error> {
    LatLon::new(lat, lon).map_err(|e| {
        let (field, value) = match e {
            gongce_shared::CoordError::Latitude(v) => ("lat", v),
            gongce_shared::CoordError::Longitude(v) => ("lon", v),
        };
        Error::Invalid {
            field,
            value: value.to_string(),
            reason: e.to_string(),
        }
    })
}

/// May `actor` change `before`, and was the change made from its current version?
fn check(before: &Toilet, expected: i64, actor: Actor) -> Result<(), Error> {
    if !actor.may_change(before.org_id) {
        return Err(Error::not_yours(before.id));
    }
    if before.version != expected {
        return Err(Error::Stale {
            id: before.id,
            expected,
            current: before.version,
        });
    }
    Ok(())
}

/// A patch applied to a toilet: the toilet as it will be written, the
/// history action, and the organisation the store must check exists.
struct Patched {
    toilet: Toilet,
    action: &'static str,
    new_org: Option<i64>,
}

/// What `patch` makes of `before` (checked: the caller may, from the current
/// version, with valid values). The store then checks `new_org` exists.
fn apply_patch(
    before: &Toilet,
    mut patch: ToiletPatch,
    expected: i64,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Patched, Error> {
    let id = before.id;
    check(before, expected, actor)?;
    if patch.org_id.is_some() && actor.role != Role::Admin {
        return Err(Error::not_yours(id));
    }
    patch.keep_written_hours();
    let mut t = before.clone();
    let lat = patch.lat.unwrap_or(t.position.lat());
    let lon = patch.lon.unwrap_or(t.position.lon());
    t.position = position(lat, lon)?;
    if let Some(name) = patch.name {
        t.name = Some(name);
    }
    macro_rules! set {
        ($($field:ident),*) => {$(
            if let Some(value) = patch.$field {
                t.$field = value.map(Into::into);
            }
        )*};
    }
    set!(
        address,
        wheelchair,
        baby_change,
        family_room,
        free,
        access,
        opening_hours,
        hours_note,
        operator
    );
    if let Some(tz) = patch.timezone {
        t.timezone = tz;
    }
    patch.details.apply(&mut t.details);
    let mut action = "update";
    if let Some(Status::TemporarilyClosed { reason, .. }) = &mut patch.status {
        *reason = gongce_shared::text::clean(reason, gongce_shared::text::REASON_MAX, false)
            .map_err(|e| Error::Invalid {
                field: "status.reason",
                value: e.value,
                reason: e.reason,
            })?
            .unwrap_or_default();
    }
    if let Some(status) = patch.status {
        match (&before.status, &status) {
            (_, Status::Removed) => {
                return Err(Error::Invalid {
                    field: "status",
                    value: "removed".to_owned(),
                    reason: "remove a toilet with DELETE".to_owned(),
                });
            }
            (Status::Removed, _) if actor.role != Role::Admin => {
                return Err(Error::not_found("toilet", id));
            }
            (_, Status::TemporarilyClosed { reason, .. }) if reason.trim().is_empty() => {
                return Err(Error::Invalid {
                    field: "status.reason",
                    value: reason.clone(),
                    reason: "say why it is closed".to_owned(),
                });
            }
            (_, Status::TemporarilyClosed { .. }) => action = "close",
            (Status::TemporarilyClosed { .. } | Status::Removed, Status::Open) => action = "reopen",
            _ => {}
        }
        t.status = status;
    }
    if let Some(org) = patch.org_id {
        if Some(org) != before.org_id {
            action = "reassign";
        }
        t.org_id = Some(org);
    }
    if patch.verified == Some(true) {
        t.last_verified = Some(now);
    }
    Ok(Patched {
        toilet: t,
        action,
        new_org: patch.org_id,
    })
}

fn no_such_org(org: i64) -> Error {
    Error::not_found("organisation", org)
}

/// The status as stored: its name, the closed reason and until.
fn status_parts(status: &Status) -> (&'static str, Option<&str>, Option<DateTime<Utc>>) {
    match status {
        Status::Open => ("open", None, None),
        Status::TemporarilyClosed { reason, until } => {
            ("temporarily_closed", Some(reason.as_str()), *until)
        }
        Status::Removed => ("removed", None, None),
    }
}

/// The payload a webhook receives for a new report.
fn report_payload(
    id: i64,
    report: &NewReport,
    now: DateTime<Utc>,
    t: &Toilet,
    org: i64,
) -> serde_json::Value {
    serde_json::json!({
        "event": "report.created",
        "report": {
            "id": id,
            "kind": report.kind,
            "note": report.note,
            "contact": report.contact,
            "created_at": now,
        },
        "toilet": {
            "id": t.id,
            "name": t.name,
            "address": t.address,
            "lat": t.position.lat(),
            "lon": t.position.lon(),
        },
        "org_id": org,
    })
}

/// One organisation's report, as read for statistics.
#[derive(sqlx::FromRow)]
struct StatsRow {
    org_id: i64,
    org_name: String,
    /// None when the organisation has no reports (a row from the outer join).
    state: Option<String>,
    created_at: Option<stamp::Stamp>,
    acknowledged_at: Option<stamp::Stamp>,
    resolved_at: Option<stamp::Stamp>,
}

/// Per organisation (rows ordered by organisation): open, overdue, resolved,
/// and the median times to acknowledge and to resolve.
fn report_stats_from(rows: Vec<StatsRow>, overdue: Duration, now: DateTime<Utc>) -> ReportStats {
    let mut orgs: Vec<(OrgReportStats, Vec<f64>, Vec<f64>)> = Vec::new();
    for r in rows {
        if orgs.last().is_none_or(|(o, _, _)| o.org_id != r.org_id) {
            orgs.push((
                OrgReportStats {
                    org_id: r.org_id,
                    org_name: r.org_name,
                    open: 0,
                    overdue: 0,
                    resolved: 0,
                    median_ack_s: None,
                    median_resolve_s: None,
                },
                Vec::new(),
                Vec::new(),
            ));
        }
        let (Some(state), Some(stamp::Stamp(created))) = (r.state, r.created_at) else {
            continue;
        };
        let (stats, acks, resolves) = orgs.last_mut().expect("pushed above");
        let since =
            |t: Option<stamp::Stamp>| t.map(|t| (t.0 - created).num_milliseconds() as f64 / 1000.0);
        if let Some(s) = since(r.acknowledged_at) {
            acks.push(s);
        }
        if state == "resolved" {
            stats.resolved += 1;
            if let Some(s) = since(r.resolved_at) {
                resolves.push(s);
            }
        } else {
            stats.open += 1;
            if now - created > overdue {
                stats.overdue += 1;
            }
        }
    }
    let median = |v: &mut Vec<f64>| -> Option<f64> {
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        Some(if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        })
    };
    ReportStats {
        overdue_hours: overdue.num_seconds() as f64 / 3600.0,
        orgs: orgs
            .into_iter()
            .map(|(mut s, mut a, mut r)| {
                s.median_ack_s = median(&mut a);
                s.median_resolve_s = median(&mut r);
                s
            })
            .collect(),
    }
}
