//! A toilet as the index holds it: compact, because a national index holds
//! a million of them.
//!
//! A [`Toilet`] is 448 bytes before its strings, each string a separate
//! allocation, each toilet its own parsed copy of its opening hours. A
//! [`Record`] keeps the same facts in about a quarter of that:
//!
//! - its free texts (name, address, hours note, operator, source id) in one
//!   allocation, with where each ends;
//! - where it comes from (the source's name, its coordinate system, the
//!   toilet's time zone: one list's toilets share them) and the opening
//!   hours shared by every toilet that has the same ([`Interner`]);
//! - the four yes/no/unknown facilities in one byte;
//! - what most toilets lack (facts and rooms, a closure, reports, a last
//!   verification) in one box that is there only when one of them is.
//!
//! [`Record::toilet`] gives the full [`Toilet`] back, equal to the one it
//! was made from; the answers are written straight from the record
//! ([`crate::http::render`]).

use std::{collections::HashMap, sync::Arc};

use chrono::{DateTime, Utc};
use gongce_shared::{
    Access, Crs, Details, LatLon, OpeningHours, Status, TimeZone, Toilet, ToiletId, ToiletName,
    reports::ReportSummary,
};

/// The free texts, in the order they are packed.
#[derive(Debug, Clone, Copy)]
enum Text {
    Name,
    Address,
    HoursNote,
    Operator,
    ExternalId,
}

/// `org_id` is present.
const ORG: u8 = 1 << 5;

#[derive(Debug, PartialEq)]
pub struct Record {
    id: ToiletId,
    position: LatLon,
    version: i64,
    updated_at: DateTime<Utc>,
    org_id: i64,
    /// The free texts, one after another; each absent one is empty.
    texts: Box<str>,
    /// Where each text but the last ends in `texts`.
    ends: [u32; 4],
    origin: Arc<Origin>,
    opening_hours: Option<Arc<OpeningHours>>,
    rare: Option<Box<Rare>>,
    /// Wheelchair, baby change, family room, free: two bits each (0
    /// unknown, 1 no, 2 yes).
    facilities: u8,
    /// Which texts are present (bit by [`Text`]), and [`ORG`].
    present: u8,
    access: Option<Access>,
}

/// Where a toilet comes from, shared by the toilets of one list (a thin
/// pointer in each record instead of a name, a zone and a system).
#[derive(Debug, PartialEq)]
struct Origin {
    source: Box<str>,
    source_crs: Crs,
    timezone: TimeZone,
}

/// What most toilets lack.
#[derive(Debug, PartialEq)]
struct Rare {
    details: Details,
    status: Status,
    reports: ReportSummary,
    last_verified: Option<DateTime<Utc>>,
}

static EMPTY_DETAILS: Details = Details::EMPTY;
static OPEN: Status = Status::Open;
static NO_REPORTS: ReportSummary = ReportSummary {
    open: 0,
    reported_closed: false,
    last_kind: None,
    last_at: None,
    fixed_at: None,
};

impl Rare {
    /// Holds something a toilet may lack.
    fn is_some(&self) -> bool {
        !self.details.is_empty()
            || self.status != Status::Open
            || self.reports != NO_REPORTS
            || self.last_verified.is_some()
    }
}

/// One shared copy of each origin and opening-hours text.
#[derive(Default)]
pub struct Interner {
    /// By source name: its origins (a handful of zones and systems each).
    origins: HashMap<Box<str>, Vec<Arc<Origin>>>,
    hours: HashMap<Arc<str>, Arc<OpeningHours>>,
}

impl Interner {
    fn origin(&mut self, source: &str, source_crs: Crs, timezone: TimeZone) -> Arc<Origin> {
        let wanted = |o: &&Arc<Origin>| o.source_crs == source_crs && o.timezone == timezone;
        if let Some(shared) = self.origins.get(source).and_then(|o| o.iter().find(wanted)) {
            return Arc::clone(shared);
        }
        let shared = Arc::new(Origin {
            source: source.into(),
            source_crs,
            timezone,
        });
        self.origins
            .entry(source.into())
            .or_default()
            .push(Arc::clone(&shared));
        shared
    }

    fn hours(&mut self, hours: &OpeningHours) -> Arc<OpeningHours> {
        if let Some(shared) = self.hours.get(hours.as_str()) {
            // Equal texts may have been written differently (the hours note
            // keeps how): share only what is wholly equal.
            if **shared == *hours && shared.written() == hours.written() {
                return Arc::clone(shared);
            }
            return Arc::new(hours.clone());
        }
        let shared = Arc::new(hours.clone());
        self.hours
            .insert(hours.as_str().into(), Arc::clone(&shared));
        shared
    }
}

fn tri_bits(b: Option<bool>) -> u8 {
    match b {
        None => 0,
        Some(false) => 1,
        Some(true) => 2,
    }
}

impl Record {
    pub fn new(t: &Toilet, interner: &mut Interner) -> Self {
        let texts = [
            t.name.as_ref().map(ToiletName::as_str),
            t.address.as_deref(),
            t.hours_note.as_deref(),
            t.operator.as_deref(),
            t.external_id.as_deref(),
        ];
        let mut packed = String::with_capacity(texts.iter().flatten().map(|s| s.len()).sum());
        let mut ends = [0u32; 4];
        let mut present = 0u8;
        for (i, text) in texts.iter().enumerate() {
            if let Some(text) = text {
                packed.push_str(text);
                present |= 1 << i;
            }
            if let Some(end) = ends.get_mut(i) {
                *end = u32::try_from(packed.len()).expect("a toilet's texts are far below 4 GB");
            }
        }
        let facilities = [t.wheelchair, t.baby_change, t.family_room, t.free]
            .into_iter()
            .enumerate()
            .fold(0u8, |bits, (i, b)| bits | tri_bits(b) << (2 * i));
        let rare = Rare {
            details: t.details.clone(),
            status: t.status.clone(),
            reports: t.reports,
            last_verified: t.last_verified,
        };
        Record {
            id: t.id,
            position: t.position,
            version: t.version,
            updated_at: t.updated_at,
            org_id: t.org_id.unwrap_or(0),
            texts: packed.into_boxed_str(),
            ends,
            origin: interner.origin(&t.source, t.source_crs, t.timezone),
            opening_hours: t.opening_hours.as_ref().map(|h| interner.hours(h)),
            rare: rare.is_some().then(|| Box::new(rare)),
            facilities,
            present: present | if t.org_id.is_some() { ORG } else { 0 },
            access: t.access,
        }
    }

    /// The full toilet, equal to the one this was made from.
    pub fn toilet(&self) -> Toilet {
        let owned = |s: Option<&str>| s.map(str::to_owned);
        Toilet {
            id: self.id,
            name: self
                .name()
                .map(|n| ToiletName::new(n).expect("it was a name when the record was made")),
            address: owned(self.address()),
            position: self.position,
            wheelchair: self.wheelchair(),
            baby_change: self.baby_change(),
            family_room: self.family_room(),
            free: self.free(),
            details: self.details().clone(),
            access: self.access,
            opening_hours: self.opening_hours().cloned(),
            hours_note: owned(self.hours_note()),
            timezone: self.timezone(),
            operator: owned(self.operator()),
            org_id: self.org_id(),
            last_verified: self.last_verified(),
            status: self.status().clone(),
            source: self.source().to_owned(),
            external_id: owned(self.external_id()),
            source_crs: self.source_crs(),
            reports: *self.reports(),
            version: self.version,
            updated_at: self.updated_at,
        }
    }

    fn text(&self, which: Text) -> Option<&str> {
        let i = which as usize;
        if self.present & 1 << i == 0 {
            return None;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        let end = self.ends.get(i).map_or(self.texts.len(), |&e| e as usize);
        Some(&self.texts[start..end])
    }

    fn tri(&self, i: u8) -> Option<bool> {
        match self.facilities >> (2 * i) & 0b11 {
            0 => None,
            1 => Some(false),
            _ => Some(true),
        }
    }

    pub fn id(&self) -> ToiletId {
        self.id
    }
    pub fn position(&self) -> LatLon {
        self.position
    }
    pub fn name(&self) -> Option<&str> {
        self.text(Text::Name)
    }
    /// The name, or the empty text (as [`Toilet::name_text`]).
    pub fn name_text(&self) -> &str {
        self.name().unwrap_or("")
    }
    pub fn address(&self) -> Option<&str> {
        self.text(Text::Address)
    }
    pub fn hours_note(&self) -> Option<&str> {
        self.text(Text::HoursNote)
    }
    pub fn operator(&self) -> Option<&str> {
        self.text(Text::Operator)
    }
    pub fn external_id(&self) -> Option<&str> {
        self.text(Text::ExternalId)
    }
    pub fn wheelchair(&self) -> Option<bool> {
        self.tri(0)
    }
    pub fn baby_change(&self) -> Option<bool> {
        self.tri(1)
    }
    pub fn family_room(&self) -> Option<bool> {
        self.tri(2)
    }
    pub fn free(&self) -> Option<bool> {
        self.tri(3)
    }
    pub fn details(&self) -> &Details {
        self.rare.as_ref().map_or(&EMPTY_DETAILS, |r| &r.details)
    }
    pub fn access(&self) -> Option<Access> {
        self.access
    }
    pub fn opening_hours(&self) -> Option<&OpeningHours> {
        self.opening_hours.as_deref()
    }
    pub fn timezone(&self) -> TimeZone {
        self.origin.timezone
    }
    pub fn org_id(&self) -> Option<i64> {
        (self.present & ORG != 0).then_some(self.org_id)
    }
    pub fn last_verified(&self) -> Option<DateTime<Utc>> {
        self.rare.as_ref().and_then(|r| r.last_verified)
    }
    pub fn status(&self) -> &Status {
        self.rare.as_ref().map_or(&OPEN, |r| &r.status)
    }
    pub fn source(&self) -> &str {
        &self.origin.source
    }
    pub fn source_crs(&self) -> Crs {
        self.origin.source_crs
    }
    pub fn reports(&self) -> &ReportSummary {
        self.rare.as_ref().map_or(&NO_REPORTS, |r| &r.reports)
    }
    pub fn version(&self) -> i64 {
        self.version
    }
    pub fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }

    /// As [`Toilet::open_at`].
    pub fn open_at(&self, at: DateTime<Utc>) -> Option<bool> {
        if self.status().closed_at(at) {
            return Some(false);
        }
        self.opening_hours()
            .and_then(|hours| hours.open_at(at, self.timezone().tz()))
    }
}

/// A record as the index image holds it (`index::image`): its own fields,
/// the texts borrowed from the image when read back, times as seconds and
/// nanoseconds, and what most toilets lack as the JSON of the shared types
/// (rare, so its cost does not matter). Read back by the same rules as a
/// store row: the hours are parsed from their text, as a row's are.
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct Stored<'a> {
    id: i64,
    lat: f64,
    lon: f64,
    version: i64,
    updated_at: (i64, u32),
    org_id: i64,
    #[serde(borrow)]
    texts: &'a str,
    ends: [u32; 4],
    present: u8,
    facilities: u8,
    #[serde(borrow)]
    source: &'a str,
    #[serde(borrow)]
    hours: Option<&'a str>,
    #[serde(borrow)]
    timezone: &'a str,
    access: Option<&'a str>,
    source_crs: &'a str,
    #[serde(borrow)]
    rare: Option<std::borrow::Cow<'a, str>>,
}

/// [`Rare`] as JSON in a [`Stored`] record.
#[derive(serde::Serialize, serde::Deserialize)]
struct RareJson {
    details: Details,
    status: Status,
    reports: ReportSummary,
    last_verified: Option<DateTime<Utc>>,
}

fn seconds(t: DateTime<Utc>) -> (i64, u32) {
    (t.timestamp(), t.timestamp_subsec_nanos())
}

fn time(field: &str, (secs, nanos): (i64, u32)) -> anyhow::Result<DateTime<Utc>> {
    DateTime::from_timestamp(secs, nanos)
        .ok_or_else(|| anyhow::anyhow!("{field} {secs}.{nanos} is not a time"))
}

/// What reading stored records shares: one parse of each hours text and
/// time zone (the store's own, as its rows are read), and the
/// [`Interner`]'s sharing.
#[derive(Default)]
pub(super) struct Reader {
    interner: Interner,
    parsed: crate::store::Parsed,
}

impl Record {
    pub(super) fn stored(&self) -> Stored<'_> {
        let rare = self.rare.as_ref().map(|r| {
            let json = RareJson {
                details: r.details.clone(),
                status: r.status.clone(),
                reports: r.reports,
                last_verified: r.last_verified,
            };
            std::borrow::Cow::Owned(
                serde_json::to_string(&json).expect("a record's rare part serialises to JSON"),
            )
        });
        Stored {
            id: self.id.get(),
            lat: self.position.lat(),
            lon: self.position.lon(),
            version: self.version,
            updated_at: seconds(self.updated_at),
            org_id: self.org_id,
            texts: &self.texts,
            ends: self.ends,
            present: self.present,
            facilities: self.facilities,
            source: self.source(),
            hours: self.opening_hours.as_deref().map(OpeningHours::as_str),
            timezone: self.timezone().name(),
            access: self.access.map(Access::as_str),
            source_crs: self.source_crs().as_str(),
            rare,
        }
    }

    /// The record `stored` was made from, every value checked as a row's
    /// would be: a damaged image is refused, never served or panicked on.
    pub(super) fn from_stored(stored: Stored<'_>, reader: &mut Reader) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        let id = ToiletId::new(stored.id).with_context(|| format!("invalid id {}", stored.id))?;
        let context = || format!("toilet {id}");
        // The texts' ends ascend within the texts, on character boundaries.
        let mut start = 0;
        for &end in &stored.ends {
            let end = end as usize;
            anyhow::ensure!(
                start <= end && stored.texts.is_char_boundary(end),
                "{}: text ends {:?} do not fit {} bytes",
                context(),
                stored.ends,
                stored.texts.len()
            );
            start = end;
        }
        anyhow::ensure!(
            stored.present & !(ORG | 0b1_1111) == 0
                && stored.facilities & 0b0101_0101 & (stored.facilities >> 1) == 0,
            "{}: unknown bits",
            context()
        );
        let opening_hours = match stored.hours {
            None => None,
            // Most records share one of a handful of hours: the shared
            // copy by its text, without cloning the parsed hours again.
            Some(text) => Some(match reader.interner.hours.get(text) {
                Some(shared) if shared.written().is_none() => Arc::clone(shared),
                _ => {
                    let parsed = reader.parsed.hours(text).with_context(context)?;
                    reader.interner.hours(&parsed)
                }
            }),
        };
        let timezone = reader.parsed.zone(stored.timezone).with_context(context)?;
        let rare = match stored.rare {
            None => None,
            Some(json) => {
                let r: RareJson = serde_json::from_str(&json).with_context(context)?;
                Some(Box::new(Rare {
                    details: r.details,
                    status: r.status,
                    reports: r.reports,
                    last_verified: r.last_verified,
                }))
            }
        };
        let record = Record {
            id,
            position: LatLon::new(stored.lat, stored.lon).with_context(context)?,
            version: stored.version,
            updated_at: time("updated_at", stored.updated_at).with_context(context)?,
            org_id: stored.org_id,
            texts: stored.texts.into(),
            ends: stored.ends,
            origin: reader.interner.origin(
                stored.source,
                stored.source_crs.parse().with_context(context)?,
                timezone,
            ),
            opening_hours,
            rare,
            facilities: stored.facilities,
            present: stored.present,
            access: stored
                .access
                .map(str::parse)
                .transpose()
                .with_context(context)?,
        };
        if let Some(name) = record.name() {
            ToiletName::new(name).with_context(context)?;
        }
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_small() {
        // The size the memory benchmark's numbers rest on; grow it knowingly.
        // With its reference counts (16 bytes) a record is an allocation of
        // 128 bytes, a size class of mimalloc's: 8 more would take 160.
        assert!(
            std::mem::size_of::<Record>() <= 112,
            "{}",
            std::mem::size_of::<Record>()
        );
    }
}
