mod written;

use std::{fmt, sync::Arc};

use chrono::{DateTime, NaiveTime, Timelike, Utc};
use serde::{Deserialize, Serialize};

/// Opening hours in OpenStreetMap `opening_hours` syntax ("24/7",
/// "Mo-Fr 07:00-22:00; Sa,Su 08:00-20:00; PH off"), parsed once on
/// construction. Hours as people write them — "每天 6:00-22:00", "周一至周五
/// 8:00-18:00，周六日 9:00-17:00", "节假日除外", "Mon-Fri 9am-5pm" — are read
/// into that syntax, and the text as written is kept ([`Self::written`]) for
/// the hours note. Weekly structured hours convert to the same syntax with
/// [`OpeningHours::from_weekly`].
#[derive(Clone)]
pub struct OpeningHours {
    text: Arc<str>,
    /// The text as written, when it was not already OSM syntax.
    written: Option<Arc<str>>,
    parsed: opening_hours::OpeningHours,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid opening hours {value:?}: {reason}")]
pub struct HoursError {
    pub value: String,
    pub reason: String,
    /// The parts that were not understood, when the rest was.
    pub unread: Vec<String>,
    /// `blank`, `too_long`, `invalid_opening_hours` or
    /// `opening_hours_partly_read` (see [`crate::api::ErrorDetail`]).
    pub code: &'static str,
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
    /// The longest hours text, in characters.
    pub const MAX_CHARS: usize = 500;

    pub fn parse(text: &str) -> Result<Self, HoursError> {
        let trimmed = text.trim();
        let err = |code: &'static str, reason: String, unread: Vec<String>| HoursError {
            value: text.to_owned(),
            reason,
            unread,
            code,
        };
        if trimmed.is_empty() {
            return Err(err(
                "blank",
                "must not be blank (leave the field out when unknown)".into(),
                Vec::new(),
            ));
        }
        let length = trimmed.chars().count();
        if length > Self::MAX_CHARS {
            return Err(err(
                "too_long",
                format!(
                    "{length} characters, more than the {} allowed",
                    Self::MAX_CHARS
                ),
                Vec::new(),
            ));
        }
        if ALWAYS_OPEN.contains(&trimmed.to_lowercase().as_str()) {
            return Ok(OpeningHours {
                text: "24/7".into(),
                written: None,
                parsed: "24/7".parse().expect("24/7 is OSM syntax"),
            });
        }
        let osm = trimmed.parse::<opening_hours::OpeningHours>();
        // OSM syntax stays as written, unless it also reads as people write
        // ("6:00-22:00"), which is then stored in its canonical form; the
        // written text is kept only when it was not OSM syntax.
        match (osm, written::read(trimmed)) {
            (Ok(parsed), Err(_)) => Ok(OpeningHours {
                text: trimmed.into(),
                written: None,
                parsed,
            }),
            (osm, Ok(read)) => {
                let parsed = read.parse::<opening_hours::OpeningHours>().map_err(|e| {
                    err(
                        "invalid_opening_hours",
                        format!("read as {read:?}, which is not valid: {e}"),
                        Vec::new(),
                    )
                })?;
                Ok(OpeningHours {
                    text: read.into(),
                    written: osm.is_err().then(|| trimmed.into()),
                    parsed,
                })
            }
            (Err(osm_error), Err(unread)) if unread.parts.is_empty() => Err(err(
                "invalid_opening_hours",
                format!(
                    "no days or times found; write OpenStreetMap syntax such as \
                     \"Mo-Fr 08:00-18:00\", or as people do: \"每天 6:00-22:00\" ({})",
                    osm_error.to_string().lines().next().unwrap_or_default()
                ),
                Vec::new(),
            )),
            (Err(_), Err(unread)) => Err(err(
                if unread.partly {
                    "opening_hours_partly_read"
                } else {
                    "invalid_opening_hours"
                },
                format!(
                    "could not understand {}; write the rest as \"每天 6:00-22:00\" or \
                     \"Mo-Fr 08:00-18:00\", or put it in the hours note",
                    unread
                        .parts
                        .iter()
                        .map(|u| format!("{u:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                unread.parts,
            )),
        }
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

    /// The text as it was written, when it was read into OSM syntax
    /// ("每天 6:00-22:00" for "Mo-Su 06:00-22:00"); `None` when it was OSM
    /// syntax already.
    pub fn written(&self) -> Option<&str> {
        self.written.as_deref()
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

    /// When what the hours say at `at` next changes (open to closed, or
    /// closed to open), looking a week ahead; `None` when it does not.
    pub fn next_change(&self, at: DateTime<Utc>, tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
        use chrono::TimeZone as _;
        let local = at.with_timezone(&tz).naive_local();
        let now = self.parsed.state(local).0;
        let change = self
            .parsed
            .iter_range(local, local + chrono::Duration::days(7))
            .find(|r| r.kind != now)?;
        let start = tz.from_local_datetime(&change.range.start).earliest()?;
        Some(start.with_timezone(&Utc))
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
        OpeningHours::parse(&text).map_err(|e| {
            let limit = (e.code == "too_long").then_some(Self::MAX_CHARS as i64);
            crate::api::refusal(e.code, limit, e)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_next_change_is_found_in_the_toilets_own_zone() {
        let h = OpeningHours::parse("Mo-Fr 08:00-18:00; Sa 08:00-12:00").unwrap();
        // Friday 2026-11-27 10:00 in Shanghai: open until 18:00 there.
        let at = utc(2026, 11, 27, 2, 0);
        assert_eq!(h.next_change(at, SHANGHAI), Some(utc(2026, 11, 27, 10, 0)));
        // Friday 20:00: closed until Saturday 08:00.
        assert_eq!(
            h.next_change(utc(2026, 11, 27, 12, 0), SHANGHAI),
            Some(utc(2026, 11, 28, 0, 0))
        );
        // Saturday 13:00: closed over Sunday, until Monday 08:00.
        assert_eq!(
            h.next_change(utc(2026, 11, 28, 5, 0), SHANGHAI),
            Some(utc(2026, 11, 30, 0, 0))
        );
        // Open day and night on consecutive days: no change at midnight.
        let always = OpeningHours::parse("24/7").unwrap();
        assert_eq!(always.next_change(at, SHANGHAI), None);
        let every_day = OpeningHours::parse("Mo-Su 00:00-24:00").unwrap();
        assert_eq!(every_day.next_change(at, SHANGHAI), None);
    }

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

    /// Hours as Chinese, Taiwanese and Australian lists and committees
    /// write them, and what they are read as.
    const WRITTEN: &[(&str, &str)] = &[
        ("每天 6:00-22:00", "Mo-Su 06:00-22:00"),
        ("每天6:00-22:00", "Mo-Su 06:00-22:00"),
        ("每日 06:00～22:00", "Mo-Su 06:00-22:00"),
        ("6:00-22:00", "Mo-Su 06:00-22:00"),
        ("6:00—22:00", "Mo-Su 06:00-22:00"),
        ("6：00-22：00", "Mo-Su 06:00-22:00"),
        ("早6:00-晚22:00", "Mo-Su 06:00-22:00"),
        ("早6点-晚10点", "Mo-Su 06:00-22:00"),
        ("5:30至23:00", "Mo-Su 05:30-23:00"),
        ("06:00~22:00", "Mo-Su 06:00-22:00"),
        ("8点-17点半", "Mo-Su 08:00-17:30"),
        ("上午8时至下午6时", "Mo-Su 08:00-18:00"),
        (
            "周一至周五 8:00-18:00，周六日 9:00-17:00",
            "Mo-Fr 08:00-18:00; Sa,Su 09:00-17:00",
        ),
        ("星期一到星期五 8:00-18:00", "Mo-Fr 08:00-18:00"),
        ("周一至五 7:30-19:00", "Mo-Fr 07:30-19:00"),
        ("週一至週五 08:00-17:00", "Mo-Fr 08:00-17:00"),
        ("工作日 8:00-17:00", "Mo-Fr 08:00-17:00"),
        ("工作日8:30-17:30，节假日除外", "Mo-Fr 08:30-17:30; PH off"),
        ("周末 9:00-18:00", "Sa,Su 09:00-18:00"),
        ("周六、日 10:00-16:00", "Sa,Su 10:00-16:00"),
        ("周一、三、五 9:00-11:00", "Mo,We,Fr 09:00-11:00"),
        ("全天", "24/7"),
        ("全天开放", "24/7"),
        ("24小时", "24/7"),
        ("24小时开放", "24/7"),
        ("全年24小时开放", "24/7"),
        ("7×24小时", "24/7"),
        ("24小時開放", "24/7"),
        ("全年無休", "Mo-Su open"),
        ("早上八点到晚上十点", "Mo-Su 08:00-22:00"),
        ("二十四小时", "24/7"),
        ("十点至十二点半", "Mo-Su 10:00-12:30"),
        (
            "每天 8:00-12:00，14:00-18:00",
            "Mo-Su 08:00-12:00,14:00-18:00",
        ),
        ("8:00-12:00、14:00-18:00", "Mo-Su 08:00-12:00,14:00-18:00"),
        (
            "8:00-18:00（12:00-14:00休息）",
            "Mo-Su 08:00-12:00,14:00-18:00",
        ),
        ("每天 9:00-17:00，周一闭馆", "Mo-Su 09:00-17:00; Mo off"),
        ("9:00-17:00（每周一闭馆）", "Mo-Su 09:00-17:00; Mo off"),
        ("9:00-16:30，周一休息", "Mo-Su 09:00-16:30; Mo off"),
        ("周二至周日 9:00-17:00", "Tu-Su 09:00-17:00"),
        ("每天 6:00-22:00（节假日除外）", "Mo-Su 06:00-22:00; PH off"),
        ("节假日 9:00-17:00", "PH 09:00-17:00"),
        ("周六日及节假日 9:00-17:00", "Sa,Su,PH 09:00-17:00"),
        (
            "平日 06:00-22:00；假日 07:00-21:00",
            "Mo-Fr 06:00-22:00; Sa,Su,PH 07:00-21:00",
        ),
        ("18:00-次日6:00", "Mo-Su 18:00-30:00"),
        ("20:00-6:00", "Mo-Su 20:00-30:00"),
        ("下午2点-5点", "Mo-Su 14:00-17:00"),
        ("开放时间：6:00-22:00", "Mo-Su 06:00-22:00"),
        ("开放时间: 早上6点至晚上10点", "Mo-Su 06:00-22:00"),
        ("工作日开放", "Mo-Fr open"),
        ("0600-2200", "Mo-Su 06:00-22:00"),
        ("Mon-Fri 9am-5pm", "Mo-Fr 09:00-17:00"),
        (
            "Mon-Fri 9am-5pm, Sat 10am-4pm",
            "Mo-Fr 09:00-17:00; Sa 10:00-16:00",
        ),
        ("Daily 6am-10pm", "Mo-Su 06:00-22:00"),
        ("Monday to Friday 7:00am - 6:00pm", "Mo-Fr 07:00-18:00"),
        (
            "Weekdays 8am-6pm; weekends closed",
            "Mo-Fr 08:00-18:00; Sa,Su off",
        ),
        ("AllHours", "24/7"),
        (
            "Mo-Fr 07:00-21:00; Sa,Su 08:00-20:00",
            "Mo-Fr 07:00-21:00; Sa,Su 08:00-20:00",
        ),
    ];

    #[test]
    fn hours_as_people_write_them() {
        let mut wrong = Vec::new();
        for (text, osm) in WRITTEN {
            match OpeningHours::parse(text) {
                Ok(h) if h.as_str() == *osm => {
                    // Read back, the stored syntax is itself.
                    assert_eq!(OpeningHours::parse(h.as_str()).unwrap().as_str(), *osm);
                }
                Ok(h) => wrong.push(format!("{text:?} read as {:?}, not {osm:?}", h.as_str())),
                Err(e) => wrong.push(format!("{text:?}: {e}")),
            }
        }
        assert!(
            wrong.is_empty(),
            "{} of {}:\n{}",
            wrong.len(),
            WRITTEN.len(),
            wrong.join("\n")
        );
        assert!(WRITTEN.len() >= 40);
    }

    #[test]
    fn the_written_text_is_kept() {
        let h = OpeningHours::parse(" 每天 6:00-22:00 ").unwrap();
        assert_eq!(h.written(), Some("每天 6:00-22:00"));
        assert_eq!(
            OpeningHours::parse("Mo-Fr 08:00-18:00").unwrap().written(),
            None
        );
        assert_eq!(OpeningHours::parse("24小时").unwrap().written(), None);
    }

    /// What is partly understood is refused, naming the part.
    #[test]
    fn what_is_not_understood_is_named() {
        for (text, unread) in [
            ("夏季 6:00-22:00，冬季 6:30-21:00", vec!["夏季", "冬季"]),
            ("DaylightHours", vec!["daylighthours"]),
            ("Variable", vec!["variable"]),
            ("6:00-22:00 视情况而定", vec!["视情况而定"]),
            ("8:00-", vec!["08:00 without an end"]),
            ("休息", vec!["休息 / closed without a day"]),
        ] {
            let e = OpeningHours::parse(text).unwrap_err();
            assert_eq!(e.unread, unread, "{text}: {e}");
            let partly = !matches!(text, "DaylightHours" | "Variable" | "休息" | "8:00-");
            assert_eq!(
                e.code,
                if partly {
                    "opening_hours_partly_read"
                } else {
                    "invalid_opening_hours"
                },
                "{text}"
            );
            assert_eq!(e.value, text);
            for part in &unread {
                assert!(e.reason.contains(part), "{e}");
            }
        }
        let long = OpeningHours::parse(&"每天 6:00-22:00 ".repeat(40)).unwrap_err();
        assert_eq!(long.code, "too_long", "{long}");
        let e = OpeningHours::parse("早上八点到晚上").unwrap_err();
        assert_eq!(e.unread, ["08:00 without an end"]);
        // Nothing at all: no days or times.
        let e = OpeningHours::parse("节假日照常").unwrap_err();
        assert!(e.reason.contains("no days or times"), "{e}");
    }

    #[test]
    fn written_hours_answer_open_now_in_their_zone() {
        let taipei = chrono_tz::Asia::Taipei;
        let h = OpeningHours::parse("每天 6:00-22:00").unwrap();
        // 2026-12-01 21:30 in Taipei is 13:30 UTC; 22:30 is 14:30 UTC.
        assert_eq!(h.open_at(utc(2026, 12, 1, 13, 30), taipei), Some(true));
        assert_eq!(h.open_at(utc(2026, 12, 1, 14, 30), taipei), Some(false));
        // 05:30 local is 21:30 UTC the day before.
        assert_eq!(h.open_at(utc(2026, 11, 30, 21, 30), taipei), Some(false));
        let h = OpeningHours::parse("周一至周五 8:00-18:00，周六日 9:00-17:00").unwrap();
        // Saturday 2026-11-28 08:30 in Shanghai: not yet.
        assert_eq!(h.open_at(utc(2026, 11, 28, 0, 30), SHANGHAI), Some(false));
        assert_eq!(h.open_at(utc(2026, 11, 27, 0, 30), SHANGHAI), Some(true));
        let h = OpeningHours::parse("18:00-次日6:00").unwrap();
        assert_eq!(h.open_at(utc(2026, 11, 27, 19, 0), SHANGHAI), Some(true));
        assert_eq!(h.open_at(utc(2026, 11, 27, 4, 0), SHANGHAI), Some(false));
    }

    #[test]
    fn serde_round_trip_validates() {
        let h: OpeningHours = serde_json::from_str(r#""Mo-Fr 08:00-18:00""#).unwrap();
        assert_eq!(serde_json::to_string(&h).unwrap(), r#""Mo-Fr 08:00-18:00""#);
        assert!(serde_json::from_str::<OpeningHours>(r#""whenever""#).is_err());
    }
}
