//! One toilet row read through sqlx on either store (single-row reads in
//! writes; the bulk snapshot has faster readers of its own), and the macros
//! that let a write be written once for both backends.

use anyhow::Context as _;
use gongce_shared::{LatLon, Status, Toilet, ToiletId, ToiletName, reports::ReportSummary};

use super::{Parsed, Result, stamp::Stamp};

/// The columns [`ToiletRow`] reads.
macro_rules! toilet_columns {
    () => {
        "id, source, external_id, name, address, lat, lon, wheelchair, baby_change, \
         family_room, free, access, opening_hours, hours_note, timezone, operator, org_id, \
         last_verified, status, closed_reason, closed_until, version, updated_at, source_crs, \
         open_reports, reported_closed, last_report_kind, last_report_at, last_fixed_at"
    };
}
pub(crate) use toilet_columns;

#[derive(sqlx::FromRow)]
pub(super) struct ToiletRow {
    id: i64,
    source: String,
    external_id: Option<String>,
    name: String,
    address: Option<String>,
    lat: f64,
    lon: f64,
    wheelchair: Option<bool>,
    baby_change: Option<bool>,
    family_room: Option<bool>,
    free: Option<bool>,
    access: Option<String>,
    opening_hours: Option<String>,
    hours_note: Option<String>,
    timezone: String,
    operator: Option<String>,
    org_id: Option<i64>,
    last_verified: Option<Stamp>,
    status: String,
    closed_reason: Option<String>,
    closed_until: Option<Stamp>,
    version: i64,
    updated_at: Stamp,
    source_crs: String,
    open_reports: i64,
    reported_closed: bool,
    last_report_kind: Option<String>,
    last_report_at: Option<Stamp>,
    last_fixed_at: Option<Stamp>,
}

impl ToiletRow {
    /// One row on its own.
    pub(super) fn toilet(self) -> Result<Toilet> {
        self.parse(&mut Parsed::default())
    }

    /// A row of many: opening hours and time zones the rows share are
    /// parsed once.
    pub(super) fn parse(self, parsed: &mut Parsed) -> Result<Toilet> {
        let id = ToiletId::new(self.id).with_context(|| format!("invalid id {}", self.id))?;
        let context = || format!("toilet {id}");
        let status = match self.status.as_str() {
            "open" => Status::Open,
            "removed" => Status::Removed,
            "temporarily_closed" => Status::TemporarilyClosed {
                reason: self.closed_reason.unwrap_or_default(),
                until: self.closed_until.map(|s| s.0),
            },
            other => return Err(anyhow::anyhow!("{}: unknown status {other:?}", context()).into()),
        };
        Ok(Toilet {
            id,
            name: ToiletName::new(&self.name).with_context(context)?,
            address: self.address,
            position: LatLon::new(self.lat, self.lon).with_context(context)?,
            wheelchair: self.wheelchair,
            baby_change: self.baby_change,
            family_room: self.family_room,
            free: self.free,
            access: self
                .access
                .as_deref()
                .map(str::parse)
                .transpose()
                .with_context(context)?,
            opening_hours: self
                .opening_hours
                .as_deref()
                .map(|t| parsed.hours(t))
                .transpose()
                .with_context(context)?,
            hours_note: self.hours_note,
            timezone: parsed.zone(&self.timezone).with_context(context)?,
            operator: self.operator,
            org_id: self.org_id,
            last_verified: self.last_verified.map(|s| s.0),
            status,
            source: self.source,
            external_id: self.external_id,
            source_crs: self.source_crs.parse().with_context(context)?,
            reports: ReportSummary {
                open: self.open_reports.max(0) as u32,
                reported_closed: self.reported_closed,
                last_kind: self.last_report_kind.and_then(|k| k.parse().ok()),
                last_at: self.last_report_at.map(|s| s.0),
                fixed_at: self.last_fixed_at.map(|s| s.0),
            },
            version: self.version,
            updated_at: self.updated_at.0,
        })
    }
}

/// Toilet `$id` as it stands, read on connection `$conn` (`Option<Toilet>`).
macro_rules! load_toilet {
    ($conn:expr, $id:expr) => {
        sqlx::query_as::<_, $crate::store::toilet_row::ToiletRow>(concat!(
            "SELECT ",
            $crate::store::toilet_row::toilet_columns!(),
            " FROM toilets WHERE id = $1"
        ))
        .bind($id)
        .fetch_optional($conn)
        .await?
        .map($crate::store::toilet_row::ToiletRow::toilet)
        .transpose()?
    };
}
pub(crate) use load_toilet;

/// Runs `$body` in a write transaction on either store and commits it: on
/// SQLite `BEGIN IMMEDIATE` (the one writer, taken at once rather than on
/// the first write), on PostgreSQL with the toilets lock, so change-log
/// numbers are drawn in commit order. A `?` in the body rolls back.
macro_rules! write_tx {
    ($store:expr, |$tx:ident| $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite(s) => {
                let mut $tx = s.pool().begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::store::Store::Postgres(p) => {
                let mut $tx = $crate::store::postgres::write::begin(p.pool()).await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}
pub(crate) use write_tx;
