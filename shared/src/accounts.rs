//! Who may change what: organisations, users, sessions, and the bodies of
//! the write requests committees and admins send.

use std::{fmt, str::FromStr};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::{
    Access, DetailsChange, OpeningHours, ParseError, Status, TimeZone, Toilet, ToiletName,
    text::{
        ADDRESS_MAX, HOURS_NOTE_MAX, OPERATOR_MAX, ORG_NAME_MAX, PLACE_MAX, Text, deserialize_text,
        deserialize_text_patch,
    },
};

/// What a signed-in user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages organisations and users; may change any toilet.
    Admin,
    /// A member of one organisation; may change that organisation's toilets.
    Committee,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Committee => "committee",
        }
    }
}

impl FromStr for Role {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        match s.trim() {
            "admin" => Ok(Role::Admin),
            "committee" => Ok(Role::Committee),
            _ => Err(ParseError::new(s, "expected admin or committee")),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of an organisation that runs toilets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 居委会
    ResidentsCommittee,
    /// 村委会
    VillageCommittee,
    /// 社区医院 / 社区卫生服务中心
    CommunityHospital,
    /// 街道办事处
    StreetOffice,
    Other,
}

impl OrgKind {
    pub const ALL: [OrgKind; 5] = [
        OrgKind::ResidentsCommittee,
        OrgKind::VillageCommittee,
        OrgKind::CommunityHospital,
        OrgKind::StreetOffice,
        OrgKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::ResidentsCommittee => "residents_committee",
            OrgKind::VillageCommittee => "village_committee",
            OrgKind::CommunityHospital => "community_hospital",
            OrgKind::StreetOffice => "street_office",
            OrgKind::Other => "other",
        }
    }

    /// The Chinese name, for display.
    pub fn zh(self) -> &'static str {
        match self {
            OrgKind::ResidentsCommittee => "居委会",
            OrgKind::VillageCommittee => "村委会",
            OrgKind::CommunityHospital => "社区医院",
            OrgKind::StreetOffice => "街道办",
            OrgKind::Other => "其他",
        }
    }
}

impl FromStr for OrgKind {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        OrgKind::ALL
            .into_iter()
            .find(|k| k.as_str() == t || k.zh() == t)
            .or(match t {
                "居民委员会" => Some(OrgKind::ResidentsCommittee),
                "村民委员会" => Some(OrgKind::VillageCommittee),
                "社区卫生服务中心" => Some(OrgKind::CommunityHospital),
                "街道办事处" | "街道" => Some(OrgKind::StreetOffice),
                _ => None,
            })
            .ok_or_else(|| {
                ParseError::new(
                    s,
                    "expected residents_committee (居委会), village_committee (村委会), \
                     community_hospital (社区医院), street_office (街道办) or other",
                )
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Org {
    pub id: i64,
    pub name: String,
    pub kind: OrgKind,
    pub street: Option<String>,
    pub district: Option<String>,
    pub disabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub org_id: Option<i64>,
    pub disabled: bool,
}

/// `POST /api/v1/session`.
#[derive(Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub username: String,
    pub password: String,
    /// Ask for a bearer token (API clients). The web app leaves it out and
    /// rides on its HttpOnly cookie, so no script can read its session.
    #[serde(default)]
    pub bearer: bool,
}

// Never print a password, not even in a debug log.
impl fmt::Debug for SignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignIn")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// Who is signed in. `token` is only present in the answer to a sign-in
/// that asked for it (`"bearer": true`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionInfo {
    pub user: User,
    pub org: Option<Org>,
    /// Send back as `X-CSRF-Token` with every write made with the cookie.
    pub csrf_token: String,
    /// For API clients: `Authorization: Bearer <token>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// Reads a field that may be absent (leave it), `null` (clear it) or a value.
fn double<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// An organisation's id: a positive integer, or null.
fn org_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<i64>::deserialize(d)? {
        Some(id) if id < 1 => Err(crate::api::refusal(
            "out_of_range",
            Some(1),
            format_args!("{id} is not an organisation id, which is a positive integer"),
        )),
        id => Ok(id),
    }
}

/// Opening hours; blank (or null) is unknown.
fn hours<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OpeningHours>, D::Error> {
    match Option::<String>::deserialize(d)? {
        Some(text) if !text.trim().is_empty() => {
            OpeningHours::deserialize(serde::de::value::StrDeserializer::<D::Error>::new(&text))
                .map(Some)
        }
        _ => Ok(None),
    }
}

fn hours_patch<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<OpeningHours>>, D::Error> {
    hours(d).map(Some)
}

/// `POST /api/v1/toilets`: a new toilet. Its position is required; the app
/// has the user confirm the pin before sending it. Unknown fields are
/// refused (by [`DetailsChange`], which reads what the rest leaves over).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
pub struct ToiletDraft {
    #[schema(value_type = String, min_length = 1, max_length = 200, example = "台中車站公廁")]
    pub name: ToiletName,
    /// WGS-84.
    #[serde(deserialize_with = "latitude")]
    #[schema(minimum = -90, maximum = 90, example = 24.1369)]
    pub lat: f64,
    #[serde(deserialize_with = "longitude")]
    #[schema(minimum = -180, maximum = 180, example = 120.6869)]
    pub lon: f64,
    #[serde(default, deserialize_with = "deserialize_text")]
    #[schema(value_type = Option<String>, max_length = 300)]
    pub address: Option<Text<{ ADDRESS_MAX }>>,
    #[serde(default)]
    pub wheelchair: Option<bool>,
    #[serde(default)]
    pub baby_change: Option<bool>,
    #[serde(default)]
    pub family_room: Option<bool>,
    #[serde(default)]
    pub free: Option<bool>,
    /// The detailed facts known (`seated`, `urinals`, `phone` …), flat.
    #[serde(flatten)]
    pub details: DetailsChange,
    #[serde(default)]
    pub access: Option<Access>,
    /// OSM syntax, or as people write it ("每天 6:00-22:00"); blank is unknown.
    #[serde(default, deserialize_with = "hours")]
    #[schema(value_type = Option<String>, max_length = 500, format = "opening-hours", example = "每天 6:00-22:00")]
    pub opening_hours: Option<OpeningHours>,
    #[serde(default, deserialize_with = "deserialize_text")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub hours_note: Option<Text<{ HOURS_NOTE_MAX }>>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub timezone: Option<TimeZone>,
    #[serde(default, deserialize_with = "deserialize_text")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub operator: Option<Text<{ OPERATOR_MAX }>>,
    /// Admins only: the owning organisation. A committee member's toilet
    /// belongs to their own organisation.
    #[serde(default, deserialize_with = "org_id")]
    pub org_id: Option<i64>,
}

/// `PATCH /api/v1/toilets/{id}`: the fields to change. An absent field is
/// left alone; `null` clears it (unknown). `version` (or an `If-Match`
/// header) must be the version the change was made from.
/// Unknown fields are refused, as in [`ToiletDraft`].
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize, ToSchema)]
pub struct ToiletPatch {
    /// The version the change was made from: documented as required,
    /// though it may come as If-Match instead (else 428).
    #[serde(default)]
    #[schema(required = true, nullable = false)]
    pub version: Option<i64>,
    #[serde(default)]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub name: Option<ToiletName>,
    #[serde(default, deserialize_with = "moved_latitude")]
    #[schema(minimum = -90, maximum = 90, nullable = false)]
    pub lat: Option<f64>,
    #[serde(default, deserialize_with = "moved_longitude")]
    #[schema(minimum = -180, maximum = 180, nullable = false)]
    pub lon: Option<f64>,
    #[serde(default, deserialize_with = "deserialize_text_patch")]
    #[schema(value_type = Option<String>, max_length = 300)]
    pub address: Option<Option<Text<{ ADDRESS_MAX }>>>,
    #[serde(default, deserialize_with = "double")]
    pub wheelchair: Option<Option<bool>>,
    #[serde(default, deserialize_with = "double")]
    pub baby_change: Option<Option<bool>>,
    #[serde(default, deserialize_with = "double")]
    pub family_room: Option<Option<bool>>,
    #[serde(default, deserialize_with = "double")]
    pub free: Option<Option<bool>>,
    /// The detailed facts to set (`null`: unknown again), flat; those left
    /// out stay as they are.
    #[serde(flatten)]
    pub details: DetailsChange,
    #[serde(default, deserialize_with = "double")]
    pub access: Option<Option<Access>>,
    #[serde(default, deserialize_with = "hours_patch")]
    #[schema(value_type = Option<String>, max_length = 500, format = "opening-hours")]
    pub opening_hours: Option<Option<OpeningHours>>,
    #[serde(default, deserialize_with = "deserialize_text_patch")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub hours_note: Option<Option<Text<{ HOURS_NOTE_MAX }>>>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub timezone: Option<TimeZone>,
    #[serde(default, deserialize_with = "deserialize_text_patch")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub operator: Option<Option<Text<{ OPERATOR_MAX }>>>,
    /// `{"state":"temporarily_closed","reason":…,"until":…}` closes it for
    /// a while; `{"state":"open"}` reopens it. Removal is `DELETE`.
    #[serde(default)]
    pub status: Option<Status>,
    /// Admins only: give the toilet to another organisation.
    #[serde(default, deserialize_with = "org_id")]
    pub org_id: Option<i64>,
    /// Mark the information as checked now.
    #[serde(default)]
    pub verified: Option<bool>,
}

/// A coordinate within ±`max` degrees, else `out_of_range` with the bound.
fn coordinate<'de, D: Deserializer<'de>>(d: D, max: i64) -> Result<f64, D::Error> {
    let value = f64::deserialize(d)?;
    let bound = max as f64;
    if (-bound..=bound).contains(&value) {
        return Ok(value);
    }
    Err(crate::api::refusal(
        "out_of_range",
        Some(crate::api::bound(value, max)),
        format_args!("must be within -{max}..={max}"),
    ))
}

fn latitude<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    coordinate(d, 90)
}

fn longitude<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    coordinate(d, 180)
}

fn moved_latitude<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    latitude(d).map(Some)
}

fn moved_longitude<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    longitude(d).map(Some)
}

/// Hours written as people write them ("每天 6:00-22:00") are stored in
/// OSM syntax; the text as written becomes the hours note, unless the
/// request gives one.
fn written_note(hours: Option<&OpeningHours>) -> Option<Text<{ HOURS_NOTE_MAX }>> {
    hours
        .and_then(OpeningHours::written)
        .and_then(|w| Text::new(w).ok().flatten())
}

impl ToiletDraft {
    pub fn keep_written_hours(&mut self) {
        if self.hours_note.is_none() {
            self.hours_note = written_note(self.opening_hours.as_ref());
        }
    }
}

impl ToiletPatch {
    pub fn keep_written_hours(&mut self) {
        if self.hours_note.is_none()
            && let Some(note) = written_note(self.opening_hours.as_ref().and_then(Option::as_ref))
        {
            self.hours_note = Some(Some(note));
        }
    }
}

/// One change to a toilet, with the toilet before and after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    /// create, update, close, reopen, remove or reassign.
    pub action: String,
    pub user: Option<String>,
    pub before: Option<Toilet>,
    pub after: Option<Toilet>,
}

/// `POST /api/v1/orgs`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrg {
    #[schema(value_type = String, min_length = 1, max_length = 200, example = "贵州居委会")]
    pub name: Text<{ ORG_NAME_MAX }>,
    pub kind: OrgKind,
    #[serde(default, deserialize_with = "deserialize_text")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub street: Option<Text<{ PLACE_MAX }>>,
    #[serde(default, deserialize_with = "deserialize_text")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub district: Option<Text<{ PLACE_MAX }>>,
}

/// `PATCH /api/v1/orgs/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgPatch {
    #[serde(default)]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub name: Option<Text<{ ORG_NAME_MAX }>>,
    #[serde(default)]
    pub kind: Option<OrgKind>,
    #[serde(default, deserialize_with = "deserialize_text_patch")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub street: Option<Option<Text<{ PLACE_MAX }>>>,
    #[serde(default, deserialize_with = "deserialize_text_patch")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub district: Option<Option<Text<{ PLACE_MAX }>>>,
    #[serde(default)]
    pub disabled: Option<bool>,
}

/// `POST /api/v1/users`.
#[derive(Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    #[schema(
        min_length = 2,
        max_length = 64,
        pattern = r"^[\w.-]{2,64}$",
        example = "wang.li"
    )]
    pub username: String,
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
    pub role: Role,
    #[serde(default, deserialize_with = "org_id")]
    pub org_id: Option<i64>,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("role", &self.role)
            .field("org_id", &self.org_id)
            .finish_non_exhaustive()
    }
}

/// `PATCH /api/v1/users/{id}`.
#[derive(Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default)]
    #[schema(min_length = 10, max_length = 256)]
    pub password: Option<String>,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default, deserialize_with = "org_id")]
    pub org_id: Option<i64>,
    #[serde(default)]
    pub disabled: Option<bool>,
}

impl fmt::Debug for UserPatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserPatch")
            .field("role", &self.role)
            .field("org_id", &self.org_id)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// Usernames: 2 to 64 letters, digits, `_`, `-` or `.` (Chinese letters too).
pub fn check_username(name: &str) -> Result<(), ParseError> {
    let ok = (2..=64).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ParseError::new(
            name,
            "a username is 2 to 64 letters, digits, _, - or .",
        ))
    }
}

/// Passwords: at least 10 characters, at most 256. The value is never quoted.
pub fn check_password(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < 10 {
        Err(format!(
            "the password is {n} characters; it needs at least 10"
        ))
    } else if n > 256 {
        Err("the password is longer than 256 characters".to_owned())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_tells_absent_from_null() {
        let p: ToiletPatch =
            serde_json::from_str(r#"{"version":3,"wheelchair":null,"free":true}"#).unwrap();
        assert_eq!(p.version, Some(3));
        assert_eq!(p.wheelchair, Some(None));
        assert_eq!(p.free, Some(Some(true)));
        assert_eq!(p.baby_change, None);
        assert!(serde_json::from_str::<ToiletPatch>(r#"{"colour":"red"}"#).is_err());
    }

    #[test]
    fn kinds_read_english_and_chinese() {
        assert_eq!("居委会".parse(), Ok(OrgKind::ResidentsCommittee));
        assert_eq!("street_office".parse(), Ok(OrgKind::StreetOffice));
        assert!("club".parse::<OrgKind>().is_err());
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let s = SignIn {
            username: "li".into(),
            password: "hunter2hunter2".into(),
            bearer: false,
        };
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(check_password("short").is_err());
        assert!(check_password("long enough!").is_ok());
        assert!(check_username("张三").is_ok());
        assert!(check_username("a b").is_err());
    }
}
