//! What the web app needs from the server: its settings (map tiles and
//! where to look first) and its files.

use axum::{Json, Router, extract::State, routing::get};
use gongce_shared::{Crs, LatLon};
use serde::Serialize;

use super::AppState;

/// Map tiles: where from, under which attribution, in which coordinate system.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Tiles {
    pub url: String,
    /// Plain text; the web app shows it as text, never as markup.
    pub attribution: String,
    /// Where the attribution links to (the presets' copyright pages).
    pub attribution_url: Option<String>,
    pub crs: Crs,
    pub subdomains: Option<String>,
    pub max_zoom: u8,
}

impl Tiles {
    /// A preset by name (`osm`, `amap`, `tianditu:KEY`) or a URL template
    /// with its coordinate system and attribution.
    pub fn from_setting(setting: &str, crs: Crs, attribution: &str) -> Result<Tiles, String> {
        Ok(match setting.trim() {
            "osm" => Tiles {
                url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png".into(),
                attribution: "© OpenStreetMap contributors".into(),
                attribution_url: Some("https://www.openstreetmap.org/copyright".into()),
                crs: Crs::Wgs84,
                subdomains: None,
                max_zoom: 19,
            },
            // Amap's road tiles are in GCJ-02: markers are shifted to match.
            "amap" => Tiles {
                url: "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}".into(),
                attribution: "© 高德地图 AutoNavi".into(),
                attribution_url: None,
                crs: Crs::Gcj02,
                subdomains: Some("1234".into()),
                max_zoom: 18,
            },
            t if t.starts_with("tianditu:") => Tiles {
                url: format!(
                    "https://t{{s}}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={}",
                    &t["tianditu:".len()..]
                ),
                attribution: "© 天地图 Tianditu".into(),
                attribution_url: Some("https://www.tianditu.gov.cn".into()),
                crs: Crs::Wgs84,
                subdomains: Some("01234567".into()),
                max_zoom: 18,
            },
            t if t.starts_with("https://") || t.starts_with("http://") => Tiles {
                url: t.into(),
                attribution: attribution.into(),
                attribution_url: None,
                crs,
                subdomains: None,
                max_zoom: 19,
            },
            other => {
                return Err(format!(
                    "invalid --tiles {other:?}: expected osm, amap, tianditu:KEY or an http(s) URL template"
                ));
            }
        })
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AppConfig {
    pub tiles: Tiles,
    /// Where the app looks before it knows the resident's position: the
    /// middle of the toilets served.
    #[schema(value_type = Option<Object>)]
    pub center: Option<LatLon>,
}

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/app-config", get(app_config))
}

/// Settings for the web app.
#[utoipa::path(get, path = "/api/v1/app-config", tag = "toilets",
    responses((status = 200, body = AppConfig)))]
async fn app_config(State(state): State<AppState>) -> Json<AppConfig> {
    Json(AppConfig {
        tiles: state.tiles.as_ref().clone(),
        center: state.map_center,
    })
}

/// The median position of `points`: a sensible first view for a city or a
/// country, unmoved by a few far-off records.
pub fn median_center(points: impl Iterator<Item = LatLon>) -> Option<LatLon> {
    let (mut lats, mut lons): (Vec<f64>, Vec<f64>) = points.map(|p| (p.lat(), p.lon())).unzip();
    if lats.is_empty() {
        return None;
    }
    let mid = lats.len() / 2;
    let lat = *lats.select_nth_unstable_by(mid, f64::total_cmp).1;
    let lon = *lons.select_nth_unstable_by(mid, f64::total_cmp).1;
    LatLon::new(lat, lon).ok()
}
