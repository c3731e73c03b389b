//! Problem reports: residents raise them without an account; the toilet's
//! owner acknowledges and resolves them; residents see where things stand.

use std::{fmt, str::FromStr};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ParseError;

/// What is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    Closed,
    Dirty,
    NoPaper,
    NoWater,
    Broken,
    WrongLocation,
    Gone,
    Other,
}

impl ReportKind {
    pub const ALL: [ReportKind; 8] = [
        ReportKind::Closed,
        ReportKind::Dirty,
        ReportKind::NoPaper,
        ReportKind::NoWater,
        ReportKind::Broken,
        ReportKind::WrongLocation,
        ReportKind::Gone,
        ReportKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Closed => "closed",
            ReportKind::Dirty => "dirty",
            ReportKind::NoPaper => "no_paper",
            ReportKind::NoWater => "no_water",
            ReportKind::Broken => "broken",
            ReportKind::WrongLocation => "wrong_location",
            ReportKind::Gone => "gone",
            ReportKind::Other => "other",
        }
    }

    /// Does this kind say the toilet cannot be used at all?
    pub fn says_closed(self) -> bool {
        matches!(self, ReportKind::Closed | ReportKind::Gone)
    }
}

impl FromStr for ReportKind {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        ReportKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                ParseError::new(
                    s,
                    "expected closed, dirty, no_paper, no_water, broken, wrong_location, gone or other",
                )
            })
    }
}

impl fmt::Display for ReportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    Open,
    Acknowledged,
    Resolved,
}

impl ReportState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportState::Open => "open",
            ReportState::Acknowledged => "acknowledged",
            ReportState::Resolved => "resolved",
        }
    }
}

impl FromStr for ReportState {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        match s {
            "open" => Ok(ReportState::Open),
            "acknowledged" => Ok(ReportState::Acknowledged),
            "resolved" => Ok(ReportState::Resolved),
            _ => Err(ParseError::new(
                s,
                "expected open, acknowledged or resolved",
            )),
        }
    }
}

/// What residents see of a toilet's reports, in search results.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReportSummary {
    /// Reports not yet resolved.
    pub open: u32,
    /// Several residents, independently, said it is closed or gone, and
    /// its owner has not answered yet.
    pub reported_closed: bool,
    pub last_kind: Option<ReportKind>,
    pub last_at: Option<DateTime<Utc>>,
    /// When its owner last resolved a report.
    pub fixed_at: Option<DateTime<Utc>>,
}

/// Longest note a resident can leave, in characters.
pub const NOTE_MAX: usize = 500;
/// Longest contact, in characters.
pub const CONTACT_MAX: usize = 100;

/// `POST /api/v1/toilets/{id}/reports`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    pub kind: ReportKind,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: Option<String>,
    /// A phone number or e-mail for a reply; shown to the owner only.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub contact: Option<String>,
}

/// A report as its toilet's owner sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Report {
    pub id: i64,
    pub toilet_id: i64,
    /// Empty when the toilet has no name.
    pub toilet_name: String,
    pub kind: ReportKind,
    #[schema(max_length = 500)]
    pub note: Option<String>,
    pub contact: Option<String>,
    pub state: ReportState,
    pub created_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolution: Option<String>,
}

/// What a resident is told after reporting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReportReceipt {
    pub id: i64,
    pub state: ReportState,
    pub created_at: DateTime<Utc>,
}

/// `POST /api/v1/reports/{id}/resolve`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resolve {
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// One organisation's report handling, for accountability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OrgReportStats {
    pub org_id: i64,
    pub org_name: String,
    /// Reports not yet resolved.
    pub open: u32,
    /// Open reports older than the limit.
    pub overdue: u32,
    pub resolved: u32,
    /// Median time from report to acknowledgement, over acknowledged reports.
    pub median_ack_s: Option<f64>,
    /// Median time from report to resolution, over resolved reports.
    pub median_resolve_s: Option<f64>,
}

/// `GET /api/v1/stats/reports`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReportStats {
    /// Reports open longer than this many hours are overdue.
    pub overdue_hours: f64,
    pub orgs: Vec<OrgReportStats>,
}

/// `PUT /api/v1/orgs/{id}/webhook`: where new reports are POSTed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    /// An http(s) URL.
    #[schema(max_length = 2048)]
    pub url: String,
    /// Signs each delivery as Standard Webhooks do: `webhook-signature:
    /// v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. At least 16
    /// characters; a `whsec_<base64>` secret is used as its decoded bytes.
    #[schema(min_length = 16, max_length = 256)]
    pub secret: String,
}

/// How an organisation's webhook is doing (`GET /api/v1/webhooks`, admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WebhookState {
    pub org_id: i64,
    /// Where deliveries go: the host only (a URL's path and query can hold
    /// a key).
    pub host: String,
    /// `ok` (nothing failing), `failing` (a delivery waits for a retry) or
    /// `failed` (the last delivery was given up on).
    pub state: String,
    /// Deliveries waiting to be sent or retried.
    pub pending: i64,
    /// Deliveries given up on after every attempt.
    pub failed: i64,
    /// Failed attempts of the oldest waiting delivery.
    pub failures: i64,
    pub last_error: Option<String>,
    pub last_delivered_at: Option<DateTime<Utc>>,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// A resident's or an owner's note, cleaned as [`crate::text::clean`] does
/// (line breaks kept); the error names `field`.
pub fn clean_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, ParseError> {
    crate::text::clean(value.unwrap_or_default(), max, true).map_err(|e| ParseError {
        reason: format!("`{field}`: {}", e.reason),
        ..e
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_and_say_closed() {
        assert_eq!("no_paper".parse(), Ok(ReportKind::NoPaper));
        assert!("smelly".parse::<ReportKind>().is_err());
        assert!(ReportKind::Gone.says_closed() && !ReportKind::Dirty.says_closed());
    }

    #[test]
    fn notes_are_trimmed_limited_and_plain() {
        assert_eq!(clean_text("note", Some("  "), 10), Ok(None));
        assert_eq!(
            clean_text("note", Some(" 没纸了\u{7} "), 10),
            Ok(Some("没纸了".into()))
        );
        assert!(clean_text("note", Some(&"x".repeat(11)), 10).is_err());
    }
}
