//! A toilet row: the one list of columns every reader selects, its
//! decoding (sqlx on either store, rusqlite for the SQLite snapshot), and
//! the macros that let a write be written once for both backends.

use anyhow::Context as _;
use gongce_shared::{LatLon, Status, Toilet, ToiletId, ToiletName, reports::ReportSummary};

use super::{Parsed, Result, stamp::Stamp};

/// The columns [`ToiletRow`] reads.
macro_rules! toilet_columns {
    () => {
        "id, source, external_id, name, address, lat, lon, wheelchair, baby_change, \
         family_room, free, access, opening_hours, hours_note, timezone, operator, org_id, \
         last_verified, status, closed_reason, closed_until, version, updated_at, source_crs, \
         open_reports, reported_closed, last_report_kind, last_report_at, last_fixed_at, details"
    };
}
pub(crate) use toilet_columns;

/// A toilet row as stored, its text borrowed from the row. Decoded by
/// column name through sqlx on both stores, and by position from rusqlite
/// for the SQLite snapshot (`sqlite/read.rs`, in [`toilet_columns!`]'s order).
#[derive(sqlx::FromRow)]
pub(super) struct ToiletRow<'r> {
    pub(super) id: i64,
    pub(super) source: &'r str,
    pub(super) external_id: Option<&'r str>,
    pub(super) name: &'r str,
    pub(super) address: Option<&'r str>,
    pub(super) lat: f64,
    pub(super) lon: f64,
    pub(super) wheelchair: Option<bool>,
    pub(super) baby_change: Option<bool>,
    pub(super) family_room: Option<bool>,
    pub(super) free: Option<bool>,
    pub(super) access: Option<&'r str>,
    pub(super) opening_hours: Option<&'r str>,
    pub(super) hours_note: Option<&'r str>,
    pub(super) timezone: &'r str,
    pub(super) operator: Option<&'r str>,
    pub(super) org_id: Option<i64>,
    pub(super) last_verified: Option<Stamp>,
    pub(super) status: &'r str,
    pub(super) closed_reason: Option<&'r str>,
    pub(super) closed_until: Option<Stamp>,
    pub(super) version: i64,
    pub(super) updated_at: Stamp,
    pub(super) source_crs: &'r str,
    pub(super) open_reports: i64,
    pub(super) reported_closed: bool,
    pub(super) last_report_kind: Option<&'r str>,
    pub(super) last_report_at: Option<Stamp>,
    pub(super) last_fixed_at: Option<Stamp>,
    /// The known detailed facts as a JSON object ([`details_text`]).
    pub(super) details: Option<&'r str>,
}

/// A fetched row as a toilet; opening hours and time zones that rows
/// share are parsed once in `parsed`.
pub(super) fn decode<'r, R>(row: &'r R, parsed: &mut Parsed) -> Result<Toilet>
where
    R: sqlx::Row,
    ToiletRow<'r>: sqlx::FromRow<'r, R>,
{
    <ToiletRow<'r> as sqlx::FromRow<'r, R>>::from_row(row)?.parse(parsed)
}

/// Fetched rows as toilets. A row that does not make a valid toilet
/// (edited by hand, say) is logged and left out, never served.
pub(super) fn decode_all<'r, R>(rows: &'r [R], parsed: &mut Parsed) -> Vec<Toilet>
where
    R: sqlx::Row,
    ToiletRow<'r>: sqlx::FromRow<'r, R>,
{
    rows.iter()
        .filter_map(|row| {
            decode(row, parsed)
                .map_err(|e| tracing::warn!("skipping toilet row: {e}"))
                .ok()
        })
        .collect()
}

impl ToiletRow<'_> {
    pub(super) fn parse(self, parsed: &mut Parsed) -> Result<Toilet> {
        let id = ToiletId::new(self.id).with_context(|| format!("invalid id {}", self.id))?;
        let context = || format!("toilet {id}");
        let owned = |s: Option<&str>| s.map(str::to_owned);
        let status = match self.status {
            "open" => Status::Open,
            "removed" => Status::Removed,
            "temporarily_closed" => Status::TemporarilyClosed {
                reason: self.closed_reason.unwrap_or_default().to_owned(),
                until: self.closed_until.map(|s| s.0),
            },
            other => return Err(anyhow::anyhow!("{}: unknown status {other:?}", context()).into()),
        };
        Ok(Toilet {
            id,
            // The store writes a toilet without a name as the empty text.
            name: match self.name {
                "" => None,
                name => Some(ToiletName::new(name).with_context(context)?),
            },
            address: owned(self.address),
            position: LatLon::new(self.lat, self.lon).with_context(context)?,
            wheelchair: self.wheelchair,
            baby_change: self.baby_change,
            family_room: self.family_room,
            free: self.free,
            details: self
                .details
                .map(serde_json::from_str)
                .transpose()
                .with_context(context)?
                .unwrap_or_default(),
            access: self
                .access
                .map(str::parse)
                .transpose()
                .with_context(context)?,
            opening_hours: self
                .opening_hours
                .map(|t| parsed.hours(t))
                .transpose()
                .with_context(context)?,
            hours_note: owned(self.hours_note),
            timezone: parsed.zone(self.timezone).with_context(context)?,
            operator: owned(self.operator),
            org_id: self.org_id,
            last_verified: self.last_verified.map(|s| s.0),
            status,
            source: self.source.to_owned(),
            external_id: owned(self.external_id),
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

/// The facts a person or a list sets on a toilet, in the order
/// [`bind_facts!`] binds them (an import compares and writes these and
/// `source_crs`: `import_sql::list_columns`).
macro_rules! fact_columns {
    () => {
        "name, address, lat, lon, wheelchair, baby_change, family_room, free, access, \
         opening_hours, hours_note, timezone, operator, details"
    };
}
pub(crate) use fact_columns;

/// A name as the store writes it: a toilet without one has the empty text
/// (the column stays NOT NULL on both backends; reading maps it back).
pub(crate) trait StoredName {
    fn stored(&self) -> &str;
}

impl StoredName for ToiletName {
    fn stored(&self) -> &str {
        self.as_str()
    }
}

impl StoredName for Option<ToiletName> {
    fn stored(&self) -> &str {
        self.as_ref().map_or("", ToiletName::as_str)
    }
}

/// Binds the facts of `$t` (a toilet or a draft) at `$position`, in time
/// zone `$zone`, to `$query`, in [`fact_columns!`]'s order.
macro_rules! bind_facts {
    ($query:expr, $t:expr, $position:expr, $zone:expr) => {
        $query
            .bind(crate::store::toilet_row::StoredName::stored(&$t.name))
            .bind($t.address.as_deref())
            .bind($position.lat())
            .bind($position.lon())
            .bind($t.wheelchair)
            .bind($t.baby_change)
            .bind($t.family_room)
            .bind($t.free)
            .bind($t.access.map(gongce_shared::Access::as_str))
            .bind(
                $t.opening_hours
                    .as_ref()
                    .map(gongce_shared::OpeningHours::as_str),
            )
            .bind($t.hours_note.as_deref())
            .bind($zone.name())
            .bind($t.operator.as_deref())
            .bind($crate::store::toilet_row::StoredDetails::stored(
                &$t.details,
            ))
    };
}
pub(crate) use bind_facts;

/// Detailed facts as the `details` column holds them: a JSON object of
/// the known facts in their declared order (so equal facts are equal
/// text, which an import's compare relies on), NULL when none is known.
pub(crate) trait StoredDetails {
    fn stored(&self) -> Option<String>;
}

impl StoredDetails for gongce_shared::Details {
    fn stored(&self) -> Option<String> {
        (!self.is_empty())
            .then(|| serde_json::to_string(self).expect("details serialise to JSON without fail"))
    }
}

/// A new toilet's stated facts.
impl StoredDetails for gongce_shared::DetailsChange {
    fn stored(&self) -> Option<String> {
        let mut details = gongce_shared::Details::default();
        self.apply(&mut details);
        details.stored()
    }
}

/// Toilet `$id` as it stands, read on connection `$conn` (`Option<Toilet>`).
macro_rules! load_toilet {
    ($conn:expr, $id:expr) => {
        sqlx::query(concat!(
            "SELECT ",
            $crate::store::toilet_row::toilet_columns!(),
            " FROM toilets WHERE id = $1"
        ))
        .bind($id)
        .fetch_optional($conn)
        .await?
        .map(|row| $crate::store::toilet_row::decode(&row, &mut $crate::store::Parsed::default()))
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
