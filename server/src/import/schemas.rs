//! Lists whose columns we know by name, and what their values mean.
//!
//! A known list is recognised by its header set. Its columns whose values
//! need reading (several columns for one field, "False" that means "not
//! recorded") are read by [`Derived::cells`] into columns of our own field
//! names appended to each row; the source columns it reads fill no field
//! themselves, unless `--map` names them. The mapping tables are in
//! docs/IMPORT.md.

use serde::Serialize;

/// A list recognised by its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Schema {
    /// Australia's National Public Toilet Map export.
    AuNationalToiletMap,
    /// Taiwan's Ministry of Environment list (全國公廁建檔資料).
    TaiwanMoenv,
    /// OpenStreetMap (`.osm.pbf`, Overpass JSON), read by `osm.rs`.
    OpenStreetMap,
}

impl Schema {
    pub fn name(self) -> &'static str {
        match self {
            Schema::AuNationalToiletMap => "Australia's National Public Toilet Map",
            Schema::TaiwanMoenv => "Taiwan MOENV 全國公廁建檔資料",
            Schema::OpenStreetMap => "OpenStreetMap",
        }
    }
}

/// The National Public Toilet Map's columns that say a room is accessible.
const AU_ACCESSIBLE: [&str; 3] = ["AccessibleMale", "AccessibleFemale", "AccessibleUnisex"];

/// Its True/False columns read as "True is yes, False is not recorded"
/// into a field of ours one to one.
const AU_SUPPLIES: [(&str, &str); 8] = [
    ("BabyChange", "baby_change"),
    ("Showers", "shower"),
    ("DrinkingWater", "drinking_water"),
    ("Parking", "parking"),
    ("ParkingAccessible", "accessible_parking"),
    ("SharpsDisposal", "sharps_disposal"),
    ("SanitaryDisposal", "sanitary_disposal"),
    ("MLAK", "mlak"),
];

/// A known list's reading: the columns it reads, and the columns it adds.
#[derive(Debug, Clone)]
pub struct Derived {
    pub schema: Schema,
    /// The source columns read here (by position), which then fill no
    /// field of their own.
    pub reads: Vec<usize>,
    /// The columns added to each row, named as our fields.
    pub adds: Vec<String>,
    rule: Rule,
}

#[derive(Debug, Clone)]
enum Rule {
    Au {
        accessible: Vec<usize>,
        payment: usize,
        key: usize,
        mlak: usize,
        is_open: usize,
        supplies: Vec<usize>,
        address: [usize; 4],
        /// `Status`, and the day its `Verified` rows were checked.
        verified: Option<(usize, String)>,
    },
    /// Taiwan's list: its grade in Chinese (`grade_zh`, 不合格 where
    /// `grade` says "fail"); commercial premises (商業營業場所) for
    /// customers.
    Taiwan { category: usize },
}

fn position(headers: &[String], name: &str) -> Option<usize> {
    headers
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}').trim() == name)
}

impl Derived {
    /// The known list `headers` are the columns of, if any.
    /// `checked_on` is the day the list's publisher checked the rows it
    /// marks verified, when the list does not say.
    pub fn recognise(headers: &[String], checked_on: Option<chrono::NaiveDate>) -> Option<Derived> {
        let at = |name: &str| position(headers, name);
        let all = |names: &[&str]| names.iter().all(|n| at(n).is_some());
        if all(&[
            "ToiletID",
            "IsOpen",
            "PaymentRequired",
            "KeyRequired",
            "MLAK",
        ]) && all(&AU_ACCESSIBLE)
            && AU_SUPPLIES.iter().all(|(c, _)| at(c).is_some())
        {
            let address = ["address", "suburb", "state.abbr", "Postcode"].map(&at);
            let [Some(street), Some(suburb), Some(state), Some(postcode)] = address else {
                return None;
            };
            let rule = Rule::Au {
                accessible: AU_ACCESSIBLE.iter().filter_map(|n| at(n)).collect(),
                payment: at("PaymentRequired")?,
                key: at("KeyRequired")?,
                mlak: at("MLAK")?,
                is_open: at("IsOpen")?,
                supplies: AU_SUPPLIES.iter().filter_map(|(c, _)| at(c)).collect(),
                address: [street, suburb, state, postcode],
                verified: at("Status").zip(checked_on.map(|d| d.to_string())),
            };
            let mut reads: Vec<usize> = AU_ACCESSIBLE
                .iter()
                .chain(&["PaymentRequired", "KeyRequired", "IsOpen"])
                .chain(AU_SUPPLIES.iter().map(|(c, _)| c))
                .filter_map(|n| at(n))
                .collect();
            reads.extend([street, suburb, state, postcode]);
            let mut adds: Vec<String> = [
                "wheelchair",
                "free",
                "access",
                "opening_hours",
                "hours_note",
                "address",
            ]
            .map(str::to_owned)
            .to_vec();
            adds.extend(AU_SUPPLIES.iter().map(|(_, f)| (*f).to_owned()));
            if checked_on.is_some() {
                reads.extend(at("Status"));
                adds.push("last_verified".to_owned());
            }
            return Some(Derived {
                schema: Schema::AuNationalToiletMap,
                reads,
                adds,
                rule,
            });
        }
        if all(&[
            "name_zh",
            "address_zh",
            "grade",
            "grade_zh",
            "type_zh",
            "category_zh",
            "administration",
            "manager",
        ]) {
            return Some(Derived {
                schema: Schema::TaiwanMoenv,
                reads: vec![at("grade")?],
                adds: vec!["access".to_owned()],
                rule: Rule::Taiwan {
                    category: at("category_zh")?,
                },
            });
        }
        None
    }

    /// The added columns' cells for a row of the source's `cells`.
    pub fn cells(&self, cells: &[String]) -> Vec<String> {
        let cell = |i: usize| cells.get(i).map_or("", |c| c.trim());
        // "True" is yes; "False" is not recorded, as the map's own
        // documentation says of its fields.
        let yes = |i: usize| cell(i).eq_ignore_ascii_case("true");
        let when = |b: bool, v: &str| if b { v.to_owned() } else { String::new() };
        match &self.rule {
            Rule::Taiwan { category } => {
                vec![when(cell(*category) == "商業營業場所", "customers")]
            }
            Rule::Au {
                accessible,
                payment,
                key,
                mlak,
                is_open,
                supplies,
                address,
                verified,
            } => {
                let (hours, note) = match cell(*is_open) {
                    "AllHours" => ("24/7", ""),
                    "DaylightHours" => ("", "Daylight hours"),
                    "Variable" => ("", "Hours vary"),
                    _ => ("", ""),
                };
                let [street, suburb, state, postcode] = address.map(cell);
                let place = [suburb, state, postcode]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                let full = [street, place.as_str()]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut out = vec![
                    when(accessible.iter().any(|&i| yes(i)), "yes"),
                    when(yes(*payment), "no"),
                    when(yes(*key) || yes(*mlak), "key"),
                    hours.to_owned(),
                    note.to_owned(),
                    full,
                ];
                out.extend(supplies.iter().map(|&i| when(yes(i), "yes")));
                if let Some((status, day)) = verified {
                    out.push(when(cell(*status) == "Verified", day));
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_national_toilet_maps_false_is_not_recorded() {
        let headers: Vec<String> = "ToiletID,Name,address,suburb,Postcode,Male,Female,Unisex,AccessLimited,PaymentRequired,KeyRequired,Parking,AccessibleMale,AccessibleFemale,AccessibleUnisex,MLAK,ParkingAccessible,IsOpen,BabyChange,Showers,DrinkingWater,SharpsDisposal,SanitaryDisposal,IconAltText,Status,Latitude,Longitude,state.abbr"
            .split(',')
            .map(str::to_owned)
            .collect();
        let d = Derived::recognise(&headers, None).unwrap();
        assert_eq!(d.schema, Schema::AuNationalToiletMap);
        let row: Vec<String> = "1,Sandy Beach Reserve,West Road,Bassendean,6054,True,True,False,False,False,False,False,False,True,False,True,False,DaylightHours,False,True,False,True,False,x,Verified,-31.9,115.9,WA"
            .split(',')
            .map(str::to_owned)
            .collect();
        let added: Vec<(String, String)> = d
            .adds
            .iter()
            .cloned()
            .zip(d.cells(&row))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let want = [
            ("wheelchair", "yes"),
            ("access", "key"),
            ("hours_note", "Daylight hours"),
            ("address", "West Road, Bassendean WA 6054"),
            ("shower", "yes"),
            ("sharps_disposal", "yes"),
            ("mlak", "yes"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()));
        assert_eq!(added, want);
        assert_eq!(
            Derived::recognise(&headers[..5], None).map(|d| d.schema),
            None
        );
        // Given the day the list was checked, its Verified rows were checked then.
        let day = chrono::NaiveDate::from_ymd_opt(2016, 6, 30);
        let d = Derived::recognise(&headers, day).unwrap();
        assert_eq!(d.adds.last().map(String::as_str), Some("last_verified"));
        assert_eq!(d.cells(&row).last().map(String::as_str), Some("2016-06-30"));
    }
}
