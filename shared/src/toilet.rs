use std::{fmt, str::FromStr};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{Crs, Details, LatLon, OpeningHours, reports::ReportSummary};

/// A field value that did not parse. The message quotes the value; the
/// code (see [`crate::api::ErrorDetail`]) and limit say what was wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid value {value:?}: {reason}")]
pub struct ParseError {
    pub value: String,
    pub reason: String,
    pub code: &'static str,
    pub limit: Option<i64>,
}

impl ParseError {
    pub(crate) fn new(value: &str, reason: impl Into<String>) -> Self {
        ParseError {
            value: value.to_owned(),
            reason: reason.into(),
            code: "invalid_field",
            limit: None,
        }
    }

    pub(crate) fn coded(mut self, code: &'static str, limit: Option<i64>) -> Self {
        self.code = code;
        self.limit = limit;
        self
    }

    /// As the error of a deserializer reading a request body.
    pub fn refusal<E: serde::de::Error>(self) -> E {
        crate::api::refusal(self.code, self.limit, self.reason)
    }
}

/// The store's id for a toilet: a positive integer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(try_from = "i64", into = "i64")]
#[schema(value_type = i64)]
pub struct ToiletId(i64);

impl ToiletId {
    pub fn new(id: i64) -> Option<Self> {
        (id > 0).then_some(ToiletId(id))
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl TryFrom<i64> for ToiletId {
    type Error = ParseError;
    fn try_from(id: i64) -> Result<Self, ParseError> {
        ToiletId::new(id)
            .ok_or_else(|| ParseError::new(&id.to_string(), "must be a positive integer"))
    }
}

impl From<ToiletId> for i64 {
    fn from(id: ToiletId) -> i64 {
        id.0
    }
}

/// An integer as text, also as JSON writes a whole number with a fraction
/// (`1.0`, `1e3`), which JSON Schema counts as an integer too.
pub fn whole_number(s: &str) -> Option<i64> {
    s.parse::<i64>()
        .ok()
        .or_else(|| s.parse::<f64>().ok().and_then(integral))
}

/// The integer a float holds exactly, if it holds one (below 2^53).
pub fn integral(f: f64) -> Option<i64> {
    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

impl FromStr for ToiletId {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        whole_number(s)
            .and_then(ToiletId::new)
            .ok_or_else(|| ParseError::new(s, "must be a positive integer"))
    }
}

impl fmt::Display for ToiletId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A toilet's display name: trimmed, not blank, at most 200 characters.
#[derive(Debug, Clone, PartialEq, Eq, ToSchema)]
#[schema(value_type = String)]
pub struct ToiletName(String);

// By hand rather than `into = "String"`, which would copy the name on
// every response.
impl Serialize for ToiletName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl ToiletName {
    pub const MAX_CHARS: usize = 200;

    /// Cleaned as all free text is (see [`crate::text::clean`]): invisible
    /// formatting and control characters stripped, trimmed; then not blank.
    pub fn new(name: &str) -> Result<Self, ParseError> {
        let cleaned = crate::text::clean(name, Self::MAX_CHARS, false).map_err(|e| ParseError {
            reason: format!("a name must be at most {} characters", Self::MAX_CHARS),
            ..e
        })?;
        match cleaned {
            Some(name) => Ok(ToiletName(name)),
            None => Err(ParseError::new(name, "a name must not be blank").coded("blank", None)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for ToiletName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ToiletName::new(&String::deserialize(d)?).map_err(ParseError::refusal)
    }
}

/// Who may use a toilet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Anyone, no purchase or key needed.
    Public,
    /// Customers of the venue only.
    Customers,
    /// A key or code is needed (RADAR / MLAK, ask at the desk).
    Key,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::Customers => "customers",
            Access::Key => "key",
        }
    }
}

impl FromStr for Access {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        match s.trim().to_lowercase().as_str() {
            "public" | "yes" | "公共" | "公开" | "公開" => Ok(Access::Public),
            "customers" | "customer" | "customers_only" | "顾客" | "顧客" => {
                Ok(Access::Customers)
            }
            "key" | "radar" | "mlak" | "钥匙" | "鑰匙" => Ok(Access::Key),
            _ => Err(ParseError::new(s, "expected one of public, customers, key")),
        }
    }
}

/// Parses a tri-state facility value: true/false/yes/no/1/0/是/否/有/无;
/// blank or "unknown" is unknown (`None`), which is not "no".
pub fn parse_tri_state(s: &str) -> Result<Option<bool>, ParseError> {
    match s.trim().to_lowercase().as_str() {
        "" | "unknown" | "null" | "未知" => Ok(None),
        "true" | "yes" | "y" | "t" | "1" | "是" | "有" => Ok(Some(true)),
        "false" | "no" | "n" | "f" | "0" | "否" | "无" | "無" => Ok(Some(false)),
        _ => Err(ParseError::new(
            s,
            "expected true/false, yes/no, 1/0 or 是/否 (blank for unknown)",
        )),
    }
}

/// An IANA time zone, in which a toilet's opening hours are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ToSchema)]
#[schema(value_type = String, example = "Asia/Shanghai")]
pub struct TimeZone(chrono_tz::Tz);

impl Serialize for TimeZone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl TimeZone {
    pub fn tz(self) -> chrono_tz::Tz {
        self.0
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        TimeZone(chrono_tz::Asia::Shanghai)
    }
}

impl FromStr for TimeZone {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        s.trim()
            .parse::<chrono_tz::Tz>()
            .map(TimeZone)
            .map_err(|_| {
                ParseError::new(s, "not an IANA time zone such as Asia/Shanghai")
                    .coded("invalid_time_zone", None)
            })
    }
}

impl<'de> Deserialize<'de> for TimeZone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(ParseError::refusal)
    }
}

/// A closure's end: RFC 3339, or blank / null for none.
fn until<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    match Option::<String>::deserialize(d)? {
        Some(text) if !text.trim().is_empty() => DateTime::parse_from_rfc3339(text.trim())
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|e| {
                crate::api::refusal(
                    "invalid_field",
                    None,
                    format_args!(
                        "{text:?} is not an RFC 3339 time such as 2026-12-01T18:00:00+08:00 ({e})"
                    ),
                )
            }),
        _ => Ok(None),
    }
}

/// Whether a toilet can be used at all, apart from its opening hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Status {
    Open,
    /// Closed for repairs, cleaning or an event; open again after `until`, if given.
    TemporarilyClosed {
        /// Why, at most 200 characters.
        #[schema(max_length = 200)]
        reason: String,
        /// RFC 3339; blank or null: until reopened.
        #[serde(default, deserialize_with = "until")]
        until: Option<DateTime<Utc>>,
    },
    /// Gone for good; kept in the store for history, never served in search.
    Removed,
}

impl Status {
    /// The status as it stands at `at`: a closure whose `until` has passed is over.
    pub fn closed_at(&self, at: DateTime<Utc>) -> bool {
        match self {
            Status::Open => false,
            Status::TemporarilyClosed { until, .. } => until.is_none_or(|until| at < until),
            Status::Removed => true,
        }
    }
}

/// A public toilet as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Toilet {
    pub id: ToiletId,
    /// `null` when the source names none (most OpenStreetMap toilets):
    /// show a generic label ("公厕", "Toilet") with the operator or address.
    #[schema(value_type = Option<String>)]
    pub name: Option<ToiletName>,
    pub address: Option<String>,
    #[serde(flatten)]
    pub position: LatLon,
    /// Step-free, with a wheelchair-accessible cubicle. `null` is unknown, not "no".
    pub wheelchair: Option<bool>,
    /// Baby changing table or a baby room (母婴室). `null` is unknown.
    pub baby_change: Option<bool>,
    /// A family / all-gender room (第三卫生间). `null` is unknown.
    pub family_room: Option<bool>,
    /// Free of charge (不收费). `null` is unknown.
    pub free: Option<bool>,
    /// Seated, squat, grab rails, stalls, grade, contact …: present only when known.
    #[serde(flatten)]
    pub details: Details,
    pub access: Option<Access>,
    /// OpenStreetMap `opening_hours` syntax, read in `timezone`. `null` is unknown.
    #[schema(value_type = Option<String>, example = "Mo-Fr 07:00-22:00; Sa,Su 08:00-20:00")]
    pub opening_hours: Option<OpeningHours>,
    /// Free-text note about the hours ("closed during the lantern festival").
    pub hours_note: Option<String>,
    pub timezone: TimeZone,
    /// The manager named by the source list (管理单位), free text.
    pub operator: Option<String>,
    /// The organisation that owns and maintains this toilet in gongce, if any.
    pub org_id: Option<i64>,
    /// When someone last confirmed that this information is right.
    pub last_verified: Option<DateTime<Utc>>,
    pub status: Status,
    /// Where the record came from (an import's source name, or "gongce").
    pub source: String,
    /// The id the source gives this toilet.
    pub external_id: Option<String>,
    /// The coordinate system the source published its position in; the
    /// position here is always WGS-84.
    pub source_crs: Crs,
    /// What residents have reported, and what its owner did about it.
    #[serde(default)]
    pub reports: ReportSummary,
    /// Bumped on every change; clients send it back to detect stale writes.
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

impl Toilet {
    /// The name, or the empty text when the source names none: as the
    /// store, the exports and the search index hold it.
    pub fn name_text(&self) -> &str {
        self.name.as_ref().map_or("", ToiletName::as_str)
    }

    /// A toilet with everything but its name and place unknown.
    pub fn new(
        id: ToiletId,
        name: ToiletName,
        position: LatLon,
        updated_at: DateTime<Utc>,
    ) -> Self {
        Toilet {
            id,
            name: Some(name),
            address: None,
            position,
            wheelchair: None,
            baby_change: None,
            family_room: None,
            free: None,
            details: Details::default(),
            access: None,
            opening_hours: None,
            hours_note: None,
            timezone: TimeZone::default(),
            operator: None,
            org_id: None,
            last_verified: None,
            status: Status::Open,
            source: "gongce".to_owned(),
            external_id: None,
            source_crs: Crs::Wgs84,
            reports: ReportSummary::default(),
            version: 1,
            updated_at,
        }
    }

    /// Is it open at `at`, by its status and opening hours read in its own time zone?
    /// `None` when the hours are unknown.
    pub fn open_at(&self, at: DateTime<Utc>) -> Option<bool> {
        if self.status.closed_at(at) {
            return Some(false);
        }
        self.opening_hours
            .as_ref()
            .and_then(|hours| hours.open_at(at, self.timezone.tz()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    #[test]
    fn toilet_ids_are_positive() {
        assert_eq!("42".parse::<ToiletId>().unwrap().get(), 42);
        for bad in ["0", "-3", "abc", "", "1.5", "99999999999999999999"] {
            let err = bad.parse::<ToiletId>().unwrap_err();
            assert_eq!(err.value, bad);
        }
        assert!(serde_json::from_str::<ToiletId>("0").is_err());
    }

    #[test]
    fn names_are_trimmed_and_never_blank() {
        assert_eq!(
            ToiletName::new("  人民公园公厕 ").unwrap().as_str(),
            "人民公园公厕"
        );
        assert!(ToiletName::new("   ").is_err());
        // Control characters are stripped, as from all free text.
        assert_eq!(ToiletName::new("a\u{0}b").unwrap().as_str(), "ab");
        assert!(ToiletName::new(&"厕".repeat(200)).is_ok());
        assert!(ToiletName::new(&"厕".repeat(201)).is_err());
        let name = ToiletName::new("公厕").unwrap();
        assert_eq!(serde_json::to_string(&name).unwrap(), r#""公厕""#);
        assert_eq!(
            serde_json::from_str::<ToiletName>(r#"" 公厕 ""#).unwrap(),
            name
        );
        assert!(serde_json::from_str::<ToiletName>(r#""  ""#).is_err());
    }

    #[test]
    fn tri_states_keep_unknown_apart_from_no() {
        for yes in ["true", "Yes", "1", "是", "有", "T"] {
            assert_eq!(parse_tri_state(yes), Ok(Some(true)), "{yes}");
        }
        for no in ["false", "NO", "0", "否", "无", "無"] {
            assert_eq!(parse_tri_state(no), Ok(Some(false)), "{no}");
        }
        for unknown in ["", "  ", "unknown", "未知"] {
            assert_eq!(parse_tri_state(unknown), Ok(None), "{unknown:?}");
        }
        let err = parse_tri_state("maybe").unwrap_err();
        assert_eq!(err.value, "maybe");
    }

    #[test]
    fn access_parses_english_and_chinese() {
        assert_eq!("Public".parse::<Access>(), Ok(Access::Public));
        assert_eq!("顾客".parse::<Access>(), Ok(Access::Customers));
        assert_eq!("RADAR".parse::<Access>(), Ok(Access::Key));
        assert!("members".parse::<Access>().is_err());
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(
            "Asia/Taipei".parse::<TimeZone>().unwrap().name(),
            "Asia/Taipei"
        );
        assert_eq!(TimeZone::default().name(), "Asia/Shanghai");
        assert!("Mars/Olympus".parse::<TimeZone>().is_err());
        let tz: TimeZone = serde_json::from_str(r#""Asia/Taipei""#).unwrap();
        assert_eq!(serde_json::to_string(&tz).unwrap(), r#""Asia/Taipei""#);
    }

    #[test]
    fn temporary_closure_ends_at_until() {
        let until = Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap();
        let closed = Status::TemporarilyClosed {
            reason: "repairs".into(),
            until: Some(until),
        };
        assert!(closed.closed_at(until - chrono::Duration::seconds(1)));
        assert!(!closed.closed_at(until));
        let open_ended = Status::TemporarilyClosed {
            reason: "repairs".into(),
            until: None,
        };
        assert!(open_ended.closed_at(until));
        assert!(Status::Removed.closed_at(until));
        assert!(!Status::Open.closed_at(until));
    }

    #[test]
    fn status_json_is_tagged() {
        let json = serde_json::to_value(Status::TemporarilyClosed {
            reason: "cleaning".into(),
            until: None,
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"state": "temporarily_closed", "reason": "cleaning", "until": null})
        );
        assert_eq!(
            serde_json::to_value(Status::Open).unwrap(),
            serde_json::json!({"state": "open"})
        );
    }
}
