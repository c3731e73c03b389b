//! The answers that carry toilets (`/nearby`, search, the bbox view, one
//! toilet), written as JSON by hand: byte for byte what serde_json writes
//! from the shared types, which the tests below hold, at a fraction of the
//! cost. Serialising a toilet through serde (its keys escaped one byte at a
//! time, a flattened map, chrono's formatting) took 1.4–3 µs, ten of them
//! most of a `/nearby` answer once no JSON was kept per toilet.
//!
//! Keys are literals. Strings that need no escaping (no control character,
//! quote or backslash: nearly all) are copied whole; the rest, numbers and
//! the rare parts (facts, rooms, a closure, reports) go through serde_json.

use chrono::{DateTime, Datelike as _, Timelike as _, Utc};
use gongce_shared::{Status, reports::ReportSummary};

use crate::index::Record;
use serde::Serialize;

/// Writes `value` as serde_json does.
fn serde<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    serde_json::to_writer(&mut *out, value).expect("serialising into memory does not fail");
}

fn string(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        serde(out, s);
    }
}

fn text_or_null(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

fn tri(out: &mut Vec<u8>, b: Option<bool>) {
    out.extend_from_slice(match b {
        Some(true) => b"true",
        Some(false) => b"false",
        None => b"null",
    });
}

fn integer(out: &mut Vec<u8>, n: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// As chrono's `Serialize` writes a UTC time (RFC 3339, the fraction in
/// 3, 6 or 9 digits when there is one, `Z`), for years 0–9999; chrono
/// itself writes the others and leap seconds.
fn time(out: &mut Vec<u8>, t: &DateTime<Utc>) {
    let nanos = t.nanosecond();
    if !(0..=9999).contains(&t.year()) || nanos >= 1_000_000_000 {
        return serde(out, t);
    }
    fn digits(out: &mut Vec<u8>, mut n: u32, width: usize) {
        let mut buf = [b'0'; 9];
        for at in (0..width).rev() {
            buf[at] = b'0' + (n % 10) as u8;
            n /= 10;
        }
        out.extend_from_slice(&buf[..width]);
    }
    out.push(b'"');
    digits(out, t.year() as u32, 4);
    out.push(b'-');
    digits(out, t.month(), 2);
    out.push(b'-');
    digits(out, t.day(), 2);
    out.push(b'T');
    digits(out, t.hour(), 2);
    out.push(b':');
    digits(out, t.minute(), 2);
    out.push(b':');
    digits(out, t.second(), 2);
    if nanos != 0 {
        out.push(b'.');
        if nanos.is_multiple_of(1_000_000) {
            digits(out, nanos / 1_000_000, 3);
        } else if nanos.is_multiple_of(1_000) {
            digits(out, nanos / 1_000, 6);
        } else {
            digits(out, nanos, 9);
        }
    }
    out.extend_from_slice(b"Z\"");
}

fn time_or_null(out: &mut Vec<u8>, t: Option<&DateTime<Utc>>) {
    match t {
        Some(t) => time(out, t),
        None => out.extend_from_slice(b"null"),
    }
}

/// A toilet, as `Toilet`'s `Serialize` writes the toilet it holds.
pub fn toilet(out: &mut Vec<u8>, t: &Record) {
    out.extend_from_slice(b"{\"id\":");
    integer(out, t.id().get());
    out.extend_from_slice(b",\"name\":");
    text_or_null(out, t.name());
    out.extend_from_slice(b",\"address\":");
    text_or_null(out, t.address());
    out.extend_from_slice(b",\"lat\":");
    serde(out, &t.position().lat());
    out.extend_from_slice(b",\"lon\":");
    serde(out, &t.position().lon());
    for (key, value) in [
        (&b",\"wheelchair\":"[..], t.wheelchair()),
        (b",\"baby_change\":", t.baby_change()),
        (b",\"family_room\":", t.family_room()),
        (b",\"free\":", t.free()),
    ] {
        out.extend_from_slice(key);
        tri(out, value);
    }
    // The facts and rooms are flattened into the toilet: their map's
    // entries, without its braces.
    if !t.details().is_empty() {
        let start = out.len();
        serde(out, t.details());
        if out.len() - start > 2 {
            out[start] = b',';
            out.pop();
        } else {
            out.truncate(start);
        }
    }
    out.extend_from_slice(b",\"access\":");
    text_or_null(out, t.access().map(|a| a.as_str()));
    out.extend_from_slice(b",\"opening_hours\":");
    text_or_null(out, t.opening_hours().map(|h| h.as_str()));
    out.extend_from_slice(b",\"hours_note\":");
    text_or_null(out, t.hours_note());
    out.extend_from_slice(b",\"timezone\":");
    string(out, t.timezone().name());
    out.extend_from_slice(b",\"operator\":");
    text_or_null(out, t.operator());
    out.extend_from_slice(b",\"org_id\":");
    match t.org_id() {
        Some(id) => integer(out, id),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"last_verified\":");
    time_or_null(out, t.last_verified().as_ref());
    out.extend_from_slice(b",\"status\":");
    match t.status() {
        Status::Open => out.extend_from_slice(b"{\"state\":\"open\"}"),
        status => serde(out, status),
    }
    out.extend_from_slice(b",\"source\":");
    string(out, t.source());
    out.extend_from_slice(b",\"external_id\":");
    text_or_null(out, t.external_id());
    out.extend_from_slice(b",\"source_crs\":");
    string(out, t.source_crs().as_str());
    out.extend_from_slice(b",\"reports\":");
    if *t.reports() == ReportSummary::default() {
        out.extend_from_slice(
            b"{\"open\":0,\"reported_closed\":false,\"last_kind\":null,\"last_at\":null,\"fixed_at\":null}",
        );
    } else {
        serde(out, t.reports());
    }
    out.extend_from_slice(b",\"version\":");
    integer(out, t.version());
    out.extend_from_slice(b",\"updated_at\":");
    time(out, &t.updated_at());
    out.push(b'}');
}

/// One result of `/nearby` or a search: as `NearbyResult` / `SearchResult`.
pub struct Found<'a> {
    /// Metres and degrees from the position asked about, if one was.
    pub from: Option<(f64, f64)>,
    pub open_now: Option<bool>,
    pub changes_at: Option<DateTime<Utc>>,
    pub toilet: &'a Record,
}

/// `{"results":[…]}`.
pub fn results(found: &[Found<'_>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + 700 * found.len());
    out.extend_from_slice(b"{\"results\":[");
    for (i, f) in found.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'{');
        if let Some((distance_m, bearing_deg)) = f.from {
            out.extend_from_slice(b"\"distance_m\":");
            serde(&mut out, &distance_m);
            out.extend_from_slice(b",\"bearing_deg\":");
            serde(&mut out, &bearing_deg);
            out.push(b',');
        }
        out.extend_from_slice(b"\"open_now\":");
        tri(&mut out, f.open_now);
        out.extend_from_slice(b",\"changes_at\":");
        time_or_null(&mut out, f.changes_at.as_ref());
        out.extend_from_slice(b",\"toilet\":");
        toilet(&mut out, f.toilet);
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    out
}

/// A GeoJSON FeatureCollection of toilets: as `ToiletCollection`.
pub fn collection<'a>(
    toilets: impl ExactSizeIterator<Item = &'a Record>,
    truncated: bool,
    unknown: usize,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(96 + 800 * toilets.len());
    out.extend_from_slice(b"{\"type\":\"FeatureCollection\",\"features\":[");
    for (i, t) in toilets.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"type\":\"Feature\",\"id\":");
        integer(&mut out, t.id().get());
        out.extend_from_slice(b",\"geometry\":{\"type\":\"Point\",\"coordinates\":[");
        serde(&mut out, &t.position().lon());
        out.push(b',');
        serde(&mut out, &t.position().lat());
        out.extend_from_slice(b"]},\"properties\":");
        toilet(&mut out, t);
        out.push(b'}');
    }
    out.extend_from_slice(b"],\"truncated\":");
    out.extend_from_slice(if truncated { b"true" } else { b"false" });
    out.extend_from_slice(b",\"unknown\":");
    integer(&mut out, unknown as i64);
    out.push(b'}');
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use gongce_shared::{
        Access, Crs, Details, Fact, LatLon, OpeningHours, TimeZone, Toilet, ToiletId, ToiletName,
        api::{
            FeatureCollectionType, FeatureType, NearbyResponse, NearbyResult, PointGeometry,
            PointType, SearchResponse, SearchResult, ToiletCollection, ToiletFeature,
        },
        details::Value,
        reports::ReportKind,
    };

    use super::*;
    use crate::index::Interner;

    fn record(t: &Toilet) -> Record {
        Record::new(t, &mut Interner::default())
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    /// Toilets with every field in each of its shapes: unknown and known,
    /// text that needs escaping, facts and rooms, closures, reports, and
    /// times with no fraction and with 3, 6 and 9 digits of one.
    pub(crate) fn toilets() -> Vec<Toilet> {
        let plain = Toilet::new(
            ToiletId::new(7).unwrap(),
            ToiletName::new("人民广场公厕").unwrap(),
            LatLon::new(31.2304, 121.4737).unwrap(),
            at("2026-12-03T12:57:24.454Z"),
        );
        let mut all = vec![plain.clone()];
        let mut full = plain.clone();
        full.id = ToiletId::new(123_456_789).unwrap();
        full.name = None;
        full.address = Some("He said \"hi\"\\ \u{1}\n\u{2028}tab\there".to_owned());
        full.position = LatLon::new(-33.8688, 151.20929).unwrap();
        (
            full.wheelchair,
            full.baby_change,
            full.family_room,
            full.free,
        ) = (Some(true), Some(false), None, Some(true));
        let mut details = Details::default();
        details.set(Fact::Seated, Some(Value::Bool(true)));
        details.set(Fact::StepFree, Some(Value::Bool(false)));
        details.set(Fact::Urinals, Some(Value::Count(3)));
        details.set(Fact::Phone, Some(Value::Text("021-1234 \"5\"".into())));
        full.details = details;
        full.access = Some(Access::Customers);
        full.opening_hours = Some(OpeningHours::parse("Mo-Fr 08:00-18:00").unwrap());
        // Each kind of character that needs escaping, alone in a text.
        full.hours_note = Some("节假日\u{7}除外".to_owned());
        full.timezone = "Australia/Sydney".parse::<TimeZone>().unwrap();
        full.operator = Some("The \"Best\" Co".to_owned());
        full.org_id = Some(42);
        full.last_verified = Some(at("2025-01-02T03:04:05Z"));
        full.status = Status::TemporarilyClosed {
            reason: "repairs \"soon\"".to_owned(),
            until: Some(at("2027-01-01T00:00:00.123456Z")),
        };
        full.source = "nsw \\ toilets".to_owned();
        full.external_id = Some("A\\1".to_owned());
        full.source_crs = Crs::Gcj02;
        full.reports = ReportSummary {
            open: 2,
            reported_closed: true,
            last_kind: Some(ReportKind::Closed),
            last_at: Some(at("2026-11-30T23:59:59.987654321Z")),
            fixed_at: None,
        };
        full.version = 9;
        full.updated_at = at("2026-12-01T00:00:00Z");
        all.push(full.clone());
        let mut closed = plain.clone();
        closed.status = Status::TemporarilyClosed {
            reason: String::new(),
            until: None,
        };
        closed.updated_at = at("0099-01-01T00:00:00.5Z");
        all.push(closed);
        let mut removed = plain;
        removed.status = Status::Removed;
        removed.access = Some(Access::Key);
        removed.source_crs = Crs::Bd09;
        removed.position = LatLon::new(90.0, -180.0).unwrap();
        removed.updated_at = at("2026-06-30T12:00:00.000001Z");
        all.push(removed);
        all
    }

    #[test]
    fn a_record_gives_back_the_toilet_it_was_made_from() {
        let mut interner = Interner::default();
        for t in toilets() {
            let back = Record::new(&t, &mut interner).toilet();
            assert_eq!(back, t);
            assert_eq!(
                back.opening_hours.as_ref().map(|h| h.written()),
                t.opening_hours.as_ref().map(|h| h.written())
            );
        }
    }

    #[test]
    fn a_toilet_is_written_as_serde_writes_it() {
        for t in toilets() {
            let mut out = Vec::new();
            toilet(&mut out, &record(&t));
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&t).unwrap()
            );
        }
    }

    #[test]
    fn answers_are_written_as_their_shared_types_are() {
        let all = toilets();
        let records: Vec<Record> = all.iter().map(record).collect();
        let found: Vec<Found<'_>> = records
            .iter()
            .enumerate()
            .map(|(i, t)| Found {
                from: Some((12.3 * i as f64, 359.9)),
                open_now: [Some(true), Some(false), None][i % 3],
                changes_at: (i % 2 == 0).then(|| at("2026-12-03T22:00:00Z")),
                toilet: t,
            })
            .collect();
        let nearby = NearbyResponse {
            results: found
                .iter()
                .map(|f| NearbyResult {
                    distance_m: f.from.unwrap().0,
                    bearing_deg: f.from.unwrap().1,
                    open_now: f.open_now,
                    changes_at: f.changes_at,
                    toilet: f.toilet.toilet(),
                })
                .collect(),
        };
        assert_eq!(
            String::from_utf8(results(&found)).unwrap(),
            serde_json::to_string(&nearby).unwrap()
        );
        assert_eq!(results(&[]), br#"{"results":[]}"#);

        // A search without a position: no distance, no bearing.
        let unplaced: Vec<Found<'_>> = found
            .into_iter()
            .map(|f| Found { from: None, ..f })
            .collect();
        let search = SearchResponse {
            results: unplaced
                .iter()
                .map(|f| SearchResult {
                    distance_m: None,
                    bearing_deg: None,
                    open_now: f.open_now,
                    changes_at: f.changes_at,
                    toilet: f.toilet.toilet(),
                })
                .collect(),
        };
        assert_eq!(
            String::from_utf8(results(&unplaced)).unwrap(),
            serde_json::to_string(&search).unwrap()
        );

        for (truncated, unknown) in [(false, 0), (true, 17)] {
            let shared = ToiletCollection {
                kind: FeatureCollectionType::FeatureCollection,
                features: all
                    .iter()
                    .map(|t| ToiletFeature {
                        kind: FeatureType::Feature,
                        id: t.id,
                        geometry: PointGeometry {
                            kind: PointType::Point,
                            coordinates: [t.position.lon(), t.position.lat()],
                        },
                        properties: t.clone(),
                    })
                    .collect(),
                truncated,
                unknown: unknown as u64,
            };
            assert_eq!(
                String::from_utf8(collection(records.iter(), truncated, unknown)).unwrap(),
                serde_json::to_string(&shared).unwrap()
            );
        }
    }
}
