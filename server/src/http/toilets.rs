//! Finding toilets: nearest, in a viewport, by id.

use axum::{
    Router,
    extract::{Path, RawQuery, State},
    http::header,
    response::{IntoResponse as _, Response},
    routing::get,
};
use gongce_shared::{
    Toilet, ToiletId,
    api::{BboxQuery, NearbyQuery, SearchQuery},
};

use super::{AppState, error::ApiError, render};
use crate::index::{Criteria, Interner, Record};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/toilets/nearby", get(nearby))
        .route("/api/v1/toilets/search", get(search))
        .route("/api/v1/toilets", get(in_bbox))
        .route("/api/v1/toilets/{id}", get(by_id))
}

/// `toilet` as found from `from`, if a position was given, at `now`.
fn found(
    toilet: &Record,
    from: Option<gongce_shared::LatLon>,
    now: chrono::DateTime<chrono::Utc>,
) -> render::Found<'_> {
    let (open_now, changes_at) = crate::index::hours_at(toilet, now, true);
    let to = toilet.position();
    render::Found {
        from: from.map(|at| {
            (
                tenths(crate::index::distance_m(at, to)),
                tenths(crate::index::bearing_deg(at, to)) % 360.0,
            )
        }),
        open_now,
        changes_at,
        toilet,
    }
}

/// A JSON response from JSON written by [`render`].
fn json_response(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
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
    let results: Vec<_> = hits
        .iter()
        .map(|hit| found(&hit.toilet, Some(q.at), criteria.now))
        .collect();
    Ok(json_response(render::results(&results)))
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
    let matches = index.search(&folded, q.at, q.limit as usize);
    drop(index);
    let results: Vec<_> = matches.iter().map(|t| found(t, q.at, now)).collect();
    Ok(json_response(render::results(&results)))
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
    Ok(json_response(render::collection(
        within.toilets.iter().map(|t| &**t),
        within.truncated,
        within.unknown,
    )))
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
    // Served from the index; a removed one (not in it) from the store.
    let served = state.index.read().expect("index lock").get(id);
    let toilet = match served {
        Some(toilet) => toilet,
        None => match state.store.toilet(id).await? {
            Some(toilet) => std::sync::Arc::new(Record::new(&toilet, &mut Interner::default())),
            None => return Err(ApiError::not_found(format!("no toilet with id {id}"))),
        },
    };
    let mut body = Vec::with_capacity(1024);
    render::toilet(&mut body, &toilet);
    Ok(json_response(body))
}
