//! The import's scratch database: rows are streamed into a temporary SQLite
//! file next to the store, the file-wide checks and the merging of rooms
//! into venues run there, and the store is then written from it in one
//! transaction — or, for a dry run, only compared with it.
//!
//! Memory stays flat as files grow: SQLite keeps the rows on disk; what is
//! held in memory is the region grid (bounded by area), one union-find
//! slot per row (4 bytes), and the existing toilets of other sources
//! (bounded by the store, not the file).

use std::path::Path;

use anyhow::Context as _;
use geo::{Distance as _, Haversine};
use gongce_shared::{Details, Fact, LatLon};
use rstar::{RTree, primitives::GeomWithData};
use rusqlite::{Connection, params, types::Type};

use crate::store::toilet_row::StoredDetails as _;

use super::{
    Issue, Severity,
    region::RegionBuilder,
    rows::{Candidate, name_stem},
};

/// Rows this close with the same name stem are one venue.
pub const VENUE_RADIUS_M: f64 = 30.0;
/// Rooms this close with the same name stem are one venue, when both
/// names say which room they are ("臺中火車站北側2F-男廁" and "…-女廁"):
/// lists place a station's or a park's rooms up to ~170 m apart.
pub const ROOM_RADIUS_M: f64 = 200.0;
/// An existing toilet this close with a similar name may be the same one.
pub const DUPLICATE_RADIUS_M: f64 = 20.0;
/// Groups sharing a key are compared pairwise up to this size.
const MAX_GROUP: usize = 500;

const SCHEMA: &str = "
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -16384;
PRAGMA temp_store = FILE;
CREATE TABLE staged (
    row INTEGER PRIMARY KEY, external_id TEXT, name TEXT NOT NULL, stem TEXT NOT NULL,
    address TEXT, lat REAL NOT NULL, lon REAL NOT NULL,
    wheelchair INTEGER, baby_change INTEGER, family_room INTEGER, free INTEGER,
    access TEXT, opening_hours TEXT, hours_note TEXT, timezone TEXT NOT NULL,
    operator TEXT, source_crs TEXT NOT NULL, details TEXT, last_verified TEXT,
    rejected INTEGER NOT NULL DEFAULT 0, venue INTEGER
);
CREATE TABLE seen_ids (external_id TEXT NOT NULL, row INTEGER NOT NULL);
CREATE TABLE venues (
    external_id TEXT PRIMARY KEY, name TEXT NOT NULL, address TEXT,
    lat REAL NOT NULL, lon REAL NOT NULL,
    wheelchair INTEGER, baby_change INTEGER, family_room INTEGER, free INTEGER,
    access TEXT, opening_hours TEXT, hours_note TEXT, timezone TEXT NOT NULL,
    operator TEXT, source_crs TEXT NOT NULL, details TEXT, rows INTEGER NOT NULL,
    last_verified TEXT
) WITHOUT ROWID;
";

pub struct Staging {
    conn: Connection,
    /// Held so the scratch file lives as long as the staging.
    _file: tempfile::NamedTempFile,
    loading: bool,
}

impl Staging {
    /// A scratch database in `dir` (the store's folder, so it is on the same
    /// disk and not in a memory-backed /tmp).
    pub fn create(dir: &Path) -> anyhow::Result<Staging> {
        let file = tempfile::Builder::new()
            .prefix(".gongce-import-")
            .suffix(".sqlite")
            .tempfile_in(dir)
            .with_context(|| format!("cannot create a scratch file in {}", dir.display()))?;
        let conn = Connection::open(file.path())?;
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch("BEGIN")?;
        Ok(Staging {
            conn,
            _file: file,
            loading: true,
        })
    }

    /// Remembers a row's id, valid row or not, for the duplicate check.
    pub fn see_id(&mut self, external_id: &str, row: usize) -> anyhow::Result<()> {
        self.conn
            .prepare_cached("INSERT INTO seen_ids (external_id, row) VALUES (?1, ?2)")?
            .execute(params![external_id, row as i64])?;
        Ok(())
    }

    pub fn insert(&mut self, c: &Candidate) -> anyhow::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO staged (row, external_id, name, stem, address, lat, lon, wheelchair,
                    baby_change, family_room, free, access, opening_hours, hours_note, timezone,
                    operator, source_crs, details, last_verified)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                    ?18, ?19)",
            )?
            .execute(params![
                c.row as i64,
                c.external_id,
                crate::store::toilet_row::StoredName::stored(&c.name),
                c.stem,
                c.address,
                c.position.lat(),
                c.position.lon(),
                c.wheelchair,
                c.baby_change,
                c.family_room,
                c.free,
                c.access.map(|a| a.as_str()),
                c.opening_hours.as_ref().map(|h| h.as_str()),
                c.hours_note,
                c.timezone.name(),
                c.operator,
                c.source_crs.as_str(),
                c.details.stored(),
                c.last_verified.map(crate::store::timestamp),
            ])?;
        Ok(())
    }

    /// Ends loading: commits the rows and indexes them.
    pub fn finish_loading(&mut self) -> anyhow::Result<()> {
        if self.loading {
            self.conn.execute_batch(
                "COMMIT;
                 CREATE INDEX seen_ids_id ON seen_ids (external_id, row);
                 CREATE INDEX staged_stem ON staged (stem);",
            )?;
            self.loading = false;
        }
        Ok(())
    }

    /// Every row whose id an earlier row already has is rejected.
    pub fn reject_duplicate_ids(&mut self, issues: &mut Vec<Issue>) -> anyhow::Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT s.row, s.external_id, MIN(f.row) FROM seen_ids s
             JOIN seen_ids f ON f.external_id = s.external_id AND f.row < s.row
             GROUP BY s.row ORDER BY s.row",
        )?;
        let duplicates: Vec<(i64, String, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        drop(stmt);
        let tx = self.conn.transaction()?;
        for (row, id, first) in duplicates {
            // Rows rejected for other reasons are already in the report.
            let staged = tx.execute("UPDATE staged SET rejected = 1 WHERE row = ?1", [row])?;
            if staged > 0 {
                issues.push(Issue {
                    row: row as usize,
                    external_id: Some(id.clone()),
                    column: "id".to_owned(),
                    value: id,
                    code: "duplicate_id",
                    limit: Some(first),
                    reason: format!("duplicate id: row {first} has it already"),
                    severity: Severity::Rejected,
                });
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Rejects (or, when they are swapped and `fix_swapped`, fixes) rows
    /// far outside the region of the others. The region is returned for the report.
    pub fn check_region(
        &mut self,
        fix_swapped: bool,
        lat_column: &str,
        issues: &mut Vec<Issue>,
    ) -> anyhow::Result<Option<String>> {
        let mut builder = RegionBuilder::default();
        {
            let mut stmt = self
                .conn
                .prepare("SELECT lat, lon FROM staged WHERE rejected = 0")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                builder.add(r.get(0)?, r.get(1)?);
            }
        }
        let Some(region) = builder.build() else {
            return Ok(None);
        };
        let far: Vec<(i64, Option<String>, f64, f64, f64)> = {
            let mut stmt = self.conn.prepare(
                "SELECT row, external_id, lat, lon FROM staged WHERE rejected = 0 ORDER BY row",
            )?;
            let mut found = Vec::new();
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let (lat, lon): (f64, f64) = (r.get(2)?, r.get(3)?);
                if let Some(km) = region.is_far(lat, lon) {
                    found.push((r.get(0)?, r.get(1)?, lat, lon, km));
                }
            }
            found
        };
        let tx = self.conn.transaction()?;
        for (row, external_id, lat, lon, km) in far {
            let swapped_inside = LatLon::new(lon, lat).is_ok() && region.is_far(lon, lat).is_none();
            let mut issue = Issue {
                row: row as usize,
                external_id,
                column: lat_column.to_owned(),
                value: format!("{lat}, {lon}"),
                code: "far_outside",
                limit: Some(km.round() as i64),
                reason: String::new(),
                severity: Severity::Rejected,
            };
            if swapped_inside && fix_swapped {
                tx.execute(
                    "UPDATE staged SET lat = lon, lon = lat WHERE row = ?1",
                    [row],
                )?;
                issue.reason = format!(
                    "latitude and longitude swapped: {km:.0} km outside the region of the other rows; read as {lon}, {lat}"
                );
                issue.severity = Severity::Fixed;
                issue.code = "coordinates_swapped";
            } else {
                tx.execute("UPDATE staged SET rejected = 1 WHERE row = ?1", [row])?;
                if swapped_inside {
                    issue.code = "coordinates_look_swapped";
                }
                issue.reason = if swapped_inside {
                    format!(
                        "{km:.0} km outside the region of the other rows; latitude and longitude look swapped (--fix-swapped swaps them)"
                    )
                } else {
                    format!(
                        "far outside the region of the other rows: {km:.0} km beyond it ({})",
                        region.describe()
                    )
                };
            }
            issues.push(issue);
        }
        tx.commit()?;
        Ok(Some(region.describe()))
    }

    /// Links rows that are rooms of one venue and writes the venues table.
    /// Returns the number of rows folded into another.
    pub fn merge_venues(&mut self) -> anyhow::Result<usize> {
        let max_row: i64 =
            self.conn
                .query_row("SELECT COALESCE(MAX(row), 0) FROM staged", [], |r| r.get(0))?;
        let mut parent: Vec<u32> = (0..=max_row as u32).collect();
        fn find(parent: &mut [u32], mut x: u32) -> u32 {
            while parent[x as usize] != x {
                parent[x as usize] = parent[parent[x as usize] as usize];
                x = parent[x as usize];
            }
            x
        }
        // Only rows of one stem are linked: an address shared by two
        // stems ("臺中火車站站外1F", "臺中火車站地下停車場(1A)B1") never
        // links them. Toilets without a name are never linked.
        {
            let mut stmt = self.conn.prepare(
                "SELECT row, stem, lat, lon, stem <> name FROM staged
                 WHERE rejected = 0 AND stem <> '' ORDER BY stem, row",
            )?;
            let mut rows = stmt.query([])?;
            let mut group: Vec<(u32, LatLon, bool)> = Vec::new();
            let mut current: Option<String> = None;
            let flush = |group: &mut Vec<(u32, LatLon, bool)>, parent: &mut Vec<u32>| {
                for i in 0..group.len().min(MAX_GROUP) {
                    for j in i + 1..group.len().min(MAX_GROUP) {
                        let (a, b) = (group[i], group[j]);
                        let radius = if a.2 && b.2 {
                            ROOM_RADIUS_M
                        } else {
                            VENUE_RADIUS_M
                        };
                        if metres(a.1, b.1) <= radius {
                            let (ra, rb) = (find(parent, a.0), find(parent, b.0));
                            if ra != rb {
                                // The earlier row leads.
                                parent[ra.max(rb) as usize] = ra.min(rb);
                            }
                        }
                    }
                }
                group.clear();
            };
            while let Some(r) = rows.next()? {
                let row: i64 = r.get(0)?;
                let value: String = r.get(1)?;
                let p = LatLon::new(r.get(2)?, r.get(3)?)?;
                if current.as_deref() != Some(value.as_str()) {
                    flush(&mut group, &mut parent);
                    current = Some(value);
                }
                group.push((row as u32, p, r.get(4)?));
            }
            flush(&mut group, &mut parent);
        }
        let tx = self.conn.transaction()?;
        {
            let mut update = tx.prepare("UPDATE staged SET venue = ?2 WHERE row = ?1")?;
            for row in 0..=max_row as u32 {
                let root = find(&mut parent, row);
                update.execute(params![row, root])?;
            }
        }
        tx.commit()?;
        drop(parent);

        // One venue per group: the stem of its first row as its name (when
        // it has several rooms), the smallest of its ids as its key, the
        // middle of its rooms as its place, and the facilities of any room.
        let mut stmt = self.conn.prepare(
            "SELECT venue, row, external_id, name, stem, address, lat, lon, wheelchair,
                    baby_change, family_room, free, access, opening_hours, hours_note, timezone,
                    operator, source_crs, details, last_verified
             FROM staged WHERE rejected = 0 ORDER BY venue, row",
        )?;
        let mut insert = self.conn.prepare(
            "INSERT INTO venues (external_id, name, address, lat, lon, wheelchair, baby_change,
                family_room, free, access, opening_hours, hours_note, timezone, operator,
                source_crs, details, rows, last_verified)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                ?18)",
        )?;
        self.conn.execute_batch("BEGIN")?;
        let mut merged = 0;
        let mut venue: Option<(i64, Venue)> = None;
        let mut rows = stmt.query([])?;
        loop {
            let next = rows.next()?;
            let group = next.map(|r| r.get::<_, i64>(0)).transpose()?;
            if let Some((id, v)) = venue.take_if(|(id, _)| Some(*id) != group) {
                let _ = id;
                merged += v.rows - 1;
                v.insert(&mut insert)?;
            }
            let Some(r) = next else { break };
            let room = Venue::from_row(r)?;
            match &mut venue {
                Some((_, v)) => v.absorb(room),
                None => venue = Some((group.unwrap_or_default(), room)),
            }
        }
        drop(rows);
        drop(insert);
        drop(stmt);
        self.conn.execute_batch("COMMIT")?;
        Ok(merged)
    }

    /// Venues within [`DUPLICATE_RADIUS_M`] of an existing toilet of
    /// another source with a similar name: reported, not merged.
    pub fn flag_possible_duplicates(
        &mut self,
        existing: &[(i64, String, LatLon)],
        issues: &mut Vec<Issue>,
    ) -> anyhow::Result<usize> {
        if existing.is_empty() {
            return Ok(0);
        }
        let tree = RTree::bulk_load(
            existing
                .iter()
                .enumerate()
                .map(|(i, (_, _, p))| GeomWithData::new(p.to_unit_vector(), i))
                .collect(),
        );
        let chord = 2.0 * (DUPLICATE_RADIUS_M / Haversine.radius() / 2.0).sin();
        let mut stmt = self
            .conn
            .prepare("SELECT external_id, name, lat, lon FROM venues ORDER BY external_id")?;
        let mut rows = stmt.query([])?;
        let mut found = 0;
        while let Some(r) = rows.next()? {
            let (external_id, name): (String, String) = (r.get(0)?, r.get(1)?);
            let p = LatLon::new(r.get(2)?, r.get(3)?)?;
            let stem = name_stem(&name);
            let near = tree
                .locate_within_distance(p.to_unit_vector(), chord * chord)
                .map(|hit| &existing[hit.data])
                .filter(|(_, other, _)| similar_names(&stem, &name_stem(other)))
                .min_by(|a, b| metres(a.2, p).total_cmp(&metres(b.2, p)));
            if let Some((id, other, q)) = near {
                found += 1;
                issues.push(Issue {
                    row: 0,
                    external_id: Some(external_id.clone()),
                    column: "name".to_owned(),
                    value: name.clone(),
                    code: "possible_duplicate",
                    limit: Some(metres(*q, p).round() as i64),
                    reason: format!(
                        "possible duplicate of toilet {id} {other:?}, {:.0} m away; imported as a separate toilet",
                        metres(*q, p)
                    ),
                    severity: Severity::Warning,
                });
            }
        }
        Ok(found)
    }

    /// The scratch database (its `venues` table is what gets written).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Up to `n` toilets the list makes, as they will be written (by id).
    pub fn preview(&self, n: usize) -> anyhow::Result<Vec<super::PreviewRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT external_id, name, address, lat, lon, wheelchair, baby_change, family_room,
                free, opening_hours, hours_note, rows, details
             FROM venues ORDER BY external_id LIMIT ?1",
        )?;
        let rows = stmt.query_map([n as i64], |r| {
            Ok(super::PreviewRow {
                external_id: r.get(0)?,
                name: r.get(1)?,
                address: r.get(2)?,
                lat: r.get(3)?,
                lon: r.get(4)?,
                wheelchair: r.get(5)?,
                baby_change: r.get(6)?,
                family_room: r.get(7)?,
                free: r.get(8)?,
                opening_hours: r.get(9)?,
                hours_note: r.get(10)?,
                rows: r.get(11)?,
                details: details_at(r, 12)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every venue of more than one row, by id, with its rooms' kinds
    /// and ids.
    pub fn venues_of_rooms(&self) -> anyhow::Result<Vec<super::VenueRooms>> {
        let mut stmt = self.conn.prepare(
            "SELECT external_id, name, rows, details FROM venues WHERE rows > 1
             ORDER BY external_id",
        )?;
        let rows = stmt.query_map([], |r| {
            let rooms = details_at(r, 3)?
                .rooms
                .into_iter()
                .map(|room| gongce_shared::Room {
                    kind: room.kind,
                    external_id: room.external_id,
                    ..gongce_shared::Room::default()
                })
                .collect();
            Ok(super::VenueRooms {
                external_id: r.get(0)?,
                name: r.get(1)?,
                rows: r.get(2)?,
                rooms,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn venue_count(&self) -> anyhow::Result<usize> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM venues", [], |r| r.get::<_, i64>(0))?
            as usize)
    }

    /// For each field a list can fill, how many of its toilets got a known
    /// value: what the list contributed, field by field.
    pub fn known_counts(&self) -> anyhow::Result<Vec<super::Known>> {
        let columns = [
            "name",
            "address",
            "wheelchair",
            "baby_change",
            "family_room",
            "free",
            "access",
            "opening_hours",
            "hours_note",
            "operator",
        ];
        // A toilet without a name has the empty text.
        let mut sums: Vec<(&'static str, String)> = columns
            .iter()
            .map(|&c| {
                let known = if c == "name" {
                    "name <> ''".to_owned()
                } else {
                    format!("{c} IS NOT NULL")
                };
                (c, format!("COALESCE(SUM({known}), 0)"))
            })
            .collect();
        sums.extend(Fact::ALL.iter().map(|f| {
            (
                f.key(),
                format!(
                    "COALESCE(SUM(json_extract(details, '$.{}') IS NOT NULL), 0)",
                    f.key()
                ),
            )
        }));
        sums.push((
            "rooms",
            "COALESCE(SUM(json_array_length(details, '$.rooms') > 0), 0)".to_owned(),
        ));
        let sql = format!(
            "SELECT {} FROM venues",
            sums.iter()
                .map(|(_, s)| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        let counts = self.conn.query_row(&sql, [], |r| {
            (0..sums.len())
                .map(|i| r.get::<_, i64>(i))
                .collect::<Result<Vec<_>, _>>()
        })?;
        Ok(sums
            .iter()
            .zip(counts)
            .map(|((field, _), toilets)| super::Known {
                field,
                toilets: toilets as usize,
            })
            .collect())
    }
}

fn metres(a: LatLon, b: LatLon) -> f64 {
    Haversine.distance(
        geo::Point::new(a.lon(), a.lat()),
        geo::Point::new(b.lon(), b.lat()),
    )
}

/// Names similar enough to be the same place: equal stems, one inside the
/// other, or at least half their character pairs shared.
pub fn similar_names(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> Vec<char> {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let (a, b) = (norm(a), norm(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a == b {
        return true;
    }
    let (sa, sb): (String, String) = (a.iter().collect(), b.iter().collect());
    if (a.len() >= 2 && sb.contains(&sa)) || (b.len() >= 2 && sa.contains(&sb)) {
        return true;
    }
    let pairs = |v: &[char]| -> std::collections::HashSet<(char, char)> {
        v.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let (pa, pb) = (pairs(&a), pairs(&b));
    let shared = pa.intersection(&pb).count();
    let union = pa.union(&pb).count();
    union > 0 && shared * 2 >= union
}

/// A venue being assembled from its rooms.
struct Venue {
    rows: usize,
    external_id: Option<String>,
    name: String,
    stem: String,
    address: Option<String>,
    lat_sum: f64,
    lon_sum: f64,
    facilities: [Option<bool>; 4],
    details: Details,
    access: Option<String>,
    opening_hours: Option<String>,
    hours_note: Option<String>,
    timezone: String,
    operator: Option<String>,
    source_crs: String,
    /// When the list last checked it (RFC 3339, as the store writes it):
    /// of several rooms, the latest.
    last_verified: Option<String>,
    /// The first room's place, for venues without an id of their own.
    first: (f64, f64),
}

impl Venue {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Venue> {
        let (lat, lon): (f64, f64) = (r.get(6)?, r.get(7)?);
        Ok(Venue {
            rows: 1,
            external_id: r.get(2)?,
            name: r.get(3)?,
            stem: r.get(4)?,
            address: r.get(5)?,
            lat_sum: lat,
            lon_sum: lon,
            facilities: [r.get(8)?, r.get(9)?, r.get(10)?, r.get(11)?],
            access: r.get(12)?,
            opening_hours: r.get(13)?,
            hours_note: r.get(14)?,
            timezone: r.get(15)?,
            operator: r.get(16)?,
            source_crs: r.get(17)?,
            details: details_at(r, 18)?,
            last_verified: r.get(19)?,
            first: (lat, lon),
        })
    }

    fn absorb(&mut self, room: Venue) {
        self.rows += 1;
        self.external_id = match (self.external_id.take(), room.external_id) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.lat_sum += room.lat_sum;
        self.lon_sum += room.lon_sum;
        // Any room that has it: yes. Every room says no: no. Else unknown.
        for (mine, theirs) in self.facilities.iter_mut().zip(room.facilities) {
            *mine = gongce_shared::details::either_room(*mine, theirs);
        }
        self.address = self.address.take().or(room.address);
        self.access = self.access.take().or(room.access);
        self.opening_hours = self.opening_hours.take().or(room.opening_hours);
        self.hours_note = self.hours_note.take().or(room.hours_note);
        self.operator = self.operator.take().or(room.operator);
        self.last_verified = self.last_verified.take().max(room.last_verified);
        self.details.absorb(&room.details);
    }

    fn insert(self, insert: &mut rusqlite::Statement<'_>) -> anyhow::Result<()> {
        let name = if self.rows > 1 { self.stem } else { self.name };
        let n = self.rows as f64;
        // Seven decimals is ~1 cm: enough, and stable across re-imports.
        let round = |x: f64| (x * 1e7).round() / 1e7;
        let (lat, lon) = if self.rows > 1 {
            (round(self.lat_sum / n), round(self.lon_sum / n))
        } else {
            (self.lat_sum, self.lon_sum)
        };
        // Without an id, the key is made from the name and a ~10 m place,
        // so re-importing the same list finds the same toilet.
        let external_id = self.external_id.unwrap_or_else(|| {
            format!(
                "auto:{:016x}",
                fnv1a(&format!("{name}|{:.4}|{:.4}", self.first.0, self.first.1))
            )
        });
        let mut key = external_id.clone();
        let mut n = 1;
        loop {
            match insert.execute(params![
                key,
                name,
                self.address,
                lat,
                lon,
                self.facilities[0],
                self.facilities[1],
                self.facilities[2],
                self.facilities[3],
                self.access,
                self.opening_hours,
                self.hours_note,
                self.timezone,
                self.operator,
                self.source_crs,
                self.details.stored(),
                self.rows as i64,
                self.last_verified,
            ]) {
                Ok(_) => return Ok(()),
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    n += 1;
                    key = format!("{external_id}~{n}");
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// The detailed facts in column `i` (JSON text, or NULL for none).
fn details_at(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Details> {
    r.get_ref(i)?
        .as_str_or_null()?
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Text, e.into()))
        .map(Option::unwrap_or_default)
}

/// FNV-1a, 64 bits: a stable hash for made-up keys (std's hasher may change
/// between releases).
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
