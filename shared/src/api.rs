//! Requests, responses and errors of the HTTP API (`/api/v1`).
//!
//! Query strings are parsed here, so the server and the web app agree on
//! them: every parameter is checked, and an error names the parameter and
//! quotes its value.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{LatLon, Toilet, ToiletId};

/// Why a query string was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    #[error("missing query parameter `{param}`")]
    Missing { param: &'static str },
    #[error("invalid `{param}` value {value:?}: {reason}")]
    Invalid {
        param: String,
        value: String,
        reason: String,
        /// The bound it broke, when it broke one.
        limit: Option<i64>,
    },
    #[error("unknown query parameter `{param}`; expected one of {expected}")]
    Unknown { param: String, expected: String },
    #[error("query parameter `{param}` given more than once")]
    Duplicate { param: String },
}

impl QueryError {
    /// The stable machine-readable code for the error body.
    pub fn code(&self) -> &'static str {
        match self {
            QueryError::Missing { .. } => "missing_parameter",
            QueryError::Invalid { .. } => "invalid_parameter",
            QueryError::Unknown { .. } => "unknown_parameter",
            QueryError::Duplicate { .. } => "duplicate_parameter",
        }
    }

    pub fn invalid(param: &str, value: &str, reason: impl Into<String>) -> Self {
        QueryError::Invalid {
            param: param.to_owned(),
            value: value.to_owned(),
            reason: reason.into(),
            limit: None,
        }
    }

    fn beyond(param: &str, value: &str, reason: impl Into<String>, limit: i64) -> Self {
        QueryError::Invalid {
            param: param.to_owned(),
            value: value.to_owned(),
            reason: reason.into(),
            limit: Some(limit),
        }
    }

    /// The parameter at fault.
    pub fn param(&self) -> &str {
        match self {
            QueryError::Missing { param } => param,
            QueryError::Invalid { param, .. }
            | QueryError::Unknown { param, .. }
            | QueryError::Duplicate { param } => param,
        }
    }
}

/// Facility filters: each `true` keeps only toilets known to have it.
/// Unknown is not a match, unless `include_unknown` is set. `false` (or
/// leaving it out) does not filter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Filters {
    pub wheelchair: bool,
    pub baby_change: bool,
    pub family_room: bool,
    pub free: bool,
    /// A seated toilet (not only squat ones).
    #[serde(default)]
    pub seated: bool,
    /// Step-free from the street.
    #[serde(default)]
    pub step_free: bool,
    /// An adult changing bench (成人护理台).
    #[serde(default)]
    pub adult_changing: bool,
    /// Open at the moment of the query, by status and hours in the toilet's own time zone.
    pub open_now: bool,
    /// Leave out toilets that several residents reported closed or gone.
    pub hide_reported_closed: bool,
    /// The facility filters and `open_now` also keep toilets whose answer
    /// is unknown, leaving out only a known no: most lists do not record
    /// every fact, and a resident may rather walk to a maybe than to nothing.
    #[serde(default)]
    pub include_unknown: bool,
}

/// One facility filter: its query parameter, and its flag in [`Filters`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Filter {
    Wheelchair,
    BabyChange,
    FamilyRoom,
    Free,
    Seated,
    StepFree,
    AdultChanging,
    OpenNow,
    HideReportedClosed,
    IncludeUnknown,
}

impl Filter {
    /// In the order the app offers them.
    pub const ALL: [Filter; 10] = [
        Filter::Wheelchair,
        Filter::BabyChange,
        Filter::FamilyRoom,
        Filter::Free,
        Filter::OpenNow,
        Filter::Seated,
        Filter::StepFree,
        Filter::AdultChanging,
        Filter::HideReportedClosed,
        Filter::IncludeUnknown,
    ];

    /// The filters that ask for a facility (a fact a list may not record,
    /// as is `open_now`).
    pub const FACILITIES: [Filter; 7] = [
        Filter::Wheelchair,
        Filter::BabyChange,
        Filter::FamilyRoom,
        Filter::Free,
        Filter::Seated,
        Filter::StepFree,
        Filter::AdultChanging,
    ];

    /// The query parameter's name.
    pub fn name(self) -> &'static str {
        match self {
            Filter::Wheelchair => "wheelchair",
            Filter::BabyChange => "baby_change",
            Filter::FamilyRoom => "family_room",
            Filter::Free => "free",
            Filter::Seated => "seated",
            Filter::StepFree => "step_free",
            Filter::AdultChanging => "adult_changing",
            Filter::OpenNow => "open_now",
            Filter::HideReportedClosed => "hide_reported_closed",
            Filter::IncludeUnknown => "include_unknown",
        }
    }
}

impl Filters {
    /// Whether a filter asks for a fact a list may not record.
    pub fn asks_facts(&self) -> bool {
        self.open_now || Filter::FACILITIES.iter().any(|&f| self.is_on(f))
    }

    pub fn is_on(&self, filter: Filter) -> bool {
        let mut copy = *self;
        *copy.flag(filter)
    }

    pub fn flag(&mut self, filter: Filter) -> &mut bool {
        match filter {
            Filter::Wheelchair => &mut self.wheelchair,
            Filter::BabyChange => &mut self.baby_change,
            Filter::FamilyRoom => &mut self.family_room,
            Filter::Free => &mut self.free,
            Filter::Seated => &mut self.seated,
            Filter::StepFree => &mut self.step_free,
            Filter::AdultChanging => &mut self.adult_changing,
            Filter::OpenNow => &mut self.open_now,
            Filter::HideReportedClosed => &mut self.hide_reported_closed,
            Filter::IncludeUnknown => &mut self.include_unknown,
        }
    }

    fn set(&mut self, filter: Filter, value: &str) -> Result<(), QueryError> {
        *self.flag(filter) = match value {
            "true" | "1" => true,
            "false" | "0" => false,
            _ => {
                return Err(QueryError::invalid(
                    filter.name(),
                    value,
                    "expected true or false",
                ));
            }
        };
        Ok(())
    }

    fn write(&self, out: &mut form_urlencoded::Serializer<'_, String>) {
        for filter in Filter::ALL {
            if self.is_on(filter) {
                out.append_pair(filter.name(), "true");
            }
        }
    }
}

/// The query string as (name, value) pairs, each name at most once;
/// borrowed from the query unless percent-decoding changed them.
struct Params<'q>(Vec<(Cow<'q, str>, Cow<'q, str>)>);

impl<'q> Params<'q> {
    fn parse(query: &'q str, allowed: &[&str]) -> Result<Self, QueryError> {
        let mut pairs: Vec<(Cow<'q, str>, Cow<'q, str>)> = Vec::with_capacity(8);
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            if !allowed.contains(&name.as_ref()) {
                return Err(QueryError::Unknown {
                    param: name.into_owned(),
                    expected: allowed.join(", "),
                });
            }
            if pairs.iter().any(|(n, _)| *n == name) {
                return Err(QueryError::Duplicate {
                    param: name.into_owned(),
                });
            }
            pairs.push((name, value));
        }
        Ok(Params(pairs))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_ref())
    }

    fn number(&self, name: &'static str) -> Result<Option<f64>, QueryError> {
        let Some(raw) = self.get(name) else {
            return Ok(None);
        };
        let value: f64 = raw
            .trim()
            .parse()
            .map_err(|_| QueryError::invalid(name, raw, "not a number"))?;
        if !value.is_finite() {
            return Err(QueryError::invalid(name, raw, "must be a finite number"));
        }
        Ok(Some(value))
    }

    fn required_number(&self, name: &'static str) -> Result<f64, QueryError> {
        self.number(name)?
            .ok_or(QueryError::Missing { param: name })
    }

    fn limit(&self, max: u32, default: u32) -> Result<u32, QueryError> {
        let Some(raw) = self.get("limit") else {
            return Ok(default);
        };
        let reason = format!("must be a whole number within 1..={max}");
        match raw.trim().parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            Ok(0) => Err(QueryError::beyond("limit", raw, reason, 1)),
            Ok(_) => Err(QueryError::beyond("limit", raw, reason, max.into())),
            Err(_) => Err(QueryError::invalid("limit", raw, reason)),
        }
    }

    fn filters(&self) -> Result<Filters, QueryError> {
        let mut filters = Filters::default();
        for filter in Filter::ALL {
            if let Some(value) = self.get(filter.name()) {
                filters.set(filter, value)?;
            }
        }
        Ok(filters)
    }
}

/// The bound a number beyond ±`max` broke.
pub(crate) fn bound(value: f64, max: i64) -> i64 {
    if value < 0.0 { -max } else { max }
}

fn position(lat: f64, lon: f64, lat_raw: &str, lon_raw: &str) -> Result<LatLon, QueryError> {
    LatLon::new(lat, lon).map_err(|e| match e {
        crate::CoordError::Latitude(_) => {
            QueryError::beyond("lat", lat_raw, "must be within -90..=90", bound(lat, 90))
        }
        crate::CoordError::Longitude(_) => {
            QueryError::beyond("lon", lon_raw, "must be within -180..=180", bound(lon, 180))
        }
    })
}

/// `GET /api/v1/toilets/nearby`: the nearest toilets that pass the filters.
#[derive(Debug, Clone, PartialEq)]
pub struct NearbyQuery {
    pub at: LatLon,
    /// 1..=100, default 10.
    pub limit: u32,
    /// Only toilets within this great-circle distance, in metres.
    pub radius_m: Option<f64>,
    pub filters: Filters,
}

impl NearbyQuery {
    pub const MAX_LIMIT: u32 = 100;
    pub const DEFAULT_LIMIT: u32 = 10;
    const PARAMS: [&'static str; 14] = [
        "lat",
        "lon",
        "limit",
        "radius_m",
        "wheelchair",
        "baby_change",
        "family_room",
        "free",
        "seated",
        "step_free",
        "adult_changing",
        "open_now",
        "hide_reported_closed",
        "include_unknown",
    ];

    pub fn new(at: LatLon) -> Self {
        NearbyQuery {
            at,
            limit: Self::DEFAULT_LIMIT,
            radius_m: None,
            filters: Filters::default(),
        }
    }

    pub fn from_query(query: &str) -> Result<Self, QueryError> {
        let params = Params::parse(query, &Self::PARAMS)?;
        let lat = params.required_number("lat")?;
        let lon = params.required_number("lon")?;
        let at = position(
            lat,
            lon,
            params.get("lat").unwrap_or_default(),
            params.get("lon").unwrap_or_default(),
        )?;
        let radius_m = match params.number("radius_m")? {
            Some(r) if r <= 0.0 => {
                return Err(QueryError::beyond(
                    "radius_m",
                    params.get("radius_m").unwrap_or_default(),
                    "must be a positive number of metres",
                    0,
                ));
            }
            r => r,
        };
        Ok(NearbyQuery {
            at,
            limit: params.limit(Self::MAX_LIMIT, Self::DEFAULT_LIMIT)?,
            radius_m,
            filters: params.filters()?,
        })
    }

    pub fn to_query(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        out.append_pair("lat", &self.at.lat().to_string());
        out.append_pair("lon", &self.at.lon().to_string());
        out.append_pair("limit", &self.limit.to_string());
        if let Some(r) = self.radius_m {
            out.append_pair("radius_m", &r.to_string());
        }
        self.filters.write(&mut out);
        out.finish()
    }
}

/// A map viewport. `min_lon > max_lon` means the box crosses the antimeridian.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bbox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl Bbox {
    pub fn new(min_lon: f64, min_lat: f64, max_lon: f64, max_lat: f64) -> Result<Self, String> {
        for (what, lon) in [("min_lon", min_lon), ("max_lon", max_lon)] {
            if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
                return Err(format!("{what} {lon} must be within -180..=180"));
            }
        }
        for (what, lat) in [("min_lat", min_lat), ("max_lat", max_lat)] {
            if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
                return Err(format!("{what} {lat} must be within -90..=90"));
            }
        }
        // Latitudes in either order name the same band.
        let (min_lat, max_lat) = (min_lat.min(max_lat), min_lat.max(max_lat));
        Ok(Bbox {
            min_lon,
            min_lat,
            max_lon,
            max_lat,
        })
    }

    pub fn contains(&self, p: LatLon) -> bool {
        let lon_ok = if self.min_lon <= self.max_lon {
            (self.min_lon..=self.max_lon).contains(&p.lon())
        } else {
            p.lon() >= self.min_lon || p.lon() <= self.max_lon
        };
        lon_ok && (self.min_lat..=self.max_lat).contains(&p.lat())
    }

    /// The box's centre; across the antimeridian, on the far side.
    pub fn center(&self) -> LatLon {
        let mut lon = if self.min_lon <= self.max_lon {
            (self.min_lon + self.max_lon) / 2.0
        } else {
            (self.min_lon + self.max_lon + 360.0) / 2.0
        };
        if lon > 180.0 {
            lon -= 360.0;
        }
        LatLon::new((self.min_lat + self.max_lat) / 2.0, lon)
            .expect("the centre of a valid box is valid")
    }
}

/// `GET /api/v1/toilets?bbox=…`: the toilets in a map viewport.
#[derive(Debug, Clone, PartialEq)]
pub struct BboxQuery {
    pub bbox: Bbox,
    /// 1..=5000, default 1000. When more toilets are in the box, those
    /// nearest its centre are returned and `truncated` is set.
    pub limit: u32,
    pub filters: Filters,
}

impl BboxQuery {
    pub const MAX_LIMIT: u32 = 5000;
    pub const DEFAULT_LIMIT: u32 = 1000;
    const PARAMS: [&'static str; 12] = [
        "bbox",
        "limit",
        "wheelchair",
        "baby_change",
        "family_room",
        "free",
        "seated",
        "step_free",
        "adult_changing",
        "open_now",
        "hide_reported_closed",
        "include_unknown",
    ];

    pub fn from_query(query: &str) -> Result<Self, QueryError> {
        let params = Params::parse(query, &Self::PARAMS)?;
        let raw = params
            .get("bbox")
            .ok_or(QueryError::Missing { param: "bbox" })?;
        let parts: Vec<&str> = raw.split(',').collect();
        let bad = |reason: String| QueryError::invalid("bbox", raw, reason);
        if parts.len() != 4 {
            return Err(bad(
                "expected four numbers min_lon,min_lat,max_lon,max_lat".into()
            ));
        }
        let mut n = [0.0; 4];
        for (slot, part) in n.iter_mut().zip(&parts) {
            *slot = part
                .trim()
                .parse::<f64>()
                .map_err(|_| bad(format!("{part:?} is not a number")))?;
        }
        let bbox = Bbox::new(n[0], n[1], n[2], n[3]).map_err(bad)?;
        Ok(BboxQuery {
            bbox,
            limit: params.limit(Self::MAX_LIMIT, Self::DEFAULT_LIMIT)?,
            filters: params.filters()?,
        })
    }

    pub fn to_query(&self) -> String {
        let b = self.bbox;
        let mut out = form_urlencoded::Serializer::new(String::new());
        out.append_pair(
            "bbox",
            &format!("{},{},{},{}", b.min_lon, b.min_lat, b.max_lon, b.max_lat),
        );
        out.append_pair("limit", &self.limit.to_string());
        self.filters.write(&mut out);
        out.finish()
    }
}

/// `GET /api/v1/toilets/search`: toilets whose name, address, operator
/// or English name holds `q`, nearest first from `at` when given.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    /// As sent; the server folds it (case, full-width, Traditional and
    /// Simplified Chinese, spaces) as it folds what it searches.
    pub q: String,
    pub at: Option<LatLon>,
    /// 1..=50, default 10.
    pub limit: u32,
}

impl SearchQuery {
    pub const MAX_LIMIT: u32 = 50;
    pub const DEFAULT_LIMIT: u32 = 10;
    /// The most characters `q` may have, spaces not counted.
    pub const MAX_CHARS: usize = 64;
    const PARAMS: [&'static str; 4] = ["q", "lat", "lon", "limit"];

    pub fn from_query(query: &str) -> Result<Self, QueryError> {
        let params = Params::parse(query, &Self::PARAMS)?;
        let q = params.get("q").ok_or(QueryError::Missing { param: "q" })?;
        // Spaces and control characters do not count (nor match).
        let chars = q
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .count();
        if chars == 0 {
            return Err(QueryError::beyond("q", q, "say what to look for", 1));
        }
        if chars > Self::MAX_CHARS {
            return Err(QueryError::beyond(
                "q",
                &q.chars().take(100).collect::<String>(),
                format!(
                    "{chars} characters; at most {} (spaces not counted)",
                    Self::MAX_CHARS
                ),
                Self::MAX_CHARS as i64,
            ));
        }
        // Together they rank by distance. One alone is checked and then
        // left aside: OpenAPI cannot say that each needs the other, and
        // the answer, without distances, shows it was.
        let (lat, lon) = (params.number("lat")?, params.number("lon")?);
        let at = position(
            lat.unwrap_or_default(),
            lon.unwrap_or_default(),
            params.get("lat").unwrap_or_default(),
            params.get("lon").unwrap_or_default(),
        )?;
        let at = (lat.is_some() && lon.is_some()).then_some(at);
        Ok(SearchQuery {
            q: q.to_owned(),
            at,
            limit: params.limit(Self::MAX_LIMIT, Self::DEFAULT_LIMIT)?,
        })
    }
}

/// One toilet a search found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SearchResult {
    /// From the position searched from, when one was given; metres, to 0.1 m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<f64>,
    /// Degrees clockwise from north, when a position was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearing_deg: Option<f64>,
    pub open_now: Option<bool>,
    #[serde(default)]
    pub changes_at: Option<chrono::DateTime<chrono::Utc>>,
    pub toilet: Toilet,
}

/// With a position, nearest first; without, the best matches first (the
/// name itself, then names starting with the words, then names holding
/// them, then other fields), each by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SearchResponse {
    pub results: Vec<SearchResult>,
}

/// One toilet found near the query point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NearbyResult {
    /// Great-circle (haversine) distance from the query point, metres, to 0.1 m.
    pub distance_m: f64,
    /// Initial bearing from the query point, degrees clockwise from north,
    /// 0..360, to 0.1°.
    pub bearing_deg: f64,
    /// Open at the time of the query; `null` when its hours are unknown.
    pub open_now: Option<bool>,
    /// When `open_now` next changes: the hours' next opening or closing
    /// within a week, or the end of a temporary closure; `null` when none
    /// is known (open day and night, say).
    #[serde(default)]
    pub changes_at: Option<chrono::DateTime<chrono::Utc>>,
    pub toilet: Toilet,
}

/// Nearest first; ties in distance by ascending id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NearbyResponse {
    pub results: Vec<NearbyResult>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum FeatureCollectionType {
    FeatureCollection,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum FeatureType {
    Feature,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum PointType {
    Point,
}

/// A GeoJSON point: `coordinates` is `[lon, lat]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PointGeometry {
    #[serde(rename = "type")]
    pub kind: PointType,
    pub coordinates: [f64; 2],
}

/// A toilet as a GeoJSON feature; `properties` is the whole toilet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ToiletFeature {
    #[serde(rename = "type")]
    pub kind: FeatureType,
    pub id: ToiletId,
    pub geometry: PointGeometry,
    pub properties: Toilet,
}

/// The toilets in a viewport as a GeoJSON FeatureCollection, nearest the
/// box centre first. `truncated` tells that the box held more than `limit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ToiletCollection {
    #[serde(rename = "type")]
    pub kind: FeatureCollectionType,
    pub features: Vec<ToiletFeature>,
    pub truncated: bool,
    /// Toilets in the box whose answer to a requested fact filter (or
    /// `open_now`) is unknown, none a known no: left out unless
    /// `include_unknown`, counted either way. 0 without such filters.
    #[serde(default)]
    pub unknown: u64,
}

/// `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
    /// Toilets in the index now.
    pub toilets: usize,
}

/// Every error the API returns:
/// `{"error":{"code":…,"message":…,"field":…,"value":…,"limit":…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"error": {"code": "too_long", "message": "invalid `name`: a name must be at most 200 characters", "field": "name", "value": "人民公园公厕人民公园公厕…", "limit": 200}}))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong. `code` is stable (the table in `docs/API.md`), for
/// clients to say it in their own language; `message` is English, for API
/// users and logs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `invalid_parameter`, `too_long`, `not_found`, …
    pub code: String,
    /// For people: names the parameter or field and quotes the bad value.
    pub message: String,
    /// The query parameter or body field at fault (`status.reason` for a nested one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The value refused, as text (at most 100 characters of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The bound it broke: the most characters, the largest or smallest
    /// number, or seconds to wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
}

/// A body value refused, as a deserializer's error. serde's errors carry
/// only text, so the code and limit travel as a prefix (`⟦too_long 200⟧ …`)
/// that the server takes off again with [`read_refusal`].
pub fn refusal<E: serde::de::Error>(
    code: &str,
    limit: Option<i64>,
    message: impl std::fmt::Display,
) -> E {
    match limit {
        Some(limit) => E::custom(format_args!("⟦{code} {limit}⟧ {message}")),
        None => E::custom(format_args!("⟦{code}⟧ {message}")),
    }
}

/// A body value refused inside a part of the body that serde reads apart
/// from the rest (a flattened struct), which loses the path: the field
/// travels in the prefix too (`⟦out_of_range 999 @urinals⟧ …`).
pub fn refusal_at<E: serde::de::Error>(
    field: &str,
    code: &str,
    limit: Option<i64>,
    message: impl std::fmt::Display,
) -> E {
    match limit {
        Some(limit) => E::custom(format_args!("⟦{code} {limit} @{field}⟧ {message}")),
        None => E::custom(format_args!("⟦{code} @{field}⟧ {message}")),
    }
}

/// A deserializer's error message taken apart: no code when it is serde's
/// own ("invalid type …", "unknown field …").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal<'m> {
    pub code: Option<&'m str>,
    pub limit: Option<i64>,
    /// The field, when the message names it (see [`refusal_at`]).
    pub field: Option<&'m str>,
    pub message: &'m str,
}

pub fn read_refusal(message: &str) -> Refusal<'_> {
    let Some((tag, rest)) = message.strip_prefix('⟦').and_then(|m| m.split_once("⟧ ")) else {
        return Refusal {
            code: None,
            limit: None,
            field: None,
            message,
        };
    };
    let (tag, field) = match tag.split_once(" @") {
        Some((tag, field)) => (tag, Some(field)),
        None => (tag, None),
    };
    let (code, limit) = match tag.split_once(' ') {
        Some((code, limit)) => (code, limit.parse().ok()),
        None => (tag, None),
    };
    Refusal {
        code: Some(code),
        limit,
        field,
        message: rest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_filter_reads_and_writes_by_its_name() {
        for filter in Filter::ALL {
            let mut q = NearbyQuery::new(LatLon::new(24.1, 120.6).unwrap());
            *q.filters.flag(filter) = true;
            let text = q.to_query();
            assert!(text.contains(&format!("{}=true", filter.name())), "{text}");
            let back = NearbyQuery::from_query(&text).unwrap();
            assert_eq!(back.filters, q.filters);
            assert!(
                Filter::ALL
                    .iter()
                    .all(|&f| back.filters.is_on(f) == (f == filter))
            );
        }
    }

    fn err(q: &str) -> QueryError {
        NearbyQuery::from_query(q).unwrap_err()
    }

    #[test]
    fn nearby_defaults_and_round_trip() {
        let q = NearbyQuery::from_query("lat=31.23&lon=121.47").unwrap();
        assert_eq!(q.limit, 10);
        assert_eq!(q.radius_m, None);
        assert_eq!(q.filters, Filters::default());
        let full = NearbyQuery::from_query(
            "lat=-33.9&lon=151.2&limit=100&radius_m=1500&wheelchair=true&baby_change=1&family_room=true&free=true&open_now=true",
        )
        .unwrap();
        assert!(full.filters.wheelchair && full.filters.baby_change && full.filters.open_now);
        assert_eq!(NearbyQuery::from_query(&full.to_query()).unwrap(), full);
    }

    #[test]
    fn nearby_errors_name_the_parameter_and_value() {
        assert_eq!(err("lon=1"), QueryError::Missing { param: "lat" });
        assert_eq!(
            err("lat=abc&lon=1").to_string(),
            "invalid `lat` value \"abc\": not a number"
        );
        assert_eq!(
            err("lat=NaN&lon=1").to_string(),
            "invalid `lat` value \"NaN\": must be a finite number"
        );
        assert_eq!(
            err("lat=1&lon=inf").to_string(),
            "invalid `lon` value \"inf\": must be a finite number"
        );
        assert_eq!(
            err("lat=91&lon=1").to_string(),
            "invalid `lat` value \"91\": must be within -90..=90"
        );
        assert_eq!(
            err("lat=1&lon=-181").to_string(),
            "invalid `lon` value \"-181\": must be within -180..=180"
        );
        assert_eq!(err("lat=1&lon=1&limit=0").code(), "invalid_parameter");
        assert_eq!(
            err("lat=1&lon=1&limit=101").to_string(),
            "invalid `limit` value \"101\": must be a whole number within 1..=100"
        );
        assert!(err("lat=1&lon=1&limit=2.5").to_string().contains("limit"));
        assert_eq!(
            err("lat=1&lon=1&wheelchair=maybe").to_string(),
            "invalid `wheelchair` value \"maybe\": expected true or false"
        );
        assert!(matches!(
            err("lat=1&lon=1&wheelchar=true"),
            QueryError::Unknown { .. }
        ));
        assert_eq!(
            err("lat=1&lat=2&lon=1"),
            QueryError::Duplicate {
                param: "lat".into()
            }
        );
        assert!(
            err("lat=1&lon=1&radius_m=-5")
                .to_string()
                .contains("radius_m")
        );
        assert!(
            err("lat=1&lon=1&radius_m=0")
                .to_string()
                .contains("radius_m")
        );
    }

    #[test]
    fn bbox_parses_and_crosses_the_antimeridian() {
        let q = BboxQuery::from_query("bbox=170,-20,-170,-10&limit=5").unwrap();
        assert_eq!(q.limit, 5);
        assert!(q.bbox.contains(LatLon::new(-15.0, 179.5).unwrap()));
        assert!(q.bbox.contains(LatLon::new(-15.0, -175.0).unwrap()));
        assert!(!q.bbox.contains(LatLon::new(-15.0, 0.0).unwrap()));
        assert_eq!(q.bbox.center(), LatLon::new(-15.0, 180.0).unwrap());
        assert_eq!(BboxQuery::from_query(&q.to_query()).unwrap(), q);
    }

    #[test]
    fn bbox_errors_name_the_value() {
        let e = |q: &str| BboxQuery::from_query(q).unwrap_err().to_string();
        assert_eq!(e("limit=3"), "missing query parameter `bbox`");
        assert!(e("bbox=1,2,3").contains("expected four numbers"));
        assert!(e("bbox=1,x,3,4").contains("\"x\" is not a number"));
        // Latitudes in either order.
        let q = BboxQuery::from_query("bbox=1,50,3,40").unwrap();
        assert_eq!((q.bbox.min_lat, q.bbox.max_lat), (40.0, 50.0));
        assert!(e("bbox=1,2,3,95").contains("max_lat 95"));
        assert!(e("bbox=1,2,3,NaN").contains("bbox"));
        assert!(e("bbox=0,0,1,1&limit=5001").contains("1..=5000"));
    }
}
