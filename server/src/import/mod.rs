//! Importing toilet lists: CSV (UTF-8, GBK, Big5 …), Excel and GeoJSON, in
//! WGS-84, GCJ-02 or BD-09.
//!
//! One pass streams the file through per-row checks ([`rows`]) into a
//! scratch SQLite file ([`staging`]); file-wide checks follow there
//! (duplicate ids, points far outside the file's region, rooms merged into
//! venues, possible duplicates of toilets already stored); the result is
//! compared with the store read-only, which is all a dry run does; a real
//! import then writes every venue in one transaction. Nothing is written
//! unless every row passed, or `skip_invalid` says to write the rest.

mod export;
mod fields;
mod input;
mod osm;
mod region;
mod rows;
mod schemas;
mod staging;

use std::{fmt, io::IsTerminal as _, path::Path, time::Instant};

use anyhow::Context as _;
use chrono::Utc;
use gongce_shared::{Crs, TimeZone};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::store::ImportTarget;

pub use export::{ExportFormat, Licence, export, export_csv, export_geojson};
pub use fields::{ColumnMap, Field, Mapping};
pub use input::{Format, detect_encoding};
pub use rows::{name_stem, room_kind};
pub use schemas::Schema;
pub use staging::similar_names;

/// How to read a file and what to do with it.
#[derive(Debug, Clone)]
pub struct Options {
    /// The source name that, with each row's external id, keys re-imports.
    pub source: String,
    /// For rows with no time zone column; when `None`, each row's zone is
    /// the one at its position.
    pub timezone: Option<TimeZone>,
    /// The coordinate system of the file's coordinates.
    pub crs: Crs,
    /// The file's format, when its name does not tell.
    pub format: Option<Format>,
    /// A CSV file's text encoding; detected when `None`.
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// An Excel sheet by name or number (from 1); the first when `None`.
    pub sheet: Option<String>,
    pub maps: Vec<ColumnMap>,
    /// Swap latitude and longitude where they are evidently swapped.
    pub fix_swapped: bool,
    /// Write the valid rows even when some are rejected.
    pub skip_invalid: bool,
    /// Mark this source's toilets that the list no longer has as removed.
    pub remove_missing: bool,
    /// Report only; write nothing.
    pub dry_run: bool,
    /// Draw a progress bar on standard error when it is a terminal.
    pub progress: bool,
    /// Now, for dates a list may not give from the future.
    pub now: chrono::DateTime<Utc>,
    /// The day the list's publisher checked the rows it marks verified
    /// (Australia's `Status` = `Verified`), which become verified then.
    pub checked_on: Option<chrono::NaiveDate>,
}

impl Options {
    pub fn new(source: impl Into<String>) -> Options {
        Options {
            source: source.into(),
            timezone: None,
            crs: Crs::Wgs84,
            format: None,
            encoding: None,
            sheet: None,
            maps: Vec::new(),
            fix_swapped: false,
            skip_invalid: false,
            remove_missing: false,
            dry_run: false,
            progress: false,
            now: Utc::now(),
            checked_on: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The row is not imported.
    Rejected,
    /// The row was corrected (with `--fix-swapped`) and imported.
    Fixed,
    /// Imported, but worth a look.
    Warning,
}

/// One problem: where it is, what was there, and why it matters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// The row in the file (CSV: its line, the header being line 1; Excel:
    /// the sheet's row; GeoJSON: the feature, from 1); 0 for a venue.
    pub row: usize,
    pub external_id: Option<String>,
    pub column: String,
    pub value: String,
    /// Stable, for programs and translations: `blank`, `too_long`,
    /// `not_a_number`, `out_of_range`, `invalid_field`, `unreadable_row`,
    /// `coordinates_swapped`, `coordinates_look_swapped`, `columns_shifted`,
    /// `far_outside`, `duplicate_id`, `hours_kept_as_note`,
    /// `possible_duplicate` (the table in docs/IMPORT.md).
    pub code: &'static str,
    /// The number the code speaks of: the most characters, the largest
    /// coordinate, the row that has an id first, kilometres outside the
    /// region, metres to a possible duplicate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// In English, for the terminal and logs.
    pub reason: String,
    pub severity: Severity,
}

/// Why a value is refused: a code, its number, and English words.
pub struct Problem {
    pub code: &'static str,
    pub limit: Option<i64>,
    pub reason: String,
}

impl Problem {
    pub fn new(code: &'static str, limit: Option<i64>, reason: impl Into<String>) -> Problem {
        Problem {
            code,
            limit,
            reason: reason.into(),
        }
    }
}

impl From<gongce_shared::ParseError> for Problem {
    fn from(e: gongce_shared::ParseError) -> Problem {
        Problem::new(e.code, e.limit, e.reason)
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "row {}, column {:?}, value {:?}: {}",
            self.row, self.column, self.value, self.reason
        )
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Rows read from the file.
    pub read: usize,
    /// Rows rejected.
    pub rejected: usize,
    /// Rows corrected and kept.
    pub fixed: usize,
    /// Rows folded into another row's venue.
    pub merged: usize,
    /// Toilets the list makes, after merging.
    pub venues: usize,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// This source's toilets missing from the list, marked removed.
    pub removed: usize,
    pub possible_duplicates: usize,
    /// Toilets the file says are not public (OpenStreetMap
    /// `access=private` or `no`), left out.
    pub private: usize,
}

impl Counts {
    /// What the store said the list does.
    fn set(&mut self, c: crate::store::ImportCounts) {
        self.inserted = c.inserted;
        self.updated = c.updated;
        self.unchanged = c.unchanged;
        self.removed = c.removed;
    }
}

/// Everything an admin needs to decide: printed as a table, saved as JSON.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub file: String,
    pub source: String,
    pub format: Format,
    /// The known list the file was recognised as, by its columns.
    pub schema: Option<Schema>,
    /// The text encoding a CSV file was read in.
    pub encoding: Option<&'static str>,
    pub crs: Crs,
    pub dry_run: bool,
    /// Whether the store was written.
    pub written: bool,
    /// Each column and the field it filled (`null`: ignored).
    pub columns: Vec<ColumnReport>,
    /// Where the file's toilets lie, as used for "far outside".
    pub region: Option<String>,
    pub counts: Counts,
    /// For each field a list can fill (basic ones, then the facts and
    /// `rooms`), how many of its toilets got a known value.
    pub known: Vec<Known>,
    /// Sorted by row.
    pub issues: Vec<Issue>,
    /// The first toilets the list makes (by id), as they will be written:
    /// what an admin checks before confirming.
    pub preview: Vec<PreviewRow>,
    /// Every toilet the list makes of several rows, by id, with the kind
    /// and id of each of its rooms: what an admin checks of the merging.
    pub venues: Vec<VenueRooms>,
}

/// A toilet made of several rows of a list, and its rooms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VenueRooms {
    pub external_id: String,
    pub name: String,
    /// Rows of the file folded into it.
    pub rows: i64,
    /// Its rooms' kinds and ids (empty when the rows do not say which
    /// room they are, such as one place listed twice).
    pub rooms: Vec<gongce_shared::Room>,
}

/// Toilets shown in a report's preview.
pub const PREVIEW_ROWS: usize = 20;

/// A toilet the list makes, as it will be written (WGS-84).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreviewRow {
    pub external_id: String,
    pub name: String,
    pub address: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub wheelchair: Option<bool>,
    pub baby_change: Option<bool>,
    pub family_room: Option<bool>,
    pub free: Option<bool>,
    pub opening_hours: Option<String>,
    pub hours_note: Option<String>,
    /// Rows of the file folded into this toilet: its rooms, or repeats
    /// of it (its `rooms`, when the list gives them room by room, are
    /// among its facts).
    pub rows: i64,
    /// The detailed facts the list gives it, flat as in a toilet.
    #[serde(flatten)]
    pub details: gongce_shared::Details,
}

/// How many of a list's toilets got a known value for one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Known {
    pub field: &'static str,
    pub toilets: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ColumnReport {
    pub column: String,
    pub field: Option<&'static str>,
    /// Read by the known list's own rules (`schema`) into added columns.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub read_by_schema: bool,
}

impl Report {
    pub fn rejected(&self) -> impl Iterator<Item = &Issue> {
        self.issues
            .iter()
            .filter(|i| i.severity == Severity::Rejected)
    }
}

/// Imports `path` into `store` (which must be at the current schema unless
/// this is a dry run). Call it from a blocking thread: on PostgreSQL it
/// waits for the database on the current runtime.
/// Opens `path` as `options` say and maps its columns to fields: all of an
/// import before the first row.
fn open(
    path: &Path,
    options: &Options,
    wrap: impl FnOnce(std::fs::File) -> Box<dyn std::io::Read>,
) -> anyhow::Result<(Format, input::Input, Mapping)> {
    let format = options
        .format
        .or_else(|| Format::from_path(path))
        .with_context(|| {
            format!(
                "cannot tell the format of {}: name it .csv, .xlsx, .xls, .geojson or .osm.pbf, or pass --format",
                path.display()
            )
        })?;
    let input = input::Input::open(
        path,
        format,
        options.encoding,
        options.sheet.as_deref(),
        options.checked_on,
        wrap,
    )
    .with_context(|| format!("cannot read {}", path.display()))?;
    let mapping = Mapping::new(
        &input.headers,
        &options.maps,
        input.derived.as_ref().map_or(&[], |d| &d.reads),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    // What the file turned out to be (Overpass JSON in a .json file).
    let format = input.format;
    if !matches!(format, Format::Geojson | Format::Osm) {
        for required in [Field::Name, Field::Lat, Field::Lon] {
            if mapping.column_of(required).is_none() {
                anyhow::bail!(
                    "no column for {}: expected a header named one of {} (or --map COLUMN={}); the file's columns are {}",
                    required.name(),
                    required.aliases().join(", "),
                    required.name(),
                    input.headers.join(", ")
                );
            }
        }
    }
    Ok((format, input, mapping))
}

/// Reads every row of `path` and checks it on its own, writing nothing and
/// touching no store: what the file readers and the row checks make of a
/// file (the fuzz targets drive this). Answers the row problems found.
pub fn check_file(path: &Path, options: &Options) -> anyhow::Result<Vec<Issue>> {
    let (_, mut input, mut mapping) = open(path, options, |file| Box::new(file))?;
    let mut issues = Vec::new();
    let mut headers_seen = input.headers.len();
    while let Some(record) = input.next_record()? {
        while headers_seen < input.headers.len() {
            mapping.push(&input.headers[headers_seen], &options.maps);
            headers_seen += 1;
        }
        let checker = rows::RowChecker {
            options,
            mapping: &mapping,
            headers: &input.headers,
        };
        checker.check(&record, &mut issues);
    }
    Ok(issues)
}

pub fn run(path: &Path, store: &ImportTarget, options: &Options) -> anyhow::Result<Report> {
    let started = Instant::now();
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot open {}", path.display()))?
        .len();
    let bar = progress_bar(options.progress, size);
    let reading = bar.clone();
    let (format, mut input, mapping) =
        open(path, options, move |file| Box::new(reading.wrap_read(file)))?;

    // The scratch file goes beside a SQLite store (same disk, not a
    // memory-backed /tmp); for PostgreSQL, in the temporary folder.
    let temp = std::env::temp_dir();
    let dir = match store {
        ImportTarget::Sqlite(file) => file
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
        ImportTarget::Postgres(_) => temp.as_path(),
    };
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    let mut staging = staging::Staging::create(dir)?;
    let mut issues = Vec::new();
    let mut counts = Counts::default();
    let mut mapping = mapping;
    let mut headers_seen = input.headers.len();
    while let Some(record) = input.next_record()? {
        // GeoJSON grows columns as properties appear.
        while headers_seen < input.headers.len() {
            mapping.push(&input.headers[headers_seen], &options.maps);
            headers_seen += 1;
        }
        counts.read += 1;
        let checker = rows::RowChecker {
            options,
            mapping: &mapping,
            headers: &input.headers,
        };
        if let Some(at) = mapping.column_of(Field::ExternalId) {
            let id = record.cells.get(at).map_or("", |c| c.trim());
            if !id.is_empty() {
                staging.see_id(id, record.row)?;
            }
        }
        if let Some(candidate) = checker.check(&record, &mut issues) {
            staging.insert(&candidate)?;
        }
    }
    counts.private = input.private;
    staging.finish_loading()?;
    bar.set_style(ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("template"));
    bar.set_message("checking the file as a whole");
    staging.reject_duplicate_ids(&mut issues)?;
    let lat_column = mapping
        .column_of(Field::Lat)
        .map_or("lat", |at| input.headers[at].as_str());
    let region = staging.check_region(options.fix_swapped, lat_column, &mut issues)?;
    bar.set_message("merging rooms into venues");
    counts.merged = staging.merge_venues()?;
    counts.venues = staging.venue_count()?;
    let preview = staging.preview(PREVIEW_ROWS)?;
    let known = staging.known_counts()?;
    let venues = staging.venues_of_rooms()?;
    let others = store.others(&options.source)?;
    counts.possible_duplicates = staging.flag_possible_duplicates(&others, &mut issues)?;
    drop(others);
    counts.set(store.compare(
        staging.connection(),
        &options.source,
        options.remove_missing,
    )?);

    issues.sort_by_key(|i| i.row);
    let mut rejected_rows: Vec<usize> = issues
        .iter()
        .filter(|i| i.severity == Severity::Rejected)
        .map(|i| i.row)
        .collect();
    rejected_rows.dedup();
    counts.rejected = rejected_rows.len();
    counts.fixed = issues
        .iter()
        .filter(|i| i.severity == Severity::Fixed)
        .count();

    let write = !options.dry_run && (counts.rejected == 0 || options.skip_invalid);
    if write {
        bar.set_message("writing");
        let venues = counts.venues;
        let before_write = || tracing::info!(source = %options.source, venues, "writing");
        counts.set(store.commit(
            staging.connection(),
            &options.source,
            options.remove_missing,
            Utc::now(),
            before_write,
        )?);
    }
    bar.finish_and_clear();
    tracing::info!(
        ms = started.elapsed().as_millis() as u64,
        read = counts.read,
        written = write,
        "import done"
    );
    Ok(Report {
        file: path.display().to_string(),
        source: options.source.clone(),
        format,
        schema: match format {
            Format::Osm => Some(Schema::OpenStreetMap),
            _ => input.derived.as_ref().map(|d| d.schema),
        },
        encoding: input.encoding,
        crs: options.crs,
        dry_run: options.dry_run,
        written: write,
        columns: input
            .headers
            .iter()
            .zip(&mapping.fields)
            .enumerate()
            .map(|(i, (column, field))| ColumnReport {
                column: column.clone(),
                field: field.map(Field::name),
                read_by_schema: field.is_none()
                    && input.derived.as_ref().is_some_and(|d| d.reads.contains(&i)),
            })
            .collect(),
        region,
        counts,
        known,
        issues,
        preview,
        venues,
    })
}

/// The venues of several rows, up to `shown` of them, one a line:
/// "B020000028 臺中火車站北側2F: male B020000028, female B020000029, …".
pub fn venues_list(venues: &[VenueRooms], shown: usize) -> String {
    let mut out = format!(
        "{} toilets made of several rows{}:",
        venues.len(),
        if venues.len() > shown {
            format!(", the first {shown} (--report FILE lists all)")
        } else {
            String::new()
        }
    );
    for v in venues.iter().take(shown) {
        let rooms: Vec<String> = v
            .rooms
            .iter()
            .map(|r| {
                format!(
                    "{} {}",
                    r.kind.as_str(),
                    r.external_id.as_deref().unwrap_or("-")
                )
            })
            .collect();
        let rooms = if rooms.is_empty() {
            format!("{} rows", v.rows)
        } else {
            rooms.join(", ")
        };
        out.push_str(&format!("\n  {} {}: {rooms}", v.external_id, v.name));
    }
    out
}

fn progress_bar(wanted: bool, size: u64) -> ProgressBar {
    if !wanted || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "reading {bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .expect("template"),
    );
    bar
}

/// The issues as a table for a terminal.
pub fn report_table(issues: &[Issue]) -> String {
    let clip = |s: &str, n: usize| -> String {
        if s.chars().count() > n {
            s.chars().take(n - 1).chain(['…']).collect()
        } else {
            s.to_owned()
        }
    };
    let mut out = format!(
        "{:>7}  {:<12}  {:<8}  {:<16}  {:<24}  reason\n",
        "row", "id", "", "column", "value"
    );
    for i in issues {
        let severity = match i.severity {
            Severity::Rejected => "rejected",
            Severity::Fixed => "fixed",
            Severity::Warning => "warning",
        };
        out.push_str(&format!(
            "{:>7}  {:<12}  {:<8}  {:<16}  {:<24}  {}\n",
            i.row,
            clip(i.external_id.as_deref().unwrap_or(""), 12),
            severity,
            clip(&i.column, 16),
            clip(&i.value, 24),
            i.reason
        ));
    }
    out.push_str(&format!("{} issue(s)", issues.len()));
    out
}

/// The counts as one line.
/// The fields the list gave values, with how many toilets each:
/// "known: wheelchair 8748, free 155, …".
pub fn known_line(known: &[Known]) -> String {
    let given: Vec<String> = known
        .iter()
        .filter(|k| k.toilets > 0)
        .map(|k| format!("{} {}", k.field, k.toilets))
        .collect();
    format!("known values (toilets): {}", given.join(", "))
}

pub fn counts_line(c: &Counts) -> String {
    let private = match c.private {
        0 => String::new(),
        n => format!(" ({n} private toilets left out)"),
    };
    format!(
        "{} rows read{private}: {} inserted, {} updated, {} unchanged, {} merged, {} removed, {} rejected",
        c.read, c.inserted, c.updated, c.unchanged, c.merged, c.removed, c.rejected
    )
}

#[cfg(test)]
mod tests;
