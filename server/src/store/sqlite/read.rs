//! Reading toilet rows from the SQLite file, fast: plain statement loops on
//! read-only connections, one per core for a whole snapshot.

use std::{path::Path, sync::Arc};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use gongce_shared::{LatLon, Status, Toilet, ToiletId, ToiletName, reports::ReportSummary};
use rusqlite::{Connection, OpenFlags, Row};

use crate::store::{Parsed, Snapshot};

const SELECT_TOILETS: &str = "SELECT id, source, external_id, name, address, lat, lon, \
    wheelchair, baby_change, family_room, free, access, opening_hours, hours_note, timezone, \
    operator, org_id, last_verified, status, closed_reason, closed_until, version, updated_at, \
    source_crs, open_reports, reported_closed, last_report_kind, last_report_at, last_fixed_at \
    FROM toilets";

fn open(path: &Path) -> anyhow::Result<Connection> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("cannot open {} for reading", path.display()))?;
    connection.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(connection)
}

/// Everything, with the change-log position read first. The id range is
/// split among the cores, each reading its part on its own connection.
pub(super) fn snapshot(path: &Path) -> anyhow::Result<Snapshot> {
    let connection = open(path)?;
    let seq: i64 = connection.query_row(
        "SELECT COALESCE(MAX(seq), 0) FROM toilet_changes",
        [],
        |r| r.get(0),
    )?;
    let (min, max): (Option<i64>, Option<i64>) =
        connection.query_row("SELECT MIN(id), MAX(id) FROM toilets", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    drop(connection);
    let (Some(min), Some(max)) = (min, max) else {
        return Ok(Snapshot {
            toilets: Vec::new(),
            seq,
        });
    };
    let ranges = crate::store::id_ranges(min, max);
    let parts: Vec<anyhow::Result<Vec<Arc<Toilet>>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = ranges
            .iter()
            .map(|&(lo, hi)| scope.spawn(move || range(path, lo, hi)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a reader thread panicked")))
            })
            .collect()
    });
    let mut toilets = Vec::new();
    for part in parts {
        let mut part = part?;
        if toilets.is_empty() {
            toilets = part;
        } else {
            toilets.append(&mut part);
        }
    }
    Ok(Snapshot { toilets, seq })
}

/// The toilets with ids in `lo..=hi`, each put behind its `Arc` here, on
/// this reader's core.
fn range(path: &Path, lo: i64, hi: i64) -> anyhow::Result<Vec<Arc<Toilet>>> {
    let connection = open(path)?;
    let sql = format!("{SELECT_TOILETS} WHERE id BETWEEN ?1 AND ?2");
    let mut statement = connection.prepare(&sql)?;
    let mut rows = statement.query([lo, hi])?;
    let mut decoder = Decoder::default();
    let mut toilets = Vec::with_capacity(usize::try_from(hi - lo + 1).unwrap_or(0).min(1 << 24));
    while let Some(row) = rows.next()? {
        if let Some(toilet) = decoder.decode(row) {
            toilets.push(Arc::new(toilet));
        }
    }
    Ok(toilets)
}

/// The toilets with these ids that exist.
pub(super) fn by_ids(path: &Path, ids: &[ToiletId]) -> anyhow::Result<Vec<Toilet>> {
    let connection = open(path)?;
    let mut decoder = Decoder::default();
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let placeholders = vec!["?"; chunk.len()].join(",");
        let sql = format!("{SELECT_TOILETS} WHERE id IN ({placeholders})");
        let mut statement = connection.prepare(&sql)?;
        let mut rows =
            statement.query(rusqlite::params_from_iter(chunk.iter().map(|id| id.get())))?;
        while let Some(row) = rows.next()? {
            found.extend(decoder.decode(row));
        }
    }
    Ok(found)
}

fn parse_timestamp(column: &str, s: &str) -> anyhow::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .with_context(|| format!("column {column}: invalid timestamp {s:?}"))
}

/// Turns rows into toilets, sharing one parsed copy of each distinct
/// opening-hours text and time zone (most toilets share a handful).
/// Columns are read by position, in the order of `SELECT_TOILETS`.
#[derive(Default)]
struct Decoder(Parsed);

impl Decoder {
    /// A row that does not make a valid toilet (edited by hand, say) is
    /// logged and left out, never served.
    fn decode(&mut self, row: &Row<'_>) -> Option<Toilet> {
        self.toilet(row)
            .map_err(|e| tracing::warn!("skipping toilet row: {e:#}"))
            .ok()
    }

    fn toilet(&mut self, row: &Row<'_>) -> anyhow::Result<Toilet> {
        let id: i64 = row.get(0)?;
        let id = ToiletId::new(id).with_context(|| format!("invalid id {id}"))?;
        let context = || format!("toilet {id}");
        let text =
            |i: usize| -> anyhow::Result<Option<&str>> { Ok(row.get_ref(i)?.as_str_or_null()?) };
        let opening_hours = text(12)?
            .map(|t| self.0.hours(t))
            .transpose()
            .with_context(context)?;
        let timezone = self
            .0
            .zone(text(14)?.unwrap_or_default())
            .with_context(context)?;
        let status = match text(18)?.unwrap_or_default() {
            "open" => Status::Open,
            "removed" => Status::Removed,
            "temporarily_closed" => Status::TemporarilyClosed {
                reason: row.get::<_, Option<String>>(19)?.unwrap_or_default(),
                until: text(20)?
                    .map(|u| parse_timestamp("closed_until", u))
                    .transpose()?,
            },
            other => anyhow::bail!("{}: unknown status {other:?}", context()),
        };
        Ok(Toilet {
            id,
            name: ToiletName::new(text(3)?.unwrap_or_default()).with_context(context)?,
            address: row.get(4)?,
            position: LatLon::new(row.get(5)?, row.get(6)?).with_context(context)?,
            wheelchair: row.get(7)?,
            baby_change: row.get(8)?,
            family_room: row.get(9)?,
            free: row.get(10)?,
            access: text(11)?
                .map(str::parse)
                .transpose()
                .with_context(context)?,
            opening_hours,
            hours_note: row.get(13)?,
            timezone,
            operator: row.get(15)?,
            org_id: row.get(16)?,
            last_verified: text(17)?
                .map(|t| parse_timestamp("last_verified", t))
                .transpose()?,
            status,
            source: row.get(1)?,
            external_id: row.get(2)?,
            source_crs: text(23)?
                .unwrap_or_default()
                .parse()
                .with_context(context)?,
            reports: ReportSummary {
                open: row.get::<_, i64>(24)?.max(0) as u32,
                reported_closed: row.get::<_, i64>(25)? != 0,
                last_kind: text(26)?.and_then(|k| k.parse().ok()),
                last_at: text(27)?
                    .map(|t| parse_timestamp("last_report_at", t))
                    .transpose()?,
                fixed_at: text(28)?
                    .map(|t| parse_timestamp("last_fixed_at", t))
                    .transpose()?,
            },
            version: row.get(21)?,
            updated_at: parse_timestamp("updated_at", text(22)?.unwrap_or_default())?,
        })
    }
}
