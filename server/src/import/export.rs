//! Publishing the toilets as open data: CSV, GeoJSON and Excel, in the
//! columns the importer reads, so importing an export gives the same toilets.

use std::{io::Write, sync::Arc};

use anyhow::Context as _;
use chrono::{SecondsFormat, Utc};
use gongce_shared::{Fact, Toilet, details::Value};
use serde_json::json;

use super::Field;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Geojson,
    Xlsx,
}

/// The terms the data is published under.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Licence {
    /// An SPDX identifier or a name, as in "CC-BY-4.0".
    pub name: String,
    pub url: String,
    /// Who to credit.
    pub attribution: String,
}

/// The exported columns: the importer's field names, the detailed facts'
/// keys, then gongce's own record keeping (ignored on import).
const FIELDS: [Field; 15] = [
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
    Field::Timezone,
    Field::Operator,
    Field::SourceCrs,
];
const EXTRA: [&str; 5] = [
    "gongce_id",
    "source",
    "status",
    "last_verified",
    "updated_at",
];

fn tri(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    }
}

/// The key an export gives a toilet: its source's id, or gongce's own.
fn key(t: &Toilet) -> String {
    t.external_id
        .clone()
        .unwrap_or_else(|| format!("gongce:{}", t.id))
}

/// A toilet's cells, text as it is and numbers as numbers.
enum Cell {
    Text(String),
    Number(f64),
}

/// What an export reads a toilet from: one of the store's, or one the
/// index holds (made whole as it is written).
pub trait Exported {
    fn toilet(&self) -> std::borrow::Cow<'_, Toilet>;
}

impl Exported for Arc<Toilet> {
    fn toilet(&self) -> std::borrow::Cow<'_, Toilet> {
        std::borrow::Cow::Borrowed(self)
    }
}

impl Exported for Arc<crate::index::Record> {
    fn toilet(&self) -> std::borrow::Cow<'_, Toilet> {
        std::borrow::Cow::Owned(crate::index::Record::toilet(self))
    }
}

fn cells(t: &Toilet) -> Vec<Cell> {
    use Cell::{Number, Text};
    let opt = |s: &Option<String>| Text(s.clone().unwrap_or_default());
    let time = |t: Option<chrono::DateTime<Utc>>| {
        Text(t.map_or(String::new(), |t| {
            t.to_rfc3339_opts(SecondsFormat::Millis, true)
        }))
    };
    vec![
        Text(key(t)),
        Text(t.name_text().to_owned()),
        opt(&t.address),
        Number(t.position.lat()),
        Number(t.position.lon()),
        Text(tri(t.wheelchair).to_owned()),
        Text(tri(t.baby_change).to_owned()),
        Text(tri(t.family_room).to_owned()),
        Text(tri(t.free).to_owned()),
        Text(t.access.map_or("", |a| a.as_str()).to_owned()),
        Text(
            t.opening_hours
                .as_ref()
                .map_or("", |h| h.as_str())
                .to_owned(),
        ),
        opt(&t.hours_note),
        Text(t.timezone.name().to_owned()),
        opt(&t.operator),
        Text(t.source_crs.as_str().to_owned()),
    ]
    .into_iter()
    .chain(Fact::ALL.iter().map(|&fact| match t.details.get(fact) {
        None => Text(String::new()),
        Some(Value::Bool(b)) => Text(tri(Some(b)).to_owned()),
        Some(Value::Count(n)) => Number(n.into()),
        Some(Value::Text(s)) => Text(s.into()),
    }))
    .chain([
        Number(t.id.get() as f64),
        Text(t.source.clone()),
        Text(status(t).to_owned()),
        time(t.last_verified),
        time(Some(t.updated_at)),
    ])
    .collect()
}

fn status(t: &Toilet) -> &'static str {
    match t.status {
        gongce_shared::Status::Open => "open",
        gongce_shared::Status::TemporarilyClosed { .. } => "temporarily_closed",
        gongce_shared::Status::Removed => "removed",
    }
}

fn headers() -> impl Iterator<Item = &'static str> {
    FIELDS
        .iter()
        .map(|f| f.name())
        .chain(Fact::ALL.iter().map(|f| f.key()))
        .chain(EXTRA)
}

/// A text cell a spreadsheet would run as a formula gets a leading `'`
/// (OWASP's advice); the importer takes it off again.
pub fn escape_formula(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// The inverse of [`escape_formula`].
pub fn unescape_formula(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => text,
    }
}

/// Toilets as CSV (UTF-8 with a byte-order mark, so Excel opens Chinese text right).
pub fn export_csv(toilets: &[impl Exported], out: impl Write) -> anyhow::Result<()> {
    let mut out = out;
    out.write_all("\u{feff}".as_bytes())?;
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(headers())?;
    let mut record = Vec::with_capacity(FIELDS.len() + Fact::ALL.len() + EXTRA.len());
    for t in toilets {
        record.clear();
        for cell in cells(&t.toilet()) {
            record.push(match cell {
                Cell::Text(s) => escape_formula(&s).into_owned(),
                Cell::Number(n) => n.to_string(),
            });
        }
        csv.write_record(&record)?;
    }
    csv.flush()?;
    Ok(())
}

/// Toilets as a GeoJSON FeatureCollection, with the licence as foreign members.
pub fn export_geojson(
    toilets: &[impl Exported],
    licence: &Licence,
    out: impl Write,
) -> anyhow::Result<()> {
    // Streamed feature by feature: memory stays that of one feature.
    let mut out = std::io::BufWriter::new(out);
    write!(
        out,
        r#"{{"type":"FeatureCollection","licence":{},"generated_at":{},"count":{},"features":["#,
        serde_json::to_string(licence)?,
        serde_json::to_string(&Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true))?,
        toilets.len()
    )?;
    for (i, t) in toilets.iter().enumerate() {
        let t = t.toilet();
        let mut properties = serde_json::Map::new();
        for (name, cell) in headers().zip(cells(&t)) {
            if matches!(name, "lat" | "lon" | "external_id") {
                continue;
            }
            properties.insert(
                name.to_owned(),
                match cell {
                    Cell::Text(s) if s.is_empty() => serde_json::Value::Null,
                    Cell::Text(s) => s.into(),
                    Cell::Number(n) => json!(n),
                },
            );
        }
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(
            &mut out,
            &json!({
                "type": "Feature",
                "id": key(&t),
                "geometry": {"type": "Point", "coordinates": [t.position.lon(), t.position.lat()]},
                "properties": properties,
            }),
        )?;
    }
    out.write_all(b"]}")?;
    out.flush()?;
    Ok(())
}

/// Toilets as an Excel workbook: a "toilets" sheet and a "licence" sheet.
/// Text is written as text, never as a formula.
pub fn export_xlsx(toilets: &[impl Exported], licence: &Licence) -> anyhow::Result<Vec<u8>> {
    use rust_xlsxwriter::Workbook;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("toilets")?;
    for (c, name) in headers().enumerate() {
        sheet.write_string(0, c as u16, name)?;
    }
    for (r, t) in toilets.iter().enumerate() {
        let r = u32::try_from(r + 1).context("too many toilets for one sheet")?;
        for (c, cell) in cells(&t.toilet()).into_iter().enumerate() {
            match cell {
                Cell::Text(s) if s.is_empty() => {}
                Cell::Text(s) => {
                    sheet.write_string(r, c as u16, s)?;
                }
                Cell::Number(n) => {
                    sheet.write_number(r, c as u16, n)?;
                }
            }
        }
    }
    let about = book.add_worksheet();
    about.set_name("licence")?;
    for (r, (k, v)) in [
        ("licence", licence.name.as_str()),
        ("url", licence.url.as_str()),
        ("attribution", licence.attribution.as_str()),
        (
            "generated_at",
            &Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        ),
    ]
    .into_iter()
    .enumerate()
    {
        about.write_string(r as u32, 0, k)?;
        about.write_string(r as u32, 1, v)?;
    }
    Ok(book.save_to_buffer()?)
}

/// Writes `toilets` in `format`.
pub fn export(
    toilets: &[impl Exported],
    format: ExportFormat,
    licence: &Licence,
    mut out: impl Write,
) -> anyhow::Result<()> {
    match format {
        ExportFormat::Csv => export_csv(toilets, out),
        ExportFormat::Geojson => export_geojson(toilets, licence, out),
        ExportFormat::Xlsx => Ok(out.write_all(&export_xlsx(toilets, licence)?)?),
    }
}
