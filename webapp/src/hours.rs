//! The hours editor's model: one setting per weekday, written as
//! OpenStreetMap `opening_hours` ("Mo-Fr 07:00-21:00; Sa,Su off").

/// One day's hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayHours {
    Closed,
    AllDay,
    /// From and to, "HH:MM" (to before from runs past midnight).
    Open(String, String),
}

/// Monday first, as OSM has it.
pub const DAYS: [&str; 7] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

impl DayHours {
    fn osm(&self) -> String {
        match self {
            DayHours::Closed => "off".to_owned(),
            DayHours::AllDay => "00:00-24:00".to_owned(),
            DayHours::Open(from, to) => format!("{from}-{to}"),
        }
    }
}

/// The week in OSM syntax: runs of days alike share a rule ("Mo-Fr", or
/// "Sa,Su" for two); a week alike is "Mo-Su …", and open all the time "24/7".
pub fn to_osm(week: &[DayHours; 7]) -> String {
    if week.iter().all(|d| *d == DayHours::AllDay) {
        return "24/7".to_owned();
    }
    let mut rules = Vec::new();
    let mut start = 0;
    while start < 7 {
        let mut end = start;
        while end + 1 < 7 && week[end + 1] == week[start] {
            end += 1;
        }
        let days = match end - start {
            0 => DAYS[start].to_owned(),
            1 => format!("{},{}", DAYS[start], DAYS[end]),
            _ => format!("{}-{}", DAYS[start], DAYS[end]),
        };
        rules.push(format!("{days} {}", week[start].osm()));
        start = end + 1;
    }
    rules.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(from: &str, to: &str) -> DayHours {
        DayHours::Open(from.into(), to.into())
    }

    #[test]
    fn weeks_are_written_as_osm() {
        assert_eq!(
            to_osm(&std::array::from_fn(|_| open("06:00", "22:00"))),
            "Mo-Su 06:00-22:00"
        );
        assert_eq!(to_osm(&std::array::from_fn(|_| DayHours::AllDay)), "24/7");
        let week = std::array::from_fn(|d| {
            if d < 5 {
                open("07:00", "21:00")
            } else {
                DayHours::Closed
            }
        });
        assert_eq!(to_osm(&week), "Mo-Fr 07:00-21:00; Sa,Su off");
        let mut week: [DayHours; 7] = std::array::from_fn(|_| open("08:00", "18:00"));
        week[4] = open("08:00", "22:00");
        week[6] = DayHours::AllDay;
        assert_eq!(
            to_osm(&week),
            "Mo-Th 08:00-18:00; Fr 08:00-22:00; Sa 08:00-18:00; Su 00:00-24:00"
        );
    }

    /// What the editor writes, the server reads: each rule as the shared
    /// parser has it.
    #[test]
    fn the_server_reads_what_the_editor_writes() {
        let mut week: [DayHours; 7] = std::array::from_fn(|_| open("07:30", "21:00"));
        week[5] = DayHours::Closed;
        week[6] = open("22:00", "06:00");
        let osm = to_osm(&week);
        assert!(gongce_shared::OpeningHours::parse(&osm).is_ok(), "{osm}");
        let all_day: [DayHours; 7] = std::array::from_fn(|d| {
            if d == 0 {
                DayHours::AllDay
            } else {
                DayHours::Closed
            }
        });
        let osm = to_osm(&all_day);
        assert!(gongce_shared::OpeningHours::parse(&osm).is_ok(), "{osm}");
    }
}
