//! The coordinate systems Chinese maps use, and conversion to and from WGS-84.
//!
//! GCJ-02 (国测局坐标, used by Amap, Tencent and WeChat) adds a published,
//! deterministic offset of a few hundred metres to WGS-84 positions inside
//! mainland China; BD-09 (Baidu) applies a further rotation and shift to
//! GCJ-02. Positions outside mainland China are not shifted by GCJ-02, so
//! conversion leaves them alone (BD-09's own shift still applies).
//!
//! The forward formulas are the published ones (as in eviltransform and
//! PRCoords). The inverses are solved by fixed-point iteration rather than
//! the usual one-step approximation, so a round trip lands within
//! millimetres, not metres.

use std::{f64::consts::PI, fmt, str::FromStr};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{CoordError, LatLon};

/// A coordinate reference system a toilet list can be published in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Crs {
    /// GPS, OpenStreetMap, Tianditu: what gongce stores.
    #[default]
    Wgs84,
    /// Amap (高德), Tencent, WeChat: "Mars coordinates".
    Gcj02,
    /// Baidu (百度).
    Bd09,
}

impl Crs {
    pub const ALL: [Crs; 3] = [Crs::Wgs84, Crs::Gcj02, Crs::Bd09];

    pub fn as_str(self) -> &'static str {
        match self {
            Crs::Wgs84 => "wgs84",
            Crs::Gcj02 => "gcj02",
            Crs::Bd09 => "bd09",
        }
    }

    /// The WGS-84 position of a point given in this system.
    pub fn to_wgs84(self, lat: f64, lon: f64) -> Result<LatLon, CoordError> {
        let p = LatLon::new(lat, lon)?;
        let (lat, lon) = match self {
            Crs::Wgs84 => return Ok(p),
            Crs::Gcj02 => gcj02_to_wgs84(lat, lon),
            Crs::Bd09 => {
                let (lat, lon) = bd09_to_gcj02(lat, lon);
                gcj02_to_wgs84(lat, lon)
            }
        };
        LatLon::new(lat, lon)
    }

    /// This system's coordinates (latitude, longitude) for a WGS-84 position.
    pub fn from_wgs84(self, p: LatLon) -> (f64, f64) {
        match self {
            Crs::Wgs84 => (p.lat(), p.lon()),
            Crs::Gcj02 => wgs84_to_gcj02(p.lat(), p.lon()),
            Crs::Bd09 => {
                let (lat, lon) = wgs84_to_gcj02(p.lat(), p.lon());
                gcj02_to_bd09(lat, lon)
            }
        }
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown coordinate system name, quoted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown coordinate system {0:?}: expected wgs84, gcj02 or bd09")]
pub struct UnknownCrs(pub String);

impl FromStr for Crs {
    type Err = UnknownCrs;
    fn from_str(s: &str) -> Result<Self, UnknownCrs> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_', ' '], "")
            .as_str()
        {
            "wgs84" | "epsg4326" | "gps" => Ok(Crs::Wgs84),
            "gcj02" | "gcj" | "mars" | "amap" | "tencent" => Ok(Crs::Gcj02),
            "bd09" | "bd09ll" | "baidu" => Ok(Crs::Bd09),
            _ => Err(UnknownCrs(s.to_owned())),
        }
    }
}

/// Whether GCJ-02 shifts this point: inside mainland China, by the mask
/// of coordtransform (OpenStreetMap's boundary of China, simplified; Hong
/// Kong and Macau carved out, Taiwan outside it; data © OpenStreetMap
/// contributors, ODbL 1.0). Not Seoul, Pyongyang, Hanoi, Ulaanbaatar or
/// Delhi, which a bounding box of China takes in.
pub fn is_shifted(lat: f64, lon: f64) -> bool {
    coordtransform::is_in_gcj02_region(lon, lat)
}

const A: f64 = 6_378_245.0;
const EE: f64 = 0.006_693_421_622_965_943;

fn delta(lat: f64, lon: f64) -> (f64, f64) {
    let (x, y) = (lon - 105.0, lat - 35.0);
    let common = (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    let mut d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    d_lat += common;
    d_lat += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    d_lat += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    let mut d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    d_lon += common;
    d_lon += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    d_lon += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;

    let rad_lat = lat / 180.0 * PI;
    let magic = 1.0 - EE * rad_lat.sin().powi(2);
    let sqrt_magic = magic.sqrt();
    (
        d_lat * 180.0 / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI),
        d_lon * 180.0 / (A / sqrt_magic * rad_lat.cos() * PI),
    )
}

pub fn wgs84_to_gcj02(lat: f64, lon: f64) -> (f64, f64) {
    if !is_shifted(lat, lon) {
        return (lat, lon);
    }
    let (d_lat, d_lon) = delta(lat, lon);
    (lat + d_lat, lon + d_lon)
}

/// Solves `wgs84_to_gcj02(w) = g` for `w`: the offset changes slowly, so
/// `w ← w - (forward(w) - g)` converges in a few steps. A position is
/// read as shifted when the point it comes from is in the mainland: near
/// the border (within the offset, some 500 m), a GCJ-02 position could be
/// either a shifted mainland point or an unshifted one across it, and the
/// mainland reading is the likelier for a Chinese list.
pub fn gcj02_to_wgs84(lat: f64, lon: f64) -> (f64, f64) {
    let shifted = invert(lat, lon, |lat, lon| {
        let (d_lat, d_lon) = delta(lat, lon);
        (lat + d_lat, lon + d_lon)
    });
    if is_shifted(shifted.0, shifted.1) {
        shifted
    } else {
        (lat, lon)
    }
}

const X_PI: f64 = PI * 3000.0 / 180.0;

pub fn gcj02_to_bd09(lat: f64, lon: f64) -> (f64, f64) {
    let z = (lon * lon + lat * lat).sqrt() + 0.000_02 * (lat * X_PI).sin();
    let theta = lat.atan2(lon) + 0.000_003 * (lon * X_PI).cos();
    (z * theta.sin() + 0.006, z * theta.cos() + 0.0065)
}

pub fn bd09_to_gcj02(lat: f64, lon: f64) -> (f64, f64) {
    invert(lat, lon, gcj02_to_bd09)
}

fn invert(lat: f64, lon: f64, forward: impl Fn(f64, f64) -> (f64, f64)) -> (f64, f64) {
    let (mut w_lat, mut w_lon) = (lat, lon);
    for _ in 0..30 {
        let (f_lat, f_lon) = forward(w_lat, w_lon);
        let (e_lat, e_lon) = (f_lat - lat, f_lon - lon);
        w_lat -= e_lat;
        w_lon -= e_lon;
        if e_lat.abs() < 1e-10 && e_lon.abs() < 1e-10 {
            break;
        }
    }
    (w_lat, w_lon)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Metres between two nearby points (equirectangular is exact enough here).
    fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
        let k = 6_371_000.0 * PI / 180.0;
        let dy = (a.0 - b.0) * k;
        let dx = (a.1 - b.1) * k * a.0.to_radians().cos();
        (dx * dx + dy * dy).sqrt()
    }

    #[test]
    fn known_points_match_the_published_algorithm() {
        // Tiananmen: WGS-84 39.9087, 116.3975 is GCJ-02 ≈ 39.91010, 116.40374
        // (Amap's own coordinates for the square), a shift of ~570 m.
        let gcj = wgs84_to_gcj02(39.9087, 116.3975);
        assert!(metres(gcj, (39.9101, 116.4037)) < 30.0, "{gcj:?}");
        let shift = metres(gcj, (39.9087, 116.3975));
        assert!((400.0..800.0).contains(&shift), "shift {shift} m");
        // BD-09 is a further ~700 m to the north-east of GCJ-02 there.
        let bd = gcj02_to_bd09(gcj.0, gcj.1);
        assert!(bd.0 > gcj.0 && bd.1 > gcj.1);
        assert!((500.0..1200.0).contains(&metres(bd, gcj)));
    }

    /// Within the offset of the mainland's edge a GCJ-02 position reads
    /// either way (see `gcj02_to_wgs84`).
    fn near_the_edge(lat: f64, lon: f64) -> bool {
        let here = is_shifted(lat, lon);
        [(-0.02, 0.0), (0.02, 0.0), (0.0, -0.02), (0.0, 0.02)]
            .iter()
            .any(|(a, b)| is_shifted(lat + a, lon + b) != here)
    }

    #[test]
    fn round_trips_land_within_a_centimetre_all_over_china() {
        let mut worst: f64 = 0.0;
        let mut lat = 18.2;
        while lat < 53.5 {
            let mut lon = 73.7;
            while lon < 135.0 {
                if near_the_edge(lat, lon) {
                    lon += 0.37;
                    continue;
                }
                let p = LatLon::new(lat, lon).unwrap();
                for crs in Crs::ALL {
                    let (a, b) = crs.from_wgs84(p);
                    let back = crs.to_wgs84(a, b).unwrap();
                    worst = worst.max(metres((lat, lon), (back.lat(), back.lon())));
                }
                lon += 0.37;
            }
            lat += 0.29;
        }
        assert!(worst < 0.01, "worst round trip {worst} m");
    }

    #[test]
    fn only_mainland_points_are_shifted() {
        // Shanghai, Xiamen (Fujian coast) and Ürümqi are shifted.
        for (lat, lon) in [
            (31.23, 121.47),
            (24.48, 118.09),
            (43.82, 87.61),
            (25.45, 119.8),
        ] {
            assert!(is_shifted(lat, lon), "{lat},{lon}");
        }
        // Taipei, Kaohsiung, Penghu, Hong Kong, Macau, Sydney, London and
        // Tokyo are not; nor are the capitals and cities next to China that
        // its bounding box takes in.
        for (lat, lon) in [
            (25.03, 121.56),
            (22.62, 120.30),
            (23.57, 119.58),
            (22.28, 114.16),
            (22.19, 113.54),
            (-33.87, 151.21),
            (51.5, -0.12),
            (35.68, 139.76),
            (37.5665, 126.9780),
            (39.0392, 125.7625),
            (21.0285, 105.8542),
            (47.8864, 106.9057),
            (28.6139, 77.2090),
            (43.1198, 131.8869),
            (43.2220, 76.8512),
        ] {
            assert!(!is_shifted(lat, lon), "{lat},{lon}");
            assert_eq!(wgs84_to_gcj02(lat, lon), (lat, lon));
            assert_eq!(gcj02_to_wgs84(lat, lon), (lat, lon));
        }
        // Shenzhen and Zhuhai, across the water from them, are shifted.
        assert!(is_shifted(22.54, 114.06));
        assert!(is_shifted(22.27, 113.57));
    }

    #[test]
    fn names_parse_and_bad_ones_are_quoted() {
        assert_eq!("WGS84".parse(), Ok(Crs::Wgs84));
        assert_eq!("gcj-02".parse(), Ok(Crs::Gcj02));
        assert_eq!("BD09".parse(), Ok(Crs::Bd09));
        let err = "utm50n".parse::<Crs>().unwrap_err();
        assert!(err.to_string().contains("\"utm50n\""));
    }
}
