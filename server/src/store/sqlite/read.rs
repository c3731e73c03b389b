//! Reading toilet rows from the SQLite file, fast: plain statement loops on
//! read-only connections, one per core for a whole snapshot.

use std::path::Path;

use anyhow::Context as _;
use gongce_shared::{Toilet, ToiletId};
use rusqlite::{Connection, OpenFlags, Row};

use crate::store::{
    Keep, Parsed, Snapshot,
    stamp::Stamp,
    toilet_row::{ToiletRow, toilet_columns},
};

const SELECT_TOILETS: &str = concat!("SELECT ", toilet_columns!(), " FROM toilets");

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
pub(super) fn snapshot<K: Keep>(path: &Path) -> anyhow::Result<Snapshot<K::Kept>> {
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
    let parts: Vec<anyhow::Result<Vec<K::Kept>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = ranges
            .iter()
            .map(|&(lo, hi)| scope.spawn(move || range::<K>(path, lo, hi)))
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

/// The toilets with ids in `lo..=hi`, each kept (as `K` makes it) here, on
/// this reader's core.
fn range<K: Keep>(path: &Path, lo: i64, hi: i64) -> anyhow::Result<Vec<K::Kept>> {
    let connection = open(path)?;
    let sql = format!("{SELECT_TOILETS} WHERE id BETWEEN ?1 AND ?2");
    let mut statement = connection.prepare(&sql)?;
    let mut rows = statement.query([lo, hi])?;
    let mut decoder = Decoder::default();
    let mut keep = K::default();
    let mut toilets = Vec::with_capacity(usize::try_from(hi - lo + 1).unwrap_or(0).min(1 << 24));
    while let Some(row) = rows.next()? {
        if let Some(toilet) = decoder.decode(row) {
            toilets.push(keep.keep(toilet));
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

/// Turns rows into toilets, sharing one parsed copy of each distinct
/// opening-hours text and time zone (most toilets share a handful).
#[derive(Default)]
struct Decoder(Parsed);

impl Decoder {
    /// A row that does not make a valid toilet (edited by hand, say) is
    /// logged and left out, never served.
    fn decode(&mut self, row: &Row<'_>) -> Option<Toilet> {
        let toilet = columns(row)
            .map_err(anyhow::Error::from)
            .and_then(|r| r.parse(&mut self.0).map_err(anyhow::Error::from));
        toilet
            .map_err(|e| tracing::warn!("skipping toilet row: {e:#}"))
            .ok()
    }
}

/// A row's columns by position, in `toilet_columns!`'s order.
fn columns<'r>(row: &'r Row<'_>) -> rusqlite::Result<ToiletRow<'r>> {
    let text =
        |i: usize| -> rusqlite::Result<Option<&'r str>> { Ok(row.get_ref(i)?.as_str_or_null()?) };
    let stamp = |i: usize| -> rusqlite::Result<Option<Stamp>> {
        text(i)?
            .map(|t| {
                Stamp::parse(t).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        i,
                        rusqlite::types::Type::Text,
                        e.into(),
                    )
                })
            })
            .transpose()
    };
    Ok(ToiletRow {
        id: row.get(0)?,
        source: text(1)?.unwrap_or_default(),
        external_id: text(2)?,
        name: text(3)?.unwrap_or_default(),
        address: text(4)?,
        lat: row.get(5)?,
        lon: row.get(6)?,
        wheelchair: row.get(7)?,
        baby_change: row.get(8)?,
        family_room: row.get(9)?,
        free: row.get(10)?,
        access: text(11)?,
        opening_hours: text(12)?,
        hours_note: text(13)?,
        timezone: text(14)?.unwrap_or_default(),
        operator: text(15)?,
        org_id: row.get(16)?,
        last_verified: stamp(17)?,
        status: text(18)?.unwrap_or_default(),
        closed_reason: text(19)?,
        closed_until: stamp(20)?,
        version: row.get(21)?,
        updated_at: stamp(22)?.ok_or(rusqlite::Error::InvalidColumnType(
            22,
            "updated_at".into(),
            rusqlite::types::Type::Null,
        ))?,
        source_crs: text(23)?.unwrap_or_default(),
        open_reports: row.get(24)?,
        reported_closed: row.get(25)?,
        last_report_kind: text(26)?,
        last_report_at: stamp(27)?,
        last_fixed_at: stamp(28)?,
        details: text(29)?,
    })
}
