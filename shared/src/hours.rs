use std::{fmt, sync::Arc};

use chrono::{DateTime, NaiveTime, Timelike, Utc};
use serde::{Deserialize, Serialize};

/// Opening hours in OpenStreetMap `opening_hours` syntax ("24/7",
/// "Mo-Fr 07:00-22:00; Sa,Su 08:00-20:00; PH off"), parsed once on
/// construction. Common Chinese and English spellings of "always open"
/// (全天, 24小时, 24h) are read as "24/7". Weekly structured hours convert to
/// the same syntax with [`OpeningHours::from_weekly`].
#[derive(Clone)]
pub struct OpeningHours {
    text: Arc<str>,
    parsed: opening_hours::OpeningHours,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid opening hours {value:?}: {reason}")]
pub struct HoursError {
    pub value: String,
    pub reason: String,
}

const ALWAYS_OPEN: &[&str] = &[
    "24/7",
    "24h",
    "24 h",
    "24 hours",
    "24hrs",
    "always",
    "allhours",
    "全天",
    "全天开放",
    "全天開放",
    "24小时",
    "24小時",
    "24小时开放",
    "24小時開放",
];

impl OpeningHours {
    pub fn parse(text: &str) -> Result<Self, HoursError> {
        let trimmed = text.trim();
        let err = |reason: String| HoursError {
            value: text.to_owned(),
            reason,
        };
        if trimmed.is_empty() {
            return Err(err(
                "must not be blank (leave the field out when unknown)".into()
            ));
        }
        let lower = trimmed.to_lowercase();
        let canonical = if ALWAYS_OPEN.contains(&lower.as_str()) {
            "24/7"
        } else {
            trimmed
        };
        let parsed = canonical.parse::<opening_hours::OpeningHours>().map_err(|e| {
            let first_line = e.to_string().lines().next().unwrap_or_default().to_owned();
            err(format!(
                "not OpenStreetMap opening_hours syntax such as \"Mo-Fr 08:00-18:00\" ({first_line})"
            ))
        })?;
        Ok(OpeningHours {
            text: canonical.into(),
            parsed,
        })
    }

    /// Hours from a weekly table: `week[0]` is Monday, each day a list of
    /// (open, close) times; a close at or before the open runs past midnight.
    /// An empty day is closed (but the night before may still run into it).
    pub fn from_weekly(week: &[Vec<(NaiveTime, NaiveTime)>; 7]) -> Result<Self, HoursError> {
        const DAYS: [&str; 7] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
        let rules: Vec<String> = DAYS
            .iter()
            .zip(week)
            .filter(|(_, spans)| !spans.is_empty())
            .map(|(day, spans)| {
                let spans: Vec<String> = spans
                    .iter()
                    .map(|(open, close)| {
                        // OSM writes "past midnight" as hours beyond 24.
                        let close = if close <= open {
                            format!("{:02}:{:02}", close.hour() + 24, close.minute())
                        } else {
                            close.format("%H:%M").to_string()
                        };
                        format!("{}-{close}", open.format("%H:%M"))
                    })
                    .collect();
                format!("{day} {}", spans.join(","))
            })
            .collect();
        if rules.is_empty() {
            return OpeningHours::parse("off");
        }
        OpeningHours::parse(&rules.join("; "))
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Open at `at`, reading the hours in time zone `tz`? `None` when the
    /// hours themselves say "unknown" for that moment.
    pub fn open_at(&self, at: DateTime<Utc>, tz: chrono_tz::Tz) -> Option<bool> {
        let local = at.with_timezone(&tz).naive_local();
        match self.parsed.state(local).0 {
            opening_hours::RuleKind::Open => Some(true),
            opening_hours::RuleKind::Closed => Some(false),
            opening_hours::RuleKind::Unknown => None,
        }
    }
}

impl PartialEq for OpeningHours {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl fmt::Debug for OpeningHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OpeningHours({:?})", &*self.text)
    }
}

impl fmt::Display for OpeningHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for OpeningHours {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for OpeningHours {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        OpeningHours::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    const SHANGHAI: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

    #[test]
    fn always_open_spellings() {
        for s in ["24/7", "全天", "24小时", "24h", " 24/7 "] {
            let h = OpeningHours::parse(s).unwrap();
            assert_eq!(h.as_str(), "24/7");
            assert_eq!(h.open_at(utc(2026, 1, 1, 3, 0), SHANGHAI), Some(true));
        }
    }

    #[test]
    fn evaluated_in_the_toilets_own_time_zone() {
        let h = OpeningHours::parse("Mo-Fr 08:00-18:00").unwrap();
        // 2026-11-23 is a Monday. 08:00 UTC is 16:00 in Shanghai, 19:00 in Sydney (AEDT).
        let at = utc(2026, 11, 23, 8, 0);
        assert_eq!(h.open_at(at, SHANGHAI), Some(true));
        assert_eq!(h.open_at(at, chrono_tz::Australia::Sydney), Some(false));
        // 23:30 UTC Sunday is 07:30 Monday in Shanghai: not yet open.
        assert_eq!(h.open_at(utc(2026, 11, 22, 23, 30), SHANGHAI), Some(false));
        // Saturday.
        assert_eq!(h.open_at(utc(2026, 11, 28, 4, 0), SHANGHAI), Some(false));
    }

    #[test]
    fn closed_days_and_past_midnight() {
        let h = OpeningHours::parse("Mo-Sa 06:00-02:00; Su off").unwrap();
        // Tuesday 01:00 local (Mon 17:00 UTC) is inside Monday's span.
        assert_eq!(h.open_at(utc(2026, 11, 23, 17, 0), SHANGHAI), Some(true));
        // Sunday noon local.
        assert_eq!(h.open_at(utc(2026, 11, 29, 4, 0), SHANGHAI), Some(false));
    }

    #[test]
    fn unknown_stays_unknown() {
        let h = OpeningHours::parse("Mo-Fr 08:00-18:00 unknown").unwrap();
        assert_eq!(h.open_at(utc(2026, 11, 23, 2, 0), SHANGHAI), None);
    }

    #[test]
    fn refuses_nonsense_naming_the_value() {
        let err = OpeningHours::parse("早上八点到晚上").unwrap_err();
        assert_eq!(err.value, "早上八点到晚上");
        assert!(
            err.to_string()
                .starts_with("invalid opening hours \"早上八点到晚上\""),
            "{err}"
        );
        assert!(OpeningHours::parse("  ").is_err());
        assert!(OpeningHours::parse("Mo-Fr 25:00-26:99").is_err());
    }

    #[test]
    fn weekly_tables_become_osm_syntax() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        let day = vec![(t(7, 0), t(22, 0))];
        let mut week: [Vec<(NaiveTime, NaiveTime)>; 7] = std::array::from_fn(|_| day.clone());
        week[5] = vec![(t(18, 0), t(2, 0))];
        week[6] = vec![];
        let h = OpeningHours::from_weekly(&week).unwrap();
        assert_eq!(
            h.as_str(),
            "Mo 07:00-22:00; Tu 07:00-22:00; We 07:00-22:00; Th 07:00-22:00; Fr 07:00-22:00; Sa 18:00-26:00"
        );
        // Sunday 01:00 local is still Saturday night's span.
        assert_eq!(h.open_at(utc(2026, 11, 28, 17, 0), SHANGHAI), Some(true));
        assert_eq!(h.open_at(utc(2026, 11, 29, 4, 0), SHANGHAI), Some(false));
        let never = OpeningHours::from_weekly(&std::array::from_fn(|_| vec![])).unwrap();
        assert_eq!(
            never.open_at(utc(2026, 11, 29, 4, 0), SHANGHAI),
            Some(false)
        );
    }

    #[test]
    fn serde_round_trip_validates() {
        let h: OpeningHours = serde_json::from_str(r#""Mo-Fr 08:00-18:00""#).unwrap();
        assert_eq!(serde_json::to_string(&h).unwrap(), r#""Mo-Fr 08:00-18:00""#);
        assert!(serde_json::from_str::<OpeningHours>(r#""whenever""#).is_err());
    }
}
