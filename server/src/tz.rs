//! A toilet's time zone from its position: the IANA zone whose boundary
//! holds it (tzf-rs, with the timezone-boundary-builder polygons bundled,
//! offline), so "open now" is read where the toilet is, not where the
//! server runs. Out at sea, where no zone's polygon reaches, the nautical
//! zone of its longitude (`Etc/GMT±N`).

use std::sync::LazyLock;

use gongce_shared::{LatLon, TimeZone};

static FINDER: LazyLock<tzf_rs::DefaultFinder> = LazyLock::new(tzf_rs::DefaultFinder::new);

/// The zone at `p`.
pub fn zone_at(p: LatLon) -> TimeZone {
    let name = FINDER.get_tz_name(p.lon(), p.lat());
    name.parse().unwrap_or_else(|_| nautical(p.lon()))
}

/// `Etc/GMT-8` is UTC+8: the POSIX sign, inverted.
fn nautical(lon: f64) -> TimeZone {
    let hours = (lon / 15.0).round() as i32;
    let name = match hours {
        0 => "Etc/GMT".to_owned(),
        h if h > 0 => format!("Etc/GMT-{}", h.min(12)),
        h => format!("Etc/GMT+{}", (-h).min(12)),
    };
    name.parse()
        .expect("every Etc/GMT±N from -12 to +12 is a zone")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lat: f64, lon: f64) -> &'static str {
        zone_at(LatLon::new(lat, lon).unwrap()).name()
    }

    #[test]
    fn zones_come_from_positions() {
        assert_eq!(at(24.1376, 120.6869), "Asia/Taipei"); // Taichung station
        assert_eq!(at(31.2990, 120.5853), "Asia/Shanghai"); // Suzhou
        assert_eq!(at(-33.8688, 151.2093), "Australia/Sydney");
        assert_eq!(at(60.1699, 24.9384), "Europe/Helsinki");
        assert_eq!(at(22.3193, 114.1694), "Asia/Hong_Kong");
        assert_eq!(at(-31.9523, 115.8613), "Australia/Perth");
    }

    #[test]
    fn the_open_sea_gets_its_nautical_zone() {
        // The middle of the Pacific and of the Indian Ocean.
        assert_eq!(nautical(-150.0).name(), "Etc/GMT+10");
        assert_eq!(nautical(80.0).name(), "Etc/GMT-5");
        assert_eq!(nautical(0.0).name(), "Etc/GMT");
        assert_eq!(nautical(180.0).name(), "Etc/GMT-12");
        let sea = at(-30.0, -130.0);
        assert!(
            sea.starts_with("Etc/") || sea.starts_with("Pacific/"),
            "{sea}"
        );
    }
}
