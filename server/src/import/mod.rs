//! Reading toilet lists: CSV (UTF-8) and GeoJSON, in WGS-84.
//!
//! Parsing is separate from writing: [`parse_file`] turns a file into valid
//! rows and a list of rejections (row, column, value, reason) without
//! touching the store; the caller then writes the rows in one transaction
//! with [`crate::store::Store::import`], or writes nothing.

use std::{collections::HashMap, fmt, io::Read, path::Path};

use anyhow::Context as _;
use gongce_shared::{Access, LatLon, OpeningHours, TimeZone, ToiletName, parse_tri_state};

use crate::store::NewToilet;

/// A field of our toilet record that a column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    ExternalId,
    Name,
    Address,
    Lat,
    Lon,
    Wheelchair,
    BabyChange,
    FamilyRoom,
    Free,
    Access,
    OpeningHours,
    HoursNote,
    Operator,
    Timezone,
}

impl Field {
    const ALL: [Field; 14] = [
        Field::ExternalId,
        Field::Name,
        Field::Address,
        Field::Lat,
        Field::Lon,
        Field::Wheelchair,
        Field::BabyChange,
        Field::FamilyRoom,
        Field::Free,
        Field::Access,
        Field::OpeningHours,
        Field::HoursNote,
        Field::Operator,
        Field::Timezone,
    ];

    /// Header names accepted for this field, compared case-insensitively
    /// with spaces, dashes and dots read as underscores.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::ExternalId => &["external_id", "id", "toilet_id", "编号", "編號"],
            Field::Name => &[
                "name",
                "名称",
                "名稱",
                "name_zh",
                "公厕名称",
                "公廁名稱",
                "toilet_name",
            ],
            Field::Address => &["address", "地址", "address_zh", "addr"],
            Field::Lat => &["lat", "latitude", "纬度", "緯度"],
            Field::Lon => &["lon", "lng", "long", "longitude", "经度", "經度"],
            Field::Wheelchair => &["wheelchair", "accessible", "无障碍", "無障礙"],
            Field::BabyChange => &["baby_change", "changing_table", "母婴室", "母嬰室"],
            Field::FamilyRoom => &["family_room", "第三卫生间", "第三衛生間", "家庭卫生间"],
            Field::Free => &["free", "免费", "免費"],
            Field::Access => &["access"],
            Field::OpeningHours => &["opening_hours", "hours", "开放时间", "開放時間"],
            Field::HoursNote => &["hours_note"],
            Field::Operator => &["operator", "manager", "管理单位", "管理單位"],
            Field::Timezone => &["timezone", "time_zone", "tz"],
        }
    }

    pub fn name(self) -> &'static str {
        self.aliases()[0]
    }

    fn from_header(header: &str) -> Option<Field> {
        let wanted = normalise_header(header);
        let squashed = wanted.replace('_', "");
        Field::ALL.into_iter().find(|f| {
            f.aliases()
                .iter()
                .any(|a| *a == wanted || a.replace('_', "") == squashed)
        })
    }
}

fn normalise_header(header: &str) -> String {
    header
        .trim_start_matches('\u{feff}')
        .trim()
        .to_lowercase()
        .replace([' ', '-', '.'], "_")
}

/// One refused value: where it is, what it was, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rejection {
    /// CSV: the line in the file (the header is line 1). GeoJSON: the feature, from 1.
    pub row: usize,
    pub column: String,
    pub value: String,
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "row {}, column {:?}, value {:?}: {}",
            self.row, self.column, self.value, self.reason
        )
    }
}

/// What a file holds: the rows that passed, and every refusal.
#[derive(Debug, Default)]
pub struct Parsed {
    pub rows: Vec<NewToilet>,
    pub rejected: Vec<Rejection>,
    /// Rows read, accepted or not.
    pub total: usize,
    /// Columns that map to no field and were left out.
    pub ignored_columns: Vec<String>,
}

impl Parsed {
    /// Rows with at least one rejection.
    pub fn rejected_rows(&self) -> usize {
        let mut rows: Vec<usize> = self.rejected.iter().map(|r| r.row).collect();
        rows.dedup();
        rows.len()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Geojson,
}

impl Format {
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_lowercase().as_str() {
            "csv" | "txt" => Some(Format::Csv),
            "geojson" | "json" => Some(Format::Geojson),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    /// The source name that, with each row's external id, keys re-imports.
    pub source: String,
    /// For rows with no time zone column.
    pub timezone: TimeZone,
}

pub fn parse_file(
    path: &Path,
    format: Option<Format>,
    options: &Options,
) -> anyhow::Result<Parsed> {
    let format = format
        .or_else(|| Format::from_path(path))
        .with_context(|| {
            format!(
                "cannot tell the format of {}: name it .csv or .geojson, or pass --format",
                path.display()
            )
        })?;
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let reader = std::io::BufReader::new(file);
    match format {
        Format::Csv => parse_csv(reader, options),
        Format::Geojson => parse_geojson(reader, options),
    }
    .with_context(|| format!("cannot read {}", path.display()))
}

/// A row under construction: the raw values by field, with their column names.
struct RawRow<'a> {
    row: usize,
    values: HashMap<Field, (&'a str, String)>,
}

impl RawRow<'_> {
    fn get(&self, field: Field) -> Option<(&str, &str)> {
        self.values
            .get(&field)
            .map(|(column, value)| (*column, value.trim()))
            .filter(|(_, value)| !value.is_empty())
    }
}

struct RowBuilder<'o> {
    options: &'o Options,
    seen_ids: HashMap<String, usize>,
    parsed: Parsed,
}

impl<'o> RowBuilder<'o> {
    fn new(options: &'o Options) -> Self {
        RowBuilder {
            options,
            seen_ids: HashMap::new(),
            parsed: Parsed::default(),
        }
    }

    fn reject(&mut self, row: usize, column: &str, value: &str, reason: impl Into<String>) {
        self.parsed.rejected.push(Rejection {
            row,
            column: column.to_owned(),
            value: value.to_owned(),
            reason: reason.into(),
        });
    }

    /// Validates a row; on any refusal, records every problem in it and keeps nothing.
    fn add(&mut self, raw: &RawRow<'_>) {
        self.parsed.total += 1;
        let before = self.parsed.rejected.len();
        let row = raw.row;

        let name = match raw.get(Field::Name) {
            None => {
                self.reject(row, Field::Name.name(), "", "a name is required");
                None
            }
            Some((column, value)) => match ToiletName::new(value) {
                Ok(name) => Some(name),
                Err(e) => {
                    self.reject(row, column, value, e.reason);
                    None
                }
            },
        };

        let mut coordinate = |field: Field| -> Option<f64> {
            let Some((column, value)) = raw.get(field) else {
                self.reject(
                    row,
                    field.name(),
                    "",
                    format!("{} is required", field.name()),
                );
                return None;
            };
            match value.parse::<f64>() {
                Ok(n) if n.is_finite() => Some(n),
                _ => {
                    self.reject(row, column, value, "not a number");
                    None
                }
            }
        };
        let (lat, lon) = (coordinate(Field::Lat), coordinate(Field::Lon));
        let position = match (lat, lon) {
            (Some(lat), Some(lon)) => match LatLon::new(lat, lon) {
                Ok(p) => Some(p),
                Err(e) => {
                    let (field, value) = match e {
                        gongce_shared::CoordError::Latitude(_) => (Field::Lat, lat),
                        gongce_shared::CoordError::Longitude(_) => (Field::Lon, lon),
                    };
                    let column = raw.get(field).map_or(field.name(), |(c, _)| c);
                    let hint = if (-90.0..=90.0).contains(&lon) && (-180.0..=180.0).contains(&lat) {
                        " (latitude and longitude look swapped)"
                    } else {
                        ""
                    };
                    self.reject(row, column, &value.to_string(), format!("{e}{hint}"));
                    None
                }
            },
            _ => None,
        };

        let mut tri = |field: Field| -> Option<bool> {
            let (column, value) = raw.get(field)?;
            parse_tri_state(value).unwrap_or_else(|e| {
                self.reject(row, column, value, e.reason);
                None
            })
        };
        let wheelchair = tri(Field::Wheelchair);
        let baby_change = tri(Field::BabyChange);
        let family_room = tri(Field::FamilyRoom);
        let free = tri(Field::Free);

        let access = raw.get(Field::Access).and_then(|(column, value)| {
            value
                .parse::<Access>()
                .map_err(|e| self.reject(row, column, value, e.reason))
                .ok()
        });
        let opening_hours = raw.get(Field::OpeningHours).and_then(|(column, value)| {
            OpeningHours::parse(value)
                .map_err(|e| self.reject(row, column, value, e.reason))
                .ok()
        });
        let timezone = match raw.get(Field::Timezone) {
            None => Some(self.options.timezone),
            Some((column, value)) => value
                .parse::<TimeZone>()
                .map_err(|e| self.reject(row, column, value, e.reason))
                .ok(),
        };

        let external_id = raw.get(Field::ExternalId).map(|(_, v)| v.to_owned());
        if let Some((column, id)) = raw.get(Field::ExternalId) {
            if let Some(first) = self.seen_ids.get(id) {
                let first = *first;
                self.reject(
                    row,
                    column,
                    id,
                    format!("duplicate id: row {first} has it already"),
                );
            } else {
                self.seen_ids.insert(id.to_owned(), row);
            }
        }

        let text = |field: Field| raw.get(field).map(|(_, v)| v.to_owned());
        if self.parsed.rejected.len() > before {
            return;
        }
        let (Some(name), Some(position), Some(timezone)) = (name, position, timezone) else {
            unreachable!("every missing value above was recorded as a rejection");
        };
        self.parsed.rows.push(NewToilet {
            source: self.options.source.clone(),
            external_id,
            name,
            address: text(Field::Address),
            position,
            wheelchair,
            baby_change,
            family_room,
            free,
            access,
            opening_hours,
            hours_note: text(Field::HoursNote),
            timezone,
            operator: text(Field::Operator),
        });
    }
}

/// Reads a UTF-8 CSV file with a header row.
pub fn parse_csv(reader: impl Read, options: &Options) -> anyhow::Result<Parsed> {
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let headers = csv
        .byte_headers()
        .context("cannot read the header row")?
        .clone();
    let mut columns: Vec<(usize, Field, String)> = Vec::new();
    let mut ignored = Vec::new();
    for (i, raw) in headers.iter().enumerate() {
        let header = std::str::from_utf8(raw)
            .map_err(|_| anyhow::anyhow!("the header row is not UTF-8 text (column {})", i + 1))?
            .trim_start_matches('\u{feff}')
            .trim()
            .to_owned();
        match Field::from_header(&header) {
            Some(field) if !columns.iter().any(|(_, f, _)| *f == field) => {
                columns.push((i, field, header))
            }
            _ => ignored.push(header),
        }
    }
    for required in [Field::Name, Field::Lat, Field::Lon] {
        if !columns.iter().any(|(_, f, _)| *f == required) {
            anyhow::bail!(
                "no column for {}: expected a header named one of {}",
                required.name(),
                required.aliases().join(", ")
            );
        }
    }

    let mut builder = RowBuilder::new(options);
    builder.parsed.ignored_columns = ignored;
    let mut record = csv::ByteRecord::new();
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                anyhow::bail!("malformed CSV near line {line}: {e}");
            }
        }
        let row = record.position().map_or(0, |p| p.line() as usize);
        if record.len() != headers.len() {
            builder.parsed.total += 1;
            builder.reject(
                row,
                "*",
                &record
                    .iter()
                    .map(String::from_utf8_lossy)
                    .collect::<Vec<_>>()
                    .join(","),
                format!(
                    "{} fields where the header has {}",
                    record.len(),
                    headers.len()
                ),
            );
            continue;
        }
        let mut raw = RawRow {
            row,
            values: HashMap::new(),
        };
        let mut bad_text = false;
        for (i, field, header) in &columns {
            let bytes = record.get(*i).unwrap_or_default();
            match std::str::from_utf8(bytes) {
                Ok(value) => {
                    raw.values
                        .insert(*field, (header.as_str(), value.to_owned()));
                }
                Err(_) => {
                    if !bad_text {
                        builder.parsed.total += 1;
                    }
                    bad_text = true;
                    builder.reject(
                        row,
                        header,
                        &String::from_utf8_lossy(bytes),
                        "not UTF-8 text; save the file as UTF-8",
                    );
                }
            }
        }
        if !bad_text {
            builder.add(&raw);
        }
    }
    Ok(builder.parsed)
}

/// Reads a GeoJSON FeatureCollection of Point features; properties use the
/// same names as CSV headers, and a feature's `id` is its external id.
pub fn parse_geojson(reader: impl Read, options: &Options) -> anyhow::Result<Parsed> {
    let doc: serde_json::Value = serde_json::from_reader(reader).context("not valid JSON")?;
    let features = match doc.get("type").and_then(|t| t.as_str()) {
        Some("FeatureCollection") => doc
            .get("features")
            .and_then(|f| f.as_array())
            .context("a FeatureCollection needs a \"features\" array")?
            .clone(),
        Some("Feature") => vec![doc.clone()],
        other => anyhow::bail!("expected a GeoJSON FeatureCollection, found type {other:?}"),
    };
    let mut builder = RowBuilder::new(options);
    for (i, feature) in features.iter().enumerate() {
        let row = i + 1;
        let coordinates = feature
            .get("geometry")
            .filter(|g| g.get("type").and_then(|t| t.as_str()) == Some("Point"))
            .and_then(|g| g.get("coordinates"))
            .and_then(|c| c.as_array());
        let Some(coordinates) = coordinates else {
            builder.parsed.total += 1;
            let geometry = feature
                .get("geometry")
                .map(|g| g.to_string())
                .unwrap_or_default();
            builder.reject(row, "geometry", &geometry, "expected a Point geometry");
            continue;
        };
        let mut raw = RawRow {
            row,
            values: HashMap::new(),
        };
        if let [lon, lat, ..] = coordinates.as_slice() {
            raw.values
                .insert(Field::Lon, ("geometry.coordinates[0]", json_text(lon)));
            raw.values
                .insert(Field::Lat, ("geometry.coordinates[1]", json_text(lat)));
        }
        if let Some(id) = feature.get("id").filter(|id| !id.is_null()) {
            raw.values.insert(Field::ExternalId, ("id", json_text(id)));
        }
        if let Some(properties) = feature.get("properties").and_then(|p| p.as_object()) {
            for (key, value) in properties {
                match Field::from_header(key) {
                    Some(Field::Lat | Field::Lon) | None => {}
                    Some(field) => {
                        raw.values.insert(field, (key.as_str(), json_text(value)));
                    }
                }
            }
        }
        builder.add(&raw);
    }
    Ok(builder.parsed)
}

fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;

/// The rejections as a table for a terminal.
pub fn report_table(rejected: &[Rejection]) -> String {
    let clip = |s: &str, n: usize| -> String {
        if s.chars().count() > n {
            s.chars().take(n - 1).chain(['…']).collect()
        } else {
            s.to_owned()
        }
    };
    let mut out = format!("{:>7}  {:<24}  {:<24}  reason\n", "row", "column", "value");
    for r in rejected {
        out.push_str(&format!(
            "{:>7}  {:<24}  {:<24}  {}\n",
            r.row,
            clip(&r.column, 24),
            clip(&r.value, 24),
            r.reason
        ));
    }
    out.push_str(&format!("{} rejected value(s)", rejected.len()));
    out
}
