//! The server's answers as the app reads them: the fields it shows, in
//! light types. (The shared `Toilet` validates opening hours and time zones
//! as it deserialises, which would ship a parser and the whole time-zone
//! database to every phone; the server has validated them already.)

use chrono::{DateTime, Utc};
use gongce_shared::{Details, DetailsChange, Fact, LatLon, reports::ReportSummary};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Status {
    Open,
    TemporarilyClosed {
        reason: String,
        until: Option<DateTime<Utc>>,
    },
    Removed,
}

/// Read by hand ([`ToiletVisitor`]): the detailed facts are flat among
/// the toilet's own keys, and `#[serde(flatten)]` would add 25 KB to the
/// app for reading them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Toilet {
    pub id: i64,
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
    pub operator: Option<String>,
    pub org_id: Option<i64>,
    pub last_verified: Option<DateTime<Utc>>,
    /// The IANA zone its hours and dates are in (`Asia/Taipei`); the
    /// browser's own time-zone database shows times in it.
    #[serde(default)]
    pub timezone: Option<String>,
    pub status: Status,
    pub version: i64,
    pub reports: ReportSummary,
    /// Seated, squat, stalls, grade, phone, English name …: only those known.
    #[serde(flatten)]
    pub details: Details,
}

impl<'de> Deserialize<'de> for Toilet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ToiletVisitor)
    }
}

struct ToiletVisitor;

impl<'de> serde::de::Visitor<'de> for ToiletVisitor {
    type Value = Toilet;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a toilet")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Toilet, A::Error> {
        use serde::de::Error as _;
        let (mut id, mut name, mut lat, mut lon, mut status, mut version) =
            (None, None, None, None, None, None);
        let mut t = Toilet {
            id: 0,
            name: String::new(),
            address: None,
            lat: 0.0,
            lon: 0.0,
            wheelchair: None,
            baby_change: None,
            family_room: None,
            free: None,
            opening_hours: None,
            hours_note: None,
            operator: None,
            org_id: None,
            last_verified: None,
            timezone: None,
            status: Status::Open,
            version: 0,
            reports: ReportSummary::default(),
            details: Details::default(),
        };
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "id" => id = Some(map.next_value()?),
                // `null` when the source names none.
                "name" => name = Some(map.next_value::<Option<String>>()?.unwrap_or_default()),
                "lat" => lat = Some(map.next_value()?),
                "lon" => lon = Some(map.next_value()?),
                "status" => status = Some(map.next_value()?),
                "version" => version = Some(map.next_value()?),
                "address" => t.address = map.next_value()?,
                "wheelchair" => t.wheelchair = map.next_value()?,
                "baby_change" => t.baby_change = map.next_value()?,
                "family_room" => t.family_room = map.next_value()?,
                "free" => t.free = map.next_value()?,
                "opening_hours" => t.opening_hours = map.next_value()?,
                "hours_note" => t.hours_note = map.next_value()?,
                "operator" => t.operator = map.next_value()?,
                "org_id" => t.org_id = map.next_value()?,
                "last_verified" => t.last_verified = map.next_value()?,
                "timezone" => t.timezone = map.next_value()?,
                "reports" => t.reports = map.next_value()?,
                "rooms" => t.details.rooms = map.next_value::<Option<_>>()?.unwrap_or_default(),
                other => match Fact::from_key(other) {
                    Some(fact) => t.details.read_checked(fact, &mut map)?,
                    None => {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                },
            }
        }
        t.id = id.ok_or_else(|| A::Error::missing_field("id"))?;
        t.name = name.ok_or_else(|| A::Error::missing_field("name"))?;
        t.lat = lat.ok_or_else(|| A::Error::missing_field("lat"))?;
        t.lon = lon.ok_or_else(|| A::Error::missing_field("lon"))?;
        t.status = status.ok_or_else(|| A::Error::missing_field("status"))?;
        t.version = version.ok_or_else(|| A::Error::missing_field("version"))?;
        Ok(t)
    }
}

impl Toilet {
    /// The name to show: in English where the list gives one and the page
    /// is in English, else as stored. A toilet without a name (most of
    /// OpenStreetMap's) is "公厕 · its operator", or its address.
    pub fn name_in(&self, lang: crate::i18n::Lang) -> String {
        self.named(lang, lang == crate::i18n::Lang::En)
    }

    /// The name as stored, whatever the page's language (what a committee
    /// registered it as); a toilet without one is named as in [`Self::name_in`].
    pub fn stored_name(&self, lang: crate::i18n::Lang) -> String {
        self.named(lang, false)
    }

    fn named(&self, lang: crate::i18n::Lang, english: bool) -> String {
        let name = self
            .details
            .text(Fact::NameEn)
            .filter(|_| english)
            .unwrap_or(&self.name);
        if !name.is_empty() {
            return name.to_owned();
        }
        let generic = lang.t(crate::i18n::Text::Toilet);
        match self.operator.as_deref().or(self.address_in(english)) {
            Some(what) => format!("{generic} · {what}"),
            None => generic.to_owned(),
        }
    }

    /// The address to show, in English likewise.
    pub fn address_in(&self, english: bool) -> Option<&str> {
        self.details
            .text(Fact::AddressEn)
            .filter(|_| english)
            .or(self.address.as_deref())
    }

    pub fn position(&self) -> LatLon {
        LatLon::new(self.lat, self.lon).unwrap_or_else(|_| LatLon::new(0.0, 0.0).expect("zero"))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearbyResult {
    /// Not a number when not measured: a search without a position, a
    /// toilet opened by its address before the position came.
    #[serde(default = "unmeasured", deserialize_with = "measured")]
    pub distance_m: f64,
    #[serde(default)]
    pub bearing_deg: f64,
    pub open_now: Option<bool>,
    /// When `open_now` next changes, if known.
    #[serde(default)]
    pub changes_at: Option<DateTime<Utc>>,
    pub toilet: Toilet,
}

fn unmeasured() -> f64 {
    f64::NAN
}

/// A distance, or `null` (as JSON writes NaN) for none.
fn measured<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

impl NearbyResult {
    /// A toilet not in the nearest list (opened by its address): distance
    /// and bearing from `from` (great circle, as the server measures), and
    /// open-now unknown here.
    pub fn seen_from(toilet: Toilet, from: Option<LatLon>) -> Self {
        let (distance_m, bearing_deg) = from.map_or((f64::NAN, 0.0), |f| {
            let (a, b) = (f, toilet.position());
            let (φ1, φ2) = (a.lat().to_radians(), b.lat().to_radians());
            let (dφ, dλ) = (φ2 - φ1, (b.lon() - a.lon()).to_radians());
            let h = (dφ / 2.0).sin().powi(2) + φ1.cos() * φ2.cos() * (dλ / 2.0).sin().powi(2);
            let distance = 2.0 * 6_371_008.8 * h.sqrt().asin();
            let y = dλ.sin() * φ2.cos();
            let x = φ1.cos() * φ2.sin() - φ1.sin() * φ2.cos() * dλ.cos();
            (distance, y.atan2(x).to_degrees().rem_euclid(360.0))
        });
        NearbyResult {
            distance_m,
            bearing_deg,
            open_now: None,
            changes_at: None,
            toilet,
        }
    }
}

/// The address fragment of an open toilet sheet: `#t=123`.
pub fn toilet_fragment(id: i64) -> String {
    format!("#t={id}")
}

/// The toilet an address fragment opens, if any.
pub fn toilet_in_fragment(fragment: &str) -> Option<i64> {
    fragment
        .strip_prefix("#t=")?
        .parse()
        .ok()
        .filter(|id| *id > 0)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearbyResponse {
    pub results: Vec<NearbyResult>,
}

/// `POST /api/v1/toilets`: what a committee fills in when it places a toilet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewToilet {
    pub name: String,
    pub address: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub wheelchair: Option<bool>,
    pub baby_change: Option<bool>,
    pub family_room: Option<bool>,
    pub free: Option<bool>,
    pub opening_hours: Option<String>,
    /// The detailed facts filled in.
    #[serde(flatten)]
    pub details: DetailsChange,
}

/// `PATCH /api/v1/toilets/{id}`: only what is set is sent; a facility set
/// to `Some(None)` goes back to unknown (`null`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ToiletEdit {
    pub version: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opening_hours: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wheelchair: Option<Option<bool>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baby_change: Option<Option<bool>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_room: Option<Option<bool>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub free: Option<Option<bool>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// The detailed facts to set (`None`: unknown again).
    #[serde(flatten)]
    pub details: DetailsChange,
    /// Mark the toilet checked today.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub verified: bool,
}

/// An admin's upload, after its dry run, or after its commit.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Upload {
    #[serde(default)]
    pub import_id: Option<String>,
    pub report: ImportReport,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ImportReport {
    pub counts: ImportCounts,
    /// For each field, how many of the list's toilets got a known value.
    #[serde(default)]
    pub known: Vec<KnownCount>,
    #[serde(default)]
    pub issues: Vec<ImportIssue>,
    #[serde(default)]
    pub preview: Vec<PreviewRow>,
    #[serde(default)]
    pub written: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct KnownCount {
    pub field: String,
    pub toilets: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ImportCounts {
    pub read: u64,
    pub venues: u64,
    pub rejected: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub removed: u64,
}

/// One problem of a list: where, what was there, why, and what was done.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ImportIssue {
    pub row: u64,
    pub external_id: Option<String>,
    pub column: String,
    pub value: String,
    /// What the problem is ([`Lang::import_problem`](crate::i18n::Lang) says it).
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub limit: Option<i64>,
    pub severity: Severity,
}

/// A toilet the list makes, as it will be written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
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
}

/// What was done with a row's problem.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Rejected,
    Fixed,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Rejected => "rejected",
            Severity::Fixed => "fixed",
            Severity::Warning => "warning",
        }
    }
}

/// Where placing a new toilet's pin stands.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Placement {
    #[default]
    Off,
    /// Waiting for a tap on the map.
    Tapping,
    /// A pin is down; taps move it until it is confirmed.
    Placed(LatLon),
    /// The pin is confirmed; the details are being filled in.
    Confirmed(LatLon),
}

impl Placement {
    pub fn pin(self) -> Option<LatLon> {
        match self {
            Placement::Placed(p) | Placement::Confirmed(p) => Some(p),
            Placement::Off | Placement::Tapping => None,
        }
    }

    /// After a tap on the map at `at`.
    pub fn tapped(self, at: LatLon) -> Placement {
        match self {
            Placement::Tapping | Placement::Placed(_) => Placement::Placed(at),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use gongce_shared::RoomKind;

    #[test]
    fn reads_what_the_server_sends() {
        let json = r#"{"results":[{"distance_m":15.3,"bearing_deg":59.4,"open_now":null,
            "toilet":{"id":7,"name":"臺中火車站","address":null,"lat":24.13,"lon":120.68,
            "wheelchair":true,"baby_change":false,"family_room":null,"free":null,"access":null,
            "opening_hours":"24/7","hours_note":null,"timezone":"Asia/Taipei","operator":"x",
            "org_id":null,"last_verified":null,
            "status":{"state":"temporarily_closed","reason":"維修","until":"2026-12-01T00:00:00Z"},
            "source":"t","external_id":"B1","source_crs":"wgs84","version":2,
            "updated_at":"2026-11-26T20:05:50.487Z"}}]}"#;
        let r: NearbyResponse = serde_json::from_str(json).unwrap();
        let t = &r.results[0].toilet;
        assert_eq!((t.id, t.wheelchair, t.family_room), (7, Some(true), None));
        assert!(matches!(&t.status, Status::TemporarilyClosed { reason, .. } if reason == "維修"));
    }

    #[test]
    fn a_search_without_a_position_reads_as_unmeasured() {
        let json = r#"{"results":[{"open_now":null,"toilet":{"id":7,"name":"x","lat":1,"lon":2,
            "status":{"state":"open"},"version":1}}]}"#;
        let r: NearbyResponse = serde_json::from_str(json).unwrap();
        assert!(r.results[0].distance_m.is_nan());
        // Kept offline as null, read back the same.
        let copy: NearbyResponse =
            serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert!(copy.results[0].distance_m.is_nan());
    }

    #[test]
    fn reads_the_detailed_facts_among_the_toilets_keys_and_keeps_them() {
        let json = r#"{"id":7,"name":"人民广场公厕","lat":31.23,"lon":121.47,"seated":true,
            "squat":false,"urinals":6,"name_en":"People's Square","newer_field":[1,2],
            "rooms":[{"kind":"male","external_id":"R1"},{"kind":"accessible","wheelchair":true}],
            "status":{"state":"open"},"version":1}"#;
        let t: Toilet = serde_json::from_str(json).unwrap();
        assert_eq!(t.details.tri(Fact::Seated), Some(true));
        assert_eq!(t.details.tri(Fact::Squat), Some(false));
        assert_eq!(t.details.count(Fact::Urinals), Some(6));
        let kinds: Vec<_> = t.details.rooms.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, [RoomKind::Male, RoomKind::Accessible]);
        assert_eq!(t.name_in(Lang::En), "People's Square");
        assert_eq!(t.name_in(Lang::Zh), "人民广场公厕");
        // A committee's list shows the name it registered, whatever the language.
        assert_eq!(t.stored_name(Lang::En), "人民广场公厕");
        assert_eq!(t.address_in(true), None);
        // The offline copy of the last answer reads back the same.
        let copy: Toilet = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
        assert_eq!(copy, t);
        let e = serde_json::from_str::<Toilet>(r#"{"id":7,"lat":1,"lon":2}"#).unwrap_err();
        assert!(e.to_string().contains("missing field `name`"), "{e}");
    }

    #[test]
    fn a_toilet_without_a_name_is_called_a_toilet_with_its_operator_or_address() {
        let json = r#"{"id":7,"name":null,"lat":-33.87,"lon":151.2,"address":"1 George Street",
            "status":{"state":"open"},"version":1}"#;
        let mut t: Toilet = serde_json::from_str(json).unwrap();
        assert_eq!(t.name_in(Lang::Zh), "公厕 · 1 George Street");
        assert_eq!(t.name_in(Lang::Hant), "公廁 · 1 George Street");
        t.operator = Some("City of Sydney".into());
        assert_eq!(t.name_in(Lang::En), "Toilet · City of Sydney");
        t.operator = None;
        t.address = None;
        assert_eq!(t.name_in(Lang::En), "Toilet");
    }

    #[test]
    fn edits_send_only_what_changed_and_null_for_unknown() {
        let edit = ToiletEdit {
            version: 3,
            wheelchair: Some(None),
            free: Some(Some(true)),
            verified: true,
            ..ToiletEdit::default()
        };
        assert_eq!(
            serde_json::to_string(&edit).unwrap(),
            r#"{"version":3,"wheelchair":null,"free":true,"verified":true}"#
        );
    }

    #[test]
    fn a_toilets_address_opens_it() {
        assert_eq!(toilet_in_fragment(&toilet_fragment(42)), Some(42));
        for other in ["", "#", "#t=", "#t=-3", "#t=0", "#t=4x", "#results"] {
            assert_eq!(toilet_in_fragment(other), None, "{other}");
        }
    }

    #[test]
    fn a_toilet_opened_by_address_is_measured_like_the_server_does() {
        let body = r#"{"id":7,"name":"x","address":null,"lat":31.2400,"lon":121.4737,"wheelchair":null,"baby_change":null,"family_room":null,"free":null,"opening_hours":null,"hours_note":null,"operator":null,"org_id":null,"last_verified":null,"status":{"state":"open"},"version":1}"#;
        let toilet: Toilet = serde_json::from_str(body).unwrap();
        let from = LatLon::new(31.2304, 121.4737).unwrap();
        let r = NearbyResult::seen_from(toilet.clone(), Some(from));
        // 0.0096° of latitude due north: 1,067.5 m on the mean-radius sphere.
        assert!((r.distance_m - 1067.5).abs() < 0.5, "{}", r.distance_m);
        assert!(r.bearing_deg.abs() < 1e-6, "{}", r.bearing_deg);
        let east = LatLon::new(31.2400, 121.4637).unwrap();
        let r = NearbyResult::seen_from(toilet.clone(), Some(east));
        assert!((r.bearing_deg - 90.0).abs() < 0.01, "{}", r.bearing_deg);
        assert!(NearbyResult::seen_from(toilet, None).distance_m.is_nan());
    }

    #[test]
    fn a_pin_moves_until_it_is_confirmed() {
        let (a, b) = (
            LatLon::new(24.1, 120.6).unwrap(),
            LatLon::new(24.2, 120.7).unwrap(),
        );
        assert_eq!(Placement::Off.tapped(a), Placement::Off);
        assert_eq!(Placement::Tapping.tapped(a), Placement::Placed(a));
        assert_eq!(Placement::Placed(a).tapped(b).pin(), Some(b));
        assert_eq!(Placement::Confirmed(a).tapped(b).pin(), Some(a));
    }

    #[test]
    fn reads_an_import_report() {
        let json = r#"{"import_id":"ab12","report":{"file":"x.csv","counts":{"read":2,
            "rejected":1,"fixed":0,"merged":0,"venues":1,"inserted":1,"updated":0,"unchanged":0,
            "removed":0,"possible_duplicates":0},"issues":[{"row":3,"external_id":"s2",
            "column":"纬度","value":"95","reason":"out of range","severity":"rejected"}],
            "written":false}}"#;
        let u: Upload = serde_json::from_str(json).unwrap();
        assert_eq!(u.import_id.as_deref(), Some("ab12"));
        assert_eq!((u.report.counts.read, u.report.issues[0].row), (2, 3));
    }
}
