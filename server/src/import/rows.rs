//! One row at a time: text cells to a checked candidate toilet, or the
//! reasons it cannot be one.

use gongce_shared::{
    Access, Crs, Details, Fact, LatLon, OpeningHours, Room, RoomKind, TimeZone, ToiletName,
    parse_tri_state,
    text::{ADDRESS_MAX, HOURS_NOTE_MAX, OPERATOR_MAX, clean},
};

use super::{Field, Issue, Mapping, Options, Problem, Severity, input::Record};

/// A row that passed every check of its own; file-wide checks come later.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub row: usize,
    pub external_id: Option<String>,
    /// `None` when the list names none (most OpenStreetMap toilets).
    pub name: Option<ToiletName>,
    /// The name without its room ("龍騰公園(女廁)" → "龍騰公園").
    pub stem: String,
    pub address: Option<String>,
    pub position: LatLon,
    pub wheelchair: Option<bool>,
    pub baby_change: Option<bool>,
    pub family_room: Option<bool>,
    pub free: Option<bool>,
    pub details: Details,
    pub access: Option<Access>,
    pub opening_hours: Option<OpeningHours>,
    pub hours_note: Option<String>,
    pub timezone: TimeZone,
    pub operator: Option<String>,
    pub source_crs: Crs,
    /// When the list says it was last checked.
    pub last_verified: Option<chrono::DateTime<chrono::Utc>>,
}

pub struct RowChecker<'a> {
    pub options: &'a Options,
    pub mapping: &'a Mapping,
    pub headers: &'a [String],
}

impl RowChecker<'_> {
    fn cell<'r>(&'r self, record: &'r Record, field: Field) -> Option<(&'r str, &'r str)> {
        let at = self.mapping.column_of(field)?;
        let value = super::export::unescape_formula(record.cells.get(at)?.trim());
        (!value.is_empty()).then(|| (self.headers[at].as_str(), value))
    }

    /// Checks one row. Problems found go to `issues`; the candidate is
    /// returned only when there were none that reject it.
    pub fn check(&self, record: &Record, issues: &mut Vec<Issue>) -> Option<Candidate> {
        let row = record.row;
        let external_id = self
            .cell(record, Field::ExternalId)
            .map(|(_, v)| v.to_owned());
        let before = issues.len();
        let mut reject = |column: &str, value: &str, problem: Problem| {
            issues.push(Issue {
                row,
                external_id: external_id.clone(),
                column: column.to_owned(),
                value: value.to_owned(),
                code: problem.code,
                limit: problem.limit,
                reason: problem.reason,
                severity: Severity::Rejected,
            });
        };
        if let Some((column, value)) = &record.problem {
            reject(
                column,
                value,
                Problem::new("unreadable_row", None, "the row cannot be read"),
            );
            return None;
        }

        // A toilet without a name is allowed (most OpenStreetMap toilets
        // have none); a name given must be a valid one.
        let name = match self.cell(record, Field::Name) {
            None => Some(None),
            Some((column, value)) => ToiletName::new(value)
                .map(Some)
                .map_err(|e| reject(column, value, e.into()))
                .ok(),
        };

        let mut number = |field: Field| -> Option<(f64, &str)> {
            let Some((column, value)) = self.cell(record, field) else {
                reject(
                    field.name(),
                    "",
                    Problem::new("blank", None, format!("{} is required", field.name())),
                );
                return None;
            };
            match value.parse::<f64>() {
                Ok(n) if n.is_finite() => Some((n, value)),
                _ => {
                    reject(
                        column,
                        value,
                        Problem::new("not_a_number", None, "not a number"),
                    );
                    None
                }
            }
        };
        let lat = number(Field::Lat);
        let lon = number(Field::Lon);
        // With one coordinate missing, the other is still checked.
        match (lat, lon) {
            (Some((lat, text)), None) if !(-90.0..=90.0).contains(&lat) => reject(
                self.column_name(Field::Lat),
                text,
                coord_problem(gongce_shared::CoordError::Latitude(lat)),
            ),
            (None, Some((lon, text))) if !(-180.0..=180.0).contains(&lon) => reject(
                self.column_name(Field::Lon),
                text,
                coord_problem(gongce_shared::CoordError::Longitude(lon)),
            ),
            _ => {}
        }
        let crs = self.options.crs;
        let mut position = None;
        if let (Some((lat, lat_text)), Some((lon, lon_text))) = (lat, lon) {
            let lat_column = self.column_name(Field::Lat);
            match LatLon::new(lat, lon) {
                Ok(_) => position = crs.to_wgs84(lat, lon).ok(),
                Err(e) if LatLon::new(lon, lat).is_ok() => {
                    if self.options.fix_swapped {
                        issues.push(Issue {
                            row,
                            external_id: external_id.clone(),
                            column: lat_column.to_owned(),
                            value: lat_text.to_owned(),
                            code: "coordinates_swapped",
                            limit: None,
                            reason: format!(
                                "latitude and longitude swapped: read as {lon_text}, {lat_text}"
                            ),
                            severity: Severity::Fixed,
                        });
                        position = crs.to_wgs84(lon, lat).ok();
                    } else {
                        let column = match e {
                            gongce_shared::CoordError::Latitude(_) => lat_column,
                            gongce_shared::CoordError::Longitude(_) => self.column_name(Field::Lon),
                        };
                        let value = match e {
                            gongce_shared::CoordError::Latitude(_) => lat_text,
                            gongce_shared::CoordError::Longitude(_) => lon_text,
                        };
                        issues.push(Issue {
                            row,
                            external_id: external_id.clone(),
                            column: column.to_owned(),
                            value: value.to_owned(),
                            code: "coordinates_look_swapped",
                            limit: None,
                            reason: format!(
                                "{e}: latitude and longitude look swapped (--fix-swapped swaps them)"
                            ),
                            severity: Severity::Rejected,
                        });
                    }
                }
                Err(e) => {
                    let (column, value) = match e {
                        gongce_shared::CoordError::Latitude(_) => (lat_column, lat_text),
                        gongce_shared::CoordError::Longitude(_) => {
                            (self.column_name(Field::Lon), lon_text)
                        }
                    };
                    let problem = coord_problem(e);
                    issues.push(Issue {
                        row,
                        external_id: external_id.clone(),
                        column: column.to_owned(),
                        value: value.to_owned(),
                        code: problem.code,
                        limit: problem.limit,
                        reason: problem.reason,
                        severity: Severity::Rejected,
                    });
                }
            }
            // A coordinate repeated in another column: the columns slid.
            if let Some(issue) = self.shifted(record, lat_text, lon_text) {
                issues.push(Issue {
                    external_id: external_id.clone(),
                    ..issue
                });
            }
        }
        let mut reject = |column: &str, value: &str, problem: Problem| {
            issues.push(Issue {
                row,
                external_id: external_id.clone(),
                column: column.to_owned(),
                value: value.to_owned(),
                code: problem.code,
                limit: problem.limit,
                reason: problem.reason,
                severity: Severity::Rejected,
            });
        };

        // A column mapped true-means-yes has no "no": it is not recorded.
        let recorded = |field: Field, value: Option<bool>| {
            value.filter(|&v| v || !self.mapping.true_means_yes(field))
        };
        let mut tri = |field: Field| -> Option<bool> {
            let (column, value) = self.cell(record, field)?;
            let read = parse_tri_state(value).unwrap_or_else(|e| {
                reject(column, value, e.into());
                None
            });
            recorded(field, read)
        };
        let mut wheelchair = tri(Field::Wheelchair);
        let mut baby_change = tri(Field::BabyChange);
        let mut family_room = tri(Field::FamilyRoom);
        let free = tri(Field::Free);

        let mut details = Details::default();
        for &fact in Fact::ALL {
            if let Some((column, value)) = self.cell(record, Field::Detail(fact)) {
                match fact.parse(value) {
                    Ok(Some(gongce_shared::details::Value::Bool(b))) => details.set(
                        fact,
                        recorded(Field::Detail(fact), Some(b))
                            .map(gongce_shared::details::Value::Bool),
                    ),
                    Ok(parsed) => details.set(fact, parsed),
                    Err(e) => reject(column, value, e.into()),
                }
            }
        }

        let access = self
            .cell(record, Field::Access)
            .and_then(|(column, value)| {
                value
                    .parse::<Access>()
                    .map_err(|e| reject(column, value, e.into()))
                    .ok()
            });
        let timezone = match self.cell(record, Field::Timezone) {
            None => self
                .options
                .timezone
                .or_else(|| position.map(crate::tz::zone_at)),
            Some((column, value)) => value
                .parse::<TimeZone>()
                .map_err(|e| reject(column, value, e.into()))
                .ok(),
        };
        let source_crs = match self.cell(record, Field::SourceCrs) {
            None => Some(crs),
            Some((column, value)) => value
                .parse::<Crs>()
                .map_err(|e| {
                    reject(
                        column,
                        value,
                        Problem::new("invalid_field", None, e.to_string()),
                    )
                })
                .ok(),
        };
        // Free text, cleaned and bounded as through the API.
        let mut bounded = |field: Field, max: usize| -> Option<String> {
            let (column, value) = self.cell(record, field)?;
            clean(value, max, false)
                .map_err(|e| reject(column, value, e.into()))
                .ok()
                .flatten()
        };
        let address = bounded(Field::Address, ADDRESS_MAX);
        let mut hours_note = bounded(Field::HoursNote, HOURS_NOTE_MAX);
        let operator = bounded(Field::Operator, OPERATOR_MAX);
        // A date (the start of that day where the toilet is) or a time; not
        // in the future.
        let last_verified = self
            .cell(record, Field::LastVerified)
            .and_then(|(column, value)| {
                verified_at(value, timezone.unwrap_or_default(), self.options.now)
                    .map_err(|reason| {
                        reject(column, value, Problem::new("invalid_field", None, reason))
                    })
                    .ok()
            });
        let text = |field: Field| self.cell(record, field).map(|(_, v)| v.to_owned());
        // Hours as people write them are read into OSM syntax, the text kept
        // as the note. Hours that cannot be read (wholly or in part) leave
        // open-now unknown, but not the toilet out: the text becomes the note
        // and the report says what was not understood.
        let mut opening_hours = None;
        if let Some((column, value)) = self.cell(record, Field::OpeningHours) {
            let written = match OpeningHours::parse(value) {
                Ok(hours) => {
                    let written = hours.written().map(str::to_owned);
                    opening_hours = Some(hours);
                    written
                }
                Err(e) => {
                    issues.push(Issue {
                        row,
                        external_id: external_id.clone(),
                        column: column.to_owned(),
                        value: value.to_owned(),
                        code: "hours_kept_as_note",
                        limit: None,
                        reason: format!("{}; kept as the hours note, open now unknown", e.reason),
                        severity: Severity::Warning,
                    });
                    Some(value.to_owned())
                }
            };
            if hours_note.is_none() {
                hours_note = written.and_then(|w| clean(&w, HOURS_NOTE_MAX, false).ok().flatten());
            }
        }

        if issues[before..]
            .iter()
            .any(|i| i.severity == Severity::Rejected)
        {
            return None;
        }
        let (Some(name), Some(position), Some(timezone), Some(source_crs)) =
            (name, position, timezone, source_crs)
        else {
            unreachable!("every missing value above was recorded as a rejection");
        };
        // A room's kind says which facility it is.
        let room = text(Field::Room);
        let name_text = crate::store::toilet_row::StoredName::stored(&name);
        let stem = name_stem(name_text);
        for label in [room.as_deref(), Some(name_text)].into_iter().flatten() {
            let kind = room_kind(label);
            if kind.wheelchair {
                wheelchair = Some(true);
            }
            if kind.baby_change {
                baby_change = Some(true);
            }
            if kind.family_room {
                family_room = Some(true);
            }
        }
        // A row that is a room of its venue (its name ends in a room word,
        // or the list says which room it is) is kept as a room of it.
        let room_word = name_text
            .trim()
            .strip_prefix(stem.as_str())
            .unwrap_or_default();
        if !room_word.is_empty() || room.is_some() {
            let kind = [room.as_deref(), Some(room_word)]
                .into_iter()
                .flatten()
                .map(RoomKind::of)
                .find(|k| *k != RoomKind::Other)
                .unwrap_or(RoomKind::Other);
            details.rooms = vec![Room {
                kind,
                external_id: external_id.clone(),
                name: name.as_ref().map(|n| n.as_str().to_owned()),
                wheelchair,
                baby_change,
                family_room,
                free,
            }];
        }
        Some(Candidate {
            row,
            stem,
            external_id,
            name,
            address,
            position,
            wheelchair,
            baby_change,
            family_room,
            free,
            details,
            access,
            opening_hours,
            hours_note,
            timezone,
            operator,
            source_crs,
            last_verified,
        })
    }

    fn column_name(&self, field: Field) -> &str {
        self.mapping
            .column_of(field)
            .map_or(field.name(), |at| self.headers[at].as_str())
    }

    /// Finds a precise coordinate repeated in a column that is not a
    /// coordinate column: the sign of cells that slid sideways.
    fn shifted(&self, record: &Record, lat: &str, lon: &str) -> Option<Issue> {
        let precise = |t: &str| t.split_once('.').is_some_and(|(_, d)| d.len() >= 3);
        let (lat_at, lon_at) = (
            self.mapping.column_of(Field::Lat),
            self.mapping.column_of(Field::Lon),
        );
        record.cells.iter().enumerate().find_map(|(i, cell)| {
            let cell = cell.trim();
            if Some(i) == lat_at || Some(i) == lon_at {
                return None;
            }
            let which = if cell == lat && precise(lat) {
                "latitude"
            } else if cell == lon && precise(lon) {
                "longitude"
            } else {
                return None;
            };
            Some(Issue {
                row: record.row,
                external_id: None,
                column: self.headers.get(i).cloned().unwrap_or_default(),
                value: cell.to_owned(),
                code: "columns_shifted",
                limit: None,
                reason: format!(
                    "the {which} appears again in this column: the row's columns look shifted"
                ),
                severity: Severity::Rejected,
            })
        })
    }
}

/// A coordinate out of its range, with the bound it broke.
fn coord_problem(e: gongce_shared::CoordError) -> Problem {
    let bound = match e {
        gongce_shared::CoordError::Latitude(_) => 90,
        gongce_shared::CoordError::Longitude(_) => 180,
    };
    Problem::new("out_of_range", Some(bound), e.to_string())
}

/// What a room label says about facilities.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RoomFacilities {
    pub wheelchair: bool,
    pub baby_change: bool,
    pub family_room: bool,
}

pub fn room_kind(label: &str) -> RoomFacilities {
    let has = |words: &[&str]| words.iter().any(|w| label.contains(w));
    RoomFacilities {
        wheelchair: has(&["無障礙", "无障碍", "殘障", "残障"]),
        baby_change: has(&["親子", "亲子", "母嬰", "母婴"]),
        // A parent-and-child room (親子廁所) is a family room too.
        family_room: has(&[
            "親子",
            "亲子",
            "性別友善",
            "性别友善",
            "第三卫生间",
            "第三衛生間",
            "家庭卫生间",
            "家庭衛生間",
        ]),
    }
}

/// Room words that end a name, longest first. Each ends in 廁/厕 or is a
/// facility word, so a name like "男孩公園" is never cut.
const ROOM_SUFFIXES: &[&str] = &[
    "性別友善廁所",
    "性别友善厕所",
    "無障礙廁所",
    "无障碍厕所",
    "無障礙廁",
    "无障碍厕",
    "性別友善廁",
    "性别友善厕",
    "性別友善",
    "性别友善",
    "混合廁所",
    "混合厕所",
    "親子廁所",
    "亲子厕所",
    "無障礙",
    "无障碍",
    "混合廁",
    "混合厕",
    "親子廁",
    "亲子厕",
    "女廁所",
    "男廁所",
    "女厕所",
    "男厕所",
    "第三卫生间",
    "親子",
    "亲子",
    "女廁",
    "男廁",
    "女厕",
    "男厕",
];

/// The venue part of a room's name: a trailing room word, in brackets or
/// after a dash, is dropped ("中寮鄉公所1F-男廁" → "中寮鄉公所1F").
pub fn name_stem(name: &str) -> String {
    const SEPARATORS: &[char] = &[' ', '-', '－', '_', '—', '–', '·', '、', '\u{3000}'];
    let mut s = name.trim();
    loop {
        let before = s;
        s = s.trim_end_matches(SEPARATORS);
        // "(女廁 )" / "（無障礙）"
        if let Some(inner_end) = s.strip_suffix(')').or_else(|| s.strip_suffix('）'))
            && let Some(open) = inner_end.rfind(['(', '（'])
        {
            let inner = inner_end[open..]
                .trim_start_matches(['(', '（'])
                .trim_matches(SEPARATORS);
            if is_room_word(inner) {
                s = &inner_end[..open];
                continue;
            }
        }
        if let Some(suffix) = ROOM_SUFFIXES
            .iter()
            .find(|w| s.ends_with(*w) && s.len() > w.len())
        {
            s = &s[..s.len() - suffix.len()];
        }
        if s == before {
            break;
        }
    }
    let s = s.trim_end_matches(SEPARATORS);
    if s.is_empty() {
        name.trim().to_owned()
    } else {
        s.to_owned()
    }
}

fn is_room_word(inner: &str) -> bool {
    let bare = inner
        .trim_end_matches("廁所")
        .trim_end_matches("厕所")
        .trim_end_matches(['廁', '厕'])
        .trim();
    matches!(
        bare,
        "女" | "男"
            | "無障礙"
            | "无障碍"
            | "親子"
            | "亲子"
            | "性別友善"
            | "性别友善"
            | "混合"
            | "第三卫生间"
            | "母婴室"
            | "母嬰室"
    ) || (bare.is_empty() && !inner.is_empty())
}

/// A last-checked date or time from a list: `2025-11-09` (the start of
/// that day in `zone`), `2025/11/09`, or RFC 3339; not after `now`.
fn verified_at(
    value: &str,
    zone: TimeZone,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::DateTime<chrono::Utc>, String> {
    use chrono::{NaiveDate, TimeZone as _, Utc};
    let at = match chrono::DateTime::parse_from_rfc3339(value) {
        Ok(t) => t.with_timezone(&Utc),
        Err(_) => {
            let day = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(value, f).ok())
                .ok_or("expected a date (2025-11-09) or an RFC 3339 time")?;
            let tz: chrono_tz::Tz = zone.tz();
            tz.from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight"))
                .earliest()
                .ok_or("not a time in the toilet's time zone")?
                .with_timezone(&Utc)
        }
    };
    if at > now {
        return Err("in the future".to_owned());
    }
    Ok(at)
}
