use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A WGS-84 position: finite, latitude within -90..=90, longitude within -180..=180.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "RawLatLon")]
pub struct LatLon {
    lat: f64,
    lon: f64,
}

#[derive(Deserialize)]
struct RawLatLon {
    lat: f64,
    lon: f64,
}

impl TryFrom<RawLatLon> for LatLon {
    type Error = CoordError;
    fn try_from(raw: RawLatLon) -> Result<Self, CoordError> {
        LatLon::new(raw.lat, raw.lon)
    }
}

/// Why a coordinate was refused. Messages quote the bad value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CoordError {
    #[error("invalid latitude {0}: must be a finite number within -90..=90")]
    Latitude(f64),
    #[error("invalid longitude {0}: must be a finite number within -180..=180")]
    Longitude(f64),
}

impl LatLon {
    pub fn new(lat: f64, lon: f64) -> Result<Self, CoordError> {
        if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
            return Err(CoordError::Latitude(lat));
        }
        if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
            return Err(CoordError::Longitude(lon));
        }
        Ok(LatLon { lat, lon })
    }

    pub fn lat(self) -> f64 {
        self.lat
    }

    pub fn lon(self) -> f64 {
        self.lon
    }

    /// The point on the unit sphere. Chord length between two such points is
    /// monotonic in great-circle distance, so Euclidean nearest-neighbour
    /// search over these vectors is great-circle nearest-neighbour search.
    pub fn to_unit_vector(self) -> [f64; 3] {
        let (lat, lon) = (self.lat.to_radians(), self.lon.to_radians());
        [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_corners_of_the_world() {
        for (lat, lon) in [(90.0, 180.0), (-90.0, -180.0), (0.0, 0.0), (31.23, 121.47)] {
            let p = LatLon::new(lat, lon).unwrap();
            assert_eq!((p.lat(), p.lon()), (lat, lon));
        }
    }

    #[test]
    fn refuses_out_of_range_and_non_finite() {
        assert_eq!(LatLon::new(91.2, 0.0), Err(CoordError::Latitude(91.2)));
        assert_eq!(LatLon::new(0.0, -180.5), Err(CoordError::Longitude(-180.5)));
        assert!(matches!(
            LatLon::new(f64::NAN, 0.0),
            Err(CoordError::Latitude(_))
        ));
        assert!(LatLon::new(0.0, f64::INFINITY).is_err());
        assert!(LatLon::new(f64::NEG_INFINITY, 0.0).is_err());
        assert_eq!(
            LatLon::new(91.2, 0.0).unwrap_err().to_string(),
            "invalid latitude 91.2: must be a finite number within -90..=90"
        );
    }

    #[test]
    fn deserializing_validates() {
        let ok: LatLon = serde_json::from_str(r#"{"lat":1.5,"lon":2.5}"#).unwrap();
        assert_eq!(ok, LatLon::new(1.5, 2.5).unwrap());
        let err = serde_json::from_str::<LatLon>(r#"{"lat":100,"lon":2.5}"#).unwrap_err();
        assert!(err.to_string().contains("invalid latitude 100"), "{err}");
    }

    #[test]
    fn unit_vectors_have_length_one() {
        for (lat, lon) in [(90.0, 0.0), (-33.9, 151.2), (0.0, 180.0)] {
            let [x, y, z] = LatLon::new(lat, lon).unwrap().to_unit_vector();
            assert!(((x * x + y * y + z * z).sqrt() - 1.0).abs() < 1e-12);
        }
    }
}
