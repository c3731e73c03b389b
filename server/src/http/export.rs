//! Open data: every toilet on the map as CSV or GeoJSON, with its licence.

use std::sync::Arc;

use axum::{
    Json, Router,
    extract::State,
    http::header,
    response::{IntoResponse as _, Response},
    routing::get,
};

use super::{AppState, error::ApiError};
use crate::import::{self, ExportFormat};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/export", get(about))
        .route("/api/v1/export.csv", get(csv))
        .route("/api/v1/export.geojson", get(geojson))
}

/// What the open data is and under which terms.
#[utoipa::path(get, path = "/api/v1/export", tag = "open data",
    responses((status = 200, description = "licence, attribution, count and the download links")))]
async fn about(State(state): State<AppState>) -> Json<serde_json::Value> {
    let count = state.index.read().expect("index lock").len();
    Json(serde_json::json!({
        "licence": &*state.licence,
        "count": count,
        "formats": {
            "csv": "/api/v1/export.csv",
            "geojson": "/api/v1/export.geojson",
        },
    }))
}

/// Every toilet on the map as CSV (UTF-8 with a byte-order mark), in the
/// columns `gongce import` reads; text cells that a spreadsheet would run
/// as formulas are escaped with a leading `'`.
#[utoipa::path(get, path = "/api/v1/export.csv", tag = "open data",
    responses((status = 200, content_type = "text/csv", description = "the toilets; the licence is in the Link header")))]
async fn csv(State(state): State<AppState>) -> Result<Response, ApiError> {
    export(state, ExportFormat::Csv).await
}

/// Every toilet on the map as a GeoJSON FeatureCollection; `licence` holds
/// the terms and the attribution.
#[utoipa::path(get, path = "/api/v1/export.geojson", tag = "open data",
    responses((status = 200, content_type = "application/geo+json", description = "the toilets")))]
async fn geojson(State(state): State<AppState>) -> Result<Response, ApiError> {
    export(state, ExportFormat::Geojson).await
}

async fn export(state: AppState, format: ExportFormat) -> Result<Response, ApiError> {
    // One reference count per toilet under the lock; the writing after it.
    let toilets = state.index.read().expect("index lock").all();
    let licence = Arc::clone(&state.licence);
    let body = tokio::task::spawn_blocking(move || {
        let mut body = Vec::with_capacity(toilets.len() * 300);
        import::export(&toilets, format, &licence, &mut body).map(|()| body)
    })
    .await
    .map_err(|e| ApiError::internal(e.into()))?
    .map_err(ApiError::internal)?;
    let (content_type, name) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "gongce-toilets.csv"),
        _ => ("application/geo+json", "gongce-toilets.geojson"),
    };
    let link = format!("<{}>; rel=\"license\"", state.licence.url);
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::LINK, link),
        ],
        body,
    )
        .into_response())
}
