//! Finding toilets: nearest, in a viewport, by id.

use axum::{
    Json, Router,
    extract::{Path, RawQuery, State},
    http::header,
    response::{IntoResponse as _, Response},
    routing::get,
};
use gongce_shared::{
    Toilet, ToiletId,
    api::{
        BboxQuery, FeatureCollectionType, FeatureType, NearbyQuery, PointGeometry, PointType,
        SearchQuery,
    },
};
use serde::Serialize;

use super::{AppState, error::ApiError};
use crate::index::Criteria;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/toilets/nearby", get(nearby))
        .route("/api/v1/toilets/search", get(search))
        .route("/api/v1/toilets", get(in_bbox))
        .route("/api/v1/toilets/{id}", get(by_id))
}

/// The wire shape of `gongce_shared::api::NearbyResponse` and of
/// `SearchResponse`, each toilet serialised from the record found.
#[derive(Serialize)]
struct ResultsView<'a> {
    results: Vec<ResultView<'a>>,
}

#[derive(Serialize)]
struct ResultView<'a> {
    /// Always given by `/nearby`; by a search only from a position.
    #[serde(skip_serializing_if = "Option::is_none")]
    distance_m: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bearing_deg: Option<f64>,
    open_now: Option<bool>,
    changes_at: Option<chrono::DateTime<chrono::Utc>>,
    toilet: &'a Toilet,
}

impl<'a> ResultView<'a> {
    /// `toilet` as found from `from`, if a position was given, at `now`.
    fn of(
        toilet: &'a Toilet,
        from: Option<gongce_shared::LatLon>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        let (open_now, changes_at) = crate::index::hours_at(toilet, now, true);
        let to = toilet.position;
        ResultView {
            distance_m: from.map(|at| tenths(crate::index::distance_m(at, to))),
            bearing_deg: from.map(|at| tenths(crate::index::bearing_deg(at, to)) % 360.0),
            open_now,
            changes_at,
            toilet,
        }
    }
}

/// A JSON response from a value serialised into a buffer of about the
/// right size (growing it as we go was a visible cost under load).
fn json_response(value: &impl Serialize, capacity: usize) -> Result<Response, ApiError> {
    let mut body = Vec::with_capacity(capacity);
    serde_json::to_writer(&mut body, value).map_err(|e| ApiError::internal(e.into()))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// The nearest toilets that fit, nearest first.
#[utoipa::path(
    get,
    path = "/api/v1/toilets/nearby",
    tag = "toilets",
    params(
        ("lat" = f64, Query, description = "latitude, WGS-84, -90..=90"),
        ("lon" = f64, Query, description = "longitude, WGS-84, -180..=180"),
        ("limit" = Option<u32>, Query, description = "1..=100, default 10"),
        ("radius_m" = Option<f64>, Query, description = "only toilets within this many metres"),
        ("wheelchair" = Option<bool>, Query, description = "only toilets known to be wheelchair accessible"),
        ("baby_change" = Option<bool>, Query, description = "only toilets known to have baby changing"),
        ("family_room" = Option<bool>, Query, description = "only toilets known to have a family / all-gender room"),
        ("free" = Option<bool>, Query, description = "only toilets known to be free of charge"),
        ("seated" = Option<bool>, Query, description = "only toilets known to have a seated toilet"),
        ("step_free" = Option<bool>, Query, description = "only toilets known to be step-free from the street"),
        ("adult_changing" = Option<bool>, Query, description = "only toilets known to have an adult changing bench (成人护理台)"),
        ("open_now" = Option<bool>, Query, description = "only toilets known to be open now, in their own time zone"),
        ("hide_reported_closed" = Option<bool>, Query, description = "leave out toilets several residents reported closed or gone"),
        ("include_unknown" = Option<bool>, Query, description = "the facility filters and open_now also keep toilets whose answer is unknown (only a known no is left out)"),
    ),
    responses(
        (status = 200, body = gongce_shared::api::NearbyResponse),
        (status = 400, description = "a parameter is missing or invalid; the message names it", body = gongce_shared::api::ErrorBody),
    )
)]
pub(super) async fn nearby(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let q = NearbyQuery::from_query(query.as_deref().unwrap_or_default())?;
    let criteria = Criteria {
        filters: q.filters,
        now: state.now(),
    };
    let index = state.index.read().expect("index lock");
    let hits = index.nearest(q.at, q.limit as usize, q.radius_m, &criteria);
    // The hits hold their toilets: writers need not wait for the answer.
    drop(index);
    let results = hits
        .iter()
        .map(|hit| ResultView::of(&hit.toilet, Some(q.at), criteria.now))
        .collect();
    json_response(&ResultsView { results }, 64 + 640 * hits.len())
}

/// Rounds to one decimal: 0.1 m and 0.1° are finer than any phone's fix,
/// and shorter numbers make a shorter answer.
fn tenths(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Toilets by name or place.
#[utoipa::path(
    get,
    path = "/api/v1/toilets/search",
    tag = "toilets",
    params(
        ("q" = String, Query, description = "what to look for in the name, address, operator or English name: 1–64 characters, spaces not counted; case, full-width forms and Simplified/Traditional Chinese do not matter"),
        ("lat" = Option<f64>, Query, description = "with lon: rank by distance from here (WGS-84); alone, left aside"),
        ("lon" = Option<f64>, Query, description = "with lat; alone, left aside"),
        ("limit" = Option<u32>, Query, description = "1..=50, default 10"),
    ),
    responses(
        (status = 200, body = gongce_shared::api::SearchResponse),
        (status = 400, description = "q is missing, blank or longer than 64 characters, or a parameter is invalid; the message names it", body = gongce_shared::api::ErrorBody),
    )
)]
pub(super) async fn search(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let q = SearchQuery::from_query(query.as_deref().unwrap_or_default())?;
    let folded = crate::index::search::fold(&q.q);
    let now = state.now();
    let index = state.index.read().expect("index lock");
    let found = index.search(&folded, q.at, q.limit as usize);
    drop(index);
    let results = found.iter().map(|t| ResultView::of(t, q.at, now)).collect();
    json_response(&ResultsView { results }, 64 + 640 * found.len())
}

/// The wire shape of `gongce_shared::api::ToiletCollection`.
#[derive(Serialize)]
struct CollectionView<'a> {
    #[serde(rename = "type")]
    kind: FeatureCollectionType,
    features: Vec<FeatureView<'a>>,
    truncated: bool,
    unknown: usize,
}

#[derive(Serialize)]
struct FeatureView<'a> {
    #[serde(rename = "type")]
    kind: FeatureType,
    id: ToiletId,
    geometry: PointGeometry,
    properties: &'a Toilet,
}

/// The toilets in a map viewport, as GeoJSON.
#[utoipa::path(
    get,
    path = "/api/v1/toilets",
    tag = "toilets",
    params(
        ("bbox" = String, Query, description = "min_lon,min_lat,max_lon,max_lat (WGS-84); min_lon > max_lon crosses the antimeridian"),
        ("limit" = Option<u32>, Query, description = "1..=5000, default 1000; beyond it the toilets nearest the box centre are kept and `truncated` is true"),
        ("wheelchair" = Option<bool>, Query),
        ("baby_change" = Option<bool>, Query),
        ("family_room" = Option<bool>, Query),
        ("free" = Option<bool>, Query),
        ("seated" = Option<bool>, Query),
        ("step_free" = Option<bool>, Query),
        ("adult_changing" = Option<bool>, Query),
        ("open_now" = Option<bool>, Query),
        ("hide_reported_closed" = Option<bool>, Query),
        ("include_unknown" = Option<bool>, Query),
    ),
    responses(
        (status = 200, description = "a GeoJSON FeatureCollection; each feature's properties are the toilet", body = gongce_shared::api::ToiletCollection),
        (status = 400, body = gongce_shared::api::ErrorBody),
    )
)]
pub(super) async fn in_bbox(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let q = BboxQuery::from_query(query.as_deref().unwrap_or_default())?;
    let criteria = Criteria {
        filters: q.filters,
        now: state.now(),
    };
    let index = state.index.read().expect("index lock");
    let within = index.within(&q.bbox, q.limit as usize, &criteria);
    drop(index);
    let features: Vec<FeatureView<'_>> = within
        .toilets
        .iter()
        .map(|t| FeatureView {
            kind: FeatureType::Feature,
            id: t.id,
            geometry: PointGeometry {
                kind: PointType::Point,
                coordinates: [t.position.lon(), t.position.lat()],
            },
            properties: t,
        })
        .collect();
    let capacity = 64 + 700 * features.len();
    json_response(
        &CollectionView {
            kind: FeatureCollectionType::FeatureCollection,
            features,
            truncated: within.truncated,
            unknown: within.unknown,
        },
        capacity,
    )
}

/// One toilet, including a removed one (its status says so).
#[utoipa::path(
    get,
    path = "/api/v1/toilets/{id}",
    tag = "toilets",
    params(("id" = i64, Path, description = "the toilet's id")),
    responses(
        (status = 200, body = Toilet),
        (status = 400, description = "the id is not a positive integer", body = gongce_shared::api::ErrorBody),
        (status = 404, body = gongce_shared::api::ErrorBody),
    )
)]
pub(super) async fn by_id(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let id: ToiletId = raw.parse().map_err(|e: gongce_shared::ParseError| {
        ApiError::invalid_parameter("id", &raw, e.reason)
    })?;
    let served = state.index.read().expect("index lock").get(id);
    if let Some(toilet) = served {
        return json_response(&*toilet, 1024);
    }
    match state.store.toilet(id).await? {
        Some(toilet) => Ok(Json(toilet).into_response()),
        None => Err(ApiError::not_found(format!("no toilet with id {id}"))),
    }
}
