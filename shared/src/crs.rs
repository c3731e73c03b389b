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

/// Whether GCJ-02 shifts this point: inside the published bounding box of
/// China, except Taiwan and Penghu (whose maps are not shifted).
pub fn is_shifted(lat: f64, lon: f64) -> bool {
    let in_china_box = (72.004..=137.8347).contains(&lon) && (0.8293..=55.8271).contains(&lat);
    in_china_box && !in_taiwan(lat, lon)
}

/// Taiwan and Penghu as a pentagon that keeps clear of Fujian's coast
/// (Kinmen and Matsu, next to the coast, are treated as shifted).
fn in_taiwan(lat: f64, lon: f64) -> bool {
    // Counter-clockwise corners (lon, lat).
    const CORNERS: [(f64, f64); 5] = [
        (119.2, 23.0),
        (120.7, 21.7),
        (122.2, 24.5),
        (121.7, 25.6),
        (119.2, 24.0),
    ];
    // A point is inside a convex polygon when it is left of every edge.
    (0..CORNERS.len()).all(|i| {
        let (x1, y1) = CORNERS[i];
        let (x2, y2) = CORNERS[(i + 1) % CORNERS.len()];
        (x2 - x1) * (lat - y1) - (y2 - y1) * (lon - x1) >= 0.0
    })
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
/// `w ← w - (forward(w) - g)` converges in a few steps.
pub fn gcj02_to_wgs84(lat: f64, lon: f64) -> (f64, f64) {
    invert(lat, lon, wgs84_to_gcj02)
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

fn invert(lat: f64, lon: f64, forward: fn(f64, f64) -> (f64, f64)) -> (f64, f64) {
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

    #[test]
    fn round_trips_land_within_a_centimetre_all_over_china() {
        let mut worst: f64 = 0.0;
        let mut lat = 18.2;
        while lat < 53.5 {
            let mut lon = 73.7;
            while lon < 135.0 {
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
        // Taipei, Kaohsiung, Penghu, Sydney, London and Tokyo are not.
        for (lat, lon) in [
            (25.03, 121.56),
            (22.62, 120.30),
            (23.57, 119.58),
            (-33.87, 151.21),
            (51.5, -0.12),
            (35.68, 139.76),
        ] {
            assert!(!is_shifted(lat, lon), "{lat},{lon}");
            assert_eq!(wgs84_to_gcj02(lat, lon), (lat, lon));
        }
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
